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
    dec.take(max_size as u64 + 1).read_to_end(&mut out).map_err(|e| Error::malformed(format!("invalid zstd data: {e}")))?;
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
    //! Literal vectors from libsession-util tests/test_configdata.cpp (serialization, hashes,
    //! signature, merge examples 1–4) and tests/test_encrypt.cpp (padding sizes).
    use super::*;

    fn hx(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }
    fn int(i: i64) -> ConfigValue {
        ConfigValue::int(i)
    }
    fn st(s: &str) -> ConfigValue {
        ConfigValue::bytes(s.as_bytes())
    }
    fn set(items: Vec<Scalar>) -> ConfigValue {
        ConfigValue::Set(items.into_iter().collect())
    }
    fn dict(items: Vec<(&str, ConfigValue)>) -> ConfigValue {
        ConfigValue::Dict(d(items))
    }
    fn d(items: Vec<(&str, ConfigValue)>) -> Dict {
        items.into_iter().map(|(k, v)| (k.as_bytes().to_vec(), v)).collect()
    }
    /// Autovivifying nested dict access, like libsession's `d(m.data()["x"])`.
    fn sub<'a>(m: &'a mut Dict, key: &str) -> &'a mut Dict {
        match m.entry(key.as_bytes().to_vec()).or_insert_with(|| ConfigValue::Dict(Dict::new())) {
            ConfigValue::Dict(x) => x,
            _ => panic!("not a dict"),
        }
    }
    fn subset<'a>(m: &'a mut Dict, key: &str) -> &'a mut Set {
        match m.entry(key.as_bytes().to_vec()).or_insert_with(|| ConfigValue::Set(Set::new())) {
            ConfigValue::Set(x) => x,
            _ => panic!("not a set"),
        }
    }
    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }
    fn b2b(x: &[u8]) -> Vec<u8> {
        sodium::blake2b_n::<32>(None, &[x]).to_vec()
    }
    fn none() -> SigningKeys {
        SigningKeys::none()
    }
    fn parse(b: &[u8]) -> ConfigMessage {
        ConfigMessage::parse(b, &none(), DEFAULT_DIFF_LAGS, false).unwrap()
    }
    fn merge_of(confs: &[&[u8]]) -> ConfigMessage {
        ConfigMessage::merge(confs, &none(), DEFAULT_DIFF_LAGS, false, |_, e| panic!("{e}")).unwrap()
    }
    fn mutable_of(conf: &[u8]) -> ConfigMessage {
        ConfigMessage::merge(&[conf], &none(), DEFAULT_DIFF_LAGS, true, |_, e| panic!("{e}")).unwrap()
    }

    #[test]
    fn encodings_and_pruning() {
        let mut out = vec![];
        let dd = d(vec![
            ("a", int(23)),
            ("B", st("x")),
            ("c", set(vec!["2".into(), "1".into(), 4.into(), (-3).into()])),
            ("D", dict(vec![("x", int(1)), ("y", int(2))])),
            ("d", dict(vec![("e", dict(vec![("f", dict(vec![("g", st(""))]))]))])),
        ]);
        encode_dict(&mut out, &dd);
        assert_eq!(out, b"d1:B1:x1:Dd1:xi1e1:yi2ee1:ai23e1:cli-3ei4e1:11:2e1:dd1:ed1:fd1:g0:eeee");
        let mut p = d(vec![
            ("a", int(123)),
            ("b", dict(vec![])),
            ("e", set(vec![])),
            ("f", dict(vec![("a", int(1)), ("b", set(vec![]))])),
            ("g", dict(vec![("a", dict(vec![("a", dict(vec![("a", dict(vec![]))]))]))])),
        ]);
        assert!(prune(&mut p));
        assert_eq!(p, d(vec![("a", int(123)), ("f", dict(vec![("a", int(1))]))]));
    }

    #[test]
    fn padding_sizes_match_libsession() {
        let kib = 1024;
        for (s, o, want) in [
            (1, 0, 256),
            (1, 10, 246),
            (246, 10, 246),
            (247, 10, 502),
            (247, 256, 256),
            (3839, 96, 4000),
            (3744, 96, 3744),
            (3745, 96, 4000),
            (4864, 0, 4864),
            (4865, 0, 5 * kib),
            (5 * kib + 1, 0, 6 * kib),
            (9 * kib, 0, 9 * kib),
            (9 * kib + 1, 0, 10 * kib),
            (10 * kib + 1, 0, 11 * kib),
            (20 * kib, 0, 20 * kib),
            (20 * kib + 1, 0, 22 * kib),
            (38 * kib, 0, 38 * kib),
            (38 * kib + 1, 0, 40 * kib),
            (40 * kib + 1, 0, 45 * kib),
            (45 * kib + 1, 0, 50 * kib),
            (70 * kib, 0, 70 * kib),
            (70 * kib + 1, 0, 75 * kib),
            (75 * kib, 0, 75 * kib),
            (75 * kib - 24, 24, 75 * kib - 24),
        ] {
            assert_eq!(padded_size(s, o), want, "padded_size({s}, {o})");
        }
    }

    fn serialization_base() -> ConfigMessage {
        let mut m = ConfigMessage::new_mutable(10, 5, none());
        let data = m.data_mut();
        data.insert(b"foo".to_vec(), int(123));
        data.insert(
            b"bar".to_vec(),
            dict(vec![("asdf", int(123)), ("xyz", st("abc")), ("", set(vec!["a".into(), "b".into(), 42.into()]))]),
        );
        m
    }

    const M10: &[u8] =
        b"d1:#i10e1:&d3:bard0:li42e1:a1:be4:asdfi123e3:xyz3:abce3:fooi123ee1:<le1:=d3:bard0:lli42e1:a1:belee4:asdf0:3:xyz0:e3:foo0:ee";

    #[test]
    fn serialization_and_hashes() {
        let mut m = serialization_base();
        assert_eq!(m.serialize(true), M10);
        let hash0 = hx("d65738bba88b0f3455cef20fe09a7b4b10f25f9db82be24a6ce1bd06da197526");
        assert_eq!(m.hash().to_vec(), hash0);

        let mut m1 = m.increment();
        m1.data_mut().remove(&b"foo"[..]);
        let hash1 = hx("5b30b4abf4cba71db25dbc0d977cc25df1d0a8a87cad7f561cdec2b8caf65f5e");
        assert_eq!(m1.hash().to_vec(), hash1);

        let mut m2 = m1.increment();
        {
            let data = m2.data_mut();
            data.insert(b"foo".to_vec(), int(123));
            let bar = sub(data, "bar");
            bar.insert(b"xyz".to_vec(), int(42));
            bar.insert(b"a".to_vec(), int(42));
            let s = subset(bar, "");
            s.insert("c".into());
            s.insert(99.into());
            s.remove(&Scalar::from("b"));
            s.insert(42.into());
        }
        let hash2 = hx("027552203cf669070d3ecbeecfa65c65497d59aa4da490e0f68f8131ce081320");
        assert_eq!(m2.hash().to_vec(), hash2);
        let want2 = cat(&[
            b"d1:#i12e1:&d3:bard0:li42ei99e1:a1:ce1:ai42e4:asdfi123e3:xyzi42ee3:fooi123ee1:<ll",
            b"i10e32:",
            &hash0,
            b"d3:bard0:lli42e1:a1:belee4:asdf0:3:xyz0:e3:foo0:eel",
            b"i11e32:",
            &hash1,
            b"d3:foo1:-eee1:=d3:bard0:lli99e1:cel1:bee1:a0:3:xyz0:e3:foo0:ee",
        ]);
        assert_eq!(String::from_utf8_lossy(&m2.serialize(true)), String::from_utf8_lossy(&want2));

        let hash3 = hx("b83871ea06587f9254cdf2b2af8daff19bd7fb550fb90d5f8f9f546464c08bc5");
        let hash4 = hx("c30e2cfa7ec93c64a1ab6420c9bccfb63da8e4c2940ed6509ffb64f3f0131860");
        let hash5 = hx("3234eb7da8cf4b79b9eec2a144247279d10f6f118184f82429a42c5996bea60c");
        assert_eq!(m2.increment().hash().to_vec(), hash3);
        assert_eq!(m2.increment().increment().hash().to_vec(), hash4);
        let mut m5 = m2.increment().increment().increment();
        assert_eq!(m5.hash().to_vec(), hash5);
        let want5 = cat(&[
            b"d1:#i15e1:&d3:bard0:li42ei99e1:a1:ce1:ai42e4:asdfi123e3:xyzi42ee3:fooi123ee1:<l",
            b"li11e32:",
            &hash1,
            b"d3:foo1:-ee",
            b"li12e32:",
            &hash2,
            b"d3:bard0:lli99e1:cel1:bee1:a0:3:xyz0:e3:foo0:ee",
            b"li13e32:",
            &hash3,
            b"dee",
            b"li14e32:",
            &hash4,
            b"dee",
            b"e1:=dee",
        ]);
        assert_eq!(m5.serialize(true), want5);
    }

    #[test]
    fn signature_vector_and_rejections() {
        let sk: [u8; 64] = hx("79f530dbf3d81aecc04072933c1b3e3edc0b7d91f2dcc2f7756f2611886cca5f4384261cdd338f5820ca9cbbe3fc72ac8944ee60d3b795b797fbbf5597b09f17")
            .try_into()
            .unwrap();
        let keys = SigningKeys::admin(sk);
        let mut m = serialization_base();
        m.set_signing_keys(keys.clone());
        let signing_value = &M10[..M10.len() - 1];
        let expected_sig = hx("77267f4de7701ae348eba0ef73175281512ba3f1051cfed22dc3e31b9c6993302938863e09bc8b33638161071bd8dc397d5c1d3f674120d08fbb9c64dde2e907");
        let expected = cat(&[signing_value, b"1:~64:", &expected_sig, b"e"]);
        assert_eq!(m.serialize(true), expected);

        let verify = SigningKeys::verify_only(sk[32..].try_into().unwrap());
        let mut parsed = ConfigMessage::parse(&expected, &verify, 5, false).unwrap();
        assert!(parsed.verified_signature().is_some());
        assert_eq!(parsed.hash(), m.hash());
        assert_eq!(parsed.serialize(true), expected);

        let mut broken = expected.clone();
        let n = broken.len();
        assert_eq!(broken[n - 2], 0x07);
        broken[n - 2] = 0x17;
        assert_eq!(ConfigMessage::parse(&broken, &verify, 5, false).unwrap_err().kind(), ErrorKind::BadSignature);
        assert!(ConfigMessage::merge(&[&broken, &broken], &verify, 5, false, |_, _| {}).is_err());
        let mut errors = 0;
        let mut m2 = ConfigMessage::merge(&[&broken, &expected], &keys, 5, false, |_, _| errors += 1).unwrap();
        assert_eq!(errors, 1);
        assert!(!m2.merged());
        assert_eq!(m2.seqno(), 10);
        assert_eq!(m2.hash(), m.hash());
        // Unsigned (or signed by someone else) with a verifier: rejected.
        let unsigned = [signing_value, b"e"].concat();
        assert_eq!(ConfigMessage::parse(&unsigned, &verify, 5, false).unwrap_err().kind(), ErrorKind::BadSignature);
        let mut forged = serialization_base();
        forged.set_signing_keys(SigningKeys::admin(sodium::ed25519_seed_keypair(&[9; 32]).1));
        let forged = forged.serialize(true);
        assert_eq!(ConfigMessage::parse(&forged, &verify, 5, false).unwrap_err().kind(), ErrorKind::BadSignature);
        // Without a verifier the unsigned one parses.
        assert!(ConfigMessage::parse(&unsigned, &none(), 5, false).is_ok());
    }

    fn data118() -> Dict {
        d(vec![
            ("dictB", dict(vec![("changed", int(-1)), ("foo", int(123)), ("removed", st("x")), ("removed2", st("y"))])),
            ("dictC", dict(vec![("x", dict(vec![("y", int(1))]))])),
            ("good", set(vec![99.into(), 456.into(), "bar".into()])),
            ("great", set(vec![(-42).into(), "omg".into()])),
            ("int0", int(-9999)),
            ("int1", int(100)),
            ("string1", st("hello")),
            ("string2", st("goodbye")),
        ])
    }
    const H119: &str = "43094f68c1faa37eff79e1c2f3973ffd5f9d6423b00ccda306fc6e7dac5f0c44";
    const H120: &str = "e3a237f91014d31e4d30569c4a8bfcd72157804f99b8732c611c48bf126432b5";
    const H121: &str = "1a7f602055124deaf21175ef3f32983dee7c9de570e5d9c9a0bbc2db71dcb97f";
    const H122: &str = "46560604fe352101bb869435260d7100ccfe007be5f741c7e96303f02f394e8a";
    const H123: &str = "d9398c597b058ac7e28e3febb76ed68eb8c5b6c369610562ab5f2b596775d73c";
    const H124: &str = "8b73f316178765b9b3b37168e865c84bb5a78610cbb59b84d0fa4d3b4b3c102b";
    const H125A: &str = "80f229c3667de6d0fa6f96b53118e097fbda82db3ca1aea221a3db91ea9c45fb";
    const H125B: &str = "ab12f0efe9a9ed00db6b17b44ae0ff36b9f49094077fb114f415522f2a0e98de";
    const DATA123: &[u8] = b"1:&d5:dictBd7:changedi-1e3:fooi123e7:removed1:x8:removed21:ye5:dictCd1:xd1:yi1eee4:goodli99ei456e3:bare5:greatli-42e3:omge4:int1i1e4:int2i2e7:string15:hello7:string27:goodbyee";
    const DATA124: &[u8] = b"1:&d5:dictAd7:goodbyeli123ei456ee5:helloi123ee5:dictBd5:addedi9999e7:changedi1e3:fooi123e6:nestedd1:ai1eee4:goodli99ei123e3:Foo3:bare4:int1i42e4:int2i2e7:string25:hello7:string33:omge";
    const DIFF124: &[u8] = b"d5:dictAd7:goodbyelli123ei456eelee5:hello0:e5:dictBd5:added0:7:changed0:6:nestedd1:a0:e7:removed1:-8:removed21:-e5:dictCd1:xd1:y1:-ee4:goodlli123e3:Fooeli456eee5:greatlleli-42e3:omgee4:int10:7:string11:-7:string20:7:string30:e";

    fn lag(seq: u32, h: &str, diff: &[u8]) -> Vec<u8> {
        cat(&[b"li", seq.to_string().as_bytes(), b"e32:", &hx(h), diff, b"e"])
    }

    fn m123_expected() -> Vec<u8> {
        cat(&[
            b"d1:#i123e",
            DATA123,
            b"1:<l",
            &lag(119, H119, b"de"),
            &lag(120, H120, b"de"),
            &lag(121, H121, b"de"),
            &lag(122, H122, b"de"),
            b"e1:=d4:int01:-4:int10:4:int20:ee",
        ])
    }

    #[test]
    fn example_1_ordinary_update() {
        let mut m118 = ConfigMessage::new_mutable(118, 5, none());
        *m118.data_mut() = data118();
        let want = cat(&[
            b"d1:#i118e1:&d5:dictBd7:changedi-1e3:fooi123e7:removed1:x8:removed21:ye5:dictCd1:xd1:yi1eee4:goodli99ei456e3:bare5:greatli-42e3:omge4:int0i-9999e4:int1i100e7:string15:hello7:string27:goodbyee",
            b"1:<le1:=d5:dictBd7:changed0:3:foo0:7:removed0:8:removed20:e5:dictCd1:xd1:y0:ee4:goodlli99ei456e3:barelee5:greatlli-42e3:omgelee4:int00:4:int10:7:string10:7:string20:ee",
        ]);
        assert_eq!(m118.serialize(true), want);
        assert_eq!(m118.hash().to_vec(), b2b(&want));
        let mut m = m118.increment();
        for (seq, h) in [(119, H119), (120, H120), (121, H121), (122, H122)] {
            assert_eq!(m.seqno(), seq);
            assert_eq!(hex::encode(m.hash()), h);
            m = m.increment();
        }
        let data = m.data_mut();
        data.insert(b"int1".to_vec(), int(1));
        data.insert(b"int2".to_vec(), int(2));
        data.remove(&b"int0"[..]);
        data.insert(b"string1".to_vec(), st("hello"));
        assert_eq!(m.serialize(true), m123_expected());
    }

    #[test]
    fn deserialization() {
        let exp = m123_expected();
        let mut m = parse(&exp);
        assert_eq!(m.seqno(), 123);
        assert_eq!(hex::encode(m.hash()), H123);
        let want_diff: Diff =
            [(b"int0".to_vec(), DiffValue::Removed), (b"int1".to_vec(), DiffValue::Assigned), (b"int2".to_vec(), DiffValue::Assigned)]
                .into_iter()
                .collect();
        assert_eq!(m.diff(), &want_diff);
        assert!(m.verified_signature().is_none());
        let mut data = data118();
        data.insert(b"int1".to_vec(), int(1));
        data.remove(&b"int0"[..]);
        data.insert(b"int2".to_vec(), int(2));
        assert_eq!(m.data(), &data);

        let mut mu = mutable_of(&exp);
        assert_eq!(mu.seqno(), 124);
        assert_eq!(hex::encode(mu.hash()), "3ea36410cf7086ce816eb193b0c94e88632abfb75771d82f8ddb3a909124c580");
        assert!(mu.diff().is_empty());
        assert!(!mu.merged());
        let want = cat(&[
            b"d1:#i124e",
            DATA123,
            b"1:<l",
            &lag(120, H120, b"de"),
            &lag(121, H121, b"de"),
            &lag(122, H122, b"de"),
            &lag(123, H123, b"d4:int01:-4:int10:4:int20:e"),
            b"e1:=dee",
        ]);
        assert_eq!(mu.serialize(true), want);
    }

    #[test]
    fn hostile_and_invalid_messages() {
        for bad in [
            &b"d1:#i0e1:&d0:leee1:<le1:=dee"[..],
            b"d1:#i0e1:&d0:lee1:<le1:=dee",
            b"d1:#i0e1:&d0:deee",
            b"d1:&de1:#i0ee",
            b"d1:#i0ee",
            b"d1:#i5e1:&de1:<lli5e32:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaadeee1:=dee",
            b"d1:#i5e1:&de1:<lli4e3:abcdeee1:=dee",
            b"d1:#i0e1:&de1:=d1:ai1eee",
            b"d1:#i0e1:&de1:=d1:a1:xee",
            b"d1:#i0e1:&d1:ali2ei1eeee",
            b"d1:#i0e1:&de1:~1:x1:\x7fi1ee",
            b"",
            b"le",
            b"d1:#i0e1:&de",
        ] {
            assert!(ConfigMessage::parse(bad, &none(), 5, false).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let deep = [&b"d1:#i0e1:&"[..], &b"d1:a".repeat(100), &b"i1e"[..], &b"e".repeat(100), b"e"].concat();
        assert!(ConfigMessage::parse(&deep, &none(), 5, false).is_err());
        // Unknown keys survive a round trip.
        let with_unknown = b"d1:#i3e1:$3:abc1:&d1:ai1ee1:<le1:=de1:}i7ee";
        let mut m = parse(with_unknown);
        assert_eq!(m.serialize(true), with_unknown);
    }

    fn updates_124(m: &mut Dict) {
        m.insert(b"dictA".to_vec(), dict(vec![("hello", int(123)), ("goodbye", set(vec![123.into(), 456.into()]))]));
        let b = sub(m, "dictB");
        b.insert(b"changed".to_vec(), int(1));
        b.insert(b"added".to_vec(), int(9999));
        b.insert(b"nested".to_vec(), dict(vec![("a", int(1))]));
        b.remove(&b"removed"[..]);
        b.remove(&b"removed2"[..]);
        m.remove(&b"dictC"[..]);
        let g = subset(m, "good");
        g.insert("Foo".into());
        g.remove(&Scalar::Int(456));
        g.insert(123.into());
        m.insert(b"int1".to_vec(), int(42));
        m.remove(&b"string1"[..]);
        m.insert(b"string2".to_vec(), st("hello"));
        m.insert(b"string3".to_vec(), st("omg"));
        m.remove(&b"great"[..]);
    }

    #[test]
    fn example_2_large_update() {
        let exp = m123_expected();
        let mut m = mutable_of(&exp);
        assert_eq!(m.seqno(), 124);
        updates_124(m.data_mut());
        let want = cat(&[
            b"d1:#i124e",
            DATA124,
            b"1:<l",
            &lag(120, H120, b"de"),
            &lag(121, H121, b"de"),
            &lag(122, H122, b"de"),
            &lag(123, &hex::encode(b2b(&exp)), b"d4:int01:-4:int10:4:int20:e"),
            b"e1:=",
            DIFF124,
            b"e",
        ]);
        assert_eq!(String::from_utf8_lossy(&m.serialize(true)), String::from_utf8_lossy(&want));
        assert_eq!(hex::encode(m.hash()), H124);
    }

    fn m126_expected() -> Vec<u8> {
        cat(&[
            b"d1:#i126e1:&d5:dictAd7:goodbyeli123ei456ee5:helloi123ee5:dictBd5:addedi9999e7:changedi1e6:nestedd1:ai1eee4:goodli99ei123e3:Foo3:bare4:int1i5e4:int2i2e7:string25:hello7:string33:omge",
            b"1:<l",
            &lag(122, H122, b"de"),
            &lag(123, H123, b"d4:int01:-4:int10:4:int20:e"),
            &lag(124, H124, DIFF124),
            &lag(125, H125A, b"d5:dictBd3:foo1:-ee"),
            &lag(125, H125B, b"d4:int10:e"),
            b"e1:=dee",
        ])
    }

    #[test]
    fn example_3_simple_conflict() {
        let exp = m123_expected();
        let mut m124 = mutable_of(&exp);
        updates_124(m124.data_mut());
        assert_eq!(hex::encode(m124.hash()), H124);
        let mut a = m124.increment();
        sub(a.data_mut(), "dictB").remove(&b"foo"[..]);
        let mut b = m124.increment();
        b.data_mut().insert(b"int1".to_vec(), int(5));
        assert_eq!(hex::encode(a.hash()), H125A);
        assert_eq!(hex::encode(b.hash()), H125B);
        let (sa, sb, s124) = (a.serialize(true), b.serialize(true), m124.serialize(true));
        let mut m = merge_of(&[&sa, &sb]);
        assert!(m.merged());
        assert_eq!(m.seqno(), 126);
        let want = m126_expected();
        assert_eq!(String::from_utf8_lossy(&m.serialize(true)), String::from_utf8_lossy(&want));
        assert_eq!(merge_of(&[&sb, &sa]).serialize(true), want);
        assert_eq!(merge_of(&[&s124, &sb, &sa]).serialize(true), want);
        assert_eq!(merge_of(&[&sb, &sa, &s124]).serialize(true), want);
        let mut m120b = ConfigMessage::new_mutable(118, 5, none()).increment().increment();
        m120b.data_mut().insert(b"too old".to_vec(), st("won't see"));
        let s120b = m120b.serialize(true);
        assert_eq!(merge_of(&[&sb, &s120b, &sa]).serialize(true), want);
    }

    #[test]
    fn example_4_complex_conflict() {
        let m123 = parse(&m123_expected());
        let mut m124a = m123.increment();
        let b = sub(m124a.data_mut(), "dictB");
        b.insert(b"foo".to_vec(), int(66));
        b.insert(b"answer".to_vec(), int(42));
        let mut m124b = m123.increment();
        updates_124(m124b.data_mut());
        assert_eq!(hex::encode(m124b.hash()), H124);
        let mut m125a = m124b.increment();
        sub(m125a.data_mut(), "dictB").remove(&b"foo"[..]);
        let mut m125b = m124b.increment();
        m125b.data_mut().insert(b"int1".to_vec(), int(5));
        let (s125a, s125b, s124a) = (m125a.serialize(true), m125b.serialize(true), m124a.serialize(true));
        let mut m126a = merge_of(&[&s125a, &s125b]);
        let mut m120b = ConfigMessage::new_mutable(118, 5, none()).increment().increment();
        m120b.data_mut().insert(b"too old".to_vec(), st("won't see"));
        let s120b = m120b.serialize(true);
        let s123 = m123_expected();
        let mut m126b = merge_of(&[&s125b, &s124a, &s125a, &s123, &s120b]);
        assert!(m124a.hash() < m124b.hash());
        let (h126a, h126b) = (m126a.hash(), m126b.hash());
        assert!(h126a < h126b);
        let (s126a, s126b) = (m126a.serialize(true), m126b.serialize(true));
        let mut m127 = ConfigMessage::merge(&[&s126a, &s126b], &none(), 5, true, |_, e| panic!("{e}")).unwrap();
        subset(sub(m127.data_mut(), "dictA"), "goodbye").insert(789.into());
        assert_eq!(m127.seqno(), 127);
        let want = cat(&[
            b"d1:#i127e1:&d5:dictAd7:goodbyeli123ei456ei789ee5:helloi123ee5:dictBd5:addedi9999e6:answeri42e7:changedi1e6:nestedd1:ai1eee4:goodli99ei123e3:Foo3:bare4:int1i5e4:int2i2e7:string25:hello7:string33:omge",
            b"1:<l",
            &lag(123, H123, b"d4:int01:-4:int10:4:int20:e"),
            &lag(124, &hex::encode(m124a.hash()), b"d5:dictBd6:answer0:3:foo0:ee"),
            &lag(124, H124, DIFF124),
            &lag(125, H125A, b"d5:dictBd3:foo1:-ee"),
            &lag(125, H125B, b"d4:int10:e"),
            &lag(126, &hex::encode(h126a), b"de"),
            &lag(126, &hex::encode(h126b), b"de"),
            b"e1:=d5:dictAd7:goodbyelli789eeleeeee",
        ]);
        let s127 = m127.serialize(true);
        assert_eq!(String::from_utf8_lossy(&s127), String::from_utf8_lossy(&want));
        let mut alt = merge_of(&[&s127, &s125a, &s126b]);
        assert_eq!(alt.seqno(), 127);
        assert_eq!(alt.hash(), m127.hash());
    }

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
    fn storage_encoding_compresses_pads_and_guards() {
        let key = [3u8; 32];
        let mut m = ConfigMessage::new_mutable(1, 5, none());
        m.data_mut().insert(b"big".to_vec(), ConfigValue::bytes(vec![b'a'; 4000]));
        let ser = m.serialize(true);
        let stored = encode_for_storage(&ser, &key, "Contacts", Some(1)).unwrap();
        assert_eq!(stored.len() % 256, 0);
        assert!(stored.len() < ser.len(), "compressed");
        assert_eq!(decode_from_storage(&stored, &[[0u8; 32], key], "Contacts").unwrap(), ser);
        let plain = encode_for_storage(b"d1:#i0e1:&de1:<le1:=dee", &key, "Contacts", None).unwrap();
        assert_eq!(plain.len(), 256);
        assert_eq!(decode_from_storage(&plain, &[[0u8; 32]], "Contacts").unwrap_err().kind(), ErrorKind::DecryptionFailed);
        // A zstd bomb: small compressed, huge decompressed → TooLarge, not an allocation.
        let bomb = zstd_compress(&vec![0u8; MAX_DECOMPRESSED_CONFIG + 10], 19).unwrap();
        assert!(bomb.len() < 70_000);
        let enc = config_encrypt::encrypt(&[&b"z"[..], &bomb].concat(), &key, b"Contacts").unwrap();
        assert_eq!(decode_from_storage(&enc, &[key], "Contacts").unwrap_err().kind(), ErrorKind::TooLarge);
        let junk = config_encrypt::encrypt(b"zgarbage", &key, b"Contacts").unwrap();
        assert!(decode_from_storage(&junk, &[key], "Contacts").is_err());
        let zeros = config_encrypt::encrypt(&[0u8; 10], &key, b"Contacts").unwrap();
        assert!(decode_from_storage(&zeros, &[key], "Contacts").is_err());
        // Over the size limit.
        let mut big = ConfigMessage::new_mutable(1, 5, none());
        let mut noise = vec![0u8; 90_000];
        sodium::random_bytes(&mut noise);
        big.data_mut().insert(b"n".to_vec(), ConfigValue::bytes(noise));
        assert_eq!(encode_for_storage(&big.serialize(true), &key, "Contacts", Some(1)).unwrap_err().kind(), ErrorKind::TooLarge);
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
