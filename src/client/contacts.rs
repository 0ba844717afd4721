//! Contacts and message requests: add, rename, remove, accept, decline, block. Every change is
//! shared with our other devices (`sync`) and reported as a `ContactChanged` event.

use super::events::LogLevel;
use super::own_profile::{own_profile, own_profile_key, MAX_NAME_BYTES};
use super::state::ClientState;
use super::{outbox, sync};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::SessionId;
use crate::wire::proto::{Content, MessageRequestResponse};

fn canonical(session_id: &str) -> Result<String> {
    Ok(SessionId::parse(session_id)?.to_hex())
}

fn changed(client: &ClientState, id: &str) {
    sync::contact_changed(client, id);
}

pub(crate) fn add_contact(client: &ClientState, session_id: &str, nickname: Option<&str>) -> Result<()> {
    let id = canonical(session_id)?;
    if id == client.session_id().to_hex() {
        return Err(Error::invalid_argument("you cannot add yourself as a contact"));
    }
    client.store.set_approved(&id, true)?;
    if let Some(n) = nickname {
        validate_nickname(n)?;
        client.store.set_nickname(&id, Some(n))?;
    }
    changed(client, &id);
    Ok(())
}

fn validate_nickname(n: &str) -> Result<()> {
    if n.is_empty() || n.len() > MAX_NAME_BYTES {
        return Err(Error::invalid_argument(format!("a nickname is 1 to {MAX_NAME_BYTES} bytes")));
    }
    Ok(())
}

fn require_contact(client: &ClientState, id: &str) -> Result<crate::store::Contact> {
    client.store.contact(id)?.ok_or_else(|| Error::new(ErrorKind::NotFound, format!("{id} is not a known contact")))
}

pub(crate) fn set_nickname(client: &ClientState, session_id: &str, nickname: Option<&str>) -> Result<()> {
    let id = canonical(session_id)?;
    require_contact(client, &id)?;
    if let Some(n) = nickname {
        validate_nickname(n)?;
    }
    client.store.set_nickname(&id, nickname)?;
    changed(client, &id);
    Ok(())
}

pub(crate) fn remove_contact(client: &ClientState, session_id: &str) -> Result<()> {
    let id = canonical(session_id)?;
    if !client.store.remove_contact(&id)? {
        return Err(Error::new(ErrorKind::NotFound, format!("{id} is not a known contact")));
    }
    changed(client, &id);
    Ok(())
}

/// Accept a message request without replying: the sender becomes a contact and is told so
/// with a `MessageRequestResponse` (as Session apps do), which carries our profile.
pub(crate) fn accept_request(client: &ClientState, session_id: &str) -> Result<()> {
    let id = canonical(session_id)?;
    let c = require_contact(client, &id)?;
    if c.blocked {
        return Err(Error::new(ErrorKind::Blocked, format!("{id} is blocked; unblock before accepting")));
    }
    client.store.set_approved(&id, true)?;
    send_request_response(client, &id)?;
    changed(client, &id);
    Ok(())
}

pub(crate) fn send_request_response(client: &ClientState, id: &str) -> Result<()> {
    let to = SessionId::parse(id)?;
    let content = Content {
        message_request_response: Some(MessageRequestResponse {
            is_approved: true,
            profile_key: own_profile_key(&client.store)?,
            profile: own_profile(&client.store)?,
        }),
        sig_timestamp: Some(client.next_sent_ts() as u64),
        ..Default::default()
    };
    outbox::queue_control(client, &to, &content)
}

/// Decline a message request: delete its conversation and forget the sender (a later message
/// from them is a new request).
pub(crate) fn decline_request(client: &ClientState, session_id: &str) -> Result<()> {
    let id = canonical(session_id)?;
    let c = require_contact(client, &id)?;
    if c.approved {
        return Err(Error::invalid_argument(format!("{id} is a contact, not a pending request")));
    }
    client.store.delete_conversation(&id)?;
    client.store.remove_contact(&id)?;
    changed(client, &id);
    Ok(())
}

/// Block or unblock. Blocking a pending request also deletes it. Messages from a blocked
/// Session ID are dropped unread; sending to one is refused.
pub(crate) fn set_blocked(client: &ClientState, session_id: &str, blocked: bool) -> Result<()> {
    let id = canonical(session_id)?;
    if id == client.session_id().to_hex() {
        return Err(Error::invalid_argument("you cannot block yourself"));
    }
    let was_request = client.store.contact(&id)?.is_some_and(|c| !c.approved);
    client.store.set_blocked(&id, blocked)?;
    if blocked && was_request {
        client.store.delete_conversation(&id)?;
    }
    client.events.log(LogLevel::Info, || format!("{} {id}", if blocked { "blocked" } else { "unblocked" }));
    changed(client, &id);
    Ok(())
}
