//! The local database: SQLCipher through rusqlite, keyed from the user's PIN (Argon2id) or a
//! random key file. Holds the identity, contacts, conversations, messages, the durable outbox
//! and polling state. Every write that matters is a transaction with `synchronous=FULL`, so a
//! crash at any point loses no committed message.

pub mod key;
pub mod schema;

mod attachments;
mod backup;
mod contacts;
mod groups;
mod messages;
mod outbox;
mod polling;

pub use attachments::{AttachmentInfo, AttachmentRecord, AttachmentState};
pub use backup::{restore_database, SnapshotCounts};
pub use contacts::Contact;
pub use groups::{GroupRecord, GroupState};
pub use messages::{Conversation, ConversationKind, Message, MessageState, NewOutgoing};
pub use outbox::OutboxCopy;

use crate::error::{Error, ErrorKind, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use zeroize::Zeroizing;

pub const DB_FILE: &str = "session.db";

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::new(ErrorKind::Database, e.to_string())
    }
}

/// An open, unlocked database.
pub struct Store {
    conn: Mutex<Connection>,
    /// Where the database is, and its raw key: a second connection (a backup's snapshot) needs
    /// both. Wiped on drop.
    path: PathBuf,
    key: Zeroizing<[u8; 32]>,
}

impl Store {
    /// Open (or create) the database in `dir`. A wrong PIN fails with `WrongPin` and leaves every
    /// file untouched.
    pub fn open(dir: &Path, pin: Option<&str>) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(DB_FILE);
        let creating = !path.exists();
        if creating && key::keyinfo_path(dir).exists() {
            return Err(Error::new(
                ErrorKind::Database,
                format!("{} exists without {}; refusing to create a new database beside it", key::KEYINFO_FILE, DB_FILE),
            ));
        }
        let key = key::database_key(dir, pin, creating)?;
        let flags = if creating {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let mut conn = Connection::open_with_flags(&path, flags)?;
        // A wrong PIN is reported through our error, not as SQLCipher log lines on stderr.
        let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
        // Raw 32-byte key: SQLCipher skips its own PBKDF2 (we already ran Argon2id).
        let hex_key = zeroize::Zeroizing::new(format!("x'{}'", hex::encode(&key[..])));
        conn.pragma_update(None, "key", hex_key.as_str())?;
        // The first read proves the key. SQLCipher reports a wrong key as "not a database".
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            let wrong_key = matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase);
            return Err(if wrong_key { Error::new(ErrorKind::WrongPin, "the PIN does not open this database") } else { e.into() });
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&mut conn)?;
        Ok(Store { conn: Mutex::new(conn), path, key })
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut c = self.conn.lock().map_err(|_| Error::internal("database lock poisoned"))?;
        Ok(f(&mut c)?)
    }

    #[cfg(test)]
    pub fn schema_version(&self) -> Result<u32> {
        self.with(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
    }

    // ---- meta ------------------------------------------------------------------------------

    pub fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.with(|c| c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional())
    }

    pub fn meta_set(&self, key: &str, value: &[u8]) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
                rusqlite::params![key, value],
            )
            .map(drop)
        })
    }

    pub fn meta_delete(&self, key: &str) -> Result<()> {
        self.with(|c| c.execute("DELETE FROM meta WHERE key = ?1", [key]).map(drop))
    }

    pub fn meta_get_string(&self, key: &str) -> Result<Option<String>> {
        Ok(self.meta_get(key)?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    pub fn temp_dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "ssdk-store-{tag}-{}-{}",
            std::process::id(),
            hex::encode(crate::sodium::random_array::<6>())
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_protected_database_reopens_and_refuses_wrong_pins() {
        let dir = test_util::temp_dir("pin");
        {
            let s = Store::open(&dir, Some("1234")).unwrap();
            s.meta_set("k", b"v").unwrap();
            assert_eq!(s.schema_version().unwrap(), schema::MIGRATIONS.len() as u32);
        }
        let before = std::fs::read(dir.join(DB_FILE)).unwrap();
        let e = Store::open(&dir, Some("4321")).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::WrongPin, "{e}");
        assert_eq!(Store::open(&dir, None).err().unwrap().kind(), ErrorKind::WrongPin);
        assert_eq!(std::fs::read(dir.join(DB_FILE)).unwrap(), before, "a wrong PIN must not touch the file");
        let s = Store::open(&dir, Some("1234")).unwrap();
        assert_eq!(s.meta_get("k").unwrap().unwrap(), b"v");
        // The file is encrypted: the plaintext value is not in it.
        drop(s);
        let raw = std::fs::read(dir.join(DB_FILE)).unwrap();
        assert!(!raw.windows(11).any(|w| w == b"SQLite form"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn random_key_database() {
        let dir = test_util::temp_dir("nopin");
        Store::open(&dir, None).unwrap().meta_set("a", b"b").unwrap();
        assert!(dir.join(key::RAW_KEY_FILE).exists());
        assert_eq!(Store::open(&dir, Some("x")).err().unwrap().kind(), ErrorKind::WrongPin);
        assert_eq!(Store::open(&dir, None).unwrap().meta_get("a").unwrap().unwrap(), b"b");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
