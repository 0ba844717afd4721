//! What a config message becomes in the swarm (config-sync.md §3): compressed when that is
//! shorter, zero-prefix padded to libsession's size buckets, and encrypted under the config's
//! key and domain. Byte-exact with libsession-util `ConfigBase::push` / `merge`.

use crate::compression;
use crate::crypto::config_encrypt;
use crate::error::{Error, ErrorKind, Result};

/// Storage server limit for one config message, after encryption.
pub const MAX_MESSAGE_SIZE: usize = 76_800;
/// XChaCha20-Poly1305 tag + nonce appended by config encryption.
pub const ENCRYPT_OVERHEAD: usize = 40;
/// Upper bound on a decompressed config message (zstd bomb guard; libsession has none).
pub const MAX_DECOMPRESSED_CONFIG: usize = 8 * 1024 * 1024;

// ---- padding and encryption ------------------------------------------------------------------

/// The padded plaintext size (libsession `padded_size`): `len + overhead` rounded up to 256 below
/// 5120, 1024 below 20480, 2048 below 40960, else 5120; minus the overhead.
pub fn padded_size(len: usize, overhead: usize) -> usize {
    let s2 = len + overhead;
    let chunk = if s2 < 5120 {
        256
    } else if s2 < 20480 {
        1024
    } else if s2 < 40960 {
        2048
    } else {
        5120
    };
    s2.div_ceil(chunk) * chunk - overhead
}

/// Serialized message → what is stored: 'z'-compressed if shorter, zero-prefix padded, encrypted
/// with `key` under `domain` (config_encrypt).
pub fn encode_for_storage(serialized: &[u8], key: &[u8; 32], domain: &str, compression_level: Option<i32>) -> Result<Vec<u8>> {
    let mut msg = serialized.to_vec();
    if let Some(level) = compression_level.filter(|l| *l != 0) {
        let mut z = vec![b'z'];
        z.extend_from_slice(&compression::compress(&msg, level)?);
        if z.len() < msg.len() {
            msg = z;
        }
    }
    let target = padded_size(msg.len(), ENCRYPT_OVERHEAD);
    if target > msg.len() {
        let mut padded = vec![0u8; target - msg.len()];
        padded.extend_from_slice(&msg);
        msg = padded;
    }
    let out = config_encrypt::encrypt(&msg, key, domain.as_bytes())?;
    if out.len() > MAX_MESSAGE_SIZE {
        return Err(Error::new(ErrorKind::TooLarge, format!("config message of {} bytes exceeds {MAX_MESSAGE_SIZE}", out.len())));
    }
    Ok(out)
}

/// Stored bytes → serialized message: decrypt with the first key that works, strip the zero
/// prefix, decompress a 'z' message. `DecryptionFailed` if no key opens it.
pub fn decode_from_storage(stored: &[u8], keys: &[[u8; 32]], domain: &str) -> Result<Vec<u8>> {
    let plain = keys
        .iter()
        .find_map(|k| config_encrypt::decrypt(stored, k, domain.as_bytes()).ok())
        .ok_or_else(|| Error::decryption_failed(format!("no known key decrypts this {domain} config message")))?;
    let start = plain.iter().position(|&b| b != 0).ok_or_else(|| Error::malformed("config message contains no data"))?;
    let body = &plain[start..];
    match body[0] {
        b'z' => {
            let d = compression::decompress(&body[1..], MAX_DECOMPRESSED_CONFIG)?;
            if d.is_empty() {
                return Err(Error::malformed("compressed config message is empty"));
            }
            Ok(d)
        }
        b'm' => Err(Error::new(ErrorKind::Unsupported, "multi-part config messages are not supported")),
        _ => Ok(body.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    //! Padding sizes from libsession-util tests/test_encrypt.cpp.
    use super::*;
    use crate::config::message::ConfigMessage;
    use crate::config::test_support::*;
    use crate::config::value::ConfigValue;
    use crate::sodium;

    #[test]
    fn padding_sizes_match_libsession() {
        let kib = 1024;
        for (s, o, want) in [
            (1, 0, 256),
            (1, 10, 246),
            (246, 10, 246),
            (247, 10, 502),
            (247, 256, 256),
            (3839, 96, 4000),
            (3744, 96, 3744),
            (3745, 96, 4000),
            (4864, 0, 4864),
            (4865, 0, 5 * kib),
            (5 * kib + 1, 0, 6 * kib),
            (9 * kib, 0, 9 * kib),
            (9 * kib + 1, 0, 10 * kib),
            (10 * kib + 1, 0, 11 * kib),
            (20 * kib, 0, 20 * kib),
            (20 * kib + 1, 0, 22 * kib),
            (38 * kib, 0, 38 * kib),
            (38 * kib + 1, 0, 40 * kib),
            (40 * kib + 1, 0, 45 * kib),
            (45 * kib + 1, 0, 50 * kib),
            (70 * kib, 0, 70 * kib),
            (70 * kib + 1, 0, 75 * kib),
            (75 * kib, 0, 75 * kib),
            (75 * kib - 24, 24, 75 * kib - 24),
        ] {
            assert_eq!(padded_size(s, o), want, "padded_size({s}, {o})");
        }
    }

    #[test]
    fn storage_encoding_compresses_pads_and_guards() {
        let key = [3u8; 32];
        let mut m = ConfigMessage::new_mutable(1, 5, none());
        m.data_mut().insert(b"big".to_vec(), ConfigValue::bytes(vec![b'a'; 4000]));
        let ser = m.serialize(true);
        let stored = encode_for_storage(&ser, &key, "Contacts", Some(1)).unwrap();
        assert_eq!(stored.len() % 256, 0);
        assert!(stored.len() < ser.len(), "compressed");
        assert_eq!(decode_from_storage(&stored, &[[0u8; 32], key], "Contacts").unwrap(), ser);
        let plain = encode_for_storage(b"d1:#i0e1:&de1:<le1:=dee", &key, "Contacts", None).unwrap();
        assert_eq!(plain.len(), 256);
        assert_eq!(decode_from_storage(&plain, &[[0u8; 32]], "Contacts").unwrap_err().kind(), ErrorKind::DecryptionFailed);
        // A zstd bomb: small compressed, huge decompressed → TooLarge, not an allocation.
        let bomb = compression::compress(&vec![0u8; MAX_DECOMPRESSED_CONFIG + 10], 19).unwrap();
        assert!(bomb.len() < 70_000);
        let enc = config_encrypt::encrypt(&[&b"z"[..], &bomb].concat(), &key, b"Contacts").unwrap();
        assert_eq!(decode_from_storage(&enc, &[key], "Contacts").unwrap_err().kind(), ErrorKind::TooLarge);
        let junk = config_encrypt::encrypt(b"zgarbage", &key, b"Contacts").unwrap();
        assert!(decode_from_storage(&junk, &[key], "Contacts").is_err());
        let zeros = config_encrypt::encrypt(&[0u8; 10], &key, b"Contacts").unwrap();
        assert!(decode_from_storage(&zeros, &[key], "Contacts").is_err());
        // Over the size limit.
        let mut big = ConfigMessage::new_mutable(1, 5, none());
        let mut noise = vec![0u8; 90_000];
        sodium::random_bytes(&mut noise);
        big.data_mut().insert(b"n".to_vec(), ConfigValue::bytes(noise));
        assert_eq!(encode_for_storage(&big.serialize(true), &key, "Contacts", Some(1)).unwrap_err().kind(), ErrorKind::TooLarge);
    }
}
