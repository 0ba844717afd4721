//! Per-hop onion request encryption: X25519 key agreement, then AES-256-GCM or
//! XChaCha20-Poly1305, no associated data.

use crate::error::{Error, Result};
use crate::sodium;

/// The cipher of one onion layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EncType {
    /// `aes-gcm` (alias `gcm`); the default when a request names none.
    AesGcm,
    /// `xchacha20` (alias `xchacha20-poly1305`).
    XChaCha20,
}

impl EncType {
    /// Parse the `enc_type` JSON string; `None` (absent) means AES-GCM.
    pub fn parse(s: Option<&str>) -> Result<EncType> {
        match s {
            None | Some("aes-gcm") | Some("gcm") => Ok(EncType::AesGcm),
            Some("xchacha20") | Some("xchacha20-poly1305") => Ok(EncType::XChaCha20),
            Some(other) => Err(Error::malformed(format!("unknown onion enc_type {other:?}"))),
        }
    }
    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            EncType::AesGcm => "aes-gcm",
            EncType::XChaCha20 => "xchacha20",
        }
    }
}

/// Which side of a hop we are: the client sent the request (its key comes first in the XChaCha20
/// key hash), the server received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We built the request: our (ephemeral) key is `A`, the hop's is `B`.
    Client,
    /// We are the hop that received it: the sender's key is `A`, ours is `B`.
    Server,
}

/// The symmetric key for one hop.
pub fn derive_key(enc: EncType, local_sk: &[u8; 32], local_pk: &[u8; 32], remote_pk: &[u8; 32], role: Role) -> Result<[u8; 32]> {
    let ss = sodium::x25519(local_sk, remote_pk)?;
    Ok(match enc {
        EncType::AesGcm => sodium::hmac_sha256(b"LOKI", &[&ss]),
        EncType::XChaCha20 => {
            let (client, server) = match role {
                Role::Client => (local_pk, remote_pk),
                Role::Server => (remote_pk, local_pk),
            };
            sodium::blake2b_n::<32>(None, &[&ss, client, server])
        }
    })
}

/// Encrypt with a derived hop key: `iv(12) ‖ ct ‖ tag` or `nonce(24) ‖ ct ‖ tag`.
pub fn encrypt_with_key(enc: EncType, key: &[u8; 32], plaintext: &[u8]) -> Result<Vec<u8>> {
    match enc {
        EncType::AesGcm => {
            let iv = sodium::random_array::<12>();
            let ct = sodium::aes_gcm_encrypt(plaintext, &iv, key)?;
            Ok([&iv[..], &ct].concat())
        }
        EncType::XChaCha20 => {
            let nonce = sodium::random_array::<24>();
            let ct = sodium::xchacha_encrypt(plaintext, &nonce, key);
            Ok([&nonce[..], &ct].concat())
        }
    }
}

/// Decrypt with a derived hop key.
pub fn decrypt_with_key(enc: EncType, key: &[u8; 32], ciphertext: &[u8]) -> Result<Vec<u8>> {
    match enc {
        EncType::AesGcm => {
            if ciphertext.len() < 12 + 16 {
                return Err(Error::decryption_failed("AES-GCM onion ciphertext is too short"));
            }
            let (iv, ct) = ciphertext.split_at(12);
            sodium::aes_gcm_decrypt(ct, iv.try_into().expect("12"), key)
        }
        EncType::XChaCha20 => {
            if ciphertext.len() < 24 + 16 {
                return Err(Error::decryption_failed("XChaCha20 onion ciphertext is too short"));
            }
            let (nonce, ct) = ciphertext.split_at(24);
            sodium::xchacha_decrypt(ct, nonce.try_into().expect("24"), key)
        }
    }
}

/// Encrypt one layer to the peer whose X25519 public key is `remote_pk` (onion-requests.md §2):
/// [`derive_key`] for our `role`, then [`encrypt_with_key`] with a fresh IV or nonce.
pub fn encrypt(
    enc: EncType,
    local_sk: &[u8; 32],
    local_pk: &[u8; 32],
    remote_pk: &[u8; 32],
    role: Role,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    encrypt_with_key(enc, &derive_key(enc, local_sk, local_pk, remote_pk, role)?, plaintext)
}

/// Open one layer from the peer whose X25519 public key is `remote_pk`: [`derive_key`] for our
/// `role`, then [`decrypt_with_key`]; `DecryptionFailed` when too short or not authentic.
pub fn decrypt(
    enc: EncType,
    local_sk: &[u8; 32],
    local_pk: &[u8; 32],
    remote_pk: &[u8; 32],
    role: Role,
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    decrypt_with_key(enc, &derive_key(enc, local_sk, local_pk, remote_pk, role)?, ciphertext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ciphers_round_trip_between_client_and_server() {
        let (csk, cpk) = sodium::x25519_keypair();
        let (ssk, spk) = sodium::x25519_keypair();
        for enc in [EncType::AesGcm, EncType::XChaCha20] {
            if enc == EncType::AesGcm && !sodium::aes_gcm_available() {
                continue;
            }
            let ct = encrypt(enc, &csk, &cpk, &spk, Role::Client, b"req").unwrap();
            assert_eq!(decrypt(enc, &ssk, &spk, &cpk, Role::Server, &ct).unwrap(), b"req");
            let reply = encrypt(enc, &ssk, &spk, &cpk, Role::Server, b"resp").unwrap();
            assert_eq!(decrypt(enc, &csk, &cpk, &spk, Role::Client, &reply).unwrap(), b"resp");
            assert!(decrypt(enc, &ssk, &spk, &cpk, Role::Server, &ct[..5]).is_err());
        }
    }

    #[test]
    fn enc_type_names() {
        assert_eq!(EncType::parse(None).unwrap(), EncType::AesGcm);
        assert_eq!(EncType::parse(Some("gcm")).unwrap(), EncType::AesGcm);
        assert_eq!(EncType::parse(Some("xchacha20-poly1305")).unwrap(), EncType::XChaCha20);
        assert!(EncType::parse(Some("aes-cbc")).is_err());
    }
}
