//! Community (SOGS) blinded IDs and signatures: 15-blinding (in use), 25-blinding (newer), and the
//! version-check key used with the file server.

use super::session_id::{AccountId, IdPrefix, SessionId};
use super::xed25519;
use crate::error::{Error, ErrorKind, Result};
use crate::sodium;

/// Which blinding scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blinding {
    /// `15` prefix: factor depends on the server only.
    B15,
    /// `25` prefix: factor depends on the Session ID and the server.
    B25,
}

impl Blinding {
    /// The scheme for `n` = 15 or 25, the digits of its ID prefix (the C ABI's `kind`); any other
    /// number is `InvalidArgument`.
    pub fn from_number(n: i32) -> Result<Blinding> {
        match n {
            15 => Ok(Blinding::B15),
            25 => Ok(Blinding::B25),
            _ => Err(Error::invalid_argument(format!("blinding kind must be 15 or 25, got {n}"))),
        }
    }
    fn prefix(self) -> IdPrefix {
        match self {
            Blinding::B15 => IdPrefix::Blinded15,
            Blinding::B25 => IdPrefix::Blinded25,
        }
    }
}

fn server_key(server_pk: &[u8]) -> Result<[u8; 32]> {
    server_pk.try_into().map_err(|_| Error::invalid_key(format!("a server public key is 32 bytes, got {}", server_pk.len())))
}

/// k for 15-blinding: reduce(BLAKE2b-512(server_pk)).
pub fn blind15_factor(server_pk: &[u8; 32]) -> [u8; 32] {
    sodium::scalar_reduce(&sodium::blake2b_n::<64>(None, &[server_pk]))
}

/// k for 25-blinding: reduce(BLAKE2b-512(0x05 ‖ X ‖ server_pk)).
pub fn blind25_factor(session_id: &SessionId, server_pk: &[u8; 32]) -> [u8; 32] {
    sodium::scalar_reduce(&sodium::blake2b_n::<64>(None, &[session_id.as_bytes(), server_pk]))
}

/// The two 15-blinded ID candidates for a Session ID: (positive, sign-flipped). The owner's real
/// blinded key is one of them.
pub fn blind15_ids(session_id: &SessionId, server_pk: &[u8]) -> Result<[AccountId; 2]> {
    let server_pk = server_key(server_pk)?;
    let k = blind15_factor(&server_pk);
    let p = xed25519::pubkey(&session_id.x25519())?;
    let ka = sodium::ed25519_scalarmult_noclamp(&k, &p)?;
    let mut flipped = ka;
    flipped[31] ^= 0x80;
    Ok([AccountId::new(IdPrefix::Blinded15, ka), AccountId::new(IdPrefix::Blinded15, flipped)])
}

/// The 25-blinded ID of a Session ID (unique: 25-blinding uses the positive point).
pub fn blind25_id(session_id: &SessionId, server_pk: &[u8]) -> Result<AccountId> {
    let server_pk = server_key(server_pk)?;
    let k = blind25_factor(session_id, &server_pk);
    let p = xed25519::pubkey(&session_id.x25519())?;
    Ok(AccountId::new(IdPrefix::Blinded25, sodium::ed25519_scalarmult_noclamp(&k, &p)?))
}

/// The blinded ID for a Session ID: for 15-blinding the first (positive) candidate.
pub fn blinded_id(session_id: &SessionId, server_pk: &[u8], kind: Blinding) -> Result<AccountId> {
    match kind {
        Blinding::B15 => Ok(blind15_ids(session_id, server_pk)?[0]),
        Blinding::B25 => blind25_id(session_id, server_pk),
    }
}

/// A blinded key pair: (blinded public key, blinded private scalar).
#[derive(Clone)]
pub struct BlindedKeyPair {
    /// The blinded Ed25519 public key (kA for 15, k·|A| for 25): the blinded ID without its prefix.
    pub public: [u8; 32],
    /// The blinded private scalar (k·a, k negated for 25 when A's sign bit is set), which signs
    /// as Ed25519 under `public`. Wiped on drop.
    pub scalar: [u8; 32],
}

impl BlindedKeyPair {
    /// The blinded ID: `public` behind the `15` or `25` prefix of `kind`.
    pub fn id(&self, kind: Blinding) -> AccountId {
        AccountId::new(kind.prefix(), self.public)
    }
}

impl Drop for BlindedKeyPair {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.scalar);
    }
}

/// Expand a 32-byte seed or a 64-byte secret key into the 64-byte form.
fn secret_key(sk: &[u8]) -> Result<[u8; 64]> {
    match sk.len() {
        32 => Ok(sodium::ed25519_seed_keypair(sk.try_into().expect("32")).1),
        64 => Ok(sk.try_into().expect("64")),
        n => Err(Error::invalid_key(format!("an Ed25519 secret key is 32 or 64 bytes, got {n}"))),
    }
}

/// The owner's exact 15-blinded key pair: ka and kA with a the Ed25519 private scalar.
pub fn blind15_key_pair(ed_sk: &[u8], server_pk: &[u8]) -> Result<BlindedKeyPair> {
    let sk = secret_key(ed_sk)?;
    let k = blind15_factor(&server_key(server_pk)?);
    let a = sodium::ed25519_sk_to_x25519(&sk);
    let ka = sodium::scalar_mul(&k, &a);
    Ok(BlindedKeyPair { public: sodium::ed25519_scalarmult_base_noclamp(&ka)?, scalar: ka })
}

/// The owner's 25-blinded key pair: k'·a, with k' = ±k so that k'·A = k·|A|.
pub fn blind25_key_pair(ed_sk: &[u8], server_pk: &[u8]) -> Result<BlindedKeyPair> {
    let sk = secret_key(ed_sk)?;
    let ed_pk: [u8; 32] = sk[32..].try_into().expect("32");
    let sid = SessionId::from_x25519(sodium::ed25519_pk_to_x25519(&ed_pk)?);
    let mut k = blind25_factor(&sid, &server_key(server_pk)?);
    if ed_pk[31] & 0x80 != 0 {
        k = sodium::scalar_negate(&k);
    }
    let a = sodium::ed25519_sk_to_x25519(&sk);
    let ka = sodium::scalar_mul(&k, &a);
    Ok(BlindedKeyPair { public: sodium::ed25519_scalarmult_base_noclamp(&ka)?, scalar: ka })
}

/// Ed25519-compatible signature with a blinded scalar: S = r + H(R ‖ A ‖ M)·a.
fn sign_with_nonce(r: &[u8; 32], kp: &BlindedKeyPair, msg: &[u8]) -> Result<[u8; 64]> {
    let big_r = sodium::ed25519_scalarmult_base_noclamp(r)?;
    let hram = sodium::scalar_reduce(&sodium::sha512(&[&big_r, &kp.public, msg]));
    let s = sodium::scalar_add(r, &sodium::scalar_mul(&hram, &kp.scalar));
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&big_r);
    sig[32..].copy_from_slice(&s);
    Ok(sig)
}

/// Deterministic 15-blinded signature, verifiable as plain Ed25519 under the 15-blinded key.
pub fn blind15_sign(ed_sk: &[u8], server_pk: &[u8], msg: &[u8]) -> Result<[u8; 64]> {
    let sk = secret_key(ed_sk)?;
    let kp = blind15_key_pair(&sk, server_pk)?;
    let h_rh = sodium::sha512(&[&sk[..]]);
    let r = sodium::scalar_reduce(&sodium::sha512(&[&h_rh[32..], &kp.public, msg]));
    sign_with_nonce(&r, &kp, msg)
}

/// Deterministic 25-blinded signature, verifiable as plain Ed25519 under the 25-blinded key.
pub fn blind25_sign(ed_sk: &[u8], server_pk: &[u8], msg: &[u8]) -> Result<[u8; 64]> {
    let sk = secret_key(ed_sk)?;
    let kp = blind25_key_pair(&sk, server_pk)?;
    let seed_hash = sodium::blake2b_n::<32>(Some(b"SessCommBlind25_seed"), &[&sk[..32]]);
    let r = sodium::scalar_reduce(&sodium::blake2b_n::<64>(Some(b"SessCommBlind25_sig"), &[&seed_hash, &kp.public, msg]));
    sign_with_nonce(&r, &kp, msg)
}

/// Whether `blinded_id` (15 or 25) belongs to `session_id` on the server with `server_pk`.
/// Malformed text is an error; a well-formed non-match is `Ok(false)`.
pub fn session_id_matches_blinded_id(session_id: &str, blinded_id: &str, server_pk_hex: &str) -> Result<bool> {
    let sid = SessionId::parse(session_id)?;
    let blinded = AccountId::parse_any(blinded_id)?;
    let server_pk = hex::decode(server_pk_hex).map_err(|e| Error::invalid_key(format!("server public key is not hex: {e}")))?;
    match blinded.prefix() {
        IdPrefix::Blinded15 => Ok(blind15_ids(&sid, &server_pk)?.contains(&blinded)),
        IdPrefix::Blinded25 => Ok(blind25_id(&sid, &server_pk)? == blinded),
        _ => Err(Error::new(ErrorKind::InvalidSessionId, "a blinded ID starts with 15 or 25")),
    }
}

/// The version-check ("07") key pair: Ed25519 from BLAKE2b-32(seed, key="VersionCheckKey_sig").
/// Returns (public key, 64-byte secret key).
pub fn version_key_pair(ed_sk: &[u8]) -> Result<([u8; 32], [u8; 64])> {
    let sk = secret_key(ed_sk)?;
    let seed = sodium::blake2b_n::<32>(Some(b"VersionCheckKey_sig"), &[&sk[..32]]);
    Ok(sodium::ed25519_seed_keypair(&seed))
}

/// The bytes a version-blinded request signature covers: TIMESTAMP ‖ METHOD ‖ PATH [‖ body].
pub fn version_request_message(timestamp_s: u64, method: &str, path: &str, body: Option<&[u8]>) -> Vec<u8> {
    let mut m = format!("{timestamp_s}{method}{path}").into_bytes();
    if let Some(b) = body {
        m.extend_from_slice(b);
    }
    m
}

/// Sign a file-server request with the version-blinded key.
pub fn version_sign_request(ed_sk: &[u8], timestamp_s: u64, method: &str, path: &str, body: Option<&[u8]>) -> Result<[u8; 64]> {
    let (_, sk) = version_key_pair(ed_sk)?;
    Ok(sodium::ed25519_sign(&sk, &version_request_message(timestamp_s, method, path, body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blinded_signatures_verify_under_the_owner_key() {
        let id = crate::identity::Identity::generate();
        let server = sodium::random_array::<32>();
        for kind in [Blinding::B15, Blinding::B25] {
            let (kp, sig) = match kind {
                Blinding::B15 => (
                    blind15_key_pair(id.ed25519_secret_key(), &server).unwrap(),
                    blind15_sign(id.ed25519_secret_key(), &server, b"m").unwrap(),
                ),
                Blinding::B25 => (
                    blind25_key_pair(id.ed25519_secret_key(), &server).unwrap(),
                    blind25_sign(id.ed25519_secret_key(), &server, b"m").unwrap(),
                ),
            };
            assert!(sodium::ed25519_verify(&sig, b"m", &kp.public));
            assert!(!sodium::ed25519_verify(&sig, b"n", &kp.public));
            let from_sid = kp.id(kind).to_hex();
            assert!(session_id_matches_blinded_id(&id.session_id().to_hex(), &from_sid, &hex::encode(server)).unwrap());
            let other = crate::identity::Identity::generate();
            assert!(!session_id_matches_blinded_id(&other.session_id().to_hex(), &from_sid, &hex::encode(server)).unwrap());
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        let sid = crate::identity::Identity::generate().session_id();
        assert_eq!(blind15_ids(&sid, &[1, 2, 3]).unwrap_err().kind(), ErrorKind::InvalidKey);
        assert_eq!(blind15_sign(&[0u8; 9], &[0u8; 32], b"").unwrap_err().kind(), ErrorKind::InvalidKey);
        assert!(Blinding::from_number(16).is_err());
    }
}
