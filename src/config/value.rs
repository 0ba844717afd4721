//! Config data and diffs (config-sync.md §2): the values a config holds (integers, strings,
//! sets, nested dicts), their bencoding, and the diffs that say which keys a message changed.
//! Byte-exact with libsession-util's `config::dict`/`set` encoding and `diff_impl`/`apply_diff`.

use crate::error::{Error, Result};
use crate::wire::bencode::{put_bytes, put_int, Raw, RawEntry};
use std::collections::{BTreeMap, BTreeSet};

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
pub(super) fn apply_diff(data: &mut Dict, diff: &Diff, source: &Dict) {
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

pub(super) fn parse_err(m: impl Into<String>) -> Error {
    Error::malformed(format!("invalid config message: {}", m.into()))
}

pub(super) fn raw_scalar(v: &Raw<'_>) -> Option<Scalar> {
    match v {
        Raw::Int(i) => Some(Scalar::Int(*i)),
        Raw::Bytes(b) => Some(Scalar::Bytes(b.to_vec())),
        _ => None,
    }
}

pub(super) fn parse_data(entries: &[RawEntry<'_>], top_level: bool) -> Result<Dict> {
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

pub(super) fn parse_diff(entries: &[RawEntry<'_>]) -> Result<Diff> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::*;

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
}
