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
        if !creating {
            // An existing database is never replaced by a new one: an empty or missing file
            // where an account was is an error, not a fresh start with a new identity.
            let meta = std::fs::metadata(&path)?;
            if !meta.is_file() {
                return Err(Error::new(ErrorKind::Database, format!("{} is not a regular file", path.display())));
            }
            if meta.len() == 0 {
                return Err(Error::new(
                    ErrorKind::Database,
                    format!(
                        "{} is empty: the account's database is gone (restore it from a backup, or from the recovery phrase into a new directory); nothing was changed",
                        path.display()
                    ),
                ));
            }
        }
        let (key, verdict) = key::database_key_checked(dir, pin, creating)?;
        if verdict == key::KeyVerdict::Wrong {
            return Err(Error::new(ErrorKind::WrongPin, "the PIN does not open this database"));
        }
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
        // The first read proves the key. SQLCipher reports a wrong key, and a damaged first page,
        // as "not a database": with the key known to be right, it is damage.
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            let unreadable = matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase);
            return Err(match (unreadable, verdict) {
                (true, key::KeyVerdict::Unknown) => Error::new(ErrorKind::WrongPin, "the PIN does not open this database"),
                (true, _) => Error::new(ErrorKind::Database, format!("{} is damaged: it cannot be read with its key", path.display())),
                _ => e.into(),
            });
        }
        if !creating {
            // A quick check of every page: damage found at open, not in the middle of a send.
            let report: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
            if report != "ok" {
                return Err(Error::new(ErrorKind::Database, format!("{} is damaged: {report}", path.display())));
            }
            if verdict == key::KeyVerdict::Unknown {
                key::add_missing_check(dir, &key)?;
            }
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

    /// A database with one message, closed; returns the directory.
    fn account(tag: &str, pin: Option<&str>) -> PathBuf {
        let dir = test_util::temp_dir(tag);
        let s = Store::open(&dir, pin).unwrap();
        s.meta_set("identity_seed", &[7u8; 16]).unwrap();
        drop(s);
        dir
    }

    #[test]
    fn an_empty_or_missing_database_is_never_a_new_account() {
        for pin in [Some("1234"), None] {
            let dir = account("empty-db", pin);
            std::fs::write(dir.join(DB_FILE), b"").unwrap();
            let e = Store::open(&dir, pin).err().unwrap();
            assert_eq!(e.kind(), ErrorKind::Database, "{e}");
            assert!(e.message().contains("empty"), "{e}");
            assert_eq!(std::fs::metadata(dir.join(DB_FILE)).unwrap().len(), 0, "the empty file is left as it was");
            std::fs::remove_file(dir.join(DB_FILE)).unwrap();
            assert_eq!(Store::open(&dir, pin).err().unwrap().kind(), ErrorKind::Database, "missing beside keyinfo.json");
            assert!(!dir.join(DB_FILE).exists());
        }
    }

    /// Remove the WAL side files (a damaged main file is what these tests are about).
    fn wal_files(dir: &Path) -> usize {
        let mut n = 0;
        for ext in ["session.db-wal", "session.db-shm"] {
            if std::fs::remove_file(dir.join(ext)).is_ok() {
                n += 1;
            }
        }
        n
    }

    #[test]
    fn damage_is_told_apart_from_a_wrong_pin() {
        for pin in [Some("1234"), None] {
            let dir = account("damaged", pin);
            wal_files(&dir);
            let good = std::fs::read(dir.join(DB_FILE)).unwrap();
            let cases: Vec<(&str, Vec<u8>)> = vec![
                ("garbage", vec![0x5a; good.len()]),
                ("truncated", good[..good.len() / 2].to_vec()),
                ("page 1 flipped", {
                    let mut b = good.clone();
                    b[100] ^= 0x40;
                    b
                }),
                ("last page flipped", {
                    let mut b = good.clone();
                    let n = b.len();
                    b[n - 100] ^= 0x40;
                    b
                }),
            ];
            for (what, bytes) in cases {
                std::fs::write(dir.join(DB_FILE), &bytes).unwrap();
                let e = Store::open(&dir, pin).err().unwrap_or_else(|| panic!("{what} opened"));
                assert_eq!(e.kind(), ErrorKind::Database, "{what}: {e}");
                wal_files(&dir);
            }
            std::fs::write(dir.join(DB_FILE), &good).unwrap();
            if pin.is_some() {
                assert_eq!(Store::open(&dir, Some("9999")).err().unwrap().kind(), ErrorKind::WrongPin);
            }
            assert!(Store::open(&dir, pin).is_ok());
        }
    }

    #[test]
    fn crafted_argon2_costs_are_refused_and_old_keyinfo_gains_a_check() {
        let dir = account("costs", Some("1234"));
        let info_path = key::keyinfo_path(&dir);
        let original = std::fs::read_to_string(&info_path).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&original).unwrap();
        assert!(v["check"].is_string(), "new keyinfo files carry a key check");
        for (field, value) in [("opslimit", serde_json::json!(u32::MAX)), ("memlimit", serde_json::json!(1u64 << 40))] {
            let mut bad = v.clone();
            bad[field] = value;
            std::fs::write(&info_path, serde_json::to_vec(&bad).unwrap()).unwrap();
            let t = std::time::Instant::now();
            assert_eq!(Store::open(&dir, Some("1234")).err().unwrap().kind(), ErrorKind::Database);
            assert!(t.elapsed() < std::time::Duration::from_secs(2), "refused before deriving");
        }
        // A keyinfo.json from before the check: a wrong PIN is still WRONG_PIN, the right one
        // opens and adds the check.
        v.as_object_mut().unwrap().remove("check");
        std::fs::write(&info_path, serde_json::to_vec(&v).unwrap()).unwrap();
        assert_eq!(Store::open(&dir, Some("0000")).err().unwrap().kind(), ErrorKind::WrongPin);
        drop(Store::open(&dir, Some("1234")).unwrap());
        let after: serde_json::Value = serde_json::from_slice(&std::fs::read(&info_path).unwrap()).unwrap();
        assert!(after["check"].is_string());
    }
}
