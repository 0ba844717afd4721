//! Request authentication (storage-rpc.md §2, §8): which key verifies a request signature, and
//! subaccount tokens (flags, account signature, revocation).

use session_sdk::identity::{AccountId, IdPrefix};
use session_sdk::sodium;

/// Subaccount permission bits.
pub mod access {
    pub const READ: u8 = 0x01;
    pub const WRITE: u8 = 0x02;
    pub const DELETE: u8 = 0x04;
    pub const ANY_PREFIX: u8 = 0x08;
}

/// A subaccount token (36 bytes: prefix, flags, 2 reserved, Ed25519 key) and the account's
/// signature over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subaccount {
    pub token: [u8; 36],
    pub signature: [u8; 64],
}

impl Subaccount {
    pub fn flags(&self) -> u8 {
        self.token[1]
    }
    pub fn pubkey(&self) -> [u8; 32] {
        let mut k = [0u8; 32];
        k.copy_from_slice(&self.token[4..]);
        k
    }
}

/// The authentication material of a request, parsed but not yet verified.
#[derive(Debug, Clone)]
pub struct Auth {
    pub pubkey_ed25519: Option<[u8; 32]>,
    pub signature: [u8; 64],
    pub subaccount: Option<Subaccount>,
}

/// Why verification failed (for logs; clients see the method's fixed reason text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    EdKeyMismatch,
    Revoked,
    WrongPrefix,
    MissingFlags,
    BadSubaccountSignature,
    BadSignature,
}

/// The account's own Ed25519 key: for `05` ids the given `pubkey_ed25519` (which must convert to
/// the X25519 key in the id), otherwise the 32 bytes after the prefix.
pub fn account_key(account: &AccountId, pubkey_ed25519: Option<&[u8; 32]>) -> Result<[u8; 32], AuthFailure> {
    match (account.prefix(), pubkey_ed25519) {
        (IdPrefix::Standard, Some(ed)) => match sodium::ed25519_pk_to_x25519(ed) {
            Ok(x) if x == account.key() => Ok(*ed),
            _ => Err(AuthFailure::EdKeyMismatch),
        },
        _ => Ok(account.key()),
    }
}

/// Verify `auth` for `account` over `message`. `required` are the subaccount bits the method
/// needs; `revoked` tells whether a token is revoked (skipped for unrevocable namespaces).
pub fn verify(
    account: &AccountId,
    auth: &Auth,
    required: u8,
    check_revoked: bool,
    revoked: impl Fn(&[u8; 36]) -> bool,
    message: &[u8],
) -> Result<(), AuthFailure> {
    let mut key = account_key(account, auth.pubkey_ed25519.as_ref())?;
    if let Some(sub) = &auth.subaccount {
        if check_revoked && revoked(&sub.token) {
            return Err(AuthFailure::Revoked);
        }
        let flags = sub.flags();
        if flags & access::ANY_PREFIX == 0 && sub.token[0] != account.as_bytes()[0] {
            return Err(AuthFailure::WrongPrefix);
        }
        if flags & required != required {
            return Err(AuthFailure::MissingFlags);
        }
        if !sodium::ed25519_verify(&sub.signature, &sub.token, &key) {
            return Err(AuthFailure::BadSubaccountSignature);
        }
        key = sub.pubkey();
    }
    if sodium::ed25519_verify(&auth.signature, message, &key) {
        Ok(())
    } else {
        Err(AuthFailure::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_sdk::identity::Identity;

    #[test]
    fn user_signature_needs_matching_ed_key() {
        let id = Identity::generate();
        let acct = id.session_id().account();
        let sig = id.sign(b"retrieve123");
        let auth = Auth { pubkey_ed25519: Some(*id.ed25519_public_key()), signature: sig, subaccount: None };
        assert_eq!(verify(&acct, &auth, 0, true, |_| false, b"retrieve123"), Ok(()));
        assert_eq!(verify(&acct, &auth, 0, true, |_| false, b"retrieve124"), Err(AuthFailure::BadSignature));
        let other = Identity::generate();
        let bad = Auth { pubkey_ed25519: Some(*other.ed25519_public_key()), ..auth.clone() };
        assert_eq!(verify(&acct, &bad, 0, true, |_| false, b"retrieve123"), Err(AuthFailure::EdKeyMismatch));
    }

    #[test]
    fn subaccount_flags_and_revocation() {
        let group = Identity::generate();
        let gid = AccountId::new(IdPrefix::Group, *group.ed25519_public_key());
        let member = Identity::generate();
        let mut token = [0u8; 36];
        token[0] = 0x03;
        token[1] = access::READ | access::WRITE;
        token[4..].copy_from_slice(member.ed25519_public_key());
        let sub = Subaccount { token, signature: group.sign(&token) };
        let auth = Auth { pubkey_ed25519: None, signature: member.sign(b"m"), subaccount: Some(sub) };
        assert_eq!(verify(&gid, &auth, access::WRITE, true, |_| false, b"m"), Ok(()));
        assert_eq!(verify(&gid, &auth, access::DELETE, true, |_| false, b"m"), Err(AuthFailure::MissingFlags));
        assert_eq!(verify(&gid, &auth, access::READ, true, |_| true, b"m"), Err(AuthFailure::Revoked));
        assert_eq!(verify(&gid, &auth, access::READ, false, |_| true, b"m"), Ok(()));
    }
}
