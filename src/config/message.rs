//! One mergeable config message (config-sync.md §2–3), byte-exact with libsession-util
//! `ConfigMessage`/`MutableConfigMessage` (src/config.cpp).
//!
//! A message is a bencoded dict `{"#": seqno, "&": data, "<": lagged diffs, "=": diff, "~": sig}`.
//! Diffs record *which* keys changed (values come from the message's data), so replaying every
//! distinct diff over the data of the best message converges: two replicas that exchange their
//! messages end with identical bytes.

use super::value::*;
use crate::error::{Error, ErrorKind, Result};
use crate::sodium;
use crate::wire::bencode::{self, put_bytes, put_int, Raw, RawEntry};
use std::collections::BTreeMap;

/// How many previous diffs a message carries.
pub const DEFAULT_DIFF_LAGS: i64 = 5;

/// Signing configuration: group info/members configs are verified with the group public key, and
/// signed by admins (who hold the secret key). User configs use neither.
#[derive(Clone, Default)]
pub struct SigningKeys {
    pub verify: Option<[u8; 32]>,
    pub sign: Option<[u8; 64]>,
}

impl SigningKeys {
    /// No signatures (user configs).
    pub fn none() -> SigningKeys {
        SigningKeys::default()
    }
    /// Verify only (group members).
    pub fn verify_only(pk: [u8; 32]) -> SigningKeys {
        SigningKeys { verify: Some(pk), sign: None }
    }
    /// Verify and sign (group admins); the public key is the secret key's second half.
    pub fn admin(sk: [u8; 64]) -> SigningKeys {
        SigningKeys { verify: Some(sk[32..].try_into().expect("32")), sign: Some(sk) }
    }
}

type SeqnoHash = (i64, [u8; 32]);

/// One config message (libsession `ConfigMessage`, or `MutableConfigMessage` when mutable).
#[derive(Clone)]
pub struct ConfigMessage {
    seqno: i64,
    hash: [u8; 32],
    data: Dict,
    diff: Diff,
    lagged: BTreeMap<SeqnoHash, Diff>,
    /// Unknown top-level keys, kept as raw bencode and written back.
    unknown: BTreeMap<Vec<u8>, Vec<u8>>,
    verified_signature: Option<[u8; 64]>,
    /// `Some` for a mutable message: the data the diff is computed against.
    orig_data: Option<Dict>,
    /// Index of the input adopted as-is by a merge; `None` when a new merged message was built.
    unmerged: Option<usize>,
    lag: i64,
    keys: SigningKeys,
}

impl std::fmt::Debug for ConfigMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ConfigMessage(seqno {}, hash {}, {} keys)", self.seqno, hex::encode(self.hash), self.data.len())
    }
}

impl ConfigMessage {
    /// The empty seqno-0 message (libsession's default-constructed message).
    pub fn empty(keys: SigningKeys) -> ConfigMessage {
        let mut m = ConfigMessage {
            seqno: 0,
            hash: [0; 32],
            data: Dict::new(),
            diff: Diff::new(),
            lagged: BTreeMap::new(),
            unknown: BTreeMap::new(),
            verified_signature: None,
            orig_data: None,
            unmerged: None,
            lag: DEFAULT_DIFF_LAGS,
            keys: SigningKeys::none(),
        };
        m.hash = sodium::blake2b_n::<32>(None, &[&m.serialize_impl(&Diff::new(), false)]);
        m.keys = keys;
        m
    }

    /// A new, empty, mutable message with the given seqno.
    #[cfg(feature = "internals")]
    pub fn new_mutable(seqno: i64, lag: i64, keys: SigningKeys) -> ConfigMessage {
        ConfigMessage { seqno, lag, keys, orig_data: Some(Dict::new()), ..ConfigMessage::empty(SigningKeys::none()) }
    }

    /// Parse one serialized (decrypted, decompressed) message. With `keys.verify` set the `"~"`
    /// signature is required and checked (`BadSignature`); `trust_signature` keeps an unchecked
    /// signature (local dumps).
    pub fn parse(bytes: &[u8], keys: &SigningKeys, lag: i64, trust_signature: bool) -> Result<ConfigMessage> {
        let top = bencode::decode_raw(bytes).map_err(|e| e.context("config message"))?;
        let entries = top.as_dict().map_err(|_| parse_err("not a dict"))?;
        let mut it = entries.iter().peekable();
        let seqno = match it.next() {
            Some(e) if e.key == b"#" => e.value.as_int().map_err(|_| parse_err("seqno is not an integer"))?,
            _ => return Err(parse_err("first key must be \"#\"")),
        };
        let mut unknown = BTreeMap::new();
        let mut take_unknowns = |it: &mut std::iter::Peekable<std::slice::Iter<'_, RawEntry<'_>>>, until: &[u8]| {
            while let Some(e) = it.peek().filter(|e| e.key < until) {
                unknown.insert(e.key.to_vec(), e.value_bytes.to_vec());
                it.next();
            }
        };
        take_unknowns(&mut it, b"&");
        let data = match it.next() {
            Some(RawEntry { key: b"&", value: Raw::Dict(d), .. }) => parse_data(d, true)?,
            _ => return Err(parse_err("\"&\" data dict not found")),
        };
        take_unknowns(&mut it, b"<");
        let mut lagged = BTreeMap::new();
        if let Some(e) = it.next_if(|e| e.key == b"<") {
            for item in e.value.as_list().map_err(|_| parse_err("\"<\" is not a list"))? {
                let l = item.as_list().map_err(|_| parse_err("lagged diff is not a list"))?;
                let s = l.first().ok_or_else(|| parse_err("empty lagged diff"))?.as_int()?;
                if s >= seqno {
                    return Err(parse_err("lagged seqno >= current seqno"));
                }
                if s <= seqno - lag {
                    continue; // too old: dropped unread, as libsession does
                }
                let h: [u8; 32] = l
                    .get(1)
                    .ok_or_else(|| parse_err("lagged diff lacks its hash"))?
                    .as_bytes()?
                    .try_into()
                    .map_err(|_| parse_err("lagged diff hash must be 32 bytes"))?;
                if lagged.keys().next_back().is_some_and(|last: &SeqnoHash| (s, h) <= *last) {
                    return Err(parse_err("lagged diffs are unsorted or duplicated"));
                }
                let diff = parse_diff(l.get(2).ok_or_else(|| parse_err("lagged diff lacks its diff"))?.as_dict()?)?;
                if l.len() != 3 {
                    return Err(parse_err("lagged diff must have 3 elements"));
                }
                lagged.insert((s, h), diff);
            }
        }
        take_unknowns(&mut it, b"=");
        let mut diff = Diff::new();
        if let Some(e) = it.next_if(|e| e.key == b"=") {
            diff = parse_diff(e.value.as_dict().map_err(|_| parse_err("\"=\" is not a dict"))?)?;
        }
        take_unknowns(&mut it, b"~");
        let mut verified_signature = None;
        if let Some(e) = it.next_if(|e| e.key == b"~") {
            let sig: [u8; 64] = e.value.as_bytes()?.try_into().map_err(|_| Error::bad_signature("config signature is not 64 bytes"))?;
            if let Some(pk) = &keys.verify {
                if !sodium::ed25519_verify(&sig, &bytes[..e.key_offset], pk) {
                    return Err(Error::bad_signature("config signature failed verification"));
                }
            }
            if keys.verify.is_some() || trust_signature {
                verified_signature = Some(sig);
            }
        } else if keys.verify.is_some() {
            return Err(Error::bad_signature("config signature is missing"));
        }
        if it.next().is_some() {
            return Err(parse_err("keys after \"~\""));
        }
        Ok(ConfigMessage {
            seqno,
            hash: sodium::blake2b_n::<32>(None, &[bytes]),
            data,
            diff,
            lagged,
            unknown,
            verified_signature,
            orig_data: None,
            unmerged: Some(0),
            lag,
            keys: keys.clone(),
        })
    }

    /// Build the current state from several serialized messages (libsession's multi-message
    /// constructor): drop unparsable ones (reported to `on_error` with their index), redundant ones
    /// (contained in another's lagged diffs, duplicates) and ones `lag` or more behind the top
    /// seqno. One survivor is adopted as is; otherwise a new merged message (seqno = max + 1) is
    /// built by replaying every distinct diff, in (seqno, hash) order, over the data of the
    /// highest one. A verifier without a signer cannot merge: the highest survivor is adopted.
    /// `mutable` makes the result mutable (an adopted message then gets the next seqno).
    pub fn merge(
        confs: &[&[u8]],
        keys: &SigningKeys,
        lag: i64,
        mutable: bool,
        mut on_error: impl FnMut(usize, &Error),
    ) -> Result<ConfigMessage> {
        let mut configs: Vec<(ConfigMessage, bool, usize)> = Vec::new();
        for (i, c) in confs.iter().enumerate() {
            match ConfigMessage::parse(c, keys, lag, false) {
                Ok(m) => configs.push((m, false, i)),
                Err(e) => on_error(i, &e),
            }
        }
        if configs.is_empty() {
            return Err(Error::new(ErrorKind::Malformed, "config initialization failed: no valid config messages given"));
        }
        let max_seqno = configs.iter().map(|c| c.0.seqno).max().expect("non-empty");
        for i in 0..configs.len() {
            let sh = (configs[i].0.seqno, configs[i].0.hash);
            let redundant = (0..configs.len())
                .any(|j| j != i && (configs[j].0.lagged.contains_key(&sh) || (j < i && (configs[j].0.seqno, configs[j].0.hash) == sh)));
            configs[i].1 = redundant || configs[i].0.seqno + lag <= max_seqno;
        }
        let live = configs.iter().filter(|c| !c.1).count();
        let mut result = if live == 1 || (keys.verify.is_some() && keys.sign.is_none()) {
            let best = configs
                .iter()
                .enumerate()
                .max_by(|(_, a), (_, b)| (!a.1, a.0.seqno, a.0.hash).cmp(&(!b.1, b.0.seqno, b.0.hash)))
                .map(|(i, _)| i)
                .expect("non-empty");
            let (mut m, _, input) = configs.swap_remove(best);
            m.unmerged = Some(input);
            m
        } else {
            configs.retain(|c| !c.1);
            configs.sort_by_key(|c| std::cmp::Reverse((c.0.seqno, c.0.hash)));
            let mut replay: BTreeMap<SeqnoHash, (&Dict, &Diff)> = BTreeMap::new();
            for (c, _, _) in &configs {
                replay.entry((c.seqno, c.hash)).or_insert((&c.data, &c.diff));
                for (sh, d) in &c.lagged {
                    replay.entry(*sh).or_insert((&c.data, d));
                }
            }
            let mut data = configs[0].0.data.clone();
            let mut lagged = BTreeMap::new();
            for (sh, (src, d)) in &replay {
                apply_diff(&mut data, d, src);
                lagged.insert(*sh, (*d).clone());
            }
            prune(&mut data);
            let mut m = ConfigMessage {
                seqno: max_seqno + 1,
                hash: [0; 32],
                data,
                diff: Diff::new(),
                lagged,
                unknown: BTreeMap::new(),
                verified_signature: None,
                orig_data: None,
                unmerged: None,
                lag,
                keys: keys.clone(),
            };
            m.hash = sodium::blake2b_n::<32>(None, &[&m.serialize_impl(&Diff::new(), true)]);
            m
        };
        if mutable {
            result.orig_data = Some(result.data.clone());
            if result.unmerged.is_some() {
                result.increment_impl();
            }
        }
        Ok(result)
    }

    fn increment_impl(&mut self) {
        self.orig_data = Some(self.data.clone());
        let (seqno, lag) = (self.seqno, self.lag);
        self.lagged.retain(|(s, _), _| *s > seqno - lag && *s < seqno);
        self.lagged.insert((self.seqno, self.hash), std::mem::take(&mut self.diff));
        self.seqno += 1;
        self.hash = [0; 32];
    }

    /// The next message (mutable, seqno + 1), carrying this one's diff in its lagged diffs.
    pub fn increment(&self) -> ConfigMessage {
        let mut m = self.clone();
        if m.is_mutable() {
            m.hash();
        }
        m.increment_impl();
        m
    }

    /// Turn into a mutable message keeping the seqno (its diff then starts empty).
    pub fn into_mutable(mut self) -> ConfigMessage {
        if self.orig_data.is_none() {
            self.orig_data = Some(self.data.clone());
        }
        self
    }

    pub fn is_mutable(&self) -> bool {
        self.orig_data.is_some()
    }
    pub fn seqno(&self) -> i64 {
        self.seqno
    }
    pub fn data(&self) -> &Dict {
        &self.data
    }
    /// Mutable access to the data; a non-mutable message becomes mutable first (same seqno).
    pub fn data_mut(&mut self) -> &mut Dict {
        if self.orig_data.is_none() {
            self.orig_data = Some(self.data.clone());
        }
        &mut self.data
    }
    /// True when this was built by merging (not adopted from one input).
    pub fn merged(&self) -> bool {
        self.unmerged.is_none()
    }
    /// Index of the input a merge adopted as-is.
    pub fn unmerged_index(&self) -> Option<usize> {
        self.unmerged
    }
    #[cfg(feature = "internals")]
    pub fn verified_signature(&self) -> Option<&[u8; 64]> {
        self.verified_signature.as_ref()
    }
    pub fn set_signing_keys(&mut self, keys: SigningKeys) {
        self.keys = keys;
    }

    /// This message's diff (recomputed for a mutable message: it prunes the data).
    pub fn diff(&mut self) -> &Diff {
        if let Some(orig) = &self.orig_data {
            self.verified_signature = None;
            prune(&mut self.data);
            self.diff = diff_dicts(orig, &self.data).unwrap_or_default();
        }
        &self.diff
    }

    /// BLAKE2b-32 of the serialized message (recomputed for a mutable message).
    pub fn hash(&mut self) -> [u8; 32] {
        if self.is_mutable() {
            let s = self.serialize(true);
            self.hash = sodium::blake2b_n::<32>(None, &[&s]);
        }
        self.hash
    }

    /// Serialize; signs when signing keys are set and `enable_signing` (a kept verified signature
    /// is reused).
    pub fn serialize(&mut self, enable_signing: bool) -> Vec<u8> {
        self.diff();
        let diff = std::mem::take(&mut self.diff);
        let out = self.serialize_impl(&diff, enable_signing);
        self.diff = diff;
        out
    }

    fn serialize_impl(&self, diff: &Diff, enable_signing: bool) -> Vec<u8> {
        let mut out = vec![b'd'];
        let mut unknown = self.unknown.iter().peekable();
        let mut put_unknowns = |out: &mut Vec<u8>, until: &[u8]| {
            while let Some((k, v)) = unknown.next_if(|(k, _)| k.as_slice() < until) {
                put_bytes(out, k);
                out.extend_from_slice(v);
            }
        };
        put_bytes(&mut out, b"#");
        put_int(&mut out, self.seqno);
        put_unknowns(&mut out, b"&");
        put_bytes(&mut out, b"&");
        encode_dict(&mut out, &self.data);
        put_unknowns(&mut out, b"<");
        put_bytes(&mut out, b"<");
        out.push(b'l');
        for ((s, h), d) in &self.lagged {
            if *s <= self.seqno - self.lag || *s >= self.seqno {
                continue;
            }
            out.push(b'l');
            put_int(&mut out, *s);
            put_bytes(&mut out, h);
            encode_diff(&mut out, d);
            out.push(b'e');
        }
        out.push(b'e');
        put_unknowns(&mut out, b"=");
        put_bytes(&mut out, b"=");
        encode_diff(&mut out, diff);
        put_unknowns(&mut out, b"~");
        if let Some(sig) = &self.verified_signature {
            put_bytes(&mut out, b"~");
            put_bytes(&mut out, sig);
        } else if let (Some(sk), true) = (&self.keys.sign, enable_signing) {
            let sig = sodium::ed25519_sign(sk, &out);
            put_bytes(&mut out, b"~");
            put_bytes(&mut out, &sig);
        }
        out.push(b'e');
        out
    }
}

#[cfg(test)]
#[path = "message_vectors.rs"]
mod tests;
