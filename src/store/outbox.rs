//! The durable outbox: exact bytes to store in a swarm, kept until a swarm acknowledges them or
//! their retry deadline passes. Retries send the same bytes, so a retry after a lost
//! acknowledgement is deduplicated by the swarm (same message hash).

use super::{MessageState, Store};
use crate::error::Result;
use rusqlite::{params, OptionalExtension, Transaction};

/// One copy of an outgoing message to store somewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxCopy {
    /// Account ID (66 hex) whose swarm stores it.
    pub destination: String,
    pub namespace: i16,
    pub data: Vec<u8>,
    pub ttl_ms: i64,
    /// The copy whose acknowledgement makes the message `Sent` (the recipient's), as opposed to
    /// the sync copy in our own swarm.
    pub primary: bool,
    /// Give up after this time (ms).
    pub deadline: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub message_id: Option<i64>,
    pub copy: OutboxCopy,
    pub attempts: i64,
}

pub(super) fn insert_tx(tx: &Transaction, message_id: Option<i64>, c: &OutboxCopy, now: i64) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO outbox (message_id, destination, namespace, data, ttl_ms, primary_copy, created_at, next_attempt_at, deadline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        params![message_id, c.destination, c.namespace, c.data, c.ttl_ms, c.primary, now, c.deadline],
    )?;
    Ok(tx.last_insert_rowid())
}

/// What completing or failing an outbox item did to its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateChange {
    pub message_id: i64,
    pub state: MessageState,
}

impl Store {
    /// Queue a copy not tied to a message (control messages such as request responses).
    pub fn enqueue(&self, copy: &OutboxCopy) -> Result<i64> {
        self.with(|c| {
            let tx = c.transaction()?;
            let id = insert_tx(&tx, None, copy, crate::clock::local_now_ms())?;
            tx.commit()?;
            Ok(id)
        })
    }

    /// Items whose next attempt is due at `now`, oldest first.
    pub fn outbox_due(&self, now: i64, limit: u32) -> Result<Vec<OutboxItem>> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT id, message_id, destination, namespace, data, ttl_ms, primary_copy, deadline, attempts
                 FROM outbox WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
            )?;
            let v = st
                .query_map(params![now, limit], |r| {
                    Ok(OutboxItem {
                        id: r.get(0)?,
                        message_id: r.get(1)?,
                        copy: OutboxCopy {
                            destination: r.get(2)?,
                            namespace: r.get(3)?,
                            data: r.get(4)?,
                            ttl_ms: r.get(5)?,
                            primary: r.get(6)?,
                            deadline: r.get(7)?,
                        },
                        attempts: r.get(8)?,
                    })
                })?
                .collect();
            v
        })
    }

    /// The earliest next attempt time, if anything is queued.
    pub fn outbox_next_due(&self) -> Result<Option<i64>> {
        self.with(|c| c.query_row("SELECT MIN(next_attempt_at) FROM outbox", [], |r| r.get::<_, Option<i64>>(0)))
    }

    pub fn outbox_len(&self) -> Result<i64> {
        self.with(|c| c.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0)))
    }

    /// The swarm acknowledged an item: remove it; a primary copy makes its message `Sent`.
    pub fn outbox_done(&self, item_id: i64, server_hash: Option<&str>) -> Result<Option<StateChange>> {
        self.with(|c| {
            let tx = c.transaction()?;
            let row: Option<(Option<i64>, bool)> = tx
                .query_row("SELECT message_id, primary_copy FROM outbox WHERE id = ?1", [item_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            tx.execute("DELETE FROM outbox WHERE id = ?1", [item_id])?;
            let mut change = None;
            if let Some((Some(mid), true)) = row {
                tx.execute(
                    "UPDATE messages SET state = ?2, server_hash = COALESCE(server_hash, ?3) WHERE id = ?1",
                    params![mid, MessageState::Sent as i64, server_hash],
                )?;
                change = Some(StateChange { message_id: mid, state: MessageState::Sent });
            }
            tx.commit()?;
            Ok(change)
        })
    }

    /// An attempt failed: schedule the next one, or give up after the deadline (a primary copy
    /// then marks its message `Failed`).
    pub fn outbox_failed(&self, item_id: i64, error: &str, next_attempt_at: i64) -> Result<Option<StateChange>> {
        self.with(|c| {
            let tx = c.transaction()?;
            let row: Option<(Option<i64>, bool, i64)> = tx
                .query_row("SELECT message_id, primary_copy, deadline FROM outbox WHERE id = ?1", [item_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let mut change = None;
            if let Some((mid, primary, deadline)) = row {
                if next_attempt_at > deadline {
                    tx.execute("DELETE FROM outbox WHERE id = ?1", [item_id])?;
                    if let (Some(mid), true) = (mid, primary) {
                        tx.execute("UPDATE messages SET state = ?2 WHERE id = ?1", params![mid, MessageState::Failed as i64])?;
                        change = Some(StateChange { message_id: mid, state: MessageState::Failed });
                    }
                } else {
                    tx.execute(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
                        params![item_id, error, next_attempt_at],
                    )?;
                }
            }
            tx.commit()?;
            Ok(change)
        })
    }

    /// Put a failed message's copies back in the outbox. Returns whether it was failed.
    pub fn requeue(&self, message_id: i64, copies: &[OutboxCopy]) -> Result<bool> {
        self.with(|c| {
            let tx = c.transaction()?;
            let n = tx.execute(
                "UPDATE messages SET state = ?2 WHERE id = ?1 AND state = ?3",
                params![message_id, MessageState::Sending as i64, MessageState::Failed as i64],
            )?;
            if n == 1 {
                for copy in copies {
                    insert_tx(&tx, Some(message_id), copy, crate::clock::local_now_ms())?;
                }
            }
            tx.commit()?;
            Ok(n == 1)
        })
    }
}
