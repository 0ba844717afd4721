//! Our own profile as this device stores it (display name, avatar URL and key, when it last
//! changed), and the profile every message we send carries. Storage only: telling our other
//! devices is `sync`'s part, uploading a picture `profile`'s.

use crate::error::{Error, Result};
use crate::store::Store;
use crate::wire::proto::{DataMessage, LokiProfile};

pub(crate) const META_DISPLAY_NAME: &str = "display_name";
pub(crate) const META_PROFILE_UPDATED: &str = "profile_updated_s";
pub(crate) const META_AVATAR_URL: &str = "avatar_url";
pub(crate) const META_AVATAR_KEY: &str = "avatar_key";

/// Session's limit on display names (bytes).
pub(crate) const MAX_NAME_BYTES: usize = 100;

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
pub(crate) fn own_profile(store: &Store) -> Result<Option<LokiProfile>> {
    let name = store.meta_get_string(META_DISPLAY_NAME)?;
    let picture = store.meta_get_string(META_AVATAR_URL)?;
    if name.is_none() && picture.is_none() {
        return Ok(None);
    }
    let updated = store.meta_get_string(META_PROFILE_UPDATED)?.and_then(|s| s.parse().ok());
    Ok(Some(LokiProfile { display_name: name, profile_picture: picture, last_profile_update_seconds: updated }))
}

/// The key of our avatar (`profileKey` beside the profile), when we have one.
pub(crate) fn own_profile_key(store: &Store) -> Result<Option<Vec<u8>>> {
    store.meta_get(META_AVATAR_KEY)
}

/// An empty data message carrying what every one we send carries: our profile and the key of
/// its avatar. Fill in the rest with `DataMessage { body, ..profiled(store)? }`.
pub(crate) fn profiled(store: &Store) -> Result<DataMessage> {
    Ok(DataMessage { profile: own_profile(store)?, profile_key: own_profile_key(store)?, ..Default::default() })
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

/// Our display name, if we have one.
pub(crate) fn display_name(store: &Store) -> Result<Option<String>> {
    store.meta_get_string(META_DISPLAY_NAME)
}
