//! Conversations and messages.

use super::attachments::{AttachmentInfo, AttachmentRecord};
use super::outbox::OutboxCopy;
use super::Store;
use crate::clock::local_now_ms as now_ms;
use crate::error::{Error, ErrorKind, Result};
use rusqlite::{params, OptionalExtension, Row, Transaction};

/// What a conversation is with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationKind {
    /// One-to-one with a Session ID (or Note to Self when it is our own).
    Direct = 0,
    /// A group (03 ID).
    Group = 1,
}

impl ConversationKind {
    fn from_i64(v: i64) -> ConversationKind {
        if v == 1 {
            ConversationKind::Group
        } else {
            ConversationKind::Direct
        }
    }
}

/// Delivery state of a message. The numbers are stable (C ABI `ssdk_message_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageState {
    /// In the outbox, not yet acknowledged by the recipient's swarm.
    Sending = 0,
    /// Stored by the recipient's swarm.
    Sent = 1,
    /// Given up after the retry window; `resend` puts it back in the outbox.
    Failed = 2,
    /// An incoming message.
    Received = 3,
}

impl MessageState {
    /// The state stored as `v` (unknown numbers read as received).
    pub fn from_i64(v: i64) -> MessageState {
        match v {
            0 => MessageState::Sending,
            1 => MessageState::Sent,
            2 => MessageState::Failed,
            _ => MessageState::Received,
        }
    }
    /// "sending", "sent", "failed" or "received".
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Sending => "sending",
            MessageState::Sent => "sent",
            MessageState::Failed => "failed",
            MessageState::Received => "received",
        }
    }
}

/// A conversation: one peer, Note to Self, or a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// The peer's Session ID (or group ID).
    pub id: String,
    /// One-to-one or group.
    pub kind: ConversationKind,
    /// When it started here (ms).
    pub created_at: i64,
    /// Its newest message's time (ms).
    pub last_activity: i64,
    /// Incoming messages not marked read.
    pub unread: i64,
    /// Whether it is a message request (an unapproved sender).
    pub is_request: bool,
    /// Its newest message.
    pub last_message: Option<Message>,
}

/// A message, sent or received.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Local message id.
    pub id: i64,
    /// The conversation it belongs to (peer Session ID, our own for Note to Self, or group ID).
    pub conversation: String,
    /// We sent it (from this or another device of ours).
    pub outgoing: bool,
    /// The sender's Session ID.
    pub sender: String,
    /// The text (`None` for a file without a caption).
    pub body: Option<String>,
    /// The sender's timestamp (ms); with `sender` it identifies the message on the network.
    pub sent_ts: i64,
    /// When this device stored it (ms).
    pub received_ts: i64,
    /// Delivery state.
    pub state: MessageState,
    /// Marked read.
    pub read: bool,
    /// The swarm's hash of the stored message, once known.
    pub server_hash: Option<String>,
    /// JSON for quotes and other structured content.
    pub extra: Option<String>,
    /// The message's attachments (empty for text).
    pub attachments: Vec<AttachmentInfo>,
}

const MSG_COLS: &str = "id, conversation, outgoing, sender, body, sent_ts, received_ts, state, is_read, server_hash, extra";

fn msg_row(r: &Row) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        conversation: r.get(1)?,
        outgoing: r.get(2)?,
        sender: r.get(3)?,
        body: r.get(4)?,
        sent_ts: r.get(5)?,
        received_ts: r.get(6)?,
        state: MessageState::from_i64(r.get(7)?),
        read: r.get(8)?,
        server_hash: r.get(9)?,
        extra: r.get(10)?,
        attachments: vec![],
    })
}

/// An outgoing message and the exact bytes to store for it, written in one transaction.
pub struct NewOutgoing<'a> {
    pub conversation: &'a str,
    pub kind: ConversationKind,
    pub sender: &'a str,
    pub body: Option<&'a str>,
    pub sent_ts: i64,
    pub extra: Option<&'a str>,
    pub copies: Vec<OutboxCopy>,
    /// Attachments (their `message_id` is filled in on insert).
    pub attachments: Vec<AttachmentRecord>,
}

fn ensure_conversation_tx(tx: &Transaction, id: &str, kind: ConversationKind, ts: i64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO conversations (id, kind, created_at, last_activity) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT(id) DO UPDATE SET last_activity = MAX(last_activity, ?3)",
        params![id, kind as i64, ts],
    )
    .map(drop)
}

impl Store {
    pub fn ensure_conversation(&self, id: &str, kind: ConversationKind) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction()?;
            ensure_conversation_tx(&tx, id, kind, now_ms())?;
            tx.commit()
        })
    }

    /// Write an outgoing message and its outbox copies atomically; returns the message id.
    pub fn insert_outgoing(&self, m: &NewOutgoing) -> Result<i64> {
        self.with(|c| {
            let tx = c.transaction()?;
            let now = now_ms();
            ensure_conversation_tx(&tx, m.conversation, m.kind, now)?;
            tx.execute(
                "INSERT INTO messages (conversation, outgoing, sender, body, sent_ts, received_ts, state, is_read, extra)
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, 1, ?7)",
                params![m.conversation, m.sender, m.body, m.sent_ts, now, MessageState::Sending as i64, m.extra],
            )?;
            let id = tx.last_insert_rowid();
            for copy in &m.copies {
                super::outbox::insert_tx(&tx, Some(id), copy, now)?;
            }
            for a in &m.attachments {
                super::attachments::insert_tx(&tx, &AttachmentRecord { message_id: id, ..a.clone() })?;
            }
            tx.commit()?;
            Ok(id)
        })
    }

    /// Store an incoming (or synced outgoing) message unless it is already known by
    /// (conversation, sender, sent_ts). Returns the new local id, or `None` for a duplicate.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_incoming(
        &self,
        conversation: &str,
        kind: ConversationKind,
        sender: &str,
        outgoing: bool,
        body: Option<&str>,
        sent_ts: i64,
        server_hash: Option<&str>,
        extra: Option<&str>,
        attachments: &[AttachmentRecord],
    ) -> Result<Option<i64>> {
        self.with(|c| {
            let tx = c.transaction()?;
            let now = now_ms();
            ensure_conversation_tx(&tx, conversation, kind, now)?;
            let state = if outgoing { MessageState::Sent } else { MessageState::Received };
            let n = tx.execute(
                "INSERT INTO messages (conversation, outgoing, sender, body, sent_ts, received_ts, state, is_read, server_hash, extra)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?2, ?8, ?9) ON CONFLICT DO NOTHING",
                params![conversation, outgoing, sender, body, sent_ts, now, state as i64, server_hash, extra],
            )?;
            let id = if n == 1 { Some(tx.last_insert_rowid()) } else { None };
            if let Some(id) = id {
                for a in attachments {
                    super::attachments::insert_tx(&tx, &AttachmentRecord { message_id: id, ..a.clone() })?;
                }
            }
            tx.commit()?;
            Ok(id)
        })
    }

    /// Store many plain messages of one conversation in one transaction (tests and benches: a
    /// large history in seconds rather than one durable write each). `(sent_ts, body, outgoing)`;
    /// outgoing ones are sent by `me`, incoming ones by the conversation's peer. Returns how many
    /// were new.
    #[cfg(feature = "internals")]
    pub fn import_history(&self, conversation: &str, me: &str, messages: &[(i64, String, bool)]) -> Result<usize> {
        self.with(|c| {
            let tx = c.transaction()?;
            let now = now_ms();
            ensure_conversation_tx(&tx, conversation, ConversationKind::Direct, now)?;
            let mut n = 0;
            for (sent_ts, body, outgoing) in messages {
                let (sender, state) = if *outgoing { (me, MessageState::Sent) } else { (conversation, MessageState::Received) };
                n += tx.execute(
                    "INSERT INTO messages (conversation, outgoing, sender, body, sent_ts, received_ts, state, is_read, server_hash, extra)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?2, NULL, NULL) ON CONFLICT DO NOTHING",
                    params![conversation, outgoing, sender, body, sent_ts, now, state as i64],
                )?;
            }
            tx.commit()?;
            Ok(n)
        })
    }

    pub fn message(&self, id: i64) -> Result<Option<Message>> {
        let m = self.with(|c| c.query_row(&format!("SELECT {MSG_COLS} FROM messages WHERE id = ?1"), [id], msg_row).optional())?;
        m.map(|m| self.with_attachments(m)).transpose()
    }

    fn with_attachments(&self, mut m: Message) -> Result<Message> {
        m.attachments = self.attachments(m.id)?.into_iter().map(|a| a.info).collect();
        Ok(m)
    }

    /// Find a message by its network identity (author and sent timestamp).
    pub fn message_by_author_ts(&self, sender: &str, sent_ts: i64) -> Result<Option<Message>> {
        let m = self.with(|c| {
            c.query_row(&format!("SELECT {MSG_COLS} FROM messages WHERE sender = ?1 AND sent_ts = ?2"), params![sender, sent_ts], msg_row)
                .optional()
        })?;
        m.map(|m| self.with_attachments(m)).transpose()
    }

    pub fn set_message_state(&self, id: i64, state: MessageState) -> Result<()> {
        self.with(|c| c.execute("UPDATE messages SET state = ?2 WHERE id = ?1", params![id, state as i64]).map(drop))
    }

    /// A page of a conversation, newest first by the sender's timestamp (then arrival): the
    /// messages that sort before message `before_id` (from the newest when 0).
    pub fn history(&self, conversation: &str, before_id: i64, limit: u32) -> Result<Vec<Message>> {
        self.with(|c| {
            let (ts, id) = if before_id <= 0 {
                (i64::MAX, i64::MAX)
            } else {
                c.query_row("SELECT sent_ts, id FROM messages WHERE id = ?1", [before_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?
                    .unwrap_or((i64::MIN, i64::MIN))
            };
            let mut st = c.prepare(&format!(
                "SELECT {MSG_COLS} FROM messages WHERE conversation = ?1 AND (sent_ts < ?2 OR (sent_ts = ?2 AND id < ?3))
                 ORDER BY sent_ts DESC, id DESC LIMIT ?4"
            ))?;
            let v = st.query_map(params![conversation, ts, id, limit], msg_row)?.collect();
            v
        })
        .and_then(|v: Vec<Message>| v.into_iter().map(|m| self.with_attachments(m)).collect())
    }

    /// Conversations by most recent activity, with unread counts and request status.
    pub fn conversations(&self) -> Result<Vec<Conversation>> {
        let rows: Vec<(String, i64, i64, i64, i64, bool)> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT v.id, v.kind, v.created_at, v.last_activity,
                   (SELECT count(*) FROM messages m WHERE m.conversation = v.id AND m.is_read = 0),
                   (v.kind = 0 AND NOT EXISTS (SELECT 1 FROM contacts k WHERE k.session_id = v.id AND (k.approved = 1 OR k.blocked = 1))
                      AND v.id <> COALESCE((SELECT CAST(value AS TEXT) FROM meta WHERE key = 'session_id'), ''))
                 FROM conversations v ORDER BY v.last_activity DESC, v.id",
            )?;
            let v = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?.collect();
            v
        })?;
        rows.into_iter()
            .map(|(id, kind, created_at, last_activity, unread, is_request)| {
                let last_message = self.history(&id, 0, 1)?.pop();
                Ok(Conversation { id, kind: ConversationKind::from_i64(kind), created_at, last_activity, unread, is_request, last_message })
            })
            .collect()
    }

    /// Mark every incoming message of a conversation up to `up_to_id` (all when 0) as read.
    /// Returns how many changed.
    pub fn mark_read(&self, conversation: &str, up_to_id: i64) -> Result<usize> {
        let up_to = if up_to_id <= 0 { i64::MAX } else { up_to_id };
        self.with(|c| {
            c.execute("UPDATE messages SET is_read = 1 WHERE conversation = ?1 AND id <= ?2 AND is_read = 0", params![conversation, up_to])
        })
    }

    /// The newest sent time among a conversation's messages up to `up_to_id` (≤ 0: all), if any.
    pub fn last_sent_ts(&self, conversation: &str, up_to_id: i64) -> Result<Option<i64>> {
        let up_to = if up_to_id <= 0 { i64::MAX } else { up_to_id };
        self.with(|c| {
            c.query_row("SELECT MAX(sent_ts) FROM messages WHERE conversation = ?1 AND id <= ?2", params![conversation, up_to], |r| {
                r.get(0)
            })
        })
    }

    /// Mark read every message of a conversation sent at or before `ts_ms` (a read mark from
    /// another device). Returns how many changed.
    pub fn mark_read_until_ts(&self, conversation: &str, ts_ms: i64) -> Result<usize> {
        self.with(|c| {
            c.execute(
                "UPDATE messages SET is_read = 1 WHERE conversation = ?1 AND sent_ts <= ?2 AND is_read = 0",
                params![conversation, ts_ms],
            )
        })
    }

    /// Delete a conversation and its messages locally (and pending outbox copies).
    pub fn delete_conversation(&self, conversation: &str) -> Result<bool> {
        self.with(|c| c.execute("DELETE FROM conversations WHERE id = ?1", [conversation]).map(|n| n > 0))
    }

    /// Delete one message locally.
    pub fn delete_message(&self, id: i64) -> Result<bool> {
        self.with(|c| c.execute("DELETE FROM messages WHERE id = ?1", [id]).map(|n| n > 0))
    }

    pub fn require_message(&self, id: i64) -> Result<Message> {
        self.message(id)?.ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no message with id {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::temp_dir;
    use super::*;

    #[test]
    fn outgoing_incoming_history_and_dedup() {
        let dir = temp_dir("messages");
        let s = Store::open(&dir, None).unwrap();
        let peer = "05".to_string() + &"b".repeat(64);
        let me = "05".to_string() + &"c".repeat(64);
        let id = s
            .insert_outgoing(&NewOutgoing {
                conversation: &peer,
                kind: ConversationKind::Direct,
                sender: &me,
                body: Some("hi"),
                sent_ts: 100,
                extra: None,
                copies: vec![OutboxCopy {
                    destination: peer.clone(),
                    namespace: 0,
                    data: vec![1],
                    ttl_ms: 1000,
                    primary: true,
                    deadline: i64::MAX,
                }],
                attachments: vec![],
            })
            .unwrap();
        assert_eq!(s.message(id).unwrap().unwrap().state, MessageState::Sending);
        assert_eq!(s.outbox_due(i64::MAX, 10).unwrap().len(), 1);
        let r = s.insert_incoming(&peer, ConversationKind::Direct, &peer, false, Some("yo"), 200, Some("h"), None, &[]).unwrap();
        assert!(r.is_some());
        assert!(s
            .insert_incoming(&peer, ConversationKind::Direct, &peer, false, Some("yo"), 200, Some("h2"), None, &[])
            .unwrap()
            .is_none());
        let h = s.history(&peer, 0, 10).unwrap();
        assert_eq!(h.iter().map(|m| m.body.as_deref().unwrap()).collect::<Vec<_>>(), ["yo", "hi"]);
        assert_eq!(s.history(&peer, h[0].id, 10).unwrap().len(), 1);
        let convs = s.conversations().unwrap();
        assert_eq!((convs.len(), convs[0].unread, convs[0].is_request), (1, 1, true));
        assert_eq!(s.mark_read(&peer, 0).unwrap(), 1);
        assert_eq!(s.conversations().unwrap()[0].unread, 0);
        assert!(s.delete_message(id).unwrap());
        assert!(s.outbox_due(i64::MAX, 10).unwrap().is_empty(), "outbox copies go with the message");
        assert!(s.delete_conversation(&peer).unwrap());
        assert!(s.history(&peer, 0, 10).unwrap().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
