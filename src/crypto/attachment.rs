//! Attachment encryption (../shared/protocol/files-and-attachments.md §5–6).
//!
//! Sending uses the scheme shipped Session clients use (legacy): a fresh 64-byte key
//! (AES-256 key ‖ HMAC-SHA256 key), the file zero-padded to a size bucket, AES-256-CBC with
//! PKCS#7, `iv ‖ ct ‖ HMAC(iv ‖ ct)`, and SHA-256 of that blob as the digest. Receiving also
//! accepts the newer deterministic scheme (`'S'` ‖ secretstream), used by libsession.

use crate::error::{Error, ErrorKind, Result};
use crate::sodium;
use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};

type Enc = cbc::Encryptor<aes::Aes256>;
type Dec = cbc::Decryptor<aes::Aes256>;

/// Largest file Session clients send: 10 MB precisely (desktop MAX_ATTACHMENT_FILESIZE_BYTES).
pub const MAX_ATTACHMENT_SIZE: usize = 10_000_000;
/// Largest encrypted blob a file server accepts (the deterministic scheme's maximum output,
/// which also covers the legacy scheme's overhead on a 10 MB file).
pub const MAX_ENCRYPTED_SIZE: usize = 10_223_616;

/// Padded size bucket of the legacy scheme: at least 541 bytes, growing by factors of 1.05,
/// capped at the 10 MB limit when the file fits under it.
pub fn padded_size(n: usize) -> usize {
    let n = n.max(1);
    let bucket = (1.05f64.powf(((n as f64).ln() / 1.05f64.ln()).ceil())).floor() as usize;
    let padded = bucket.max(541).max(n);
    if n <= MAX_ATTACHMENT_SIZE {
        padded.min(MAX_ATTACHMENT_SIZE)
    } else {
        padded
    }
}

/// An encrypted attachment ready to upload.
pub struct Encrypted {
    /// What is uploaded: `iv(16) ‖ AES-256-CBC(padded file, PKCS#7) ‖ HMAC-SHA256(iv ‖ ct)(32)`.
    pub blob: Vec<u8>,
    /// 64 bytes: AES key ‖ MAC key (`AttachmentPointer.key`).
    pub key: [u8; 64],
    /// SHA-256 of `blob` (`AttachmentPointer.digest`).
    pub digest: [u8; 32],
    /// Plaintext size (`AttachmentPointer.size`).
    pub size: usize,
}

/// Encrypt a file for upload with a fresh key (legacy scheme).
pub fn encrypt(file: &[u8]) -> Result<Encrypted> {
    if file.len() > MAX_ATTACHMENT_SIZE {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!("attachments are at most {MAX_ATTACHMENT_SIZE} bytes; this one is {}", file.len()),
        ));
    }
    let key = sodium::random_array::<64>();
    let iv = sodium::random_array::<16>();
    Ok(encrypt_with(file, key, iv))
}

/// Encrypt with a given key and IV (deterministic; for tests).
pub fn encrypt_with(file: &[u8], key: [u8; 64], iv: [u8; 16]) -> Encrypted {
    let mut padded = Vec::with_capacity(padded_size(file.len()) + 16);
    padded.extend_from_slice(file);
    padded.resize(padded_size(file.len()), 0);
    let ct = Enc::new(key[..32].into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(&padded);
    let mut blob = Vec::with_capacity(16 + ct.len() + 32);
    blob.extend_from_slice(&iv);
    blob.extend_from_slice(&ct);
    let mac = sodium::hmac_sha256(&key[32..], &[&blob]);
    blob.extend_from_slice(&mac);
    let digest = sodium::sha256(&blob);
    Encrypted { blob, key, digest, size: file.len() }
}

/// Decrypt a downloaded blob. `digest` is required for the legacy scheme (a missing digest
/// means a sender too old to trust); `size`, when known, truncates the padding.
pub fn decrypt(blob: &[u8], key: &[u8], digest: Option<&[u8]>, size: Option<usize>) -> Result<Vec<u8>> {
    if blob.first() == Some(&b'S') && key.len() == 32 {
        let plain = decrypt_deterministic(blob, key.try_into().expect("32"))?;
        return check_size(plain, size);
    }
    let key: &[u8; 64] = key
        .try_into()
        .map_err(|_| Error::invalid_key(format!("an attachment key is 64 bytes (or 32 for the newer scheme), got {}", key.len())))?;
    let digest = digest.ok_or_else(|| Error::decryption_failed("the attachment has no digest: the sender's client is too old"))?;
    if blob.len() < 16 + 16 + 32 {
        return Err(Error::decryption_failed("the attachment is truncated"));
    }
    if !sodium::memcmp_eq(&sodium::sha256(blob), digest) {
        return Err(Error::decryption_failed("the attachment's digest does not match: truncated or tampered download"));
    }
    let (body, mac) = blob.split_at(blob.len() - 32);
    if !sodium::memcmp_eq(&sodium::hmac_sha256(&key[32..], &[body]), mac) {
        return Err(Error::decryption_failed("the attachment's MAC does not verify"));
    }
    let (iv, ct) = body.split_at(16);
    let plain = Dec::new(key[..32].into(), iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(ct)
        .map_err(|_| Error::decryption_failed("the attachment's padding is invalid"))?;
    check_size(plain, size)
}

fn check_size(mut plain: Vec<u8>, size: Option<usize>) -> Result<Vec<u8>> {
    if let Some(s) = size.filter(|&s| s > 0) {
        if plain.len() < s {
            return Err(Error::decryption_failed(format!(
                "the attachment is {} bytes, shorter than the {s} its sender announced",
                plain.len()
            )));
        }
        plain.truncate(s);
    }
    Ok(plain)
}

/// Decrypt the deterministic scheme: `'S' ‖ header(24) ‖ secretstream chunks`; the plaintext
/// stream is zero padding, a 0x01 marker, then the data; the last chunk is tagged FINAL.
pub fn decrypt_deterministic(blob: &[u8], key: &[u8; 32]) -> Result<Vec<u8>> {
    if blob.len() < 1 + 24 + 17 || blob[0] != b'S' {
        return Err(Error::decryption_failed("not a deterministic attachment"));
    }
    let header: [u8; 24] = blob[1..25].try_into().expect("24");
    let mut st = sodium::SecretStreamPull::new(&header, key)?;
    let mut out = Vec::with_capacity(blob.len());
    let chunks: Vec<&[u8]> = blob[25..].chunks(32768 + 17).collect();
    for (i, c) in chunks.iter().enumerate() {
        let (plain, last) = st.pull(c)?;
        out.extend_from_slice(&plain);
        if last != (i == chunks.len() - 1) {
            return Err(Error::decryption_failed("attachment stream ends at the wrong place"));
        }
    }
    let start = out.iter().position(|&b| b != 0).ok_or_else(|| Error::decryption_failed("attachment has no data marker"))?;
    if out[start] != 1 {
        return Err(Error::decryption_failed("attachment padding marker is wrong"));
    }
    Ok(out.split_off(start + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_padding() {
        // (Empty files are refused before encryption: a size of 0 means "unknown" to receivers.)
        for n in [1usize, 540, 541, 542, 5000, 123_457] {
            let file: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
            let e = encrypt(&file).unwrap();
            assert_eq!(e.blob.len(), 16 + (padded_size(n) / 16 + 1) * 16 + 32, "n={n}");
            assert!(padded_size(n) >= n.max(541));
            assert_eq!(decrypt(&e.blob, &e.key, Some(&e.digest), Some(e.size)).unwrap(), file);
        }
        assert_eq!(padded_size(MAX_ATTACHMENT_SIZE), MAX_ATTACHMENT_SIZE);
        let e = encrypt(&vec![1u8; MAX_ATTACHMENT_SIZE]).unwrap();
        assert!(e.blob.len() <= MAX_ENCRYPTED_SIZE, "{}", e.blob.len());
        assert_eq!(encrypt(&vec![0u8; MAX_ATTACHMENT_SIZE + 1]).err().unwrap().kind(), ErrorKind::TooLarge);
    }

    #[test]
    fn tampering_truncation_and_wrong_keys_fail() {
        let e = encrypt(b"secret photo bytes").unwrap();
        let mut t = e.blob.clone();
        t[20] ^= 1;
        assert_eq!(decrypt(&t, &e.key, Some(&e.digest), None).unwrap_err().kind(), ErrorKind::DecryptionFailed);
        let short = &e.blob[..e.blob.len() - 1];
        assert!(decrypt(short, &e.key, Some(&e.digest), None).is_err());
        let d2 = sodium::sha256(&t);
        assert!(decrypt(&t, &e.key, Some(&d2), None).is_err(), "a matching digest does not bypass the MAC");
        let mut k = e.key;
        k[0] ^= 1;
        assert!(decrypt(&e.blob, &k, Some(&e.digest), None).is_err());
        assert!(decrypt(&e.blob, &e.key, None, None).is_err());
        assert!(decrypt(&e.blob, &e.key, Some(&e.digest), Some(10_000)).is_err(), "announced size larger than the content");
    }

    #[test]
    fn deterministic_scheme_decrypts() {
        let key = sodium::random_array::<32>();
        let data: Vec<u8> = (0..70_000u32).map(|i| i as u8).collect();
        // Build a blob the way the newer scheme does: zero padding, 0x01, data; 32 KiB chunks.
        let mut stream = vec![0u8; 100];
        stream.push(1);
        stream.extend_from_slice(&data);
        let (mut push, header) = sodium::SecretStreamPush::new(&key);
        let mut blob = vec![b'S'];
        blob.extend_from_slice(&header);
        let chunks: Vec<&[u8]> = stream.chunks(32768).collect();
        for (i, c) in chunks.iter().enumerate() {
            blob.extend_from_slice(&push.push(c, i == chunks.len() - 1));
        }
        assert_eq!(decrypt(&blob, &key, None, Some(data.len())).unwrap(), data);
        let mut t = blob.clone();
        t[40] ^= 1;
        assert!(decrypt(&t, &key, None, None).is_err());
        assert!(decrypt(&blob[..blob.len() - 17], &key, None, None).is_err(), "missing final chunk");
    }
}
