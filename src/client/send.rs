//! Sending: compose, seal and write to the outbox in one transaction, then wake the sender
//! task. Nothing goes to the network from the caller's thread.

use super::events::Event;
use super::outbox::{approve_recipient, message_copies};
use super::own_profile::profiled;
use super::state::ClientState;
use super::{groups, pointers};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::SessionId;
use crate::store::{ConversationKind, MessageState, NewOutgoing};
use crate::wire::proto::DataMessage;

/// Session's practical limit for a text body, well inside the 76 800-byte store limit.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

pub(crate) fn send_text(client: &ClientState, to: &str, body: &str) -> Result<i64> {
    if body.is_empty() {
        return Err(Error::invalid_argument("a text message cannot be empty"));
    }
    if body.len() > MAX_TEXT_BYTES {
        return Err(Error::new(ErrorKind::TooLarge, format!("a text message is at most {MAX_TEXT_BYTES} bytes")));
    }
    if to.starts_with("03") {
        let group = crate::identity::AccountId::parse_with(to, crate::identity::IdPrefix::Group)?;
        let dm = DataMessage { body: Some(body.to_string()), ..profiled(&client.store)? };
        return groups::send_data(client, &group, dm, body, vec![]);
    }
    let to = SessionId::parse(to)?;
    send_data_message(client, &to, DataMessage { body: Some(body.to_string()), ..Default::default() }, Some(body), None)
}

/// Queue any data message (text, attachments, quotes) to a Session ID.
pub(crate) fn send_data_message(
    client: &ClientState,
    to: &SessionId,
    mut dm: DataMessage,
    body: Option<&str>,
    extra: Option<&str>,
) -> Result<i64> {
    let to_hex = to.to_hex();
    if client.store.contact(&to_hex)?.is_some_and(|c| c.blocked) {
        return Err(Error::new(ErrorKind::Blocked, format!("{to_hex} is blocked; unblock to send")));
    }
    let DataMessage { profile, profile_key, .. } = profiled(&client.store)?;
    (dm.profile, dm.profile_key) = (profile, profile_key);
    let sent_ts = client.next_sent_ts();
    let attachments = vec![];
    let me = client.session_id().to_hex();
    let copies = message_copies(client, to, dm, sent_ts)?;
    let id = client.store.insert_outgoing(&NewOutgoing {
        conversation: &to_hex,
        kind: ConversationKind::Direct,
        sender: &me,
        body,
        sent_ts,
        extra,
        copies,
        attachments,
    })?;
    approve_recipient(client, &to_hex)?;
    client.events.emit(Event::MessageState { message_id: id, conversation: to_hex, state: MessageState::Sending });
    client.activity.touch();
    client.wake.sender.notify_one();
    Ok(id)
}

/// Re-queue a failed message (same timestamp, so receivers dedupe it): failed uploads are
/// retried first; otherwise fresh copies go to the outbox.
pub(crate) fn resend(client: &ClientState, message_id: i64) -> Result<()> {
    let m = client.store.require_message(message_id)?;
    if !m.outgoing || m.state != MessageState::Failed {
        return Err(Error::invalid_argument(format!("message {message_id} is not a failed outgoing message")));
    }
    let deadline = crate::clock::local_now_ms() + client.config.send_retry_window.as_millis() as i64;
    if client.store.retry_uploads(message_id, deadline)? > 0 {
        client.store.set_message_state(message_id, MessageState::Sending)?;
        client.events.emit(Event::MessageState { message_id, conversation: m.conversation, state: MessageState::Sending });
        client.wake.uploader.notify_one();
        return Ok(());
    }
    let records = client.store.attachments(message_id)?;
    if records.iter().any(|a| a.info.state != crate::store::AttachmentState::Uploaded) {
        return Err(Error::invalid_argument("this message's attachments can no longer be uploaded (their file is gone); send it again"));
    }
    let dm = DataMessage { body: m.body.clone(), attachments: records.iter().map(pointers::pointer).collect(), ..profiled(&client.store)? };
    let copies = if m.conversation.starts_with("03") {
        vec![groups::group_copy(client, &m.conversation, dm, m.sent_ts)?]
    } else {
        message_copies(client, &SessionId::parse(&m.conversation)?, dm, m.sent_ts)?
    };
    if client.store.requeue(message_id, &copies)? {
        client.events.emit(Event::MessageState { message_id, conversation: m.conversation, state: MessageState::Sending });
        client.wake.sender.notify_one();
    }
    Ok(())
}
