//! Deterministic encryption of config messages (libsession `config::encrypt`):
//! nonce = BLAKE2b-24(m, key="libsessionutil-config-encrypted-" ‖ domain),
//! key = BLAKE2b-32(key_base ‖ u64_be(len m) ‖ domain), out = XChaCha20-Poly1305(m) ‖ nonce.

use crate::error::{Error, Result};
use crate::sodium;

const NONCE_KEY_PREFIX: &[u8] = b"libsessionutil-config-encrypted-";

fn check_domain(domain: &[u8]) -> Result<()> {
    if domain.is_empty() || domain.len() > 24 {
        return Err(Error::invalid_argument(format!("config domain must be 1..=24 bytes, got {}", domain.len())));
    }
    Ok(())
}

fn key_for(key_base: &[u8; 32], plain_len: usize, domain: &[u8]) -> [u8; 32] {
    sodium::blake2b_n::<32>(None, &[key_base, &(plain_len as u64).to_be_bytes(), domain])
}

/// Encrypt a config message under `key_base` (for user configs the Ed25519 seed) for `domain`
/// (the config's name, 1–24 bytes): `ciphertext ‖ tag(16) ‖ nonce(24)`, equal for equal inputs
/// (config-sync.md §2).
pub fn encrypt(message: &[u8], key_base: &[u8; 32], domain: &[u8]) -> Result<Vec<u8>> {
    check_domain(domain)?;
    let nonce_key = [NONCE_KEY_PREFIX, domain].concat();
    let nonce = sodium::blake2b_n::<24>(Some(&nonce_key), &[message]);
    let mut out = sodium::xchacha_encrypt(message, &nonce, &key_for(key_base, message.len(), domain));
    out.extend_from_slice(&nonce);
    Ok(out)
}

/// Open what [`encrypt`] produced for the same `key_base` and `domain`; `DecryptionFailed` when
/// the key or domain is not the one it was encrypted for, or the data is tampered or truncated.
pub fn decrypt(ciphertext: &[u8], key_base: &[u8; 32], domain: &[u8]) -> Result<Vec<u8>> {
    check_domain(domain)?;
    if ciphertext.len() < 24 + 16 {
        return Err(Error::decryption_failed("config ciphertext is too short"));
    }
    let (ct, nonce) = ciphertext.split_at(ciphertext.len() - 24);
    let key = key_for(key_base, ct.len() - 16, domain);
    sodium::xchacha_decrypt(ct, nonce.try_into().expect("24"), &key)
}
