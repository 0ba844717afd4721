//! The database's part in backups: a consistent snapshot of the live database, taken through a
//! second connection while the client keeps writing (WAL readers do not block the writer),
//! exported under a key of the backup's own; and, on restore, that snapshot re-keyed to the new
//! PIN, with the paths it holds moved to the new data directory.

use super::{key, schema, Store, DB_FILE};
use crate::error::{Error, ErrorKind, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use zeroize::Zeroizing;

/// What a snapshot holds, for a backup's manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SnapshotCounts {
    /// Messages, sent and received.
    pub messages: u64,
    /// Conversations.
    pub conversations: u64,
    /// Contacts, requests and blocked IDs.
    pub contacts: u64,
    /// Groups we are in, were in, or are invited to.
    pub groups: u64,
    /// Attachments of messages.
    pub attachments: u64,
}

fn hex_key(k: &[u8; 32]) -> Zeroizing<String> {
    Zeroizing::new(format!("x'{}'", hex::encode(k)))
}

/// Open `path` with the raw key `k`, proving the key by a first read.
fn open_keyed(path: &Path, k: &[u8; 32], flags: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    conn.pragma_update(None, "key", hex_key(k).as_str())?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .map_err(|e| Error::new(ErrorKind::Database, format!("{}: cannot be opened with its key: {e}", path.display())))?;
    Ok(conn)
}

fn count(conn: &Connection, table: &str) -> Result<u64> {
    Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0))? as u64)
}

impl Store {
    /// Write a consistent copy of the whole database to `dest` (a new file), encrypted under
    /// `dest_key`, without holding the client's connection: a second connection reads one
    /// snapshot of the WAL database while the client goes on writing. Returns what it holds.
    pub fn export_snapshot(&self, dest: &Path, dest_key: &[u8; 32]) -> Result<SnapshotCounts> {
        if dest.exists() {
            return Err(Error::internal(format!("{} exists; a snapshot goes to a new file", dest.display())));
        }
        // CREATE: the attached snapshot is a new file (the main database exists).
        let conn = open_keyed(&self.path, &self.key, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        let dest_s = dest.to_str().ok_or_else(|| Error::invalid_argument("the data directory's path is not UTF-8"))?;
        // One statement under one read transaction: the copy is of a single point in time.
        conn.execute("ATTACH DATABASE ?1 AS snap KEY ?2", rusqlite::params![dest_s, hex_key(dest_key).as_str()])?;
        let exported = conn.query_row("SELECT sqlcipher_export('snap')", [], |_| Ok(()));
        let version: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
        // A self-contained file (no -wal beside it), so that it can be read, copied and opened
        // read-only anywhere.
        conn.execute_batch(&format!("PRAGMA snap.user_version = {version}; PRAGMA snap.journal_mode = DELETE; DETACH DATABASE snap;"))?;
        exported?;
        drop(conn);
        let snap = open_keyed(dest, dest_key, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(SnapshotCounts {
            messages: count(&snap, "messages")?,
            conversations: count(&snap, "conversations")?,
            contacts: count(&snap, "contacts")?,
            groups: count(&snap, "groups")?,
            attachments: count(&snap, "attachments")?,
        })
    }

    /// Run `f` on a read-only connection to a snapshot made by [`Store::export_snapshot`].
    pub fn read_snapshot<T>(path: &Path, k: &[u8; 32], f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = open_keyed(path, k, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(f(&conn)?)
    }
}

/// Make the snapshot `dir/session.db` (keyed with `snapshot_key`) the database of `dir`: give it
/// the key of `pin` (writing keyinfo.json or db.key there, as a new database gets), point the
/// attachment files it lists into `attachments_dir`, and check that it is a database this SDK
/// can open (not from a newer schema). The Session ID it holds is returned.
pub fn restore_database(dir: &Path, snapshot_key: &[u8; 32], pin: Option<&str>, attachments_dir: &Path) -> Result<String> {
    let path = dir.join(DB_FILE);
    let conn = open_keyed(&path, snapshot_key, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version as usize > schema::MIGRATIONS.len() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("the backed-up database has schema {version}; this SDK knows up to {}: update it", schema::MIGRATIONS.len()),
        ));
    }
    // Attachment files now live in the new directory (same file names).
    let rows: Vec<(i64, i64, String)> = {
        let mut st = conn.prepare("SELECT message_id, idx, blob_path FROM attachments WHERE blob_path IS NOT NULL")?;
        let v = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        v
    };
    for (message_id, idx, old) in rows {
        let name = Path::new(&old).file_name().map(|n| attachments_dir.join(n)).and_then(|p| p.to_str().map(str::to_owned));
        conn.execute("UPDATE attachments SET blob_path = ?3 WHERE message_id = ?1 AND idx = ?2", rusqlite::params![message_id, idx, name])?;
    }
    let session_id: Option<Vec<u8>> =
        conn.query_row("SELECT value FROM meta WHERE key = 'session_id'", [], |r| r.get(0)).map(Some).or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    let session_id = session_id
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .ok_or_else(|| Error::new(ErrorKind::Database, "the backed-up database holds no identity"))?;
    let new_key = key::database_key(dir, pin, true)?;
    conn.pragma_update(None, "rekey", hex_key(&new_key).as_str())?;
    drop(conn);
    // The restored database opens as any other would.
    drop(Store::open(dir, pin)?);
    Ok(session_id)
}
