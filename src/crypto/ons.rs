//! Session username (ONS) lookup results: XChaCha20-Poly1305 under a key derived from the name.

use crate::error::{Error, Result};
use crate::identity::SessionId;
use crate::sodium;

/// Decrypt an `ons_resolve` result for `name` into the Session ID it maps to.
pub fn decrypt_response(name: &str, ciphertext: &[u8], nonce: &[u8]) -> Result<SessionId> {
    let nonce: [u8; 24] =
        nonce.try_into().map_err(|_| Error::invalid_argument(format!("ONS nonce must be 24 bytes, got {}", nonce.len())))?;
    let name = name.to_lowercase();
    let name_hash = sodium::blake2b_n::<32>(None, &[name.as_bytes()]);
    let key = sodium::blake2b_n::<32>(Some(&name_hash), &[name.as_bytes()]);
    let plain = sodium::xchacha_decrypt(ciphertext, &nonce, &key)?;
    let id = crate::identity::AccountId::from_bytes(&plain)?;
    SessionId::parse(&id.to_hex())
}

/// The `name_hash` parameter of an `ons_resolve` request: BLAKE2b-32 of the lower-case name.
pub fn name_hash(name: &str) -> [u8; 32] {
    sodium::blake2b_n::<32>(None, &[name.to_lowercase().as_bytes()])
}
