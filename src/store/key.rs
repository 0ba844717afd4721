//! The database key. With a PIN or passphrase: Argon2id (libsodium) over it with a random salt
//! kept beside the database in `keyinfo.json`. Without: a random 32-byte key kept beside the
//! database in `db.key`, for the host to protect (file mode 0600).

use crate::error::{Error, ErrorKind, Result};
use crate::sodium;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub const KEYINFO_FILE: &str = "keyinfo.json";
pub const RAW_KEY_FILE: &str = "db.key";

/// How the key of an existing database is derived.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kdf")]
pub enum KeyInfo {
    /// Argon2id13 over the PIN.
    #[serde(rename = "argon2id13")]
    Argon2id { salt: String, opslimit: u64, memlimit: usize },
    /// A random key in `db.key`.
    #[serde(rename = "random-key-file")]
    RandomKeyFile,
}

/// Argon2id cost: libsodium's "interactive" level (64 MiB, 2 passes; ~0.1–0.3 s), so that a bot
/// host can open many identities while a stolen database still resists PIN guessing.
pub const DEFAULT_OPSLIMIT: u64 = libsodium_sys::crypto_pwhash_OPSLIMIT_INTERACTIVE as u64;
pub const DEFAULT_MEMLIMIT: usize = libsodium_sys::crypto_pwhash_MEMLIMIT_INTERACTIVE as usize;

fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let tmp = path.with_extension("tmp");
    let mut f = opts.open(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Derive (for an existing database) or create (for a new one) the 32-byte raw key.
pub fn database_key(dir: &Path, pin: Option<&str>, creating: bool) -> Result<Zeroizing<[u8; 32]>> {
    let info_path = dir.join(KEYINFO_FILE);
    let info: KeyInfo = if info_path.exists() {
        serde_json::from_slice(&std::fs::read(&info_path)?)
            .map_err(|e| Error::new(ErrorKind::Database, format!("{}: {e}", info_path.display())))?
    } else if creating {
        let info = match pin {
            Some(_) => KeyInfo::Argon2id {
                salt: hex::encode(sodium::random_array::<16>()),
                opslimit: DEFAULT_OPSLIMIT,
                memlimit: DEFAULT_MEMLIMIT,
            },
            None => KeyInfo::RandomKeyFile,
        };
        if info == KeyInfo::RandomKeyFile {
            write_private(&dir.join(RAW_KEY_FILE), &sodium::random_array::<32>())?;
        }
        write_private(&info_path, &serde_json::to_vec_pretty(&info)?)?;
        info
    } else {
        return Err(Error::new(ErrorKind::Database, format!("{} is missing: cannot derive the database key", info_path.display())));
    };
    let mut key = Zeroizing::new([0u8; 32]);
    match (&info, pin) {
        (KeyInfo::Argon2id { salt, opslimit, memlimit }, Some(pin)) => {
            let salt: [u8; 16] = hex::decode(salt)
                .ok()
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| Error::new(ErrorKind::Database, "keyinfo.json has a malformed salt"))?;
            sodium::argon2id(&mut key[..], pin.as_bytes(), &salt, *opslimit, *memlimit)?;
        }
        (KeyInfo::Argon2id { .. }, None) => {
            return Err(Error::new(ErrorKind::WrongPin, "this database is protected by a PIN; none was given"))
        }
        (KeyInfo::RandomKeyFile, Some(_)) => {
            return Err(Error::new(ErrorKind::WrongPin, "this database has no PIN (its key is in db.key) but a PIN was given"))
        }
        (KeyInfo::RandomKeyFile, None) => {
            let raw = Zeroizing::new(std::fs::read(dir.join(RAW_KEY_FILE))?);
            if raw.len() != 32 {
                return Err(Error::new(ErrorKind::Database, "db.key must hold 32 bytes"));
            }
            key.copy_from_slice(&raw);
        }
    }
    Ok(key)
}

pub fn keyinfo_path(dir: &Path) -> PathBuf {
    dir.join(KEYINFO_FILE)
}
