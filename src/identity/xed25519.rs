//! X25519 → Ed25519 public key conversion ("XEd25519"): y = (u − 1)/(u + 1) mod p.
//!
//! The conversion cannot recover the sign of the Edwards x coordinate, so it always returns the
//! "positive" point (sign bit clear); an account's true Ed25519 key is that or its negation.

use crate::error::{Error, Result};
use curve25519_dalek::montgomery::MontgomeryPoint;

/// The positive Ed25519 public key for an X25519 public key.
pub fn pubkey(x25519: &[u8; 32]) -> Result<[u8; 32]> {
    MontgomeryPoint(*x25519)
        .to_edwards(0)
        .map(|p| p.compress().to_bytes())
        .ok_or_else(|| Error::invalid_key("X25519 key has no Ed25519 equivalent (u = -1)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sodium;

    #[test]
    fn inverts_the_libsodium_conversion_up_to_sign() {
        for _ in 0..50 {
            let (pk, _) = sodium::ed25519_seed_keypair(&sodium::random_array());
            let x = sodium::ed25519_pk_to_x25519(&pk).unwrap();
            let mut back = pubkey(&x).unwrap();
            assert_eq!(back[31] & 0x80, 0);
            back[31] |= pk[31] & 0x80;
            assert_eq!(back, pk);
        }
    }
}
