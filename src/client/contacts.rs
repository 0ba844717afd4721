//! Contacts, message requests and our own profile.

use super::{Inner, LogLevel, META_AVATAR_KEY, META_AVATAR_URL, META_DISPLAY_NAME, META_PROFILE_UPDATED};
use crate::crypto::avatar;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::SessionId;
use crate::store::Store;
use crate::wire::proto::{Content, DataMessage, LokiProfile, MessageRequestResponse};

/// Session's limit on display names (bytes).
pub const MAX_NAME_BYTES: usize = 100;

pub(crate) fn store_display_name(store: &Store, name: &str) -> Result<()> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_NAME_BYTES {
        return Err(Error::invalid_argument(format!("a display name is 1 to {MAX_NAME_BYTES} bytes")));
    }
    store.meta_set(META_DISPLAY_NAME, name.as_bytes())?;
    touch_profile(store)
}

/// Our profile as it travels with messages (the avatar's key goes beside it, see
/// [`own_profile_key`]).
fn own_profile(inner: &Inner) -> Result<Option<LokiProfile>> {
    let name = inner.store.meta_get_string(META_DISPLAY_NAME)?;
    let picture = inner.store.meta_get_string(META_AVATAR_URL)?;
    if name.is_none() && picture.is_none() {
        return Ok(None);
    }
    let updated = inner.store.meta_get_string(META_PROFILE_UPDATED)?.and_then(|s| s.parse().ok());
    Ok(Some(LokiProfile { display_name: name, profile_picture: picture, last_profile_update_seconds: updated }))
}

/// The key of our avatar (`profileKey` beside the profile), when we have one.
fn own_profile_key(inner: &Inner) -> Result<Option<Vec<u8>>> {
    inner.store.meta_get(META_AVATAR_KEY)
}

/// An empty data message carrying what every one we send carries: our profile and the key of
/// its avatar. Fill in the rest with `DataMessage { body, ..profiled(inner)? }`.
pub(crate) fn profiled(inner: &Inner) -> Result<DataMessage> {
    Ok(DataMessage { profile: own_profile(inner)?, profile_key: own_profile_key(inner)?, ..Default::default() })
}

fn touch_profile(store: &Store) -> Result<()> {
    let now_s = crate::clock::local_now_ms() / 1000;
    store.meta_set(META_PROFILE_UPDATED, now_s.to_string().as_bytes())
}

/// Our avatar as a URL and key (from here or synced from another device).
pub(crate) fn own_avatar(store: &Store) -> Result<Option<(String, [u8; 32])>> {
    let (Some(url), Some(key)) = (store.meta_get_string(META_AVATAR_URL)?, store.meta_get(META_AVATAR_KEY)?) else { return Ok(None) };
    Ok(<[u8; 32]>::try_from(key.as_slice()).ok().map(|k| (url, k)))
}

/// Record our avatar (or with `None`, none) locally; returns whether it changed.
pub(crate) fn store_own_avatar(store: &Store, avatar: Option<(&str, &[u8; 32])>) -> Result<bool> {
    let current = own_avatar(store)?;
    if current.as_ref().map(|(u, k)| (u.as_str(), k)) == avatar {
        return Ok(false);
    }
    match avatar {
        Some((url, key)) => {
            store.meta_set(META_AVATAR_URL, url.as_bytes())?;
            store.meta_set(META_AVATAR_KEY, key)?;
        }
        None => {
            store.meta_delete(META_AVATAR_URL)?;
            store.meta_delete(META_AVATAR_KEY)?;
        }
    }
    touch_profile(store)?;
    Ok(true)
}

/// Set our profile picture: JPEG metadata removed (unless disabled), encrypted under a fresh
/// profile key, uploaded through an onion request; then it travels with our messages and to
/// our other devices. `None` removes it.
pub(crate) async fn set_profile_picture(inner: &Inner, image: Option<&[u8]>) -> Result<()> {
    let Some(image) = image else {
        if store_own_avatar(&inner.store, None)? {
            super::config_sync::profile_changed(inner)?;
        }
        return Ok(());
    };
    if image.is_empty() {
        return Err(Error::invalid_argument("a profile picture cannot be empty"));
    }
    if image.len() > avatar::MAX_AVATAR_BYTES {
        return Err(Error::new(ErrorKind::TooLarge, format!("a profile picture is at most {} bytes", avatar::MAX_AVATAR_BYTES)));
    }
    let image = crate::media::jpeg::strip_metadata_if(image.to_vec(), inner.config.strip_jpeg_metadata)?;
    let key = avatar::new_key();
    let blob = avatar::encrypt(&image, &key)?;
    let up = crate::net::file_server::upload(&inner.network, blob, &crate::net::network::Transfer::default()).await?;
    store_own_avatar(&inner.store, Some((&up.url, &key)))?;
    super::config_sync::profile_changed(inner)
}

/// Download and decrypt a profile picture: ours (`None`) or a contact's, as their latest
/// message or our synced config announced it. `Ok(None)` when there is none.
pub(crate) async fn profile_picture(inner: &Inner, session_id: Option<&str>) -> Result<Option<Vec<u8>>> {
    let avatar = match session_id.map(canonical).transpose()? {
        None => own_avatar(&inner.store)?,
        Some(id) if id == inner.session_id().to_hex() => own_avatar(&inner.store)?,
        Some(id) => inner.store.contact_avatar(&id)?,
    };
    let Some((url, key)) = avatar else { return Ok(None) };
    let location = crate::net::file_server::locate(&url, inner.network.config())?;
    let blob = crate::net::file_server::download(&inner.network, &location, &crate::net::network::Transfer::default()).await?;
    avatar::decrypt(&blob, &key, location.deterministic).map(Some)
}

fn canonical(session_id: &str) -> Result<String> {
    Ok(SessionId::parse(session_id)?.to_hex())
}

fn changed(inner: &Inner, id: &str) {
    super::config_sync::contact_changed(inner, id);
}

pub(crate) fn add_contact(inner: &Inner, session_id: &str, nickname: Option<&str>) -> Result<()> {
    let id = canonical(session_id)?;
    if id == inner.session_id().to_hex() {
        return Err(Error::invalid_argument("you cannot add yourself as a contact"));
    }
    inner.store.set_approved(&id, true)?;
    if let Some(n) = nickname {
        validate_nickname(n)?;
        inner.store.set_nickname(&id, Some(n))?;
    }
    changed(inner, &id);
    Ok(())
}

fn validate_nickname(n: &str) -> Result<()> {
    if n.is_empty() || n.len() > MAX_NAME_BYTES {
        return Err(Error::invalid_argument(format!("a nickname is 1 to {MAX_NAME_BYTES} bytes")));
    }
    Ok(())
}

fn require_contact(inner: &Inner, id: &str) -> Result<crate::store::Contact> {
    inner.store.contact(id)?.ok_or_else(|| Error::new(ErrorKind::NotFound, format!("{id} is not a known contact")))
}

pub(crate) fn set_nickname(inner: &Inner, session_id: &str, nickname: Option<&str>) -> Result<()> {
    let id = canonical(session_id)?;
    require_contact(inner, &id)?;
    if let Some(n) = nickname {
        validate_nickname(n)?;
    }
    inner.store.set_nickname(&id, nickname)?;
    changed(inner, &id);
    Ok(())
}

pub(crate) fn remove_contact(inner: &Inner, session_id: &str) -> Result<()> {
    let id = canonical(session_id)?;
    if !inner.store.remove_contact(&id)? {
        return Err(Error::new(ErrorKind::NotFound, format!("{id} is not a known contact")));
    }
    changed(inner, &id);
    Ok(())
}

/// Accept a message request without replying: the sender becomes a contact and is told so
/// with a `MessageRequestResponse` (as Session apps do), which carries our profile.
pub(crate) fn accept_request(inner: &Inner, session_id: &str) -> Result<()> {
    let id = canonical(session_id)?;
    let c = require_contact(inner, &id)?;
    if c.blocked {
        return Err(Error::new(ErrorKind::Blocked, format!("{id} is blocked; unblock before accepting")));
    }
    inner.store.set_approved(&id, true)?;
    send_request_response(inner, &id)?;
    changed(inner, &id);
    Ok(())
}

pub(crate) fn send_request_response(inner: &Inner, id: &str) -> Result<()> {
    let to = SessionId::parse(id)?;
    let content = Content {
        message_request_response: Some(MessageRequestResponse {
            is_approved: true,
            profile_key: own_profile_key(inner)?,
            profile: own_profile(inner)?,
        }),
        sig_timestamp: Some(inner.next_sent_ts() as u64),
        ..Default::default()
    };
    super::send::queue_control(inner, &to, &content)
}

/// Decline a message request: delete its conversation and forget the sender (a later message
/// from them is a new request).
pub(crate) fn decline_request(inner: &Inner, session_id: &str) -> Result<()> {
    let id = canonical(session_id)?;
    let c = require_contact(inner, &id)?;
    if c.approved {
        return Err(Error::invalid_argument(format!("{id} is a contact, not a pending request")));
    }
    inner.store.delete_conversation(&id)?;
    inner.store.remove_contact(&id)?;
    changed(inner, &id);
    Ok(())
}

/// Block or unblock. Blocking a pending request also deletes it. Messages from a blocked
/// Session ID are dropped unread; sending to one is refused.
pub(crate) fn set_blocked(inner: &Inner, session_id: &str, blocked: bool) -> Result<()> {
    let id = canonical(session_id)?;
    if id == inner.session_id().to_hex() {
        return Err(Error::invalid_argument("you cannot block yourself"));
    }
    let was_request = inner.store.contact(&id)?.is_some_and(|c| !c.approved);
    inner.store.set_blocked(&id, blocked)?;
    if blocked && was_request {
        inner.store.delete_conversation(&id)?;
    }
    inner.log(LogLevel::Info, || format!("{} {id}", if blocked { "blocked" } else { "unblocked" }));
    changed(inner, &id);
    Ok(())
}
