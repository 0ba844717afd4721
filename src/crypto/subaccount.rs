//! Group member swarm access through subaccount tokens (groups.md §4, storage-rpc.md §8).
//!
//! An admin (holder of the group seed) gives each member 100 bytes of *auth data*:
//! `0x03 ‖ flags ‖ 0 ‖ 0 ‖ k ‖ sig`, where `k` is a blinding scalar derived from the group seed and
//! the member's Session ID, and `sig` is the group key's Ed25519 signature of the 36-byte *token*
//! `0x03 ‖ flags ‖ 0 ‖ 0 ‖ kT` (`T` = the member's positive Ed25519 key). The member rebuilds the
//! token from its own key, and signs storage requests with the scalar `k·t`, producing plain
//! Ed25519 signatures that verify under `kT`. Byte-exact with libsession-util
//! (`Keys::swarm_make_subaccount`, `swarm_subaccount_sign`, `swarm_verify_subaccount`).

use super::group_key::{seed_hash, GroupAdminKey};
use crate::crypto::signer::Signer;
use crate::error::{Error, Result};
use crate::identity::{xed25519, Identity, SessionId};
use crate::sodium;

/// The token grants `retrieve`.
pub const FLAG_READ: u8 = 0x01;
/// The token grants `store` (and `expire` extension).
pub const FLAG_WRITE: u8 = 0x02;
/// The token grants deletions.
pub const FLAG_DELETE: u8 = 0x04;
/// The token may be used with an account of any prefix.
pub const FLAG_ANY_PREFIX: u8 = 0x08;

/// Size of the auth data an admin hands to a member.
pub const AUTH_DATA_LEN: usize = 100;
/// Size of a subaccount token.
pub const TOKEN_LEN: usize = 36;

const GROUP_PREFIX: u8 = 0x03;

/// Flags byte for a member token: read always, plus write/delete as asked.
pub fn flags(write: bool, delete: bool) -> u8 {
    FLAG_READ | if write { FLAG_WRITE } else { 0 } | if delete { FLAG_DELETE } else { 0 }
}

/// The blinding scalar `k = reduce(BLAKE2b-64(0x05 ‖ X ‖ 0x03 ‖ group_pk,
/// key = seed_hash("SessionGroupSubaccountMask")))` for the member with X25519 key `X`.
pub fn blind_factor(admin: &GroupAdminKey, member: &SessionId) -> [u8; 32] {
    let mask = seed_hash(admin.seed(), "SessionGroupSubaccountMask");
    let h = sodium::blake2b_n::<64>(Some(&mask), &[&[0x05], &member.x25519(), &[GROUP_PREFIX], admin.public_key()]);
    sodium::scalar_reduce(&h)
}

fn member_token(admin: &GroupAdminKey, member: &SessionId, flags: u8) -> Result<([u8; 32], [u8; TOKEN_LEN])> {
    let k = blind_factor(admin, member);
    let t = xed25519::pubkey(&member.x25519())?;
    let kt = sodium::ed25519_scalarmult_noclamp(&k, &t).map_err(|e| e.context(format!("subaccount key for {member}")))?;
    let mut token = [0u8; TOKEN_LEN];
    token[..4].copy_from_slice(&[GROUP_PREFIX, flags, 0, 0]);
    token[4..].copy_from_slice(&kt);
    Ok((k, token))
}

/// Admin side: the 100-byte auth data for `member` (same bytes from any admin).
pub fn make_auth_data(admin: &GroupAdminKey, member: &SessionId, write: bool, delete: bool) -> Result<[u8; AUTH_DATA_LEN]> {
    let (k, token) = member_token(admin, member, flags(write, delete))?;
    let sig = admin.sign(&token);
    let mut out = [0u8; AUTH_DATA_LEN];
    out[..4].copy_from_slice(&token[..4]);
    out[4..36].copy_from_slice(&k);
    out[36..].copy_from_slice(&sig);
    Ok(out)
}

/// Admin side: the 36-byte token of `member` (what `revoke_subaccount`/`unrevoke_subaccount`
/// name).
pub fn make_token(admin: &GroupAdminKey, member: &SessionId, write: bool, delete: bool) -> Result<[u8; TOKEN_LEN]> {
    Ok(member_token(admin, member, flags(write, delete))?.1)
}

/// Member side: rebuild the token from the auth data and our own key: `prefix/flags ‖ k·|A|`.
fn rebuild_token(me: &Identity, auth_data: &[u8; AUTH_DATA_LEN]) -> Result<[u8; TOKEN_LEN]> {
    let k: [u8; 32] = auth_data[4..36].try_into().expect("32");
    let mut t = *me.ed25519_public_key();
    t[31] &= 0x7f;
    let kt = sodium::ed25519_scalarmult_noclamp(&k, &t).map_err(|e| e.context("subaccount auth data"))?;
    let mut token = [0u8; TOKEN_LEN];
    token[..4].copy_from_slice(&auth_data[..4]);
    token[4..].copy_from_slice(&kt);
    Ok(token)
}

/// Member side: check auth data received in an invite: prefix 03 (or the any-prefix flag), the
/// read flag (and write/delete when required), and the group's signature over the rebuilt token.
/// `Ok(())` when valid; `BadSignature`/`InvalidArgument` otherwise.
pub fn verify_auth_data(group_pk: &[u8; 32], me: &Identity, auth_data: &[u8], write: bool, delete: bool) -> Result<()> {
    let auth: &[u8; AUTH_DATA_LEN] = auth_data
        .try_into()
        .map_err(|_| Error::invalid_argument(format!("subaccount auth data is {AUTH_DATA_LEN} bytes, got {}", auth_data.len())))?;
    let f = auth[1];
    if auth[0] != GROUP_PREFIX && f & FLAG_ANY_PREFIX == 0 {
        return Err(Error::invalid_argument("subaccount auth data is not for a 03 group"));
    }
    if f & FLAG_READ == 0 || (write && f & FLAG_WRITE == 0) || (delete && f & FLAG_DELETE == 0) {
        return Err(Error::invalid_argument(format!("subaccount auth data lacks a required permission (flags {f:#04x})")));
    }
    let token = rebuild_token(me, auth).map_err(|_| Error::bad_signature("subaccount auth data does not fit our key"))?;
    let sig: [u8; 64] = auth[36..].try_into().expect("64");
    if !sodium::ed25519_verify(&sig, &token, group_pk) {
        return Err(Error::bad_signature("subaccount auth data is not signed by the group"));
    }
    Ok(())
}

/// A member's ready-to-use subaccount signing key, built from its auth data.
#[derive(Clone)]
pub struct SubaccountSigner {
    token: [u8; TOKEN_LEN],
    token_signature: [u8; 64],
    /// k·t, the private scalar matching kT.
    scalar: [u8; 32],
    /// BLAKE2b-32(seed, key="SubaccountSeed"), the nonce seed.
    nonce_seed: [u8; 32],
}

impl Drop for SubaccountSigner {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.scalar.zeroize();
        self.nonce_seed.zeroize();
    }
}

impl SubaccountSigner {
    /// Build from our identity and the 100-byte auth data. This does not check the admin
    /// signature (use [`verify_auth_data`] when the auth data arrives).
    pub fn new(me: &Identity, auth_data: &[u8]) -> Result<SubaccountSigner> {
        let auth: &[u8; AUTH_DATA_LEN] = auth_data
            .try_into()
            .map_err(|_| Error::invalid_argument(format!("subaccount auth data is {AUTH_DATA_LEN} bytes, got {}", auth_data.len())))?;
        let token = rebuild_token(me, auth)?;
        let k: [u8; 32] = auth[4..36].try_into().expect("32");
        let negative = me.ed25519_public_key()[31] & 0x80 != 0;
        let s = *me.x25519_secret_key(); // the clamped Ed25519 private scalar
        let t = if negative { sodium::scalar_negate(&s) } else { s };
        let scalar = sodium::scalar_mul(&k, &t);
        let nonce_seed = sodium::blake2b_n::<32>(Some(b"SubaccountSeed"), &[&me.seed()[..]]);
        Ok(SubaccountSigner { token, token_signature: auth[36..].try_into().expect("64"), scalar, nonce_seed })
    }

    /// The 36-byte token (`subaccount` request parameter, base64).
    pub fn token(&self) -> &[u8; TOKEN_LEN] {
        &self.token
    }
    /// The admin's signature of the token (`subaccount_sig`, base64).
    pub fn token_signature(&self) -> &[u8; 64] {
        &self.token_signature
    }
    /// The subaccount public key kT (the token's last 32 bytes).
    pub fn public_key(&self) -> [u8; 32] {
        self.token[4..].try_into().expect("32")
    }

    /// Sign `msg`: r = reduce(BLAKE2b-64(nonce_seed ‖ kT ‖ M, key="SubaccountSig")), R = rG,
    /// S = r + reduce(SHA-512(R ‖ kT ‖ M))·kt. Verifies as plain Ed25519 under kT.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let kt_pub = &self.token[4..];
        let r = sodium::scalar_reduce(&sodium::blake2b_n::<64>(Some(b"SubaccountSig"), &[&self.nonce_seed, kt_pub, msg]));
        let big_r = sodium::ed25519_scalarmult_base_noclamp(&r).expect("r is non-zero with overwhelming probability");
        let h = sodium::scalar_reduce(&sodium::sha512(&[&big_r, kt_pub, msg]));
        let s = sodium::scalar_add(&sodium::scalar_mul(&h, &self.scalar), &r);
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&big_r);
        sig[32..].copy_from_slice(&s);
        sig
    }

    /// Run `f` with a storage-RPC [`Signer::Subaccount`] backed by this key.
    pub fn with_rpc_signer<R>(&self, f: impl FnOnce(&Signer<'_>) -> R) -> R {
        let sign = |m: &[u8]| self.sign(m);
        f(&Signer::Subaccount { token: self.token, token_signature: self.token_signature, sign: &sign })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use base64::{engine::general_purpose::STANDARD as B64, Engine};

    fn h32(s: &str) -> [u8; 32] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    /// libsession-util tests/test_group_keys.cpp, "Group Keys - swarm authentication": literal
    /// group seed, member seed, message and the three base64 outputs.
    #[test]
    fn libsession_swarm_authentication_vector() {
        let admin = GroupAdminKey::from_seed(&h32("0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210"));
        assert_eq!(hex::encode(admin.public_key()), "c50cb3ae956947a8de19135b5be2685ff348afc63fc34a837aca12bc5c1f5625");
        let member = Identity::from_seed(&h32("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")).unwrap();
        assert_eq!(member.session_id().to_string(), "05c5ba413c336f2fe1fb9a2c525f8a86a412a1db128a7841b4e0e217fa9eb7fd5e");

        let auth = make_auth_data(&admin, &member.session_id(), true, false).unwrap();
        verify_auth_data(admin.public_key(), &member, &auth, false, false).unwrap();
        let signer = SubaccountSigner::new(&member, &auth).unwrap();
        let msg = b"retrieve9991693340111000";
        assert_eq!(B64.encode(signer.token()), "AwMAAIWvMR2nJXCFnK5+hNahNecWqMC39/TVVLjaR3imNug5");
        assert_eq!(
            B64.encode(signer.token_signature()),
            "6brvv/2jfciBAJeRKMGSepNJLullyrVVHijyVDE+8GC5Oc89UNxjNrq1kVV1P+pkUIRDOew24gSLFgLZfdl+BQ=="
        );
        let sig = signer.sign(msg);
        assert_eq!(B64.encode(sig), "c3PJ4g29v5RivKm8Tdg49vGU2/6kVd0yONnpz5U5zePMYptqW3iYQ0TYf2rEzv3qqkPhS5p67M5GAccHoBHGDQ==");
        assert!(sodium::ed25519_verify(&sig, msg, &signer.public_key()));
        assert_eq!(&make_token(&admin, &member.session_id(), true, false).unwrap(), signer.token());

        // Every single-bit flip invalidates the auth data, except the sign bit of k's last byte
        // (absorbed by the X→Ed sign ambiguity), as the reference test asserts.
        for i in 0..AUTH_DATA_LEN {
            for b in 0..8 {
                if i == 35 && b == 7 {
                    continue;
                }
                let mut bad = auth;
                bad[i] ^= 1 << b;
                assert!(verify_auth_data(admin.public_key(), &member, &bad, false, false).is_err(), "byte {i} bit {b}");
            }
        }
    }

    #[test]
    fn signatures_verify_under_kt_only_and_for_negative_keys() {
        let admin = GroupAdminKey::generate();
        let other = GroupAdminKey::generate();
        for _ in 0..16 {
            let me = Identity::generate();
            let auth = make_auth_data(&admin, &me.session_id(), true, true).unwrap();
            verify_auth_data(admin.public_key(), &me, &auth, true, true).unwrap();
            // Wrong group key, or auth data for someone else.
            assert_eq!(verify_auth_data(other.public_key(), &me, &auth, false, false).unwrap_err().kind(), ErrorKind::BadSignature);
            let someone = Identity::generate();
            assert!(verify_auth_data(admin.public_key(), &someone, &auth, false, false).is_err());
            let s = SubaccountSigner::new(&me, &auth).unwrap();
            let sig = s.sign(b"store11" as &[u8]);
            assert!(sodium::ed25519_verify(&sig, b"store11", &s.public_key()));
            assert!(!sodium::ed25519_verify(&sig, b"store12", &s.public_key()));
            assert!(!sodium::ed25519_verify(&sig, b"store11", me.ed25519_public_key()));
            assert!(!sodium::ed25519_verify(&sig, b"store11", admin.public_key()));
            // Deterministic.
            assert_eq!(sig, s.sign(b"store11"));
        }
    }

    #[test]
    fn member_with_a_negative_ed25519_key() {
        // About half of all keys have the sign bit set; the token uses |A| and the signing scalar
        // is negated to match.
        let me = std::iter::repeat_with(Identity::generate).find(|i| i.ed25519_public_key()[31] & 0x80 != 0).unwrap();
        let admin = GroupAdminKey::generate();
        let auth = make_auth_data(&admin, &me.session_id(), true, false).unwrap();
        verify_auth_data(admin.public_key(), &me, &auth, true, false).unwrap();
        let s = SubaccountSigner::new(&me, &auth).unwrap();
        assert_eq!(s.token(), &make_token(&admin, &me.session_id(), true, false).unwrap());
        assert!(sodium::ed25519_verify(&s.sign(b"m"), b"m", &s.public_key()));
    }

    #[test]
    fn permissions_and_lengths() {
        let admin = GroupAdminKey::generate();
        let me = Identity::generate();
        let ro = make_auth_data(&admin, &me.session_id(), false, false).unwrap();
        assert_eq!(ro[1], FLAG_READ);
        verify_auth_data(admin.public_key(), &me, &ro, false, false).unwrap();
        assert_eq!(verify_auth_data(admin.public_key(), &me, &ro, true, false).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert!(verify_auth_data(admin.public_key(), &me, &ro[..99], false, false).is_err());
        assert!(SubaccountSigner::new(&me, &[0u8; 12]).is_err());
        // A zero k is rejected rather than producing the identity point.
        let mut zero = ro;
        zero[4..36].fill(0);
        assert!(SubaccountSigner::new(&me, &zero).is_err());
        assert!(verify_auth_data(admin.public_key(), &me, &zero, false, false).is_err());
    }
}
