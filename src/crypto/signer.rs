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
    GroupAdmin {
        /// The group's 64-byte libsodium Ed25519 secret key (seed ‖ public key).
        secret_key: &'a [u8; 64],
    },
    /// A group member: signs with a subaccount key (see groups.md §4).
    Subaccount {
        /// The 36-byte token `0x03 ‖ flags ‖ 0 ‖ 0 ‖ kT`, sent base64 as `subaccount`.
        token: [u8; 36],
        /// The group key's Ed25519 signature of `token`, sent base64 as `subaccount_sig`.
        token_signature: [u8; 64],
        /// Signs with the member's subaccount scalar kt, verifiable as Ed25519 under kT.
        sign: &'a (dyn Fn(&[u8]) -> [u8; 64] + Sync),
    },
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
