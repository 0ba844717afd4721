//! The 1:1 "Session protocol": sign-then-seal to the recipient's X25519 key.
//!
//! `C = crypto_box_seal(M ‖ A ‖ Ed25519_sign(M ‖ A ‖ Y), Y)` with A the sender's Ed25519 key and
//! Y the recipient's X25519 key.

use crate::error::{Error, ErrorKind, Result};
use crate::identity::{Identity, SessionId};
use crate::sodium;

/// Bytes the seal adds to a plaintext: 32 (sender key) + 64 (signature) + 48 (sealed box).
pub const OVERHEAD: usize = 32 + 64 + sodium::SEAL_OVERHEAD;

fn signed_payload(sender: &Identity, recipient_x25519: &[u8; 32], msg: &[u8]) -> Vec<u8> {
    let a = sender.ed25519_public_key();
    let mut to_sign = Vec::with_capacity(msg.len() + 64);
    to_sign.extend_from_slice(msg);
    to_sign.extend_from_slice(a);
    to_sign.extend_from_slice(recipient_x25519);
    let sig = sender.sign(&to_sign);
    to_sign.truncate(msg.len() + 32);
    to_sign.extend_from_slice(&sig);
    to_sign
}

/// Encrypt `msg` for `recipient`, signed by `sender`. The result is `msg.len() + OVERHEAD` bytes.
/// Fails with `InvalidKey` when the recipient's X25519 key is a low-order point (a Session ID
/// that parses but that nobody could decrypt for; libsession's `encrypt_for_recipient` throws
/// there too).
pub fn encrypt_for_recipient(sender: &Identity, recipient: &SessionId, msg: &[u8]) -> Result<Vec<u8>> {
    let y = recipient.x25519();
    sodium::box_seal(&signed_payload(sender, &y, msg), &y)
}

/// The deterministic variant (libsession `encrypt_for_recipient_deterministic`): the ephemeral
/// key comes from hashing the sender seed, recipient key and message, so equal inputs give equal
/// output. Used for self-addressed config wrapping; never for ordinary messages.
pub fn encrypt_for_recipient_deterministic(sender: &Identity, recipient: &SessionId, msg: &[u8]) -> Result<Vec<u8>> {
    let y = recipient.x25519();
    let payload = signed_payload(sender, &y, msg);
    let eph_seed = sodium::blake2b_n::<32>(Some(b"SessionBoxEphemeralHashKey"), &[sender.seed(), &y, msg]);
    let (eph_sk, eph_pk) = sodium::box_seed_keypair(&eph_seed);
    let nonce = sodium::blake2b_n::<24>(None, &[&eph_pk, &y]);
    let boxed = sodium::box_easy(&payload, &nonce, &y, &eph_sk)?;
    let mut out = Vec::with_capacity(32 + boxed.len());
    out.extend_from_slice(&eph_pk);
    out.extend_from_slice(&boxed);
    Ok(out)
}

/// A decrypted 1:1 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// The message `M` the sender signed and sealed (for Session messages, padded protobuf).
    pub plaintext: Vec<u8>,
    /// The sender's Ed25519 public key (verified by the inner signature).
    pub sender_ed25519: [u8; 32],
    /// The sender's Session ID (05 + X25519 conversion of the Ed25519 key).
    pub sender: SessionId,
}

/// Open a sealed 1:1 message addressed to `recipient` and verify the sender's signature.
pub fn decrypt_incoming(recipient: &Identity, ciphertext: &[u8]) -> Result<Decrypted> {
    decrypt_with_x25519(recipient.x25519_public_key(), recipient.x25519_secret_key(), ciphertext)
}

/// As [`decrypt_incoming`], with an explicit X25519 key pair (legacy group keys use this).
pub fn decrypt_with_x25519(x_pk: &[u8; 32], x_sk: &[u8; 32], ciphertext: &[u8]) -> Result<Decrypted> {
    if ciphertext.len() < OVERHEAD {
        return Err(Error::decryption_failed(format!(
            "ciphertext of {} bytes is shorter than the {OVERHEAD}-byte minimum",
            ciphertext.len()
        )));
    }
    let p = sodium::box_seal_open(ciphertext, x_pk, x_sk)?;
    let (msg, rest) = p.split_at(p.len() - 96);
    let a: [u8; 32] = rest[..32].try_into().expect("32");
    let sig: [u8; 64] = rest[32..].try_into().expect("64");
    let mut signed = Vec::with_capacity(msg.len() + 64);
    signed.extend_from_slice(msg);
    signed.extend_from_slice(&a);
    signed.extend_from_slice(x_pk);
    if !sodium::ed25519_verify(&sig, &signed, &a) {
        return Err(Error::bad_signature("the sender's signature inside the message does not verify"));
    }
    let x = sodium::ed25519_pk_to_x25519(&a).map_err(|e| Error::new(ErrorKind::BadSignature, format!("sender key: {e}")))?;
    Ok(Decrypted { plaintext: msg.to_vec(), sender_ed25519: a, sender: SessionId::from_x25519(x) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let alice = Identity::generate();
        let bob = Identity::generate();
        let ct = encrypt_for_recipient(&alice, &bob.session_id(), b"hi bob").unwrap();
        assert_eq!(ct.len(), 6 + OVERHEAD);
        let d = decrypt_incoming(&bob, &ct).unwrap();
        assert_eq!(d.plaintext, b"hi bob");
        assert_eq!(d.sender, alice.session_id());
        assert_eq!(&d.sender_ed25519, alice.ed25519_public_key());
        // Wrong recipient.
        assert_eq!(decrypt_incoming(&alice, &ct).unwrap_err().kind(), ErrorKind::DecryptionFailed);
        // Every flipped byte is rejected, none panics.
        for i in 0..ct.len() {
            let mut t = ct.clone();
            t[i] ^= 0x40;
            assert!(decrypt_incoming(&bob, &t).is_err(), "byte {i}");
        }
        for n in 0..OVERHEAD {
            assert_eq!(decrypt_incoming(&bob, &ct[..n]).unwrap_err().kind(), ErrorKind::DecryptionFailed);
        }
    }

    #[test]
    fn low_order_recipient_is_an_error() {
        let alice = Identity::generate();
        let nobody = SessionId::from_x25519([0u8; 32]);
        assert_eq!(encrypt_for_recipient(&alice, &nobody, b"hi").unwrap_err().kind(), ErrorKind::InvalidKey);
        let bob = Identity::generate();
        let ct = encrypt_for_recipient(&alice, &bob.session_id(), b"hi bob").unwrap();
        assert_eq!(ct.len(), 6 + OVERHEAD);
        assert_eq!(decrypt_incoming(&bob, &ct).unwrap().plaintext, b"hi bob");
    }

    #[test]
    fn empty_message_round_trips() {
        let a = Identity::generate();
        let ct = encrypt_for_recipient(&a, &a.session_id(), b"").unwrap();
        assert_eq!(decrypt_incoming(&a, &ct).unwrap().plaintext, b"");
    }

    #[test]
    fn forged_inner_signature_is_bad_signature() {
        // Seal a payload whose signature is by someone else's key: opens, but fails verification.
        let alice = Identity::generate();
        let bob = Identity::generate();
        let mallory = Identity::generate();
        let y = bob.x25519_public_key();
        let mut p = b"msg".to_vec();
        p.extend_from_slice(alice.ed25519_public_key());
        let mut signed = b"msg".to_vec();
        signed.extend_from_slice(alice.ed25519_public_key());
        signed.extend_from_slice(y);
        p.extend_from_slice(&mallory.sign(&signed));
        let ct = sodium::box_seal(&p, y).unwrap();
        assert_eq!(decrypt_incoming(&bob, &ct).unwrap_err().kind(), ErrorKind::BadSignature);
    }
}
