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
    Argon2id {
        salt: String,
        opslimit: u64,
        memlimit: usize,
        /// BLAKE2b-16 keyed by the derived key (hex): tells a wrong PIN from a damaged database
        /// before SQLCipher is asked. Absent in files written before it existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        check: Option<String>,
    },
    /// A random key in `db.key`.
    #[serde(rename = "random-key-file")]
    RandomKeyFile,
}

/// Argon2id cost: libsodium's "interactive" level (64 MiB, 2 passes; ~0.1–0.3 s), so that a bot
/// host can open many identities while a stolen database still resists PIN guessing.
pub const DEFAULT_OPSLIMIT: u64 = libsodium_sys::crypto_pwhash_OPSLIMIT_INTERACTIVE as u64;
pub const DEFAULT_MEMLIMIT: usize = libsodium_sys::crypto_pwhash_MEMLIMIT_INTERACTIVE as usize;
/// Costs accepted from keyinfo.json: what this SDK writes and some margin, bounded so that an
/// edited file cannot make opening hang (opslimit 2^32) or fail obscurely (memlimit 2^40).
const OPSLIMIT_RANGE: std::ops::RangeInclusive<u64> = 1..=10;
const MEMLIMIT_RANGE: std::ops::RangeInclusive<usize> = 8192..=(1 << 30);

/// The check value of a database key.
fn key_check(key: &[u8; 32]) -> String {
    hex::encode(sodium::blake2b_n::<16>(Some(key), &[b"session-sdk database key check"]))
}

/// Whether the key derived from a PIN is the database's, when keyinfo.json can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyVerdict {
    /// The stored check matches (or the key is the random key file's: no PIN to get wrong).
    Right,
    /// The stored check does not match: a wrong PIN.
    Wrong,
    /// keyinfo.json predates the check; only SQLCipher can tell.
    Unknown,
}

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
    database_key_checked(dir, pin, creating).map(|(k, _)| k)
}

/// [`database_key`], and whether keyinfo.json's check says the key is right.
pub fn database_key_checked(dir: &Path, pin: Option<&str>, creating: bool) -> Result<(Zeroizing<[u8; 32]>, KeyVerdict)> {
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
                check: None,
            },
            None => KeyInfo::RandomKeyFile,
        };
        if info == KeyInfo::RandomKeyFile {
            write_private(&dir.join(RAW_KEY_FILE), &sodium::random_array::<32>())?;
            write_private(&info_path, &serde_json::to_vec_pretty(&info)?)?;
        }
        // An Argon2id keyinfo.json is written below, once the key (and its check) is known.
        info
    } else {
        return Err(Error::new(ErrorKind::Database, format!("{} is missing: cannot derive the database key", info_path.display())));
    };
    let mut key = Zeroizing::new([0u8; 32]);
    let mut verdict = KeyVerdict::Right;
    match (&info, pin) {
        (KeyInfo::Argon2id { salt, opslimit, memlimit, check }, Some(pin)) => {
            let salt: [u8; 16] = hex::decode(salt)
                .ok()
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| Error::new(ErrorKind::Database, "keyinfo.json has a malformed salt"))?;
            if !OPSLIMIT_RANGE.contains(opslimit) || !MEMLIMIT_RANGE.contains(memlimit) {
                return Err(Error::new(
                    ErrorKind::Database,
                    format!("keyinfo.json asks for Argon2id costs this SDK never writes (opslimit {opslimit}, memlimit {memlimit})"),
                ));
            }
            sodium::argon2id(&mut key[..], pin.as_bytes(), &salt, *opslimit, *memlimit)?;
            verdict = match check {
                Some(c) if sodium::memcmp_eq(c.as_bytes(), key_check(&key).as_bytes()) => KeyVerdict::Right,
                Some(_) => KeyVerdict::Wrong,
                None if creating => {
                    let with_check =
                        KeyInfo::Argon2id { salt: salt_hex(&salt), opslimit: *opslimit, memlimit: *memlimit, check: Some(key_check(&key)) };
                    write_private(&info_path, &serde_json::to_vec_pretty(&with_check)?)?;
                    KeyVerdict::Right
                }
                None => KeyVerdict::Unknown,
            };
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
    Ok((key, verdict))
}

fn salt_hex(salt: &[u8; 16]) -> String {
    hex::encode(salt)
}

/// Record the check of `key` in an older keyinfo.json that lacks one (after the key opened the
/// database, so it is the right one). keyinfo.json is the SDK's own file.
pub fn add_missing_check(dir: &Path, key: &[u8; 32]) -> Result<()> {
    let info_path = dir.join(KEYINFO_FILE);
    let info: KeyInfo = serde_json::from_slice(&std::fs::read(&info_path)?)?;
    if let KeyInfo::Argon2id { salt, opslimit, memlimit, check: None } = info {
        let with_check = KeyInfo::Argon2id { salt, opslimit, memlimit, check: Some(key_check(key)) };
        write_private(&info_path, &serde_json::to_vec_pretty(&with_check)?)?;
    }
    Ok(())
}

pub fn keyinfo_path(dir: &Path) -> PathBuf {
    dir.join(KEYINFO_FILE)
}
