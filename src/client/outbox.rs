//! One-to-one messages on their way to the outbox: sealed for the recipient (and a sync copy
//! for our own swarm), with their time to live and retry deadline, written before any network
//! call; the sender task takes them from there. Also the retry schedule the sender and the
//! uploader share.

use super::state::ClientState;
use super::sync;
use crate::crypto::session_protocol;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::SessionId;
use crate::sodium;
use crate::store::OutboxCopy;
use crate::wire::proto::{Content, DataMessage};
use crate::wire::{envelope, padding};
use prost::Message as _;

/// Milliseconds to wait before attempt `attempts + 1`: 1 s doubling to 60 s, plus up to 0.5 s
/// of jitter.
pub(crate) fn retry_delay(attempts: i64) -> i64 {
    let base = 1000i64 << attempts.clamp(0, 6);
    base.min(60_000) + sodium::random_below(500) as i64
}

/// The bytes stored for `to`: padded Content, sealed, in an Envelope and WebSocket wrapper.
pub(crate) fn seal_1o1(client: &ClientState, to: &SessionId, content: &Content, sent_ts: i64) -> Result<Vec<u8>> {
    let sealed = session_protocol::encrypt_for_recipient(&client.identity, to, &padding::pad(&content.encode_to_vec()))
        .map_err(|e| Error::new(ErrorKind::InvalidSessionId, format!("{to} cannot be encrypted to: {}", e.message())))?;
    Ok(envelope::wrap_1o1(sealed, sent_ts as u64))
}

fn copy_for(client: &ClientState, to: &SessionId, data: Vec<u8>, primary: bool, sent_ts: i64) -> OutboxCopy {
    let ttl = client.config.message_ttl.as_millis() as i64;
    OutboxCopy {
        destination: to.to_hex(),
        namespace: 0,
        data,
        ttl_ms: ttl,
        primary,
        deadline: sent_ts.max(crate::clock::local_now_ms()) + client.config.send_retry_window.as_millis() as i64,
    }
}

/// The copies of a data message: one for the recipient and, unless it is Note to Self, a sync
/// copy for our own swarm (with `syncTarget`) so our other devices see it. Pure (no database),
/// so it may run inside a store transaction.
pub(crate) fn message_copies(client: &ClientState, to: &SessionId, dm: DataMessage, sent_ts: i64) -> Result<Vec<OutboxCopy>> {
    let me = client.session_id();
    let content = Content { data_message: Some(dm.clone()), sig_timestamp: Some(sent_ts as u64), ..Default::default() };
    let mut out = vec![copy_for(client, to, seal_1o1(client, to, &content, sent_ts)?, true, sent_ts)];
    if *to != me {
        let mut sync_dm = dm;
        sync_dm.sync_target = Some(to.to_hex());
        let sync = Content { data_message: Some(sync_dm), sig_timestamp: Some(sent_ts as u64), ..Default::default() };
        out.push(copy_for(client, &me, seal_1o1(client, &me, &sync, sent_ts)?, false, sent_ts));
    }
    Ok(out)
}

/// Writing to someone approves them (their reply is not a request).
pub(crate) fn approve_recipient(client: &ClientState, to_hex: &str) -> Result<()> {
    if to_hex != client.session_id().to_hex() && !client.store.contact(to_hex)?.is_some_and(|c| c.approved) {
        client.store.set_approved(to_hex, true)?;
        sync::contact_changed(client, to_hex);
    }
    Ok(())
}

/// Queue a control message (no local message row), e.g. a request response.
pub(crate) fn queue_control(client: &ClientState, to: &SessionId, content: &Content) -> Result<()> {
    let ts = content.sig_timestamp.map(|t| t as i64).unwrap_or_else(|| client.next_sent_ts());
    client.store.enqueue(&copy_for(client, to, seal_1o1(client, to, content, ts)?, false, ts))?;
    client.wake.sender.notify_one();
    Ok(())
}
