//! A group's key ring (the state of libsession-util `config::groups::Keys`): every key it can
//! decrypt with, by generation, fed by the keys messages of namespace 12 ([`super::keys_message`]),
//! with an admin's pending rekey, expiry of superseded generations, and dump / restore.

use super::keys_message::*;
use crate::crypto::group_key::GroupAdminKey;
use crate::error::{Error, Result};
use crate::identity::SessionId;
use crate::wire::bencode::{self, put_bytes, put_int, raw_get};
use std::collections::{BTreeMap, BTreeSet};
use zeroize::Zeroize;

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
    #[cfg(feature = "internals")]
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
    #[cfg(feature = "internals")]
    pub fn current_hashes(&self) -> BTreeSet<String> {
        self.active.values().flatten().cloned().collect()
    }

    /// True (for an admin) when two different keys share the newest generation: two admins
    /// rekeyed concurrently, so one should rekey again.
    #[cfg(feature = "internals")]
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
    #[cfg(feature = "internals")]
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
    #[cfg(feature = "internals")]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::group_key::seed_hash;
    use crate::error::ErrorKind;
    use crate::identity::Identity;
    use crate::sodium;
    use crate::wire::group_message::{decode_group_message, encode_for_group, GroupMessageRandomness};

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

    fn content(body: &str) -> Vec<u8> {
        use crate::wire::proto::{Content, DataMessage};
        use prost::Message as _;
        Content { data_message: Some(DataMessage { body: Some(body.into()), ..Default::default() }), ..Default::default() }.encode_to_vec()
    }

    /// Group messages under the ring's keys (wire::group_message): a removed member reads
    /// nothing after the rekey; the others still read what came before.
    #[test]
    fn removed_member_cannot_read_after_rekey() {
        let admin = GroupAdminKey::generate();
        let (alice, bob, carol) = (Identity::generate(), Identity::generate(), Identity::generate());
        let all = [alice.session_id(), bob.session_id(), carol.session_id()];
        let mut rings: Vec<GroupKeys> = vec![GroupKeys::new(), GroupKeys::new(), GroupKeys::new()];
        let r0 = build_rekey(&admin, &all, 0).unwrap().0;
        let r1 = build_rekey(&admin, &all[..2], 1).unwrap().0;
        for (ring, who) in rings.iter_mut().zip([&alice, &bob, &carol]) {
            ring.load_message("r0", &r0, 1, admin.public_key(), KeysRole::Member(who)).unwrap();
            ring.load_message("r1", &r1, 2, admin.public_key(), KeysRole::Member(who)).unwrap();
        }
        let msg = encode_for_group(&alice, &rings[0].encryption_key().unwrap(), &content("secret"), 3, &GroupMessageRandomness::random())
            .unwrap();
        assert_eq!(decode_group_message(&rings[1].group_keys(), &msg).unwrap().sender, alice.session_id());
        assert_eq!(decode_group_message(&rings[2].group_keys(), &msg).unwrap_err().kind(), ErrorKind::DecryptionFailed);
        // Old messages stay readable by the remaining members.
        let old = encode_for_group(
            &carol,
            &rings[2].encryption_key().unwrap(),
            &content("old"),
            1,
            &GroupMessageRandomness { nonce: [4; 24], dummy_pro_seed: [5; 32] },
        )
        .unwrap();
        assert!(decode_group_message(&rings[0].group_keys(), &old).is_ok());
    }
}
