//! The groups v2 keys config (namespace 12, groups.md §3), byte-exact with libsession-util
//! `config::groups::Keys`: full rekey messages, supplemental ("share history") messages, their
//! verification and decryption, and [`GroupKeys`], the per-group key ring.
//!
//! A keys message is a bencoded dictionary signed by the group's Ed25519 key (last key `"~"`).
//! Everything an admin produces is deterministic (same members, generation and seed → same bytes),
//! so two admins rekeying the same state publish the same message.

use super::{multi_encrypt, sodium};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{AccountId, IdPrefix, Identity, SessionId};
use crate::wire::bencode::{self, put_bytes, put_int, raw_get, Raw};
use std::collections::{BTreeMap, BTreeSet};
use zeroize::Zeroize;

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
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }
    pub fn secret_key(&self) -> &[u8; 64] {
        &self.sk
    }
    pub fn public_key(&self) -> &[u8; 32] {
        &self.pk
    }
    /// `03` + public key.
    pub fn group_id(&self) -> AccountId {
        AccountId::new(IdPrefix::Group, self.pk)
    }
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        sodium::ed25519_sign(&self.sk, msg)
    }
    fn x25519(&self) -> Result<([u8; 32], [u8; 32])> {
        Ok((sodium::ed25519_sk_to_x25519(&self.sk), sodium::ed25519_pk_to_x25519(&self.pk)?))
    }
}

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

fn sign_and_close(mut d: Vec<u8>, admin: &GroupAdminKey) -> Vec<u8> {
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
    let h2 = seed_hash(&admin.seed, SEED_HASH_KEY);
    let hexes: Vec<String> = members.iter().map(|m| m.to_hex()).collect();
    let gen_str = generation.to_string();
    let mut parts: Vec<&[u8]> = hexes.iter().map(|h| h.as_bytes()).collect();
    parts.push(gen_str.as_bytes());
    parts.push(&h2);
    let h1 = sodium::blake2b_n::<56>(Some(KEY_GEN_HASH_KEY), &parts);
    let key: [u8; 32] = h1[..32].try_into().expect("32");
    let nonce: [u8; 24] = h1[32..].try_into().expect("24");

    let admin_key = sodium::xchacha_encrypt(&key, &nonce, &seed_hash(&admin.seed, ADMIN_KEY_HASH_KEY));
    let mut entries = encrypt_for_members(&key, &members, &nonce, &gx);
    if entries.len() % MESSAGE_KEY_MULTIPLE != 0 {
        let n_junk = MESSAGE_KEY_MULTIPLE - entries.len() % MESSAGE_KEY_MULTIPLE;
        let rng_seed = sodium::blake2b_n::<32>(Some(JUNK_SEED_HASH_KEY), &[&h1, &admin.sk]);
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
fn encode_key_list(keys: &[KeyInfo]) -> Vec<u8> {
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

fn decode_key_entry(v: &Raw<'_>) -> Result<KeyInfo> {
    let d = v.as_dict()?;
    let field = |k: &[u8]| raw_get(d, k).ok_or_else(|| Error::malformed(format!("key info lacks {:?}", String::from_utf8_lossy(k))));
    let key: [u8; 32] = field(b"k")?.value.as_bytes()?.try_into().map_err(|_| Error::malformed("key info `k` is not 32 bytes"))?;
    Ok(KeyInfo { generation: field(b"g")?.value.as_int()?, key, timestamp_ms: field(b"t")?.value.as_int()? })
}

/// A supplemental keys message giving `new_members` (in the given order, as libsession does)
/// every key in `keys` (which must be non-empty and in ascending generation order, as
/// [`GroupKeys::keys`] returns them).
pub fn build_supplement(admin: &GroupAdminKey, new_members: &[SessionId], keys: &[KeyInfo]) -> Result<Vec<u8>> {
    let last = keys.last().ok_or_else(|| Error::invalid_argument("cannot build a key supplement without any keys"))?;
    let gx = admin.x25519()?;
    let supp = encode_key_list(keys);
    let hexes: Vec<String> = new_members.iter().map(|m| m.to_hex()).collect();
    let h2 = seed_hash(&admin.seed, SEED_HASH_KEY);
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
                let k = seed_hash(&admin.seed, ADMIN_KEY_HASH_KEY);
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

#[derive(Clone)]
struct Pending {
    generation: i64,
    key: [u8; 32],
    config: Vec<u8>,
}

/// A group's key ring (libsession `groups::Keys` state): every unexpired key by generation, the
/// swarm hashes of the keys messages still in use, and an admin's pending (pushed but not yet
/// seen back) rekey.
#[derive(Clone, Default)]
pub struct GroupKeys {
    /// Sorted by (generation, timestamp, key).
    keys: Vec<KeyInfo>,
    /// Message hashes still relevant, by generation.
    active: BTreeMap<i64, BTreeSet<String>>,
    pending: Option<Pending>,
}

impl Drop for GroupKeys {
    fn drop(&mut self) {
        for k in &mut self.keys {
            k.key.zeroize();
        }
        if let Some(p) = &mut self.pending {
            p.key.zeroize();
        }
    }
}

impl GroupKeys {
    pub fn new() -> GroupKeys {
        GroupKeys::default()
    }

    /// All known keys, oldest first.
    pub fn keys(&self) -> &[KeyInfo] {
        &self.keys
    }

    /// Keys to try for decryption (messages and configs), best first: the pending key, then
    /// newest to oldest.
    pub fn group_keys(&self) -> Vec<[u8; 32]> {
        self.pending.iter().map(|p| p.key).chain(self.keys.iter().rev().map(|k| k.key)).collect()
    }

    /// The key to encrypt with: the pending key if any, else the newest.
    pub fn encryption_key(&self) -> Option<[u8; 32]> {
        self.pending.as_ref().map(|p| p.key).or_else(|| self.keys.last().map(|k| k.key))
    }

    /// Highest known generation (0 when none).
    pub fn current_generation(&self) -> i64 {
        self.keys.last().map_or(0, |k| k.generation)
    }

    /// The rekey message this admin made and has not yet seen back from the swarm.
    pub fn pending_config(&self) -> Option<&[u8]> {
        self.pending.as_ref().map(|p| &p.config[..])
    }

    /// Hashes of keys messages that are still needed (extend their TTL; delete the rest).
    pub fn current_hashes(&self) -> BTreeSet<String> {
        self.active.values().flatten().cloned().collect()
    }

    /// True (for an admin) when two different keys share the newest generation: two admins
    /// rekeyed concurrently, so one should rekey again.
    pub fn needs_rekey(&self) -> bool {
        let n = self.keys.len();
        n >= 2 && self.keys[n - 1].generation == self.keys[n - 2].generation
    }

    /// Admin: make a new generation for `members` (the full member list, admins included). The
    /// new key becomes pending and is used for encryption at once; push the returned message to
    /// namespace 12, then [`GroupKeys::load_message`] it back with its swarm hash and timestamp.
    pub fn rekey(&mut self, admin: &GroupAdminKey, members: &[SessionId]) -> Result<Vec<u8>> {
        let generation = self.keys.last().map_or(0, |k| k.generation + 1);
        let (msg, key) = build_rekey(admin, members, generation)?;
        self.pending = Some(Pending { generation, key, config: msg.clone() });
        Ok(msg)
    }

    /// Admin: a supplemental message giving `new_members` all current keys.
    pub fn key_supplement(&self, admin: &GroupAdminKey, new_members: &[SessionId]) -> Result<Vec<u8>> {
        build_supplement(admin, new_members, &self.keys)
    }

    /// Load a keys message retrieved from namespace 12 (with its swarm hash and timestamp).
    /// Returns whether it gave us a key. Forged or malformed messages are errors and change
    /// nothing.
    pub fn load_message(&mut self, hash: &str, msg: &[u8], timestamp_ms: i64, group_pk: &[u8; 32], role: KeysRole<'_>) -> Result<bool> {
        let parsed = parse_keys_message(msg, group_pk)?;
        let new_keys = parsed.decrypt(role, group_pk, timestamp_ms)?;
        if let (KeysRole::Admin(_), Some(first), Some(p)) = (role, new_keys.first(), &self.pending) {
            if first.generation > p.generation || first.key == p.key {
                self.pending = None;
            }
        }
        if new_keys.is_empty() {
            self.active.entry(parsed.generation()).or_default().insert(hash.to_string());
            self.remove_expired();
            return Ok(false);
        }
        for k in new_keys {
            self.insert_key(hash, k);
        }
        Ok(true)
    }

    fn insert_key(&mut self, hash: &str, new: KeyInfo) {
        if self.keys.iter().any(|k| k.generation == new.generation && k.key == new.key) {
            self.active.entry(new.generation).or_default().insert(hash.to_string());
            return;
        }
        let pos = self.keys.partition_point(|k| k < &new);
        let n = self.keys.len();
        if n >= 2
            && pos == 0
            && new.generation < self.keys[0].generation
            && self.keys[0].timestamp_ms.saturating_add(KEY_EXPIRY_MS) < self.keys[n - 1].timestamp_ms
        {
            return; // older than a generation that has itself already expired
        }
        self.active.entry(new.generation).or_default().insert(hash.to_string());
        self.keys.insert(pos, new);
        self.remove_expired();
    }

    /// Drop generations superseded more than [`KEY_EXPIRY_MS`] before the newest key's timestamp
    /// (swarm timestamps, not the local clock, as libsession does).
    fn remove_expired(&mut self) {
        if self.keys.len() >= 2 {
            let newest = self.keys.last().expect("non-empty").timestamp_ms;
            let mut lapsed_end = 0;
            let mut it = 0;
            loop {
                let mut it2 = it + 1;
                while it2 < self.keys.len() && self.keys[it2].generation == self.keys[it].generation {
                    it = it2;
                    it2 += 1;
                }
                if it2 == self.keys.len() {
                    break;
                }
                if self.keys[it2].timestamp_ms.saturating_add(KEY_EXPIRY_MS) < newest {
                    lapsed_end = it2;
                } else {
                    break;
                }
                it = it2;
            }
            for mut k in self.keys.drain(..lapsed_end) {
                k.key.zeroize();
            }
        }
        match self.keys.first() {
            Some(first) => {
                let g = first.generation;
                self.active.retain(|gen, _| *gen >= g);
            }
            None => self.active.clear(),
        }
    }

    /// Optional, clock-based expiry (libsession only expires relative to the newest key's swarm
    /// timestamp, which never happens while a group is idle): drop generations that a newer
    /// generation superseded more than [`KEY_EXPIRY_MS`] before `now_ms`. The newest generation is
    /// always kept. Returns how many keys were dropped.
    pub fn expire_superseded(&mut self, now_ms: i64) -> usize {
        let newest_gen = match self.keys.last() {
            Some(k) => k.generation,
            None => return 0,
        };
        // For each generation, when the next one first appeared.
        let mut drop_below = None;
        for k in &self.keys {
            if k.generation == newest_gen {
                break;
            }
            let successor = self.keys.iter().filter(|n| n.generation > k.generation).map(|n| n.timestamp_ms).min();
            if successor.is_some_and(|t| t.saturating_add(KEY_EXPIRY_MS) < now_ms) {
                drop_below = Some(k.generation + 1);
            }
        }
        let Some(g) = drop_below else { return 0 };
        let n = self.keys.partition_point(|k| k.generation < g);
        for mut k in self.keys.drain(..n) {
            k.key.zeroize();
        }
        if let Some(first) = self.keys.first() {
            let fg = first.generation;
            self.active.retain(|gen, _| *gen >= fg);
        }
        n
    }

    /// Serialize for local storage (libsession's dump layout: `A` active hashes, `L` keys, `P`
    /// pending).
    pub fn dump(&self) -> Vec<u8> {
        let mut d = vec![b'd'];
        put_bytes(&mut d, b"A");
        d.push(b'l');
        for (gen, hashes) in &self.active {
            d.push(b'l');
            put_int(&mut d, *gen);
            for h in hashes {
                put_bytes(&mut d, h.as_bytes());
            }
            d.push(b'e');
        }
        d.push(b'e');
        put_bytes(&mut d, b"L");
        d.extend_from_slice(&encode_key_list(&self.keys));
        if let Some(p) = &self.pending {
            put_bytes(&mut d, b"P");
            d.push(b'd');
            put_bytes(&mut d, b"c");
            put_bytes(&mut d, &p.config);
            put_bytes(&mut d, b"g");
            put_int(&mut d, p.generation);
            put_bytes(&mut d, b"k");
            put_bytes(&mut d, &p.key);
            d.push(b'e');
        }
        d.push(b'e');
        d
    }

    /// Restore from [`GroupKeys::dump`].
    pub fn from_dump(bytes: &[u8]) -> Result<GroupKeys> {
        let bad = |m: &str| Error::malformed(format!("invalid keys dump: {m}"));
        let top = bencode::decode_raw(bytes)?;
        let d = top.as_dict()?;
        let mut out = GroupKeys::new();
        for l in raw_get(d, b"A").ok_or_else(|| bad("no active list"))?.value.as_list()? {
            let l = l.as_list()?;
            let gen = l.first().ok_or_else(|| bad("empty active entry"))?.as_int()?;
            let set = out.active.entry(gen).or_default();
            for h in &l[1..] {
                set.insert(String::from_utf8(h.as_bytes()?.to_vec()).map_err(|_| bad("hash is not UTF-8"))?);
            }
        }
        for k in raw_get(d, b"L").ok_or_else(|| bad("no key list"))?.value.as_list()? {
            let k = decode_key_entry(k)?;
            if out.keys.last().is_some_and(|prev| prev >= &k) {
                return Err(bad("keys are not sorted"));
            }
            out.keys.push(k);
        }
        if let Some(p) = raw_get(d, b"P") {
            let p = p.value.as_dict()?;
            let f = |k: &[u8]| raw_get(p, k).map(|e| &e.value).ok_or_else(|| bad("incomplete pending entry"));
            out.pending = Some(Pending {
                config: f(b"c")?.as_bytes()?.to_vec(),
                generation: f(b"g")?.as_int()?,
                key: f(b"k")?.as_bytes()?.try_into().map_err(|_| bad("pending key is not 32 bytes"))?,
            });
        }
        Ok(out)
    }
}

/// Whether an error means "this keys message is not acceptable" (as opposed to a local bug).
pub fn is_rejection(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::BadSignature | ErrorKind::Malformed | ErrorKind::DecryptionFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Identity> {
        (0..n).map(|_| Identity::generate()).collect()
    }
    fn sids(v: &[Identity]) -> Vec<SessionId> {
        v.iter().map(|i| i.session_id()).collect()
    }

    #[test]
    fn rekey_is_deterministic_and_shaped_like_libsession() {
        let admin = GroupAdminKey::from_seed(&[7u8; 32]);
        let people = ids(3);
        let (a, ka) = build_rekey(&admin, &sids(&people), 0).unwrap();
        // Another admin holding the same seed, members given in another order: same bytes.
        let admin2 = GroupAdminKey::from_secret(admin.secret_key()).unwrap();
        let mut rev = sids(&people);
        rev.reverse();
        let (b, kb) = build_rekey(&admin2, &rev, 0).unwrap();
        assert_eq!(a, b);
        assert_eq!(ka, kb);
        let (c, kc) = build_rekey(&admin, &sids(&people), 1).unwrap();
        assert_ne!(ka, kc);
        assert_ne!(a, c);
        // Layout: d 1:# 24:… 1:G i0e 1:K 48:… 1:k l (75 × 48:…) e 1:~ 64:… e
        assert!(a.starts_with(b"d1:#24:"));
        assert_eq!(&a[31..40], b"1:Gi0e1:K");
        assert_eq!(a.len(), 1 + 31 - 1 + 6 + 3 + 51 + 3 + 2 + 75 * 51 + 3 + 67 + 1);
        let m = parse_keys_message(&a, admin.public_key()).unwrap();
        match &m.kind {
            KeysMessageKind::Rekey { generation, member_keys, .. } => {
                assert_eq!(*generation, 0);
                assert_eq!(member_keys.len(), 75);
            }
            _ => panic!("not a rekey"),
        }
        // Key and nonce come from h1, the nonce is in "#".
        let mut parts: Vec<Vec<u8>> = sids(&people).iter().map(|s| s.to_hex().into_bytes()).collect();
        parts.sort();
        parts.push(b"0".to_vec());
        parts.push(seed_hash(admin.seed(), "SessionGroupKeySeed").to_vec());
        let refs: Vec<&[u8]> = parts.iter().map(|p| &p[..]).collect();
        let h1 = sodium::blake2b_n::<56>(Some(b"SessionGroupKeyGen"), &refs);
        assert_eq!(&h1[..32], &ka);
        assert_eq!(&h1[32..], &m.nonce);
    }

    #[test]
    fn members_and_admins_decrypt_outsiders_do_not() {
        let admin = GroupAdminKey::generate();
        let people = ids(4);
        let (msg, key) = build_rekey(&admin, &sids(&people), 0).unwrap();
        let m = parse_keys_message(&msg, admin.public_key()).unwrap();
        for p in &people {
            let got = m.decrypt(KeysRole::Member(p), admin.public_key(), 1000).unwrap();
            assert_eq!(got, vec![KeyInfo { generation: 0, timestamp_ms: 1000, key }]);
        }
        assert_eq!(m.decrypt(KeysRole::Admin(&admin), admin.public_key(), 5).unwrap()[0].key, key);
        let outsider = Identity::generate();
        assert!(m.decrypt(KeysRole::Member(&outsider), admin.public_key(), 5).unwrap().is_empty());
        let wrong_admin = GroupAdminKey::generate();
        assert_eq!(m.decrypt(KeysRole::Admin(&wrong_admin), admin.public_key(), 5).unwrap_err().kind(), ErrorKind::DecryptionFailed);
    }

    #[test]
    fn forged_and_tampered_messages_are_rejected() {
        let admin = GroupAdminKey::generate();
        let people = ids(2);
        let (msg, _) = build_rekey(&admin, &sids(&people), 0).unwrap();
        // A member without the seed builds a message with its own key pair: rejected.
        let forger = GroupAdminKey::generate();
        let (forged, _) = build_rekey(&forger, &sids(&people), 1).unwrap();
        assert_eq!(parse_keys_message(&forged, admin.public_key()).unwrap_err().kind(), ErrorKind::BadSignature);
        // Any flipped byte: error (signature, or structure).
        for i in [3, 10, 40, 100, msg.len() - 10, msg.len() - 2] {
            let mut t = msg.clone();
            t[i] ^= 0x01;
            assert!(parse_keys_message(&t, admin.public_key()).is_err(), "byte {i}");
        }
        // Unsigned: strip the signature.
        let unsigned = [&msg[..msg.len() - 1 - 3 - 67], b"e"].concat();
        assert_eq!(parse_keys_message(&unsigned, admin.public_key()).unwrap_err().kind(), ErrorKind::BadSignature);
        // Hostile inputs.
        for bad in [&b""[..], b"d", b"de", b"le", b"i1e", &vec![b'd'; 5000]] {
            assert!(parse_keys_message(bad, admin.public_key()).is_err());
        }
    }

    #[test]
    fn signed_but_unpadded_member_list_is_rejected() {
        let admin = GroupAdminKey::generate();
        let mut d = vec![b'd'];
        put_bytes(&mut d, b"#");
        put_bytes(&mut d, &[0u8; 24]);
        put_bytes(&mut d, b"G");
        put_int(&mut d, 0);
        put_bytes(&mut d, b"K");
        put_bytes(&mut d, &[0u8; 48]);
        put_bytes(&mut d, b"k");
        d.extend_from_slice(b"l48:");
        d.extend_from_slice(&[0u8; 48]);
        d.push(b'e');
        let msg = sign_and_close(d, &admin);
        assert_eq!(parse_keys_message(&msg, admin.public_key()).unwrap_err().kind(), ErrorKind::Malformed);
    }

    #[test]
    fn supplement_gives_new_members_all_keys() {
        let admin = GroupAdminKey::generate();
        let old = ids(2);
        let mut ring = GroupKeys::new();
        let r0 = ring.rekey(&admin, &sids(&old)).unwrap();
        assert!(ring.load_message("h0", &r0, 1_000, admin.public_key(), KeysRole::Admin(&admin)).unwrap());
        assert!(ring.pending_config().is_none());
        let r1 = ring.rekey(&admin, &sids(&old)).unwrap();
        assert!(ring.pending_config().is_some());
        ring.load_message("h1", &r1, 2_000, admin.public_key(), KeysRole::Admin(&admin)).unwrap();
        assert_eq!(ring.current_generation(), 1);

        let newbie = Identity::generate();
        let supp = ring.key_supplement(&admin, &[newbie.session_id()]).unwrap();
        // Deterministic.
        assert_eq!(supp, ring.key_supplement(&admin, &[newbie.session_id()]).unwrap());
        let mut theirs = GroupKeys::new();
        assert!(!theirs.load_message("h0", &r0, 1_000, admin.public_key(), KeysRole::Member(&newbie)).unwrap());
        assert!(theirs.load_message("h2", &supp, 3_000, admin.public_key(), KeysRole::Member(&newbie)).unwrap());
        assert_eq!(theirs.keys(), ring.keys());
        assert_eq!(theirs.group_keys(), ring.group_keys());
        // An old member gets nothing from the supplement; the admin neither.
        let mut olds = GroupKeys::new();
        olds.load_message("h1", &r1, 2_000, admin.public_key(), KeysRole::Member(&old[0])).unwrap();
        assert!(!olds.load_message("h2", &supp, 3_000, admin.public_key(), KeysRole::Member(&old[0])).unwrap());
        assert!(olds.current_hashes().contains("h2"));
        let p = parse_keys_message(&supp, admin.public_key()).unwrap();
        assert_eq!(p.generation(), 1);
        assert!(build_supplement(&admin, &[newbie.session_id()], &[]).is_err());
    }

    #[test]
    fn removed_member_gets_no_new_key() {
        let admin = GroupAdminKey::generate();
        let people = ids(3);
        let mut mine = GroupKeys::new();
        let mut gone = GroupKeys::new();
        let r0 = build_rekey(&admin, &sids(&people), 0).unwrap().0;
        let r1 = build_rekey(&admin, &sids(&people[..2]), 1).unwrap().0;
        for (h, m, t) in [("a", &r0, 10), ("b", &r1, 20)] {
            mine.load_message(h, m, t, admin.public_key(), KeysRole::Member(&people[0])).unwrap();
            gone.load_message(h, m, t, admin.public_key(), KeysRole::Member(&people[2])).unwrap();
        }
        assert_eq!(mine.current_generation(), 1);
        assert_eq!(gone.current_generation(), 0);
        assert!(!gone.group_keys().contains(&mine.encryption_key().unwrap()));
    }

    #[test]
    fn conflicting_generations_and_expiry() {
        let admin_a = GroupAdminKey::generate();
        let people = ids(1);
        let mut ring = GroupKeys::new();
        let day = 24 * 3600 * 1000;
        let r0 = build_rekey(&admin_a, &sids(&people), 0).unwrap().0;
        ring.load_message("g0", &r0, 0, admin_a.public_key(), KeysRole::Admin(&admin_a)).unwrap();
        // Two admins (same seed) rekey gen 1 with different member lists: same generation, two
        // keys → needs_rekey.
        let more = ids(1);
        let r1a = build_rekey(&admin_a, &sids(&people), 1).unwrap().0;
        let r1b = build_rekey(&admin_a, &[sids(&people), sids(&more)].concat(), 1).unwrap().0;
        ring.load_message("g1a", &r1a, day, admin_a.public_key(), KeysRole::Admin(&admin_a)).unwrap();
        assert!(!ring.needs_rekey());
        ring.load_message("g1b", &r1b, day + 1, admin_a.public_key(), KeysRole::Admin(&admin_a)).unwrap();
        assert!(ring.needs_rekey());
        // Loading the same message again changes nothing.
        ring.load_message("g1b", &r1b, day + 1, admin_a.public_key(), KeysRole::Admin(&admin_a)).unwrap();
        assert_eq!(ring.keys().len(), 3);
        let r2 = build_rekey(&admin_a, &sids(&people), 2).unwrap().0;
        ring.load_message("g2", &r2, 2 * day, admin_a.public_key(), KeysRole::Admin(&admin_a)).unwrap();
        assert!(!ring.needs_rekey());
        assert_eq!(ring.keys().len(), 4);
        // More than 60 days after gen 1 superseded gen 0 (but not 60 after gen 2 superseded gen
        // 1), gen 0 is gone, and its hash.
        let r3 = build_rekey(&admin_a, &sids(&people), 3).unwrap().0;
        ring.load_message("g3", &r3, 61 * day + day / 2, admin_a.public_key(), KeysRole::Admin(&admin_a)).unwrap();
        assert_eq!(ring.keys().first().unwrap().generation, 1);
        assert!(!ring.current_hashes().contains("g0"));
        assert!(ring.current_hashes().contains("g3"));
        // A stale old key is not re-added.
        ring.load_message("g0", &r0, 0, admin_a.public_key(), KeysRole::Admin(&admin_a)).unwrap();
        assert_eq!(ring.keys().first().unwrap().generation, 1);
        // Newest first for decryption.
        let gk = ring.group_keys();
        assert_eq!(gk[0], ring.keys().last().unwrap().key);
    }

    #[test]
    fn clock_based_expiry() {
        let admin = GroupAdminKey::generate();
        let people = ids(1);
        let day = 24 * 3600 * 1000;
        let mut ring = GroupKeys::new();
        for (g, t) in [(0, 0), (1, 10 * day), (2, 20 * day)] {
            let r = build_rekey(&admin, &sids(&people), g).unwrap().0;
            ring.load_message(&format!("h{g}"), &r, t, admin.public_key(), KeysRole::Member(&people[0])).unwrap();
        }
        assert_eq!(ring.expire_superseded(60 * day), 0);
        assert_eq!(ring.expire_superseded(71 * day), 1);
        assert_eq!(ring.keys().first().unwrap().generation, 1);
        assert!(!ring.current_hashes().contains("h0"));
        assert_eq!(ring.expire_superseded(1000 * day), 1);
        assert_eq!(ring.keys().len(), 1);
        assert_eq!(ring.expire_superseded(i64::MAX), 0, "the newest generation stays");
    }

    #[test]
    fn dump_round_trip() {
        let admin = GroupAdminKey::generate();
        let people = ids(2);
        let mut ring = GroupKeys::new();
        let r0 = ring.rekey(&admin, &sids(&people)).unwrap();
        ring.load_message("x", &r0, 5, admin.public_key(), KeysRole::Admin(&admin)).unwrap();
        ring.rekey(&admin, &sids(&people)).unwrap();
        let d = ring.dump();
        let back = GroupKeys::from_dump(&d).unwrap();
        assert_eq!(back.dump(), d);
        assert_eq!(back.group_keys(), ring.group_keys());
        assert_eq!(back.pending_config(), ring.pending_config());
        assert!(GroupKeys::from_dump(b"de").is_err());
        assert!(GroupKeys::from_dump(b"garbage").is_err());
    }
}
