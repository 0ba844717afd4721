//! Sending: compose, seal and write to the outbox in one transaction, then wake the sender
//! task. Nothing goes to the network from the caller's thread.

use super::{contacts, Event, Inner};
use crate::crypto::session_protocol;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::SessionId;
use crate::store::{ConversationKind, MessageState, NewOutgoing, OutboxCopy};
use crate::wire::proto::{Content, DataMessage};
use crate::wire::{envelope, padding};
use prost::Message as _;

/// Session's practical limit for a text body, well inside the 76 800-byte store limit.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// The bytes stored for `to`: padded Content, sealed, in an Envelope and WebSocket wrapper.
pub(crate) fn seal_1o1(inner: &Inner, to: &SessionId, content: &Content, sent_ts: i64) -> Vec<u8> {
    let sealed = session_protocol::encrypt_for_recipient(&inner.identity, to, &padding::pad(&content.encode_to_vec()));
    envelope::wrap_1o1(sealed, sent_ts as u64)
}

fn copy_for(inner: &Inner, to: &SessionId, data: Vec<u8>, primary: bool, sent_ts: i64) -> OutboxCopy {
    let ttl = inner.config.message_ttl.as_millis() as i64;
    OutboxCopy {
        destination: to.to_hex(),
        namespace: 0,
        data,
        ttl_ms: ttl,
        primary,
        deadline: sent_ts.max(crate::clock::local_now_ms()) + inner.config.send_retry_window.as_millis() as i64,
    }
}

/// The copies of a data message: one for the recipient and, unless it is Note to Self, a sync
/// copy for our own swarm (with `syncTarget`) so our other devices see it. Pure (no database),
/// so it may run inside a store transaction.
pub(crate) fn message_copies(inner: &Inner, to: &SessionId, dm: DataMessage, sent_ts: i64) -> Result<Vec<OutboxCopy>> {
    let me = inner.session_id();
    let content = Content { data_message: Some(dm.clone()), sig_timestamp: Some(sent_ts as u64), ..Default::default() };
    let mut out = vec![copy_for(inner, to, seal_1o1(inner, to, &content, sent_ts), true, sent_ts)];
    if *to != me {
        let mut sync_dm = dm;
        sync_dm.sync_target = Some(to.to_hex());
        let sync = Content { data_message: Some(sync_dm), sig_timestamp: Some(sent_ts as u64), ..Default::default() };
        out.push(copy_for(inner, &me, seal_1o1(inner, &me, &sync, sent_ts), false, sent_ts));
    }
    Ok(out)
}

pub(crate) fn send_text(inner: &Inner, to: &str, body: &str) -> Result<i64> {
    if body.is_empty() {
        return Err(Error::invalid_argument("a text message cannot be empty"));
    }
    if body.len() > MAX_TEXT_BYTES {
        return Err(Error::new(ErrorKind::TooLarge, format!("a text message is at most {MAX_TEXT_BYTES} bytes")));
    }
    if to.starts_with("03") {
        let group = crate::identity::AccountId::parse_with(to, crate::identity::IdPrefix::Group)?;
        let dm = DataMessage { body: Some(body.to_string()), ..contacts::profiled(inner)? };
        return super::groups::send_data(inner, &group, dm, body, vec![]);
    }
    let to = SessionId::parse(to)?;
    send_data_message(inner, &to, DataMessage { body: Some(body.to_string()), ..Default::default() }, Some(body), None)
}

/// Queue any data message (text, attachments, quotes) to a Session ID.
pub(crate) fn send_data_message(
    inner: &Inner,
    to: &SessionId,
    mut dm: DataMessage,
    body: Option<&str>,
    extra: Option<&str>,
) -> Result<i64> {
    let to_hex = to.to_hex();
    if inner.store.contact(&to_hex)?.is_some_and(|c| c.blocked) {
        return Err(Error::new(ErrorKind::Blocked, format!("{to_hex} is blocked; unblock to send")));
    }
    let DataMessage { profile, profile_key, .. } = contacts::profiled(inner)?;
    (dm.profile, dm.profile_key) = (profile, profile_key);
    let sent_ts = inner.next_sent_ts();
    let attachments = vec![];
    let me = inner.session_id().to_hex();
    let copies = message_copies(inner, to, dm, sent_ts)?;
    let id = inner.store.insert_outgoing(&NewOutgoing {
        conversation: &to_hex,
        kind: ConversationKind::Direct,
        sender: &me,
        body,
        sent_ts,
        extra,
        copies,
        attachments,
    })?;
    approve_recipient(inner, &to_hex)?;
    inner.bus.emit(Event::MessageState { message_id: id, conversation: to_hex, state: MessageState::Sending });
    inner.touch();
    inner.send_wakeup.notify_one();
    Ok(id)
}

/// Writing to someone approves them (their reply is not a request).
pub(crate) fn approve_recipient(inner: &Inner, to_hex: &str) -> Result<()> {
    if to_hex != inner.session_id().to_hex() && !inner.store.contact(to_hex)?.is_some_and(|c| c.approved) {
        inner.store.set_approved(to_hex, true)?;
        super::config_sync::contact_changed(inner, to_hex);
    }
    Ok(())
}

/// Queue a control message (no local message row), e.g. a request response.
pub(crate) fn queue_control(inner: &Inner, to: &SessionId, content: &Content) -> Result<()> {
    let ts = content.sig_timestamp.map(|t| t as i64).unwrap_or_else(|| inner.next_sent_ts());
    inner.store.enqueue(&copy_for(inner, to, seal_1o1(inner, to, content, ts), false, ts))?;
    inner.send_wakeup.notify_one();
    Ok(())
}

/// Re-queue a failed message (same timestamp, so receivers dedupe it): failed uploads are
/// retried first; otherwise fresh copies go to the outbox.
pub(crate) fn resend(inner: &Inner, message_id: i64) -> Result<()> {
    let m = inner.store.require_message(message_id)?;
    if !m.outgoing || m.state != MessageState::Failed {
        return Err(Error::invalid_argument(format!("message {message_id} is not a failed outgoing message")));
    }
    let deadline = crate::clock::local_now_ms() + inner.config.send_retry_window.as_millis() as i64;
    if inner.store.retry_uploads(message_id, deadline)? > 0 {
        inner.store.set_message_state(message_id, MessageState::Sending)?;
        inner.bus.emit(Event::MessageState { message_id, conversation: m.conversation, state: MessageState::Sending });
        inner.upload_wakeup.notify_one();
        return Ok(());
    }
    let records = inner.store.attachments(message_id)?;
    if records.iter().any(|a| a.info.state != crate::store::AttachmentState::Uploaded) {
        return Err(Error::invalid_argument("this message's attachments can no longer be uploaded (their file is gone); send it again"));
    }
    let dm = DataMessage {
        body: m.body.clone(),
        attachments: records.iter().map(super::attachments::pointer).collect(),
        ..contacts::profiled(inner)?
    };
    let copies = if m.conversation.starts_with("03") {
        vec![super::groups::group_copy(inner, &m.conversation, dm, m.sent_ts)?]
    } else {
        message_copies(inner, &SessionId::parse(&m.conversation)?, dm, m.sent_ts)?
    };
    if inner.store.requeue(message_id, &copies)? {
        inner.bus.emit(Event::MessageState { message_id, conversation: m.conversation, state: MessageState::Sending });
        inner.send_wakeup.notify_one();
    }
    Ok(())
}
