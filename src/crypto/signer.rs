//! Who signs an authenticated storage request: a user account, a group admin, or a group member
//! through its subaccount key (storage-rpc.md §3, groups.md §4). The request shapes that carry
//! the signature are in `wire::rpc`.

use crate::identity::Identity;
use crate::sodium;

/// Who signs an authenticated request.
pub enum Signer<'a> {
    /// A standard (05) account: signs with its Ed25519 key and sends `pubkey_ed25519`.
    User(&'a Identity),
    /// A group (03) admin: signs with the group's Ed25519 secret key.
    GroupAdmin { secret_key: &'a [u8; 64] },
    /// A group member: signs with a subaccount key (see groups.md §4).
    Subaccount { token: [u8; 36], token_signature: [u8; 64], sign: &'a (dyn Fn(&[u8]) -> [u8; 64] + Sync) },
}

impl Signer<'_> {
    /// The Ed25519 signature of `msg` by this signer.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        match self {
            Signer::User(id) => id.sign(msg),
            Signer::GroupAdmin { secret_key } => sodium::ed25519_sign(secret_key, msg),
            Signer::Subaccount { sign, .. } => sign(msg),
        }
    }
}
