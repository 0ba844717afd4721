//! One config as a client keeps it (libsession-util `ConfigBase`, src/config/base.cpp): the
//! current message, its push state, the swarm hashes it supersedes, its keys and domain; with
//! push / confirm, merge of what the swarm returns, and dump / restore for the database.

use super::message::{ConfigMessage, SigningKeys, DEFAULT_DIFF_LAGS};
use super::storage::{decode_from_storage, encode_for_storage};
use super::value::*;
use crate::error::{Error, ErrorKind, Result};
use crate::wire::bencode::{self, put_bytes, put_int, raw_get};
use std::collections::BTreeSet;

// ---- the client-side config object -------------------------------------------------------------

/// Push state of a [`Config`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigState {
    /// Stored on the swarm, no local changes.
    Clean = 0,
    /// Local changes not yet serialized for pushing.
    Dirty = 1,
    /// Serialized for pushing; waiting for `confirm_pushed`.
    Waiting = 2,
}

/// What [`Config::push`] returns.
#[derive(Debug, Clone)]
pub struct ConfigPush {
    /// Pass back to [`Config::confirm_pushed`] with the storage hash.
    pub seqno: i64,
    /// Store this (base64) in the config's namespace.
    pub data: Vec<u8>,
    /// Hashes of superseded messages to delete from the swarm (with the store).
    pub obsolete: Vec<String>,
}

/// One config as a client keeps it (libsession `ConfigBase`): the current message, its push
/// state, the swarm hashes it supersedes, its encryption keys (first = the one to encrypt with)
/// and domain, and optional group signing keys.
#[derive(Clone)]
pub struct Config {
    msg: ConfigMessage,
    state: ConfigState,
    curr_hash: String,
    old_hashes: BTreeSet<String>,
    keys: Vec<[u8; 32]>,
    domain: String,
    sig: SigningKeys,
    lag: i64,
    compression_level: Option<i32>,
    needs_dump: bool,
}

impl Config {
    /// A new, empty config for `domain` (e.g. `"groups::Info"`).
    pub fn new(domain: &str, sig: SigningKeys) -> Config {
        Config {
            msg: ConfigMessage::empty(sig.clone()),
            state: ConfigState::Clean,
            curr_hash: String::new(),
            old_hashes: BTreeSet::new(),
            keys: vec![],
            domain: domain.to_string(),
            sig,
            lag: DEFAULT_DIFF_LAGS,
            compression_level: Some(1),
            needs_dump: false,
        }
    }

    #[cfg(feature = "internals")]
    pub fn domain(&self) -> &str {
        &self.domain
    }
    #[cfg(feature = "internals")]
    pub fn state(&self) -> ConfigState {
        self.state
    }
    #[cfg(feature = "internals")]
    pub fn seqno(&self) -> i64 {
        self.msg.seqno()
    }
    pub fn data(&self) -> &Dict {
        self.msg.data()
    }
    #[cfg(feature = "internals")]
    pub fn message(&self) -> &ConfigMessage {
        &self.msg
    }
    /// True when signatures are verified but we cannot sign (a non-admin group member).
    pub fn is_readonly(&self) -> bool {
        self.sig.verify.is_some() && self.sig.sign.is_none()
    }
    pub fn needs_push(&self) -> bool {
        self.state != ConfigState::Clean
    }
    pub fn needs_dump(&self) -> bool {
        self.needs_dump
    }
    /// Swarm hashes of the message we currently are (to keep alive).
    pub fn current_hashes(&self) -> Vec<String> {
        if self.curr_hash.is_empty() {
            vec![]
        } else {
            vec![self.curr_hash.clone()]
        }
    }

    /// Replace the signing keys (e.g. after promotion to admin).
    pub fn set_signing_keys(&mut self, sig: SigningKeys) {
        self.msg.set_signing_keys(sig.clone());
        self.sig = sig;
    }

    /// Encryption keys, first = the one we encrypt with.
    pub fn keys(&self) -> &[[u8; 32]] {
        &self.keys
    }

    /// Replace the key list (group configs: [`crate::config::group::keys::GroupKeys::group_keys`]).
    /// With `dirty`, a changed first key marks the config for re-push (re-encryption).
    pub fn replace_keys(&mut self, keys: &[[u8; 32]], dirty: bool) -> Result<()> {
        let first_changed = self.keys.first() != keys.first();
        self.keys.clear();
        for k in keys {
            if !self.keys.contains(k) {
                self.keys.push(*k);
            }
        }
        if dirty && first_changed && !keys.is_empty() && !self.is_readonly() {
            self.dirty()?;
        }
        Ok(())
    }

    fn set_state(&mut self, s: ConfigState) -> Result<()> {
        if s == ConfigState::Dirty && self.is_readonly() {
            return Err(Error::new(ErrorKind::PermissionDenied, "this config is read-only (group admin key required)"));
        }
        if self.state == ConfigState::Clean && !self.curr_hash.is_empty() {
            self.old_hashes.insert(std::mem::take(&mut self.curr_hash));
        }
        self.state = s;
        self.needs_dump = true;
        Ok(())
    }

    fn dirty(&mut self) -> Result<()> {
        if self.state != ConfigState::Dirty {
            self.set_state(ConfigState::Dirty)?;
            self.msg = self.msg.increment();
        } else {
            self.needs_dump = true;
        }
        Ok(())
    }

    /// Change the data with `f`. Nothing happens (and `false` is returned) when `f` leaves the
    /// (pruned) data unchanged; otherwise the config becomes dirty. Read-only configs →
    /// `PermissionDenied`.
    pub fn modify(&mut self, f: impl FnOnce(&mut Dict)) -> Result<bool> {
        let mut new = self.msg.data().clone();
        f(&mut new);
        prune(&mut new);
        let mut cur = self.msg.data().clone();
        prune(&mut cur);
        if new == cur {
            return Ok(false);
        }
        self.dirty()?;
        *self.msg.data_mut() = new;
        Ok(true)
    }

    /// Serialize, compress, pad and encrypt the current message for storage. Dirty → Waiting.
    pub fn push(&mut self) -> Result<ConfigPush> {
        let key = *self.keys.first().ok_or_else(|| Error::invalid_argument("cannot push a config without an encryption key"))?;
        let seqno = self.msg.seqno();
        let serialized = self.msg.serialize(true);
        let data = encode_for_storage(&serialized, &key, &self.domain, self.compression_level)?;
        if self.state == ConfigState::Dirty {
            self.set_state(ConfigState::Waiting)?;
        }
        let old = std::mem::take(&mut self.old_hashes);
        let obsolete = if self.is_readonly() { vec![] } else { old.into_iter().collect() };
        Ok(ConfigPush { seqno, data, obsolete })
    }

    /// The push of `seqno` was stored under `hash`.
    pub fn confirm_pushed(&mut self, seqno: i64, hash: &str) {
        if self.state == ConfigState::Waiting && seqno == self.msg.seqno() {
            let _ = self.set_state(ConfigState::Clean);
            self.curr_hash = hash.to_string();
        }
    }

    /// Merge config messages retrieved from the swarm (hash, stored bytes). Messages that do not
    /// decrypt or parse are skipped (a forged group config fails its signature check here).
    /// Returns the hashes that were successfully parsed.
    pub fn merge(&mut self, configs: &[(String, Vec<u8>)]) -> Result<Vec<String>> {
        if self.keys.is_empty() {
            return Err(Error::invalid_argument("cannot merge configs without any decryption keys"));
        }
        let old_seqno = self.msg.seqno();
        let mut all_hashes: Vec<String> = vec![];
        let mut all_confs: Vec<Vec<u8>> = vec![];
        let mine = old_seqno != 0 || self.state == ConfigState::Dirty;
        if mine {
            all_confs.push(self.msg.serialize(true));
            all_hashes.push(self.curr_hash.clone());
        }
        for (hash, data) in configs {
            if let Ok(plain) = decode_from_storage(data, &self.keys, &self.domain) {
                all_hashes.push(hash.clone());
                all_confs.push(plain);
            }
        }
        let mut bad: BTreeSet<usize> = BTreeSet::new();
        let refs: Vec<&[u8]> = all_confs.iter().map(|c| &c[..]).collect();
        let new_conf = ConfigMessage::merge(&refs, &self.sig, self.lag, self.state == ConfigState::Dirty, |i, _| {
            bad.insert(i);
        });
        let new_conf = match new_conf {
            Ok(c) => c,
            Err(_) if !mine => return Ok(vec![]),
            Err(e) => return Err(e),
        };
        let superconf = new_conf.unmerged_index();
        for (i, h) in all_hashes.iter().enumerate() {
            if Some(i) != superconf && !bad.contains(&i) && !h.is_empty() {
                self.old_hashes.insert(h.clone());
            }
        }
        if new_conf.seqno() != old_seqno {
            if new_conf.merged() {
                self.msg = if self.state != ConfigState::Dirty { new_conf.into_mutable() } else { new_conf };
                self.set_state(ConfigState::Dirty)?;
            } else if self.state == ConfigState::Dirty && superconf == Some(0) && new_conf.seqno() == old_seqno + 1 {
                // Only our own message survived; keep it as is.
            } else {
                let idx = superconf.expect("not merged");
                self.msg = new_conf;
                self.set_state(ConfigState::Clean)?;
                self.curr_hash = all_hashes[idx].clone();
            }
        }
        Ok(all_hashes.into_iter().enumerate().skip(usize::from(mine)).filter(|(i, _)| !bad.contains(i)).map(|(_, h)| h).collect())
    }

    /// Serialize for local storage: `{"!": state, "$": message (unsigned), "(": current hash,
    /// ")": old hashes}` (libsession's dump layout, without extra data).
    pub fn dump(&mut self) -> Vec<u8> {
        let mut d = vec![b'd'];
        put_bytes(&mut d, b"!");
        put_int(&mut d, self.state as i64);
        put_bytes(&mut d, b"$");
        put_bytes(&mut d, &self.msg.serialize(false));
        put_bytes(&mut d, b"(");
        put_bytes(&mut d, self.curr_hash.as_bytes());
        put_bytes(&mut d, b")");
        d.push(b'l');
        for h in &self.old_hashes {
            put_bytes(&mut d, h.as_bytes());
        }
        d.push(b'e');
        d.push(b'e');
        self.needs_dump = false;
        d
    }

    /// Restore from [`Config::dump`]; keys must be set again afterwards.
    pub fn from_dump(domain: &str, sig: SigningKeys, dump: &[u8]) -> Result<Config> {
        let bad = |m: &str| Error::malformed(format!("invalid config dump: {m}"));
        let top = bencode::decode_raw(dump)?;
        let d = top.as_dict()?;
        let state = match raw_get(d, b"!").ok_or_else(|| bad("no state"))?.value.as_int()? {
            0 => ConfigState::Clean,
            1 => ConfigState::Dirty,
            2 => ConfigState::Waiting,
            _ => return Err(bad("unknown state")),
        };
        let data = raw_get(d, b"$").ok_or_else(|| bad("no data"))?.value.as_bytes()?;
        let mut msg = if state == ConfigState::Dirty {
            ConfigMessage::merge(&[data], &SigningKeys::none(), DEFAULT_DIFF_LAGS, true, |_, _| {})?
        } else {
            ConfigMessage::parse(data, &SigningKeys::none(), DEFAULT_DIFF_LAGS, true)?
        };
        msg.set_signing_keys(sig.clone());
        let mut c = Config::new(domain, sig);
        c.msg = msg;
        c.state = state;
        if let Some(h) = raw_get(d, b"(") {
            c.curr_hash = String::from_utf8(h.value.as_bytes()?.to_vec()).map_err(|_| bad("hash is not UTF-8"))?;
        }
        if let Some(l) = raw_get(d, b")") {
            for h in l.value.as_list()? {
                c.old_hashes.insert(String::from_utf8(h.as_bytes()?.to_vec()).map_err(|_| bad("hash is not UTF-8"))?);
            }
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::*;
    use crate::sodium;

    // ---- Config (push / merge state machine) ------------------------------------------------

    fn set_key(c: &mut Config, k: &str, v: ConfigValue) -> Result<bool> {
        c.modify(|d| {
            d.insert(k.as_bytes().to_vec(), v);
        })
    }

    #[test]
    fn concurrent_edits_converge_to_identical_bytes() {
        let key = [0x42u8; 32];
        let mut a = Config::new("UserProfile", none());
        let mut b = Config::new("UserProfile", none());
        a.replace_keys(&[key], false).unwrap();
        b.replace_keys(&[key], false).unwrap();
        assert!(set_key(&mut a, "n", st("Alice")).unwrap());
        assert!(!set_key(&mut a, "n", st("Alice")).unwrap(), "unchanged value must not dirty");
        let p = a.push().unwrap();
        a.confirm_pushed(p.seqno, "h1");
        assert_eq!(b.merge(&[("h1".into(), p.data.clone())]).unwrap(), vec!["h1".to_string()]);
        assert_eq!(b.data(), a.data());
        assert!(!b.needs_push());

        // Concurrent edits on both replicas.
        set_key(&mut a, "x", int(1)).unwrap();
        set_key(&mut b, "y", int(2)).unwrap();
        b.modify(|d| {
            d.remove(&b"n"[..]);
        })
        .unwrap();
        let pa = a.push().unwrap();
        let pb = b.push().unwrap();
        assert_eq!(pa.seqno, pb.seqno);
        assert_eq!(pa.obsolete, vec!["h1".to_string()]);
        a.confirm_pushed(pa.seqno, "ha");
        b.confirm_pushed(pb.seqno, "hb");
        // Exchange.
        a.merge(&[("hb".into(), pb.data.clone())]).unwrap();
        b.merge(&[("ha".into(), pa.data.clone())]).unwrap();
        assert!(a.needs_push() && b.needs_push());
        let ma = a.push().unwrap();
        let mb = b.push().unwrap();
        assert_eq!(ma.data, mb.data, "both replicas publish the same merge");
        assert_eq!(a.data(), b.data());
        assert_eq!(a.data(), &d(vec![("x", int(1)), ("y", int(2))]));
        assert!(ma.obsolete.contains(&"ha".to_string()) && ma.obsolete.contains(&"hb".to_string()));
        a.confirm_pushed(ma.seqno, "hm");
        b.confirm_pushed(mb.seqno, "hm");
        // Receiving the identical merge changes nothing.
        a.merge(&[("hm".into(), ma.data.clone())]).unwrap();
        assert!(!a.needs_push());
        // A third replica that sees everything ends identical.
        let mut c = Config::new("UserProfile", none());
        c.replace_keys(&[key], false).unwrap();
        c.merge(&[("ha".into(), pa.data), ("hb".into(), pb.data), ("hm".into(), ma.data)]).unwrap();
        assert_eq!(c.data(), a.data());
        assert!(!c.needs_push());
    }

    #[test]
    fn group_signed_configs() {
        let (pk, sk) = sodium::ed25519_seed_keypair(&[5u8; 32]);
        let key = [9u8; 32];
        let mut admin = Config::new("groups::Info", SigningKeys::admin(sk));
        let mut member = Config::new("groups::Info", SigningKeys::verify_only(pk));
        admin.replace_keys(&[key], false).unwrap();
        member.replace_keys(&[key], false).unwrap();
        set_key(&mut admin, "n", st("Group")).unwrap();
        let p = admin.push().unwrap();
        assert_eq!(member.merge(&[("h".into(), p.data)]).unwrap(), vec!["h".to_string()]);
        assert_eq!(member.data().get(&b"n"[..]), Some(&st("Group")));
        assert!(member.is_readonly());
        assert_eq!(set_key(&mut member, "n", st("Mine")).unwrap_err().kind(), ErrorKind::PermissionDenied);
        // A member forging a message with its own key, and an unsigned message: ignored.
        let (_, other) = sodium::ed25519_seed_keypair(&[6u8; 32]);
        for sig in [SigningKeys::admin(other), SigningKeys::none()] {
            let mut forger = Config::new("groups::Info", sig);
            forger.replace_keys(&[key], false).unwrap();
            forger.merge(&[("h".into(), admin.push().unwrap().data)]).ok();
            for _ in 0..3 {
                set_key(&mut forger, "n", st("Hacked")).unwrap();
                set_key(&mut forger, "z", int(1)).unwrap();
            }
            let f = forger.push().unwrap();
            assert!(member.merge(&[("f".into(), f.data)]).unwrap().is_empty());
            assert_eq!(member.data().get(&b"n"[..]), Some(&st("Group")));
        }
        // Wrong key or wrong domain: nothing decrypts.
        let mut other_key = Config::new("groups::Info", SigningKeys::verify_only(pk));
        other_key.replace_keys(&[[1u8; 32]], false).unwrap();
        assert!(other_key.merge(&[("h".into(), admin.push().unwrap().data)]).unwrap().is_empty());
        let mut other_domain = Config::new("groups::Members", SigningKeys::verify_only(pk));
        other_domain.replace_keys(&[key], false).unwrap();
        assert!(other_domain.merge(&[("h".into(), admin.push().unwrap().data)]).unwrap().is_empty());
    }

    #[test]
    fn dump_round_trip() {
        let mut a = Config::new("UserProfile", none());
        a.replace_keys(&[[1u8; 32]], false).unwrap();
        set_key(&mut a, "n", st("x")).unwrap();
        let p = a.push().unwrap();
        a.confirm_pushed(p.seqno, "h1");
        set_key(&mut a, "n", st("y")).unwrap();
        let d = a.dump();
        let mut b = Config::from_dump("UserProfile", none(), &d).unwrap();
        assert_eq!(b.data(), a.data());
        assert_eq!(b.state(), ConfigState::Dirty);
        b.replace_keys(&[[1u8; 32]], false).unwrap();
        assert!(b.push().unwrap().seqno > p.seqno);
        assert!(Config::from_dump("UserProfile", none(), b"de").is_err());
    }
}
