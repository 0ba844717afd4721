//! The storage server's message hash: base64(BLAKE2b-32(prefix ‖ pubkey32 ‖ ns ‖ data)),
//! unpadded. Service-node side (the testnet in node/); compiled with `internals`.

use crate::identity::AccountId;
use crate::sodium;
use crate::wire::rpc::namespace_text;
use base64::Engine;

/// The hash a storage server gives a message stored for `account` in `namespace`.
pub fn message_hash(account: &AccountId, namespace: i16, data: &[u8]) -> String {
    let b = account.as_bytes();
    let h = sodium::blake2b_n::<32>(None, &[&b[..1], &b[1..], namespace_text(namespace).as_bytes(), data]);
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(h)
}

/// A well-formed message hash: 43 characters of standard base64 (no padding).
pub fn is_valid_hash(s: &str) -> bool {
    s.len() == 43 && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}
