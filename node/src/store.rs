//! The node's message database (SQLite via rusqlite, one file per node, WAL).
//!
//! Tables: `messages` (keyed by hash; `id` is the local insertion order that `retrieve`'s
//! `last_hash` walks), `tombstones` (hashes deleted by a client, kept until the message would
//! have expired so that catch-up never resurrects them), `revocations` (subaccount tokens) and
//! `sync_cursors` (how far this node has pulled each peer's change log).
//!
//! Every row carries `mseq`, a per-node change sequence bumped whenever the row changes; a peer
//! catching up asks for rows with `mseq` above its cursor. Conflicts between copies are settled
//! by `changed` (system time of the change, last writer wins).

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

pub type DbResult<T> = rusqlite::Result<T>;

/// Per-message size overhead counted by `retrieve`'s `max_size` (as the storage server does).
const MSG_OVERHEAD: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub hash: String,
    pub owner: String,
    pub namespace: i16,
    pub timestamp: u64,
    pub expiry: u64,
    /// Base64 in JSON (sync transport); raw bytes here.
    #[serde(with = "b64")]
    pub data: Vec<u8>,
    /// System time (ms) of the last change (insert or expiry update).
    pub changed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub hash: String,
    pub owner: String,
    pub deleted_at: u64,
    /// The deleted message's expiry; the tombstone is dropped after it.
    pub expiry: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub owner: String,
    #[serde(with = "b64")]
    pub token: Vec<u8>,
    pub revoked: bool,
    pub changed: u64,
}

/// A page of a node's change log.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChangeBatch {
    pub messages: Vec<Message>,
    pub tombstones: Vec<Tombstone>,
    pub revocations: Vec<Revocation>,
    /// Cursor to ask from next time.
    pub next: i64,
    pub more: bool,
}

/// What a store did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOutcome {
    pub new: bool,
    pub expiry: u64,
}

/// A retrieved message.
#[derive(Debug, Clone)]
pub struct Retrieved {
    pub hash: String,
    pub timestamp: u64,
    pub expiry: u64,
    pub data: Vec<u8>,
}

mod b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD.decode(s.as_bytes()).map_err(serde::de::Error::custom)
    }
}

struct Inner {
    conn: Connection,
    next_mseq: i64,
}

/// Take the next change sequence number (one per changed row, so a page of the change log can
/// end after any row).
fn next(seq: &mut i64) -> i64 {
    let m = *seq;
    *seq += 1;
    m
}

pub struct Store {
    inner: Mutex<Inner>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    namespace INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    expiry INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    data BLOB NOT NULL,
    mseq INTEGER NOT NULL,
    -- 1 when a store request for it reached this node; 0 when only catch-up brought it
    direct INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS messages_owner_ns ON messages(owner, namespace, id);
CREATE INDEX IF NOT EXISTS messages_expiry ON messages(expiry);
CREATE INDEX IF NOT EXISTS messages_mseq ON messages(mseq);
CREATE TABLE IF NOT EXISTS tombstones (
    hash TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    deleted_at INTEGER NOT NULL,
    expiry INTEGER NOT NULL,
    mseq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tombstones_mseq ON tombstones(mseq);
CREATE TABLE IF NOT EXISTS revocations (
    owner TEXT NOT NULL,
    token BLOB NOT NULL,
    revoked INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    mseq INTEGER NOT NULL,
    PRIMARY KEY (owner, token)
);
CREATE INDEX IF NOT EXISTS revocations_mseq ON revocations(mseq);
CREATE TABLE IF NOT EXISTS sync_cursors (
    peer TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL
);
";

/// Maximum revoked subaccounts remembered per account (storage-rpc.md §8).
pub const MAX_REVOKED: usize = 50;

fn i(v: u64) -> i64 {
    v.min(i64::MAX as u64) as i64
}
fn u(v: i64) -> u64 {
    v.max(0) as u64
}

impl Store {
    pub fn open(path: &Path) -> DbResult<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch(SCHEMA)?;
        let max: i64 = conn.query_row(
            "SELECT MAX(COALESCE((SELECT MAX(mseq) FROM messages), 0),
                        COALESCE((SELECT MAX(mseq) FROM tombstones), 0),
                        COALESCE((SELECT MAX(mseq) FROM revocations), 0))",
            [],
            |r| r.get(0),
        )?;
        Ok(Store { inner: Mutex::new(Inner { conn, next_mseq: max + 1 }) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Store a message. A duplicate (same hash) keeps its row; its expiry is raised when the new
    /// one is later. Storing into a public outbox replaces the other messages there.
    #[allow(clippy::too_many_arguments)]
    pub fn store(
        &self,
        owner: &str,
        namespace: i16,
        hash: &str,
        timestamp: u64,
        expiry: u64,
        data: &[u8],
        changed: u64,
        public_outbox: bool,
    ) -> DbResult<StoreOutcome> {
        let mut g = self.lock();
        let inner = &mut *g;
        let seq = &mut inner.next_mseq;
        let tx = inner.conn.transaction()?;
        let existing: Option<(i64, bool)> = tx
            .prepare_cached("SELECT expiry, direct FROM messages WHERE hash = ?1")?
            .query_row([hash], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)))
            .optional()?;
        if let Some((_, false)) = existing {
            // Copied here by catch-up a moment before this store arrived: to the client this
            // is this node's first store of the message, not a duplicate.
            tx.prepare_cached("UPDATE messages SET direct = 1 WHERE hash = ?1")?.execute([hash])?;
        }
        let outcome = match existing {
            Some((old, direct)) if u(old) >= expiry => StoreOutcome { new: !direct, expiry: u(old) },
            Some((_, direct)) => {
                tx.prepare_cached("UPDATE messages SET expiry = ?1, changed = ?2, mseq = ?3 WHERE hash = ?4")?.execute(params![
                    i(expiry),
                    i(changed),
                    next(seq),
                    hash
                ])?;
                StoreOutcome { new: !direct, expiry }
            }
            None => {
                if public_outbox {
                    delete_rows(
                        &tx,
                        "SELECT hash, namespace, expiry FROM messages WHERE owner = ?1 AND namespace = ?2",
                        params![owner, namespace],
                        owner,
                        changed,
                        seq,
                    )?;
                }
                tx.prepare_cached("DELETE FROM tombstones WHERE hash = ?1")?.execute([hash])?;
                tx.prepare_cached(
                    "INSERT INTO messages (hash, owner, namespace, timestamp, expiry, changed, data, mseq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![hash, owner, namespace, i(timestamp), i(expiry), i(changed), data, next(seq)])?;
                StoreOutcome { new: true, expiry }
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Messages of (owner, namespace) stored after `last_hash` on this node (all when it is
    /// empty or unknown), unexpired, oldest first, limited by count and/or aggregate size.
    pub fn retrieve(
        &self,
        owner: &str,
        namespace: i16,
        last_hash: &str,
        max_count: Option<usize>,
        max_size: Option<usize>,
        now: u64,
    ) -> DbResult<(Vec<Retrieved>, bool)> {
        let g = self.lock();
        let last_id: i64 = if last_hash.is_empty() {
            0
        } else {
            g.conn
                .query_row(
                    "SELECT id FROM messages WHERE owner = ?1 AND namespace = ?2 AND hash = ?3",
                    params![owner, namespace, last_hash],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0)
        };
        let limit: i64 = max_count.map(|c| c.max(1) as i64 + 1).unwrap_or(-1);
        let mut st = g.conn.prepare_cached(
            "SELECT hash, timestamp, expiry, data FROM messages
             WHERE owner = ?1 AND namespace = ?2 AND id > ?3 AND expiry > ?4 ORDER BY id LIMIT ?5",
        )?;
        let rows = st.query_map(params![owner, namespace, last_id, i(now), limit], |r| {
            Ok(Retrieved { hash: r.get(0)?, timestamp: u(r.get(1)?), expiry: u(r.get(2)?), data: r.get(3)? })
        })?;
        let mut out = Vec::new();
        let mut more = false;
        let mut size = 0usize;
        for row in rows {
            let m = row?;
            if let Some(c) = max_count {
                if out.len() >= c.max(1) {
                    more = true;
                    break;
                }
            }
            if let Some(s) = max_size {
                size += MSG_OVERHEAD + m.hash.len() + m.data.len() * 4 / 3;
                if !out.is_empty() && size > s {
                    more = true;
                    break;
                }
            }
            out.push(m);
        }
        Ok((out, more))
    }

    /// Delete the given hashes of `owner`; returns the hashes actually removed.
    pub fn delete_by_hash(&self, owner: &str, hashes: &[String], changed: u64) -> DbResult<Vec<String>> {
        let mut g = self.lock();
        let inner = &mut *g;
        let seq = &mut inner.next_mseq;
        let tx = inner.conn.transaction()?;
        let mut deleted = Vec::new();
        for h in hashes {
            let exp: Option<i64> =
                tx.query_row("SELECT expiry FROM messages WHERE owner = ?1 AND hash = ?2", params![owner, h], |r| r.get(0)).optional()?;
            if let Some(exp) = exp {
                tx.prepare_cached("DELETE FROM messages WHERE hash = ?1")?.execute([h])?;
                tx.prepare_cached("INSERT OR REPLACE INTO tombstones (hash, owner, deleted_at, expiry, mseq) VALUES (?1, ?2, ?3, ?4, ?5)")?
                    .execute(params![h, owner, i(changed), exp, next(seq)])?;
                deleted.push(h.clone());
            }
        }
        tx.commit()?;
        Ok(deleted)
    }

    /// Delete all messages of `owner` (in one namespace, or all), optionally only those with
    /// timestamp ≤ `before`. Returns (namespace, hash) pairs.
    pub fn delete_matching(&self, owner: &str, namespace: Option<i16>, before: Option<u64>, changed: u64) -> DbResult<Vec<(i16, String)>> {
        let mut g = self.lock();
        let inner = &mut *g;
        let seq = &mut inner.next_mseq;
        let tx = inner.conn.transaction()?;
        let before = i(before.unwrap_or(u64::MAX));
        let out = match namespace {
            Some(ns) => delete_rows(
                &tx,
                "SELECT hash, namespace, expiry FROM messages WHERE owner = ?1 AND namespace = ?2 AND timestamp <= ?3",
                params![owner, ns, before],
                owner,
                changed,
                seq,
            )?,
            None => delete_rows(
                &tx,
                "SELECT hash, namespace, expiry FROM messages WHERE owner = ?1 AND timestamp <= ?2",
                params![owner, before],
                owner,
                changed,
                seq,
            )?,
        };
        tx.commit()?;
        Ok(out)
    }

    /// Set expiries of the given hashes (one expiry for all, or one per hash). `extend_only` /
    /// `shorten_only` skip messages whose expiry would move the other way. Returns the
    /// (hash, new expiry) pairs updated; expired or unknown hashes are skipped.
    #[allow(clippy::too_many_arguments)]
    pub fn update_expiry(
        &self,
        owner: &str,
        hashes: &[String],
        expiries: &[u64],
        extend_only: bool,
        shorten_only: bool,
        now: u64,
        changed: u64,
    ) -> DbResult<Vec<(String, u64)>> {
        let mut g = self.lock();
        let inner = &mut *g;
        let seq = &mut inner.next_mseq;
        let tx = inner.conn.transaction()?;
        let mut out = Vec::new();
        for (k, h) in hashes.iter().enumerate() {
            let Some(&new) = expiries.get(if expiries.len() == 1 { 0 } else { k }) else { continue };
            let cur: Option<i64> = tx
                .query_row("SELECT expiry FROM messages WHERE owner = ?1 AND hash = ?2 AND expiry > ?3", params![owner, h, i(now)], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(cur) = cur.map(u) else { continue };
            if (extend_only && new <= cur) || (shorten_only && new >= cur) {
                continue;
            }
            tx.prepare_cached("UPDATE messages SET expiry = ?1, changed = ?2, mseq = ?3 WHERE hash = ?4")?.execute(params![
                i(new),
                i(changed),
                next(seq),
                h
            ])?;
            out.push((h.clone(), new));
        }
        tx.commit()?;
        Ok(out)
    }

    /// Shorten every unexpired message of `owner` (one namespace or all) whose expiry is later
    /// than `expiry`. Returns (namespace, hash) pairs updated.
    pub fn shorten_all(&self, owner: &str, namespace: Option<i16>, expiry: u64, now: u64, changed: u64) -> DbResult<Vec<(i16, String)>> {
        let mut g = self.lock();
        let inner = &mut *g;
        let seq = &mut inner.next_mseq;
        let tx = inner.conn.transaction()?;
        let rows: Vec<(String, i16)> = {
            let mut st = tx.prepare_cached(
                "SELECT hash, namespace FROM messages WHERE owner = ?1 AND (?2 IS NULL OR namespace = ?2)
                 AND expiry > ?3 AND expiry > ?4",
            )?;
            let r = st.query_map(params![owner, namespace, i(expiry), i(now)], |r| Ok((r.get(0)?, r.get(1)?)))?;
            r.collect::<DbResult<_>>()?
        };
        for (h, _) in &rows {
            tx.prepare_cached("UPDATE messages SET expiry = ?1, changed = ?2, mseq = ?3 WHERE hash = ?4")?.execute(params![
                i(expiry),
                i(changed),
                next(seq),
                h
            ])?;
        }
        tx.commit()?;
        Ok(rows.into_iter().map(|(h, ns)| (ns, h)).collect())
    }

    /// Current expiries of the existing, unexpired messages among `hashes`.
    pub fn get_expiries(&self, owner: &str, hashes: &[String], now: u64) -> DbResult<BTreeMap<String, u64>> {
        let g = self.lock();
        let mut st = g.conn.prepare_cached("SELECT expiry FROM messages WHERE owner = ?1 AND hash = ?2 AND expiry > ?3")?;
        let mut out = BTreeMap::new();
        for h in hashes {
            if let Some(e) = st.query_row(params![owner, h, i(now)], |r| r.get::<_, i64>(0)).optional()? {
                out.insert(h.clone(), u(e));
            }
        }
        Ok(out)
    }

    /// Revoke subaccount tokens; only the newest [`MAX_REVOKED`] revocations are kept.
    pub fn revoke(&self, owner: &str, tokens: &[Vec<u8>], changed: u64) -> DbResult<()> {
        let mut g = self.lock();
        let inner = &mut *g;
        let seq = &mut inner.next_mseq;
        let tx = inner.conn.transaction()?;
        for (k, t) in tokens.iter().enumerate() {
            // Later tokens of one request count as newer so the cap keeps a stable order.
            tx.prepare_cached(
                "INSERT INTO revocations (owner, token, revoked, changed, mseq) VALUES (?1, ?2, 1, ?3, ?4)
                 ON CONFLICT(owner, token) DO UPDATE SET revoked = 1, changed = ?3, mseq = ?4",
            )?
            .execute(params![owner, t, i(changed) + k as i64, next(seq)])?;
        }
        let excess: Vec<Vec<u8>> = {
            let mut st = tx.prepare_cached(
                "SELECT token FROM revocations WHERE owner = ?1 AND revoked = 1 ORDER BY changed DESC LIMIT -1 OFFSET ?2",
            )?;
            let r = st.query_map(params![owner, MAX_REVOKED as i64], |r| r.get(0))?;
            r.collect::<DbResult<_>>()?
        };
        for t in excess {
            tx.prepare_cached("UPDATE revocations SET revoked = 0 WHERE owner = ?1 AND token = ?2")?.execute(params![owner, t])?;
            tx.prepare_cached("UPDATE revocations SET mseq = ?3 WHERE owner = ?1 AND token = ?2")?.execute(params![owner, t, next(seq)])?;
        }
        tx.commit()
    }

    /// Unrevoke tokens; returns how many were revoked before.
    pub fn unrevoke(&self, owner: &str, tokens: &[Vec<u8>], changed: u64) -> DbResult<usize> {
        let mut g = self.lock();
        let inner = &mut *g;
        let seq = &mut inner.next_mseq;
        let tx = inner.conn.transaction()?;
        let mut count = 0;
        for t in tokens {
            let was: Option<i64> = tx
                .query_row("SELECT revoked FROM revocations WHERE owner = ?1 AND token = ?2", params![owner, t], |r| r.get(0))
                .optional()?;
            if was == Some(1) {
                count += 1;
            }
            tx.prepare_cached(
                "INSERT INTO revocations (owner, token, revoked, changed, mseq) VALUES (?1, ?2, 0, ?3, ?4)
                 ON CONFLICT(owner, token) DO UPDATE SET revoked = 0, changed = ?3, mseq = ?4",
            )?
            .execute(params![owner, t, i(changed), next(seq)])?;
        }
        tx.commit()?;
        Ok(count)
    }

    pub fn is_revoked(&self, owner: &str, token: &[u8]) -> DbResult<bool> {
        let g = self.lock();
        let v: Option<i64> = g
            .conn
            .query_row("SELECT revoked FROM revocations WHERE owner = ?1 AND token = ?2", params![owner, token], |r| r.get(0))
            .optional()?;
        Ok(v == Some(1))
    }

    /// Remove expired messages and tombstones of messages that would have expired.
    pub fn cleanup(&self, now: u64) -> DbResult<usize> {
        let g = self.lock();
        let n = g.conn.prepare_cached("DELETE FROM messages WHERE expiry <= ?1")?.execute([i(now)])?;
        g.conn.prepare_cached("DELETE FROM tombstones WHERE expiry <= ?1")?.execute([i(now)])?;
        Ok(n)
    }

    /// Number of stored (unexpired) messages (diagnostics and tests).
    pub fn count(&self, now: u64) -> DbResult<u64> {
        let g = self.lock();
        let n = g.conn.prepare_cached("SELECT COUNT(*) FROM messages WHERE expiry > ?1")?.query_row([i(now)], |r| r.get::<_, i64>(0))?;
        Ok(u(n))
    }

    /// Rows changed after `after` (this node's change sequence), at most `limit`.
    pub fn changes_since(&self, after: i64, limit: usize, now: u64) -> DbResult<ChangeBatch> {
        enum Row {
            M(Message),
            T(Tombstone),
            R(Revocation),
        }
        let g = self.lock();
        // One extra row per table tells whether another page follows.
        let lim = limit as i64 + 1;
        let mut rows: Vec<(i64, Row)> = Vec::new();
        {
            let mut st = g.conn.prepare_cached(
                "SELECT hash, owner, namespace, timestamp, expiry, data, changed, mseq FROM messages
                 WHERE mseq > ?1 AND expiry > ?2 ORDER BY mseq LIMIT ?3",
            )?;
            let it = st.query_map(params![after, i(now), lim], |r| {
                Ok((
                    r.get::<_, i64>(7)?,
                    Row::M(Message {
                        hash: r.get(0)?,
                        owner: r.get(1)?,
                        namespace: r.get(2)?,
                        timestamp: u(r.get(3)?),
                        expiry: u(r.get(4)?),
                        data: r.get(5)?,
                        changed: u(r.get(6)?),
                    }),
                ))
            })?;
            for r in it {
                rows.push(r?);
            }
        }
        {
            let mut st = g
                .conn
                .prepare_cached("SELECT hash, owner, deleted_at, expiry, mseq FROM tombstones WHERE mseq > ?1 ORDER BY mseq LIMIT ?2")?;
            let it = st.query_map(params![after, lim], |r| {
                Ok((
                    r.get::<_, i64>(4)?,
                    Row::T(Tombstone { hash: r.get(0)?, owner: r.get(1)?, deleted_at: u(r.get(2)?), expiry: u(r.get(3)?) }),
                ))
            })?;
            for r in it {
                rows.push(r?);
            }
        }
        {
            let mut st = g
                .conn
                .prepare_cached("SELECT owner, token, revoked, changed, mseq FROM revocations WHERE mseq > ?1 ORDER BY mseq LIMIT ?2")?;
            let it = st.query_map(params![after, lim], |r| {
                Ok((
                    r.get::<_, i64>(4)?,
                    Row::R(Revocation { owner: r.get(0)?, token: r.get(1)?, revoked: r.get::<_, i64>(2)? == 1, changed: u(r.get(3)?) }),
                ))
            })?;
            for r in it {
                rows.push(r?);
            }
        }
        rows.sort_by_key(|(m, _)| *m);
        let more = rows.len() > limit;
        let take = rows.len().min(limit);
        let mut batch = ChangeBatch { next: after, more, ..Default::default() };
        for (m, row) in rows.into_iter().take(take) {
            batch.next = m;
            match row {
                Row::M(x) => batch.messages.push(x),
                Row::T(x) => batch.tombstones.push(x),
                Row::R(x) => batch.revocations.push(x),
            }
        }
        Ok(batch)
    }

    /// Merge a peer's changes (last writer wins by `changed`; tombstones beat older copies).
    /// Returns how many rows changed here.
    pub fn apply_changes(&self, batch: &ChangeBatch, now: u64) -> DbResult<usize> {
        let mut g = self.lock();
        let inner = &mut *g;
        let seq = &mut inner.next_mseq;
        let tx = inner.conn.transaction()?;
        let mut applied = 0;
        for t in &batch.tombstones {
            let msg: Option<i64> =
                tx.prepare_cached("SELECT changed FROM messages WHERE hash = ?1")?.query_row([&t.hash], |r| r.get(0)).optional()?;
            if matches!(msg, Some(c) if u(c) > t.deleted_at) {
                continue; // stored again after that deletion
            }
            let had: Option<i64> =
                tx.prepare_cached("SELECT deleted_at FROM tombstones WHERE hash = ?1")?.query_row([&t.hash], |r| r.get(0)).optional()?;
            if msg.is_some() {
                tx.prepare_cached("DELETE FROM messages WHERE hash = ?1")?.execute([&t.hash])?;
            }
            if had.is_none() && t.expiry > now {
                tx.prepare_cached("INSERT INTO tombstones (hash, owner, deleted_at, expiry, mseq) VALUES (?1, ?2, ?3, ?4, ?5)")?
                    .execute(params![t.hash, t.owner, i(t.deleted_at), i(t.expiry), next(seq)])?;
            }
            if msg.is_some() || had.is_none() {
                applied += 1;
            }
        }
        for m in &batch.messages {
            if m.expiry <= now {
                continue;
            }
            let tomb: Option<i64> =
                tx.prepare_cached("SELECT deleted_at FROM tombstones WHERE hash = ?1")?.query_row([&m.hash], |r| r.get(0)).optional()?;
            if matches!(tomb, Some(d) if u(d) >= m.changed) {
                continue;
            }
            if tomb.is_some() {
                tx.prepare_cached("DELETE FROM tombstones WHERE hash = ?1")?.execute([&m.hash])?;
            }
            let cur: Option<(i64, i64)> = tx
                .query_row("SELECT expiry, changed FROM messages WHERE hash = ?1", [&m.hash], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match cur {
                None => {
                    tx.prepare_cached(
                        "INSERT INTO messages (hash, owner, namespace, timestamp, expiry, changed, data, mseq, direct)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)",
                    )?
                    .execute(params![
                        m.hash,
                        m.owner,
                        m.namespace,
                        i(m.timestamp),
                        i(m.expiry),
                        i(m.changed),
                        m.data,
                        next(seq)
                    ])?;
                    applied += 1;
                }
                Some((exp, changed)) if u(changed) < m.changed && u(exp) != m.expiry => {
                    tx.prepare_cached("UPDATE messages SET expiry = ?1, changed = ?2, mseq = ?3 WHERE hash = ?4")?.execute(params![
                        i(m.expiry),
                        i(m.changed),
                        next(seq),
                        m.hash
                    ])?;
                    applied += 1;
                }
                Some(_) => {}
            }
        }
        for r in &batch.revocations {
            let cur: Option<i64> = tx
                .query_row("SELECT changed FROM revocations WHERE owner = ?1 AND token = ?2", params![r.owner, r.token], |x| x.get(0))
                .optional()?;
            if matches!(cur, Some(c) if u(c) >= r.changed) {
                continue;
            }
            tx.prepare_cached(
                "INSERT INTO revocations (owner, token, revoked, changed, mseq) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(owner, token) DO UPDATE SET revoked = ?3, changed = ?4, mseq = ?5",
            )?
            .execute(params![r.owner, r.token, r.revoked as i64, i(r.changed), next(seq)])?;
            applied += 1;
        }
        tx.commit()?;
        Ok(applied)
    }

    pub fn cursor(&self, peer: &str) -> DbResult<i64> {
        let g = self.lock();
        Ok(g.conn.query_row("SELECT cursor FROM sync_cursors WHERE peer = ?1", [peer], |r| r.get(0)).optional()?.unwrap_or(0))
    }

    pub fn set_cursor(&self, peer: &str, cursor: i64) -> DbResult<()> {
        let g = self.lock();
        g.conn
            .prepare_cached("INSERT INTO sync_cursors (peer, cursor) VALUES (?1, ?2) ON CONFLICT(peer) DO UPDATE SET cursor = ?2")?
            .execute(params![peer, cursor])?;
        Ok(())
    }
}

/// Delete the rows a (hash, namespace, expiry) query selects, leaving tombstones.
fn delete_rows(
    tx: &rusqlite::Transaction<'_>,
    select: &str,
    p: impl rusqlite::Params,
    owner: &str,
    changed: u64,
    seq: &mut i64,
) -> DbResult<Vec<(i16, String)>> {
    let rows: Vec<(String, i16, i64)> = {
        let mut st = tx.prepare_cached(select)?;
        let r = st.query_map(p, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        r.collect::<DbResult<_>>()?
    };
    for (h, _, exp) in &rows {
        tx.prepare_cached("DELETE FROM messages WHERE hash = ?1")?.execute([h])?;
        tx.prepare_cached("INSERT OR REPLACE INTO tombstones (hash, owner, deleted_at, expiry, mseq) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![h, owner, i(changed), exp, next(seq)])?;
    }
    Ok(rows.into_iter().map(|(h, ns, _)| (ns, h)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> (tempfile::TempDir, Store) {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(&d.path().join("db")).unwrap();
        (d, s)
    }

    #[test]
    fn store_retrieve_after_last_hash_and_duplicates() {
        let (_d, s) = tmp();
        let now = 1_700_000_000_000;
        for k in 0..3u8 {
            let o = s.store("05aa", 0, &format!("h{k}"), now, now + 100_000, &[k], now, false).unwrap();
            assert!(o.new);
        }
        let dup = s.store("05aa", 0, "h1", now, now + 50_000, &[1], now, false).unwrap();
        assert_eq!(dup, StoreOutcome { new: false, expiry: now + 100_000 });
        let ext = s.store("05aa", 0, "h1", now, now + 200_000, &[1], now + 1, false).unwrap();
        assert_eq!(ext, StoreOutcome { new: false, expiry: now + 200_000 });
        let (all, more) = s.retrieve("05aa", 0, "", None, None, now).unwrap();
        assert_eq!(all.iter().map(|m| m.hash.as_str()).collect::<Vec<_>>(), ["h0", "h1", "h2"]);
        assert!(!more);
        let (after, _) = s.retrieve("05aa", 0, "h0", None, None, now).unwrap();
        assert_eq!(after.len(), 2);
        let (one, more) = s.retrieve("05aa", 0, "", Some(1), None, now).unwrap();
        assert_eq!((one.len(), more), (1, true));
        // Expired messages are invisible.
        let (none, _) = s.retrieve("05aa", 0, "", None, None, now + 150_000).unwrap();
        assert_eq!(none.len(), 1);
    }

    #[test]
    fn sync_carries_messages_deletions_and_expiry_changes() {
        let (_a, a) = tmp();
        let (_b, b) = tmp();
        let now = 1_700_000_000_000;
        a.store("05aa", 0, "x", now, now + 100_000, b"x", now, false).unwrap();
        a.store("05aa", 0, "y", now, now + 100_000, b"y", now, false).unwrap();
        b.store("05aa", 0, "x", now, now + 100_000, b"x", now, false).unwrap();
        b.store("05aa", 0, "y", now, now + 100_000, b"y", now, false).unwrap();
        // While b is "down": a deletes x, shortens y, stores z.
        a.delete_by_hash("05aa", &["x".into()], now + 10).unwrap();
        a.update_expiry("05aa", &["y".into()], &[now + 50_000], false, false, now, now + 20).unwrap();
        a.store("05aa", 0, "z", now, now + 100_000, b"z", now + 30, false).unwrap();
        let batch = a.changes_since(0, 1000, now).unwrap();
        b.apply_changes(&batch, now).unwrap();
        let (msgs, _) = b.retrieve("05aa", 0, "", None, None, now).unwrap();
        let got: Vec<_> = msgs.iter().map(|m| (m.hash.as_str(), m.expiry)).collect();
        assert_eq!(got, [("y", now + 50_000), ("z", now + 100_000)]);
        // A store that arrives after catch-up copied the message is not reported as a duplicate
        // the first time, only after that.
        assert!(b.store("05aa", 0, "z", now, now + 100_000, b"z", now + 40, false).unwrap().new);
        assert!(!b.store("05aa", 0, "z", now, now + 100_000, b"z", now + 50, false).unwrap().new);
        // Syncing back from b to a changes nothing (no resurrection).
        let back = b.changes_since(0, 1000, now).unwrap();
        assert_eq!(a.apply_changes(&back, now).unwrap(), 0);
        assert_eq!(a.count(now).unwrap(), 2);
    }

    #[test]
    fn change_pages_do_not_split_a_transaction() {
        let (_a, a) = tmp();
        let now = 1_700_000_000_000;
        for k in 0..5 {
            a.store("05aa", 0, &format!("h{k}"), now, now + 100_000, b"d", now, false).unwrap();
        }
        a.delete_matching("05aa", None, None, now + 1).unwrap(); // 5 tombstones, one mseq
        let mut cursor = 0;
        let mut tombs = 0;
        for _ in 0..10 {
            let b = a.changes_since(cursor, 2, now).unwrap();
            tombs += b.tombstones.len();
            cursor = b.next;
            if !b.more {
                break;
            }
        }
        assert_eq!(tombs, 5);
    }
}
