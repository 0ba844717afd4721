//! A group's own key pair (groups.md §2): the Ed25519 key an admin holds, from which the group
//! ID (`03` + public key), its X25519 form and the admin-only secrets (`seed_hash`) derive.
//! Byte-exact with libsession-util (`ConfigSig`, `Keys`).

use crate::error::{Error, Result};
use crate::identity::{AccountId, IdPrefix};
use crate::sodium;
use zeroize::Zeroize;

/// `seed_hash(K)` = BLAKE2b-32(group seed, key = K): the admin-only secrets derived from the group
/// seed (libsession `ConfigSig::seed_hash`).
pub fn seed_hash(seed: &[u8; 32], key: &str) -> [u8; 32] {
    let k = &key.as_bytes()[..key.len().min(64)];
    sodium::blake2b_n::<32>(Some(k), &[seed])
}

/// A group's Ed25519 key pair, held by admins. The seed is what `user_groups` stores as `K` and
/// what a promotion hands out.
#[derive(Clone)]
pub struct GroupAdminKey {
    seed: [u8; 32],
    sk: [u8; 64],
    pk: [u8; 32],
}

impl Drop for GroupAdminKey {
    fn drop(&mut self) {
        self.seed.zeroize();
        self.sk.zeroize();
    }
}

impl std::fmt::Debug for GroupAdminKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GroupAdminKey({})", self.group_id())
    }
}

impl GroupAdminKey {
    /// A new random group.
    pub fn generate() -> GroupAdminKey {
        let mut seed = sodium::random_array::<32>();
        let k = GroupAdminKey::from_seed(&seed);
        seed.zeroize();
        k
    }
    /// The group whose Ed25519 key pair derives from this 32-byte seed (`K` in `user_groups`).
    pub fn from_seed(seed: &[u8; 32]) -> GroupAdminKey {
        let (pk, sk) = sodium::ed25519_seed_keypair(seed);
        GroupAdminKey { seed: *seed, sk, pk }
    }
    /// From a 32-byte seed or a 64-byte libsodium secret key (seed ‖ pk, checked).
    pub fn from_secret(secret: &[u8]) -> Result<GroupAdminKey> {
        let seed: [u8; 32] = secret
            .get(..32)
            .filter(|_| secret.len() == 32 || secret.len() == 64)
            .ok_or_else(|| Error::invalid_key(format!("a group secret is 32 or 64 bytes, got {}", secret.len())))?
            .try_into()
            .expect("32");
        let k = GroupAdminKey::from_seed(&seed);
        if secret.len() == 64 && secret[32..] != k.pk {
            return Err(Error::invalid_key("the group secret key's public half does not match its seed"));
        }
        Ok(k)
    }
    /// The 32-byte Ed25519 seed: the admin secret that `user_groups` stores and a promotion
    /// hands out.
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }
    /// libsodium's 64-byte form of the group's secret key: seed ‖ public key.
    pub fn secret_key(&self) -> &[u8; 64] {
        &self.sk
    }
    /// The group's 32-byte Ed25519 public key (the group ID without its `03`).
    pub fn public_key(&self) -> &[u8; 32] {
        &self.pk
    }
    /// `03` + public key.
    pub fn group_id(&self) -> AccountId {
        AccountId::new(IdPrefix::Group, self.pk)
    }
    /// Plain Ed25519 signature by the group key, verifiable under [`public_key`](Self::public_key).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        sodium::ed25519_sign(&self.sk, msg)
    }
    /// The X25519 key pair converted from the group's Ed25519 key (secret, public).
    pub fn x25519(&self) -> Result<([u8; 32], [u8; 32])> {
        Ok((sodium::ed25519_sk_to_x25519(&self.sk), sodium::ed25519_pk_to_x25519(&self.pk)?))
    }
}
