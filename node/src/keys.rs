//! Node and file-server key pairs, persisted in the data directory.
//!
//! The file `key_ed25519` holds the 32-byte Ed25519 seed in hex. The X25519 key used for onion
//! layers is derived from it exactly as real service nodes do (Ed25519 → Curve25519 conversion).

use crate::error::{NodeError, Result};
use session_sdk::sodium;
use std::path::Path;

pub const KEY_FILE: &str = "key_ed25519";

/// An Ed25519 identity and its X25519 conversion.
#[derive(Clone)]
pub struct KeyPair {
    pub ed_pk: [u8; 32],
    ed_sk: [u8; 64],
    pub x_pk: [u8; 32],
    x_sk: [u8; 32],
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyPair({})", hex::encode(self.ed_pk))
    }
}

impl KeyPair {
    pub fn from_seed(seed: &[u8; 32]) -> Result<KeyPair> {
        let (ed_pk, ed_sk) = sodium::ed25519_seed_keypair(seed);
        let x_pk = sodium::ed25519_pk_to_x25519(&ed_pk)?;
        let x_sk = sodium::ed25519_sk_to_x25519(&ed_sk);
        Ok(KeyPair { ed_pk, ed_sk, x_pk, x_sk })
    }

    pub fn generate() -> Result<KeyPair> {
        KeyPair::from_seed(&sodium::random_array::<32>())
    }

    /// Load the key from `dir/key_ed25519`, creating (and persisting) a new one if absent.
    pub fn load_or_create(dir: &Path) -> Result<KeyPair> {
        let path = dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let mut seed = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut seed)
                    .map_err(|_| NodeError::Config(format!("{} is not a 64-hex-digit seed", path.display())))?;
                KeyPair::from_seed(&seed)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir)?;
                let seed = sodium::random_array::<32>();
                let tmp = dir.join(format!("{KEY_FILE}.tmp"));
                std::fs::write(&tmp, hex::encode(seed))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
                }
                std::fs::rename(&tmp, &path)?;
                KeyPair::from_seed(&seed)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        sodium::ed25519_sign(&self.ed_sk, msg)
    }

    pub fn x25519_secret(&self) -> &[u8; 32] {
        &self.x_sk
    }

    pub fn ed25519_hex(&self) -> String {
        hex::encode(self.ed_pk)
    }
}
