//! Polling state: the last message hash seen per (account, namespace, node), and the hashes
//! already processed (so the same message from two swarm members is handled once).

use super::Store;
use crate::error::Result;
use rusqlite::{params, OptionalExtension};

impl Store {
    pub fn last_hash(&self, account: &str, namespace: i16, node: &str) -> Result<Option<String>> {
        self.with(|c| {
            c.query_row(
                "SELECT last_hash FROM poll_state WHERE account = ?1 AND namespace = ?2 AND node = ?3",
                params![account, namespace, node],
                |r| r.get(0),
            )
            .optional()
        })
    }

    pub fn set_last_hash(&self, account: &str, namespace: i16, node: &str, hash: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO poll_state (account, namespace, node, last_hash) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(account, namespace, node) DO UPDATE SET last_hash = ?4",
                params![account, namespace, node, hash],
            )
            .map(drop)
        })
    }

    /// Whether a message hash was already processed.
    pub fn seen(&self, hash: &str) -> Result<bool> {
        self.with(|c| c.query_row("SELECT 1 FROM seen_hashes WHERE hash = ?1", [hash], |_| Ok(())).optional().map(|o| o.is_some()))
    }

    /// Remember a processed hash until its message expires.
    pub fn mark_seen(&self, hash: &str, expires_at: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO seen_hashes (hash, expires_at) VALUES (?1, ?2) ON CONFLICT(hash) DO UPDATE SET expires_at = MAX(expires_at, ?2)",
                params![hash, expires_at],
            )
            .map(drop)
        })
    }

    pub fn prune_seen(&self, now: i64) -> Result<usize> {
        self.with(|c| c.execute("DELETE FROM seen_hashes WHERE expires_at < ?1", [now]))
    }
}
