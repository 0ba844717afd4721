//! Receiving: open what the poller retrieved, commit it to the database, then emit events.
//! A message that fails to open or parse is logged and skipped; it never stops the poller.

use super::events::{Event, LogLevel};
use super::own_profile::MAX_NAME_BYTES;
use super::state::ClientState;
use super::{contacts, groups, pointers, sync};
use crate::crypto::session_protocol;
use crate::error::{Error, Result};
use crate::identity::SessionId;
use crate::store::ConversationKind;
use crate::wire::proto::{Content, DataMessage};
use crate::wire::rpc::Retrieved;
use crate::wire::{envelope, padding};
use prost::Message as _;

/// Handle one retrieved namespace-0 message. Returns whether it was new.
pub(crate) fn handle(client: &std::sync::Arc<ClientState>, msg: &Retrieved) -> Result<bool> {
    if client.store.seen(&msg.hash)? {
        return Ok(false);
    }
    let outcome = open_and_apply(client, msg);
    // Remember the hash either way: a message that cannot be opened now never will be.
    client.store.mark_seen(&msg.hash, msg.expiration)?;
    match outcome {
        Ok(new) => Ok(new),
        Err(e) if e.kind() == crate::ErrorKind::Database => Err(e),
        Err(e) => {
            client.events.log(LogLevel::Warn, || format!("skipped undecryptable or malformed message {}: {e}", msg.hash));
            Ok(false)
        }
    }
}

fn open_and_apply(client: &std::sync::Arc<ClientState>, msg: &Retrieved) -> Result<bool> {
    let env = envelope::unwrap(&msg.data)?;
    let ct = env.content.as_deref().unwrap_or_default();
    let opened = session_protocol::decrypt_incoming(&client.identity, ct)?;
    let content = Content::decode(padding::unpad(&opened.plaintext))?;
    let sent_ts = content.sig_timestamp.map(|t| t as i64).unwrap_or(env.timestamp as i64);
    apply(client, &opened.sender, sent_ts, &content, &msg.hash)
}

fn apply(client: &std::sync::Arc<ClientState>, sender: &SessionId, sent_ts: i64, content: &Content, hash: &str) -> Result<bool> {
    let me = client.session_id();
    let from = sender.to_hex();
    if from != me.to_hex() && client.store.contact(&from)?.is_some_and(|c| c.blocked) {
        client.events.log(LogLevel::Debug, || format!("dropped a message from blocked {from}"));
        return Ok(false);
    }
    if let Some(dm) = &content.data_message {
        if let Some(u) = &dm.group_update_message {
            return apply_group_control(client, sender, sent_ts, u);
        }
        return apply_data_message(client, sender, sent_ts, dm, hash);
    }
    if let Some(resp) = &content.message_request_response {
        if resp.is_approved && from != me.to_hex() {
            client.store.set_approved_me(&from, true)?;
            if let Some(p) = &resp.profile {
                record_profile(client, &from, p, resp.profile_key.as_deref())?;
            }
            sync::contact_changed(client, &from);
        }
        return Ok(true);
    }
    if let Some(unsend) = &content.unsend_request {
        // Only the author may unsend their message.
        if unsend.author == from {
            if let Some(m) = client.store.message_by_author_ts(&from, unsend.timestamp as i64)? {
                client.store.delete_message(m.id)?;
                client.events.log(LogLevel::Info, || format!("{from} unsent message {}", m.id));
            }
        }
        return Ok(true);
    }
    client.events.log(LogLevel::Debug, || format!("ignored a control message from {from} (receipt, typing or call)"));
    Ok(false)
}

/// A profile (and the avatar's key, which travels beside it) from a message. An avatar URL
/// counts only with a 32-byte key.
fn record_profile(client: &ClientState, from: &str, p: &crate::wire::proto::LokiProfile, key: Option<&[u8]>) -> Result<bool> {
    let name = p.display_name.as_deref().filter(|n| !n.is_empty() && n.len() <= MAX_NAME_BYTES);
    let key = key.filter(|k| k.len() == 32);
    let picture = p.profile_picture.as_deref().filter(|u| !u.is_empty() && key.is_some());
    client.store.update_profile(from, name, picture, picture.and(key), p.last_profile_update_seconds.unwrap_or(0) as i64)
}

fn apply_data_message(client: &ClientState, sender: &SessionId, sent_ts: i64, dm: &DataMessage, hash: &str) -> Result<bool> {
    let me = client.session_id().to_hex();
    let from = sender.to_hex();
    let body = dm.body.as_deref();
    let extra = None;
    let attachments = pointers::records_from(dm);
    if from == me {
        // Our own message, sent from another device (or our own sync copy coming back).
        let conversation = match &dm.sync_target {
            Some(t) => SessionId::parse(t).map_err(|e| e.context("syncTarget"))?.to_hex(),
            None => me.clone(), // Note to Self
        };
        let id = client.store.insert_incoming(
            &conversation,
            ConversationKind::Direct,
            &me,
            true,
            body,
            sent_ts,
            Some(hash),
            extra,
            &attachments,
        )?;
        if let Some(id) = id {
            let message = client.store.require_message(id)?;
            client.activity.touch();
            client.events.emit(Event::MessageSynced { message });
        }
        return Ok(id.is_some());
    }
    if dm.sync_target.is_some() {
        return Err(Error::malformed("a sync message from someone else"));
    }
    let created = client.store.ensure_contact(&from)?;
    let mut contact = client.store.contact(&from)?.ok_or_else(|| Error::internal("contact vanished"))?;
    let mut contact_changed = created;
    if !contact.approved_me {
        client.store.set_approved_me(&from, true)?;
        contact_changed = true;
    }
    if let Some(p) = &dm.profile {
        contact_changed |= record_profile(client, &from, p, dm.profile_key.as_deref())?;
    }
    let was_request_conversation = !contact.approved;
    if was_request_conversation && client.config.auto_accept_requests {
        client.store.set_approved(&from, true)?;
        contacts::send_request_response(client, &from)?;
        contact.approved = true;
        contact_changed = true;
    }
    let Some(id) =
        client.store.insert_incoming(&from, ConversationKind::Direct, &from, false, body, sent_ts, Some(hash), extra, &attachments)?
    else {
        return Ok(false);
    };
    client.activity.touch();
    let is_request = !contact.approved;
    // Read everything the events carry before emitting any: a host acting on the first (say,
    // declining the request) may delete the message.
    let message = client.store.require_message(id)?;
    let first_of_request = is_request && client.store.history(&from, 0, 2)?.len() == 1;
    if contact_changed {
        sync::contact_changed(client, &from);
    }
    if first_of_request {
        client.events.emit(Event::MessageRequest { session_id: from.clone(), message_id: id });
    }
    client.events.emit(Event::MessageReceived { message, is_request });
    Ok(true)
}

/// Group control messages that arrive 1:1: invites and promotions. Invites from blocked
/// senders were already dropped.
fn apply_group_control(
    client: &std::sync::Arc<ClientState>,
    sender: &SessionId,
    sent_ts: i64,
    u: &crate::wire::proto::GroupUpdateMessage,
) -> Result<bool> {
    if let Some(inv) = &u.invite_message {
        groups::receive_invite(client, sender, sent_ts, inv)?;
        return Ok(true);
    }
    if let Some(p) = &u.promote_message {
        groups::receive_promotion(client, sender, p)?;
        return Ok(true);
    }
    client.events.log(LogLevel::Debug, || format!("ignored a group update sent 1:1 by {sender}"));
    Ok(false)
}
