//! One payload, many recipients (group "kicked" notices, key messages; libsession
//! `encrypt_for_multiple`):
//! XChaCha20-Poly1305 under a per-recipient key BLAKE2b-32(X25519(a, R) ‖ A ‖ R, key=domain),
//! with one shared nonce.

use crate::error::{Error, Result};
use crate::sodium;

fn recipient_key(shared: &[u8; 32], sender_pk: &[u8; 32], recipient_pk: &[u8; 32], domain: &[u8]) -> Result<[u8; 32]> {
    let v = sodium::blake2b(32, Some(domain), &[shared, sender_pk, recipient_pk])?;
    Ok(v.try_into().expect("32"))
}

/// Encrypt `messages` (one for all recipients, or one per recipient) for each recipient, in order.
pub fn encrypt(
    messages: &[&[u8]],
    recipients: &[[u8; 32]],
    nonce: &[u8; 24],
    sender_x_sk: &[u8; 32],
    sender_x_pk: &[u8; 32],
    domain: &[u8],
) -> Result<Vec<Vec<u8>>> {
    if messages.len() != 1 && messages.len() != recipients.len() {
        return Err(Error::invalid_argument(format!(
            "{} messages for {} recipients: give one message, or one per recipient",
            messages.len(),
            recipients.len()
        )));
    }
    recipients
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let key = recipient_key(&sodium::x25519(sender_x_sk, r)?, sender_x_pk, r, domain)?;
            let m = if messages.len() == 1 { messages[0] } else { messages[i] };
            Ok(sodium::xchacha_encrypt(m, nonce, &key))
        })
        .collect()
}

/// Find and open the ciphertext meant for us. `Ok(None)`: none of them was.
pub fn decrypt<'a>(
    ciphertexts: impl IntoIterator<Item = &'a [u8]>,
    nonce: &[u8; 24],
    x_sk: &[u8; 32],
    x_pk: &[u8; 32],
    sender_x_pk: &[u8; 32],
    domain: &[u8],
) -> Result<Option<Vec<u8>>> {
    let key = recipient_key(&sodium::x25519(x_sk, sender_x_pk)?, sender_x_pk, x_pk, domain)?;
    Ok(ciphertexts.into_iter().find_map(|ct| sodium::xchacha_decrypt(ct, nonce, &key).ok()))
}
