//! Keys messages of the groups v2 keys config (namespace 12, groups.md §3), byte-exact with
//! libsession-util `config::groups::Keys`: full rekey messages, supplemental ("share history")
//! messages, and their verification and decryption.
//!
//! A keys message is a bencoded dictionary signed by the group's Ed25519 key (last key `"~"`).
//! Everything an admin produces is deterministic (same members, generation and seed → same bytes),
//! so two admins rekeying the same state publish the same message.
use crate::crypto::group_key::{seed_hash, GroupAdminKey};
use crate::crypto::multi_encrypt;
use crate::error::{Error, Result};
use crate::identity::{Identity, SessionId};
use crate::sodium;
use crate::wire::bencode::{self, put_bytes, put_int, raw_get, Raw};
use std::collections::BTreeSet;

/// Member key lists of full rekey messages are padded with junk to a multiple of this.
pub const MESSAGE_KEY_MULTIPLE: usize = 75;
/// A key generation is dropped this long (ms) after a newer generation superseded it: 60 days.
pub const KEY_EXPIRY_MS: i64 = 2 * 30 * 24 * 3600 * 1000;

const SEED_HASH_KEY: &str = "SessionGroupKeySeed";
const KEY_GEN_HASH_KEY: &[u8] = b"SessionGroupKeyGen";
const ADMIN_KEY_HASH_KEY: &str = "SessionGroupKeyAdminKey";
const MEMBER_KEY_DOMAIN: &[u8] = b"SessionGroupKeyMemberKey";
const JUNK_SEED_HASH_KEY: &[u8] = b"SessionGroupJunkMembers";

/// XChaCha20-Poly1305 of a 32-byte key: 48 bytes.
const ENC_KEY_LEN: usize = 48;
/// Smallest valid supplemental entry: 52 bytes of bencoded key info plus the tag.
const MIN_SUPPLEMENT_ENTRY: usize = 52 + 16;

/// One group encryption key.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyInfo {
    /// Rekey generation (0 for the group's first key).
    pub generation: i64,
    /// When the key appeared: the swarm timestamp (ms) of the rekey message that carried it, or
    /// the `t` of a supplemental entry.
    pub timestamp_ms: i64,
    pub key: [u8; 32],
}

impl std::fmt::Debug for KeyInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyInfo(gen {}, t {})", self.generation, self.timestamp_ms)
    }
}

pub(super) fn sign_and_close(mut d: Vec<u8>, admin: &GroupAdminKey) -> Vec<u8> {
    let sig = admin.sign(&d);
    put_bytes(&mut d, b"~");
    put_bytes(&mut d, &sig);
    d.push(b'e');
    d
}

fn sorted_ids(ids: &[SessionId]) -> Vec<SessionId> {
    let set: BTreeSet<SessionId> = ids.iter().copied().collect();
    set.into_iter().collect()
}

/// Encrypt `msg` for each member that has a valid key (invalid ones are skipped, as libsession
/// does), with the member key BLAKE2b-32(X25519(gx, M) ‖ GX ‖ M, key="SessionGroupKeyMemberKey").
fn encrypt_for_members(msg: &[u8], members: &[SessionId], nonce: &[u8; 24], gx: &([u8; 32], [u8; 32])) -> Vec<Vec<u8>> {
    members
        .iter()
        .filter_map(|m| multi_encrypt::encrypt(&[msg], &[m.x25519()], nonce, &gx.0, &gx.1, MEMBER_KEY_DOMAIN).ok())
        .flatten()
        .collect()
}

/// A full rekey message for `generation`, encrypting a new key for every member (all members,
/// admins included; sorted and de-duplicated here, which is the members-config order) and for
/// admins (`K`). Returns the signed message and the new key.
pub fn build_rekey(admin: &GroupAdminKey, members: &[SessionId], generation: i64) -> Result<(Vec<u8>, [u8; 32])> {
    if generation < 0 {
        return Err(Error::invalid_argument("key generation cannot be negative"));
    }
    let members = sorted_ids(members);
    let gx = admin.x25519()?;
    let h2 = seed_hash(admin.seed(), SEED_HASH_KEY);
    let hexes: Vec<String> = members.iter().map(|m| m.to_hex()).collect();
    let gen_str = generation.to_string();
    let mut parts: Vec<&[u8]> = hexes.iter().map(|h| h.as_bytes()).collect();
    parts.push(gen_str.as_bytes());
    parts.push(&h2);
    let h1 = sodium::blake2b_n::<56>(Some(KEY_GEN_HASH_KEY), &parts);
    let key: [u8; 32] = h1[..32].try_into().expect("32");
    let nonce: [u8; 24] = h1[32..].try_into().expect("24");

    let admin_key = sodium::xchacha_encrypt(&key, &nonce, &seed_hash(admin.seed(), ADMIN_KEY_HASH_KEY));
    let mut entries = encrypt_for_members(&key, &members, &nonce, &gx);
    if !entries.len().is_multiple_of(MESSAGE_KEY_MULTIPLE) {
        let n_junk = MESSAGE_KEY_MULTIPLE - entries.len() % MESSAGE_KEY_MULTIPLE;
        let rng_seed = sodium::blake2b_n::<32>(Some(JUNK_SEED_HASH_KEY), &[&h1, admin.secret_key()]);
        let mut junk = vec![0u8; ENC_KEY_LEN * n_junk];
        sodium::random_bytes_deterministic(&mut junk, &rng_seed);
        entries.extend(junk.chunks(ENC_KEY_LEN).map(<[u8]>::to_vec));
    }

    let mut d = Vec::with_capacity(120 + entries.len() * 51);
    d.push(b'd');
    put_bytes(&mut d, b"#");
    put_bytes(&mut d, &nonce);
    put_bytes(&mut d, b"G");
    put_int(&mut d, generation);
    put_bytes(&mut d, b"K");
    put_bytes(&mut d, &admin_key);
    put_bytes(&mut d, b"k");
    d.push(b'l');
    for e in &entries {
        put_bytes(&mut d, e);
    }
    d.push(b'e');
    Ok((sign_and_close(d, admin), key))
}

/// Bencoded list of `{"g": generation, "k": key, "t": timestamp}` (the supplemental plaintext
/// and, with the same entry shape, the dump's key list).
pub(super) fn encode_key_list(keys: &[KeyInfo]) -> Vec<u8> {
    let mut s = vec![b'l'];
    for k in keys {
        s.push(b'd');
        put_bytes(&mut s, b"g");
        put_int(&mut s, k.generation);
        put_bytes(&mut s, b"k");
        put_bytes(&mut s, &k.key);
        put_bytes(&mut s, b"t");
        put_int(&mut s, k.timestamp_ms);
        s.push(b'e');
    }
    s.push(b'e');
    s
}

pub(super) fn decode_key_entry(v: &Raw<'_>) -> Result<KeyInfo> {
    let d = v.as_dict()?;
    let field = |k: &[u8]| raw_get(d, k).ok_or_else(|| Error::malformed(format!("key info lacks {:?}", String::from_utf8_lossy(k))));
    let key: [u8; 32] = field(b"k")?.value.as_bytes()?.try_into().map_err(|_| Error::malformed("key info `k` is not 32 bytes"))?;
    Ok(KeyInfo { generation: field(b"g")?.value.as_int()?, key, timestamp_ms: field(b"t")?.value.as_int()? })
}

/// A supplemental keys message giving `new_members` (in the given order, as libsession does)
/// every key in `keys` (which must be non-empty and in ascending generation order, as
/// [`GroupKeys::keys`] returns them).
#[cfg(feature = "internals")]
pub fn build_supplement(admin: &GroupAdminKey, new_members: &[SessionId], keys: &[KeyInfo]) -> Result<Vec<u8>> {
    let last = keys.last().ok_or_else(|| Error::invalid_argument("cannot build a key supplement without any keys"))?;
    let gx = admin.x25519()?;
    let supp = encode_key_list(keys);
    let hexes: Vec<String> = new_members.iter().map(|m| m.to_hex()).collect();
    let h2 = seed_hash(admin.seed(), SEED_HASH_KEY);
    let mut parts: Vec<&[u8]> = hexes.iter().map(|h| h.as_bytes()).collect();
    parts.push(&supp);
    parts.push(&h2);
    let nonce = sodium::blake2b_n::<24>(Some(KEY_GEN_HASH_KEY), &parts);
    let entries = encrypt_for_members(&supp, new_members, &nonce, &gx);
    if entries.is_empty() {
        return Err(Error::invalid_argument("cannot build a key supplement: no valid Session IDs given"));
    }
    let mut d = vec![b'd'];
    put_bytes(&mut d, b"#");
    put_bytes(&mut d, &nonce);
    put_bytes(&mut d, b"+");
    d.push(b'l');
    for e in &entries {
        put_bytes(&mut d, e);
    }
    d.push(b'e');
    put_bytes(&mut d, b"G");
    put_int(&mut d, last.generation);
    Ok(sign_and_close(d, admin))
}

/// The two kinds of keys message.
#[derive(Clone, Debug)]
pub enum KeysMessageKind {
    /// A new generation: `K` for admins, `k` one entry per member plus junk.
    Rekey { generation: i64, admin_key: [u8; ENC_KEY_LEN], member_keys: Vec<[u8; ENC_KEY_LEN]> },
    /// Existing keys for newly added members (`+`), and the current max generation.
    Supplement { max_generation: i64, entries: Vec<Vec<u8>> },
}

/// A keys message whose structure and group signature have been checked.
#[derive(Clone, Debug)]
pub struct KeysMessage {
    pub nonce: [u8; 24],
    pub kind: KeysMessageKind,
}

/// Who is reading a keys message.
#[derive(Clone, Copy)]
pub enum KeysRole<'a> {
    /// A member: trial-decrypts its own entry.
    Member(&'a Identity),
    /// An admin: decrypts `K` with the seed-derived admin key.
    Admin(&'a GroupAdminKey),
}

/// Parse a keys message and verify its group signature. Forged (non-admin) messages, missing or
/// bad signatures → `BadSignature`; structural problems (wrong sizes, member list not a multiple
/// of 75) → `Malformed`.
pub fn parse_keys_message(bytes: &[u8], group_pk: &[u8; 32]) -> Result<KeysMessage> {
    let top = bencode::decode_raw(bytes)?;
    let d = top.as_dict()?;
    if bencode::verify_trailing_signature(bytes, d, group_pk)?.is_none() {
        return Err(Error::bad_signature("keys message is not signed"));
    }
    let get = |k: &[u8]| raw_get(d, k).map(|e| &e.value);
    let nonce: [u8; 24] = get(b"#")
        .ok_or_else(|| Error::malformed("keys message has no nonce"))?
        .as_bytes()?
        .try_into()
        .map_err(|_| Error::malformed("keys message nonce is not 24 bytes"))?;
    let generation = get(b"G").ok_or_else(|| Error::malformed("keys message has no generation (G)"))?.as_int()?;
    let kind = if let Some(plus) = get(b"+") {
        let entries = plus
            .as_list()?
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let b = e.as_bytes()?;
                if b.len() < MIN_SUPPLEMENT_ENTRY {
                    return Err(Error::malformed(format!("supplemental key entry {i} is too short")));
                }
                Ok(b.to_vec())
            })
            .collect::<Result<Vec<_>>>()?;
        KeysMessageKind::Supplement { max_generation: generation, entries }
    } else {
        if generation < 0 {
            return Err(Error::malformed("keys message has a negative generation"));
        }
        let admin_key: [u8; ENC_KEY_LEN] = get(b"K")
            .ok_or_else(|| Error::malformed("keys message lacks the admin key (K)"))?
            .as_bytes()?
            .try_into()
            .map_err(|_| Error::malformed("keys message admin key has the wrong length"))?;
        let member_keys = get(b"k")
            .ok_or_else(|| Error::malformed("keys message lacks the member key list (k)"))?
            .as_list()?
            .iter()
            .enumerate()
            .map(|(i, e)| e.as_bytes()?.try_into().map_err(|_| Error::malformed(format!("member key {i} has the wrong length"))))
            .collect::<Result<Vec<[u8; ENC_KEY_LEN]>>>()?;
        if member_keys.len() % MESSAGE_KEY_MULTIPLE != 0 {
            return Err(Error::malformed("member key list is not padded to a multiple of 75"));
        }
        KeysMessageKind::Rekey { generation, admin_key, member_keys }
    };
    Ok(KeysMessage { nonce, kind })
}

impl KeysMessage {
    /// The generation this message is about (new generation, or the max for a supplement).
    pub fn generation(&self) -> i64 {
        match &self.kind {
            KeysMessageKind::Rekey { generation, .. } => *generation,
            KeysMessageKind::Supplement { max_generation, .. } => *max_generation,
        }
    }

    /// The keys this message holds for `role`: empty when none is for us (a normal outcome for a
    /// member not included). `timestamp_ms` (the message's swarm timestamp) dates a rekey's key.
    /// An admin whose `K` does not decrypt gets `DecryptionFailed` (wrong group seed).
    pub fn decrypt(&self, role: KeysRole<'_>, group_pk: &[u8; 32], timestamp_ms: i64) -> Result<Vec<KeyInfo>> {
        match (&self.kind, role) {
            (KeysMessageKind::Rekey { generation, admin_key, .. }, KeysRole::Admin(admin)) => {
                let k = seed_hash(admin.seed(), ADMIN_KEY_HASH_KEY);
                let key = sodium::xchacha_decrypt(admin_key, &self.nonce, &k)
                    .map_err(|_| Error::decryption_failed("failed to decrypt the admin key (K) of a keys message"))?;
                Ok(vec![KeyInfo { generation: *generation, timestamp_ms, key: key.try_into().expect("48 - 16") }])
            }
            (KeysMessageKind::Supplement { .. }, KeysRole::Admin(_)) => Ok(vec![]),
            (KeysMessageKind::Rekey { generation, member_keys, .. }, KeysRole::Member(me)) => {
                let gxpk = sodium::ed25519_pk_to_x25519(group_pk)?;
                let found = multi_encrypt::decrypt(
                    member_keys.iter().map(|k| &k[..]),
                    &self.nonce,
                    me.x25519_secret_key(),
                    me.x25519_public_key(),
                    &gxpk,
                    MEMBER_KEY_DOMAIN,
                )?;
                Ok(found
                    .map(|key| KeyInfo { generation: *generation, timestamp_ms, key: key.try_into().expect("48 - 16") })
                    .into_iter()
                    .collect())
            }
            (KeysMessageKind::Supplement { entries, .. }, KeysRole::Member(me)) => {
                let gxpk = sodium::ed25519_pk_to_x25519(group_pk)?;
                let Some(plain) = multi_encrypt::decrypt(
                    entries.iter().map(|e| &e[..]),
                    &self.nonce,
                    me.x25519_secret_key(),
                    me.x25519_public_key(),
                    &gxpk,
                    MEMBER_KEY_DOMAIN,
                )?
                else {
                    return Ok(vec![]);
                };
                let list = bencode::decode_raw(&plain)?;
                list.as_list()?.iter().map(decode_key_entry).collect()
            }
        }
    }
}
