//! Push notification payloads: nonce(24) ‖ XChaCha20-Poly1305 ciphertext, zero-padded plaintext.

use crate::error::{Error, Result};
use crate::sodium;

/// Open a push notification `payload` (`nonce(24) ‖ ciphertext ‖ tag(16)`) with the 32-byte
/// notification `key` and strip the plaintext's trailing zero padding.
pub fn decrypt_notification(payload: &[u8], key: &[u8]) -> Result<Vec<u8>> {
    let key: [u8; 32] = crate::error::fixed(key, "notification key")?;
    if payload.len() < 24 + 16 {
        return Err(Error::decryption_failed("notification payload is too short"));
    }
    let (nonce, ct) = payload.split_at(24);
    let mut plain = sodium::xchacha_decrypt(ct, nonce.try_into().expect("24"), &key)?;
    let end = plain.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    plain.truncate(end);
    Ok(plain)
}
