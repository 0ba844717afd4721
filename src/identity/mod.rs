//! Who a user is: seed, recovery phrase, Ed25519 and X25519 keys, Session ID, blinded IDs.

pub mod blinding;
pub mod mnemonic;
pub mod session_id;
pub mod xed25519;

pub use session_id::{AccountId, IdPrefix, SessionId};

use crate::error::{Error, Result};
use crate::sodium;
use std::fmt;
use zeroize::Zeroize;

/// A Session identity: an Ed25519 key pair from a 32-byte seed, and its X25519 conversion.
///
/// Secret material is wiped from memory when the value is dropped.
#[derive(Clone)]
pub struct Identity {
    seed: [u8; 32],
    ed_pk: [u8; 32],
    ed_sk: [u8; 64],
    x_pk: [u8; 32],
    x_sk: [u8; 32],
}

impl Drop for Identity {
    fn drop(&mut self) {
        self.seed.zeroize();
        self.ed_sk.zeroize();
        self.x_sk.zeroize();
    }
}

impl Identity {
    /// A new identity from 16 random bytes, as the Session apps create one (so it has a 13-word
    /// recovery phrase).
    pub fn generate() -> Identity {
        let mut s = sodium::random_array::<16>();
        let id = Identity::from_seed(&s).expect("16-byte seed");
        s.zeroize();
        id
    }

    /// Restore from a 16-byte seed (padded with 16 zero bytes, as Session does) or a full 32-byte
    /// Ed25519 seed.
    pub fn from_seed(seed: &[u8]) -> Result<Identity> {
        let mut full = [0u8; 32];
        match seed.len() {
            16 | 32 => full[..seed.len()].copy_from_slice(seed),
            n => return Err(Error::invalid_key(format!("a seed is 16 or 32 bytes, got {n}"))),
        }
        let id = Identity::from_ed25519_seed(&full);
        full.zeroize();
        Ok(id)
    }

    /// Restore from a libsodium 64-byte Ed25519 secret key (seed ‖ public key). The embedded public
    /// key must match the seed.
    pub fn from_ed25519_secret_key(sk: &[u8]) -> Result<Identity> {
        let sk: &[u8; 64] =
            sk.try_into().map_err(|_| Error::invalid_key(format!("an Ed25519 secret key is 64 bytes, got {}", sk.len())))?;
        let id = Identity::from_ed25519_seed(sk[..32].try_into().expect("32"));
        if id.ed_pk[..] != sk[32..] {
            return Err(Error::invalid_key("the secret key's public half does not match its seed"));
        }
        Ok(id)
    }

    fn from_ed25519_seed(seed: &[u8; 32]) -> Identity {
        let (ed_pk, ed_sk) = sodium::ed25519_seed_keypair(seed);
        let x_pk = sodium::ed25519_pk_to_x25519(&ed_pk).expect("a derived Ed25519 key is a valid point");
        let x_sk = sodium::ed25519_sk_to_x25519(&ed_sk);
        Identity { seed: *seed, ed_pk, ed_sk, x_pk, x_sk }
    }

    /// Restore from a recovery phrase (13 words; 25-word phrases of 32-byte seeds also accepted).
    pub fn from_mnemonic(phrase: &str) -> Result<Identity> {
        let mut seed = mnemonic::decode(phrase)?;
        let id = Identity::from_seed(&seed);
        seed.zeroize();
        id
    }

    /// The recovery phrase: 13 words when the seed's second half is zero (every identity Session
    /// apps create), else 25 words.
    pub fn mnemonic(&self) -> String {
        let short = self.seed[16..].iter().all(|&b| b == 0);
        let seed = if short { &self.seed[..16] } else { &self.seed[..] };
        mnemonic::encode(seed).expect("16 or 32 bytes")
    }

    /// `05` + the X25519 public key: the ID others address this identity by.
    pub fn session_id(&self) -> SessionId {
        SessionId::from_x25519(self.x_pk)
    }
    /// The 32-byte Ed25519 seed.
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }
    /// The 32-byte Ed25519 public key, under which this identity's signatures verify.
    pub fn ed25519_public_key(&self) -> &[u8; 32] {
        &self.ed_pk
    }
    /// libsodium's 64-byte form: seed ‖ public key.
    pub fn ed25519_secret_key(&self) -> &[u8; 64] {
        &self.ed_sk
    }
    /// The X25519 public key converted from the Ed25519 one: the Session ID without its `05`,
    /// to which 1:1 messages are sealed.
    pub fn x25519_public_key(&self) -> &[u8; 32] {
        &self.x_pk
    }
    /// The X25519 secret scalar (clamped first half of SHA-512(seed), as libsodium converts it),
    /// which opens sealed 1:1 messages.
    pub fn x25519_secret_key(&self) -> &[u8; 32] {
        &self.x_sk
    }

    /// Plain Ed25519 signature by this identity.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        sodium::ed25519_sign(&self.ed_sk, msg)
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity({})", self.session_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn libsession_vectors() {
        let id = Identity::from_seed(&hex::decode("0123456789abcdef0123456789abcdef").unwrap()).unwrap();
        assert_eq!(hex::encode(id.ed25519_public_key()), "4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7");
        assert_eq!(id.session_id().to_string(), "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72");
        assert_eq!(id.mnemonic(), "vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted adept");
        let id2 = Identity::from_mnemonic(&id.mnemonic()).unwrap();
        assert_eq!(id2.session_id(), id.session_id());
    }

    #[test]
    fn thirty_two_byte_seeds_get_25_words() {
        let seed: Vec<u8> = (1u8..=32).collect();
        let id = Identity::from_seed(&seed).unwrap();
        let phrase = id.mnemonic();
        assert_eq!(phrase.split(' ').count(), 25);
        assert_eq!(Identity::from_mnemonic(&phrase).unwrap().session_id(), id.session_id());
    }

    #[test]
    fn bad_seeds_and_secret_keys() {
        assert_eq!(Identity::from_seed(&[0u8; 15]).unwrap_err().kind(), ErrorKind::InvalidKey);
        let id = Identity::generate();
        let mut sk = *id.ed25519_secret_key();
        assert_eq!(Identity::from_ed25519_secret_key(&sk).unwrap().session_id(), id.session_id());
        sk[40] ^= 1;
        assert_eq!(Identity::from_ed25519_secret_key(&sk).unwrap_err().kind(), ErrorKind::InvalidKey);
    }

    #[test]
    fn generated_identities_have_13_words() {
        let id = Identity::generate();
        assert_eq!(id.mnemonic().split(' ').count(), 13);
    }
}
