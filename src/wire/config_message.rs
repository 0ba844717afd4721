//! Mergeable config messages (config-sync.md §2–3), byte-exact with libsession-util
//! `ConfigMessage`/`MutableConfigMessage` (src/config.cpp) and the push/merge state machine of
//! `ConfigBase` (src/config/base.cpp).
//!
//! A message is a bencoded dict `{"#": seqno, "&": data, "<": lagged diffs, "=": diff, "~": sig}`.
//! Diffs record *which* keys changed (values come from the message's data), so replaying every
//! distinct diff over the data of the best message converges: two replicas that exchange their
//! messages end with identical bytes.
//!
//! [`ConfigMessage`] is one message; [`Config`] is one config object as a client keeps it (data,
//! push state, hashes to delete, encryption keys, optional group signing keys).

use crate::crypto::{config_encrypt, sodium};
use crate::error::{Error, ErrorKind, Result};
use crate::wire::bencode::{self, put_bytes, put_int, raw_get, Raw, RawEntry};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

/// Storage server limit for one config message, after encryption.
pub const MAX_MESSAGE_SIZE: usize = 76_800;
/// How many previous diffs a message carries.
pub const DEFAULT_DIFF_LAGS: i64 = 5;
/// XChaCha20-Poly1305 tag + nonce appended by config encryption.
pub const ENCRYPT_OVERHEAD: usize = 40;
/// Upper bound on a decompressed config message (zstd bomb guard; libsession has none).
pub const MAX_DECOMPRESSED_CONFIG: usize = 8 * 1024 * 1024;

// ---- data model --------------------------------------------------------------------------------

/// A config scalar. Ordering (for sets) is libsession's: integers before strings, each natural.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scalar {
    Int(i64),
    Bytes(Vec<u8>),
}

impl From<i64> for Scalar {
    fn from(i: i64) -> Scalar {
        Scalar::Int(i)
    }
}
impl From<&str> for Scalar {
    fn from(s: &str) -> Scalar {
        Scalar::Bytes(s.as_bytes().to_vec())
    }
}
impl From<&[u8]> for Scalar {
    fn from(s: &[u8]) -> Scalar {
        Scalar::Bytes(s.to_vec())
    }
}

/// A set of scalars (bencoded as a sorted list).
pub type Set = BTreeSet<Scalar>;
/// A config dictionary (keys sorted bytewise, as bencode requires).
pub type Dict = BTreeMap<Vec<u8>, ConfigValue>;

/// A value in config data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigValue {
    Dict(Dict),
    Set(Set),
    Scalar(Scalar),
}

impl ConfigValue {
    fn type_index(&self) -> u8 {
        match self {
            ConfigValue::Dict(_) => 0,
            ConfigValue::Set(_) => 1,
            ConfigValue::Scalar(_) => 2,
        }
    }
    pub fn int(i: i64) -> ConfigValue {
        ConfigValue::Scalar(Scalar::Int(i))
    }
    pub fn bytes(b: impl Into<Vec<u8>>) -> ConfigValue {
        ConfigValue::Scalar(Scalar::Bytes(b.into()))
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            ConfigValue::Scalar(Scalar::Int(i)) => Some(*i),
            _ => None,
        }
    }
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            ConfigValue::Scalar(Scalar::Bytes(b)) => Some(b),
            _ => None,
        }
    }
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            ConfigValue::Dict(d) => Some(d),
            _ => None,
        }
    }
    pub fn as_set(&self) -> Option<&Set> {
        match self {
            ConfigValue::Set(s) => Some(s),
            _ => None,
        }
    }
}

/// One entry of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffValue {
    /// `""`: the scalar was set.
    Assigned,
    /// `"-"`: the scalar was removed.
    Removed,
    /// `[added, removed]` set elements.
    Set(Vec<Scalar>, Vec<Scalar>),
    /// Changes inside a sub-dict.
    Dict(Diff),
}

/// A diff: which keys changed.
pub type Diff = BTreeMap<Vec<u8>, DiffValue>;

fn put_scalar(out: &mut Vec<u8>, s: &Scalar) {
    match s {
        Scalar::Int(i) => put_int(out, *i),
        Scalar::Bytes(b) => put_bytes(out, b),
    }
}

/// Bencode config data (dicts sorted, sets as sorted lists).
pub fn encode_dict(out: &mut Vec<u8>, d: &Dict) {
    out.push(b'd');
    for (k, v) in d {
        put_bytes(out, k);
        match v {
            ConfigValue::Dict(sub) => encode_dict(out, sub),
            ConfigValue::Set(s) => {
                out.push(b'l');
                s.iter().for_each(|x| put_scalar(out, x));
                out.push(b'e');
            }
            ConfigValue::Scalar(s) => put_scalar(out, s),
        }
    }
    out.push(b'e');
}

/// Bencode a diff.
pub fn encode_diff(out: &mut Vec<u8>, d: &Diff) {
    out.push(b'd');
    for (k, v) in d {
        put_bytes(out, k);
        match v {
            DiffValue::Assigned => put_bytes(out, b""),
            DiffValue::Removed => put_bytes(out, b"-"),
            DiffValue::Set(added, removed) => {
                out.push(b'l');
                for list in [added, removed] {
                    out.push(b'l');
                    list.iter().for_each(|x| put_scalar(out, x));
                    out.push(b'e');
                }
                out.push(b'e');
            }
            DiffValue::Dict(sub) => encode_diff(out, sub),
        }
    }
    out.push(b'e');
}

/// Remove empty sets and (recursively) empty dicts. Returns whether anything was removed.
pub fn prune(d: &mut Dict) -> bool {
    fn prune_value(v: &mut ConfigValue) -> (bool, bool) {
        match v {
            ConfigValue::Dict(d) => {
                let removed = prune(d);
                (d.is_empty(), removed)
            }
            ConfigValue::Set(s) => (s.is_empty(), false),
            ConfigValue::Scalar(_) => (false, false),
        }
    }
    let mut removed_any = false;
    d.retain(|_, v| {
        let (rm, sub) = prune_value(v);
        removed_any |= rm || sub;
        !rm
    });
    removed_any
}

fn diff_sets(old: &Set, new: &Set) -> Option<DiffValue> {
    let added: Vec<Scalar> = new.difference(old).cloned().collect();
    let removed: Vec<Scalar> = old.difference(new).cloned().collect();
    if added.is_empty() && removed.is_empty() {
        None
    } else {
        Some(DiffValue::Set(added, removed))
    }
}

/// The diff turning `old` into `new` (libsession `diff_impl`), `None` if nothing changed.
pub fn diff_dicts(old: &Dict, new: &Dict) -> Option<Diff> {
    let empty_dict = Dict::new();
    let empty_set = Set::new();
    let as_new = |v: &ConfigValue| match v {
        ConfigValue::Dict(d) => DiffValue::Dict(diff_dicts(&empty_dict, d).unwrap_or_default()),
        ConfigValue::Set(s) => diff_sets(&empty_set, s).unwrap_or(DiffValue::Set(vec![], vec![])),
        ConfigValue::Scalar(_) => DiffValue::Assigned,
    };
    let mut df = Diff::new();
    for (k, o) in old {
        if !new.contains_key(k) {
            let v = match o {
                ConfigValue::Dict(d) => DiffValue::Dict(diff_dicts(d, &empty_dict).unwrap_or_default()),
                ConfigValue::Set(s) => diff_sets(s, &empty_set).unwrap_or(DiffValue::Set(vec![], vec![])),
                ConfigValue::Scalar(_) => DiffValue::Removed,
            };
            df.insert(k.clone(), v);
        }
    }
    for (k, n) in new {
        match old.get(k) {
            None => {
                df.insert(k.clone(), as_new(n));
            }
            Some(o) if o.type_index() != n.type_index() => {
                df.insert(k.clone(), as_new(n));
            }
            Some(ConfigValue::Scalar(a)) => {
                if ConfigValue::Scalar(a.clone()) != *n {
                    df.insert(k.clone(), DiffValue::Assigned);
                }
            }
            Some(ConfigValue::Dict(a)) => {
                if let Some(sub) = diff_dicts(a, n.as_dict().expect("same type")) {
                    df.insert(k.clone(), DiffValue::Dict(sub));
                }
            }
            Some(ConfigValue::Set(a)) => {
                if let Some(sub) = diff_sets(a, n.as_set().expect("same type")) {
                    df.insert(k.clone(), sub);
                }
            }
        }
    }
    if df.is_empty() {
        None
    } else {
        Some(df)
    }
}

/// Apply `diff` to `data`, taking values from `source` (libsession `apply_diff`). Does not prune.
fn apply_diff(data: &mut Dict, diff: &Diff, source: &Dict) {
    for (k, v) in diff {
        let src = source.get(k);
        let matches = match (v, src) {
            (_, None) => false,
            (DiffValue::Assigned | DiffValue::Removed, Some(s)) => matches!(s, ConfigValue::Scalar(_)),
            (DiffValue::Set(..), Some(s)) => matches!(s, ConfigValue::Set(_)),
            (DiffValue::Dict(_), Some(s)) => matches!(s, ConfigValue::Dict(_)),
        };
        if !matches {
            data.remove(k);
            continue;
        }
        let src = src.expect("matched");
        match v {
            DiffValue::Removed => {
                data.remove(k);
            }
            DiffValue::Assigned => {
                data.insert(k.clone(), src.clone());
            }
            DiffValue::Dict(sub) => {
                let slot = data.entry(k.clone()).or_insert_with(|| ConfigValue::Dict(Dict::new()));
                if !matches!(slot, ConfigValue::Dict(_)) {
                    *slot = ConfigValue::Dict(Dict::new());
                }
                if let (ConfigValue::Dict(d), ConfigValue::Dict(s)) = (slot, src) {
                    apply_diff(d, sub, s);
                }
            }
            DiffValue::Set(added, removed) => {
                let slot = data.entry(k.clone()).or_insert_with(|| ConfigValue::Set(Set::new()));
                if !matches!(slot, ConfigValue::Set(_)) {
                    *slot = ConfigValue::Set(Set::new());
                }
                if let ConfigValue::Set(s) = slot {
                    s.extend(added.iter().cloned());
                    for r in removed {
                        s.remove(r);
                    }
                }
            }
        }
    }
}

// ---- parsing -------------------------------------------------------------------------------------

fn parse_err(m: impl Into<String>) -> Error {
    Error::malformed(format!("invalid config message: {}", m.into()))
}

fn raw_scalar(v: &Raw<'_>) -> Option<Scalar> {
    match v {
        Raw::Int(i) => Some(Scalar::Int(*i)),
        Raw::Bytes(b) => Some(Scalar::Bytes(b.to_vec())),
        _ => None,
    }
}

fn parse_data(entries: &[RawEntry<'_>], top_level: bool) -> Result<Dict> {
    if !top_level && entries.is_empty() {
        return Err(parse_err("data contains an unpruned, empty dict"));
    }
    let mut d = Dict::new();
    for e in entries {
        let v = match &e.value {
            Raw::Int(i) => ConfigValue::int(*i),
            Raw::Bytes(b) => ConfigValue::bytes(*b),
            Raw::Dict(sub) => ConfigValue::Dict(parse_data(sub, false)?),
            Raw::List(items) => {
                if items.is_empty() {
                    return Err(parse_err("data contains an unpruned, empty set"));
                }
                let mut s = Set::new();
                let mut last: Option<Scalar> = None;
                for it in items {
                    let x = raw_scalar(it).ok_or_else(|| parse_err("data contains a set with a non-scalar value"))?;
                    if last.as_ref().is_some_and(|l| &x <= l) {
                        return Err(parse_err("data contains an unsorted set or duplicates"));
                    }
                    last = Some(x.clone());
                    s.insert(x);
                }
                ConfigValue::Set(s)
            }
        };
        d.insert(e.key.to_vec(), v);
    }
    Ok(d)
}

fn parse_diff(entries: &[RawEntry<'_>]) -> Result<Diff> {
    let mut d = Diff::new();
    for e in entries {
        let v = match &e.value {
            Raw::Bytes(b"") => DiffValue::Assigned,
            Raw::Bytes(b"-") => DiffValue::Removed,
            Raw::Bytes(_) => return Err(parse_err("diff contains a string other than \"\" or \"-\"")),
            Raw::Int(_) => return Err(parse_err("diff contains an integer")),
            Raw::Dict(sub) => DiffValue::Dict(parse_diff(sub)?),
            Raw::List(pair) => {
                if pair.len() != 2 {
                    return Err(parse_err("set diff must have 2 elements"));
                }
                let mut lists = Vec::with_capacity(2);
                for sub in pair {
                    let Raw::List(items) = sub else { return Err(parse_err("set diff must have 2 sub-lists")) };
                    let mut out: Vec<Scalar> = Vec::with_capacity(items.len());
                    for it in items {
                        let x = raw_scalar(it).ok_or_else(|| parse_err("set diff elements must be ints or strings"))?;
                        if out.last().is_some_and(|l| &x <= l) {
                            return Err(parse_err("set diff elements are unsorted"));
                        }
                        out.push(x);
                    }
                    lists.push(out);
                }
                let removed = lists.pop().expect("2");
                DiffValue::Set(lists.pop().expect("2"), removed)
            }
        };
        d.insert(e.key.to_vec(), v);
    }
    Ok(d)
}

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
            let sig: [u8; 64] = e
                .value
                .as_bytes()?
                .try_into()
                .map_err(|_| Error::bad_signature("config signature is not 64 bytes"))?;
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
            let redundant = (0..configs.len()).any(|j| {
                j != i && (configs[j].0.lagged.contains_key(&sh) || (j < i && (configs[j].0.seqno, configs[j].0.hash) == sh))
            });
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
            configs.sort_by(|a, b| (b.0.seqno, b.0.hash).cmp(&(a.0.seqno, a.0.hash)));
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
    pub fn verified_signature(&self) -> Option<&[u8; 64]> {
        self.verified_signature.as_ref()
    }
    pub fn signing_keys(&self) -> &SigningKeys {
        &self.keys
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

// ---- compression, padding, encryption -------------------------------------------------------

/// zstd-compress at `level`.
pub fn zstd_compress(data: &[u8], level: i32) -> Result<Vec<u8>> {
    zstd::bulk::compress(data, level).map_err(|e| Error::internal(format!("zstd compression failed: {e}")))
}

/// zstd-decompress, failing (`TooLarge`) past `max_size` bytes of output and (`Malformed`) on
/// invalid data, without allocating more than `max_size + 1` bytes.
pub fn zstd_decompress(data: &[u8], max_size: usize) -> Result<Vec<u8>> {
    let dec = zstd::stream::read::Decoder::with_buffer(data).map_err(|e| Error::malformed(format!("zstd: {e}")))?;
    let mut out = Vec::new();
    dec.take(max_size as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::malformed(format!("invalid zstd data: {e}")))?;
    if out.len() > max_size {
        return Err(Error::new(ErrorKind::TooLarge, format!("zstd data decompresses past {max_size} bytes")));
    }
    Ok(out)
}

/// The padded plaintext size (libsession `padded_size`): `len + overhead` rounded up to 256 below
/// 5120, 1024 below 20480, 2048 below 40960, else 5120; minus the overhead.
pub fn padded_size(len: usize, overhead: usize) -> usize {
    let s2 = len + overhead;
    let chunk = if s2 < 5120 {
        256
    } else if s2 < 20480 {
        1024
    } else if s2 < 40960 {
        2048
    } else {
        5120
    };
    s2.div_ceil(chunk) * chunk - overhead
}

/// Serialized message → what is stored: 'z'-compressed if shorter, zero-prefix padded, encrypted
/// with `key` under `domain` (config_encrypt).
pub fn encode_for_storage(serialized: &[u8], key: &[u8; 32], domain: &str, compression_level: Option<i32>) -> Result<Vec<u8>> {
    let mut msg = serialized.to_vec();
    if let Some(level) = compression_level.filter(|l| *l != 0) {
        let mut z = vec![b'z'];
        z.extend_from_slice(&zstd_compress(&msg, level)?);
        if z.len() < msg.len() {
            msg = z;
        }
    }
    let target = padded_size(msg.len(), ENCRYPT_OVERHEAD);
    if target > msg.len() {
        let mut padded = vec![0u8; target - msg.len()];
        padded.extend_from_slice(&msg);
        msg = padded;
    }
    let out = config_encrypt::encrypt(&msg, key, domain.as_bytes())?;
    if out.len() > MAX_MESSAGE_SIZE {
        return Err(Error::new(ErrorKind::TooLarge, format!("config message of {} bytes exceeds {MAX_MESSAGE_SIZE}", out.len())));
    }
    Ok(out)
}

/// Stored bytes → serialized message: decrypt with the first key that works, strip the zero
/// prefix, decompress a 'z' message. `DecryptionFailed` if no key opens it.
pub fn decode_from_storage(stored: &[u8], keys: &[[u8; 32]], domain: &str) -> Result<Vec<u8>> {
    let plain = keys
        .iter()
        .find_map(|k| config_encrypt::decrypt(stored, k, domain.as_bytes()).ok())
        .ok_or_else(|| Error::decryption_failed(format!("no known key decrypts this {domain} config message")))?;
    let start = plain.iter().position(|&b| b != 0).ok_or_else(|| Error::malformed("config message contains no data"))?;
    let body = &plain[start..];
    match body[0] {
        b'z' => {
            let d = zstd_decompress(&body[1..], MAX_DECOMPRESSED_CONFIG)?;
            if d.is_empty() {
                return Err(Error::malformed("compressed config message is empty"));
            }
            Ok(d)
        }
        b'm' => Err(Error::new(ErrorKind::Unsupported, "multi-part config messages are not supported")),
        _ => Ok(body.to_vec()),
    }
}

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

    pub fn domain(&self) -> &str {
        &self.domain
    }
    pub fn state(&self) -> ConfigState {
        self.state
    }
    pub fn seqno(&self) -> i64 {
        self.msg.seqno()
    }
    pub fn data(&self) -> &Dict {
        self.msg.data()
    }
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

    /// Replace the key list (group configs: [`crate::crypto::group_keys::GroupKeys::group_keys`]).
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
        Ok(all_hashes
            .into_iter()
            .enumerate()
            .skip(usize::from(mine))
            .filter(|(i, _)| !bad.contains(i))
            .map(|(_, h)| h)
            .collect())
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
//TESTS
}
