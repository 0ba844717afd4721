//! Bencode, through `serde_bencode`, with the guards network input needs (nesting depth, trailing
//! bytes) and the few Session shapes built on it.

use crate::error::{Error, Result};
pub use serde_bencode::value::Value;
use std::collections::HashMap;

/// Deepest nesting we accept from the network; Session's structures nest at most 4 levels.
const MAX_DEPTH: usize = 32;

/// Scan the structure without allocating: checks nesting depth and that exactly one value spans
/// the whole input, so the recursive decoder never sees hostile depth.
fn check_shape(b: &[u8]) -> Result<()> {
    let bad = |m: &str| Error::malformed(format!("invalid bencode: {m}"));
    let mut i = 0usize;
    let mut depth = 0usize;
    loop {
        let c = *b.get(i).ok_or_else(|| bad("truncated"))?;
        match c {
            b'l' | b'd' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(bad("nested too deeply"));
                }
                i += 1;
                continue;
            }
            b'e' => {
                if depth == 0 {
                    return Err(bad("unexpected end marker"));
                }
                depth -= 1;
                i += 1;
            }
            b'i' => {
                let end = b[i..].iter().position(|&x| x == b'e').ok_or_else(|| bad("unterminated integer"))?;
                i += end + 1;
            }
            b'0'..=b'9' => {
                let colon = b[i..].iter().position(|&x| x == b':').ok_or_else(|| bad("string without ':'"))?;
                let len: usize =
                    std::str::from_utf8(&b[i..i + colon]).ok().and_then(|s| s.parse().ok()).ok_or_else(|| bad("bad string length"))?;
                i = i
                    .checked_add(colon + 1)
                    .and_then(|x| x.checked_add(len))
                    .filter(|&x| x <= b.len())
                    .ok_or_else(|| bad("string runs past the end"))?;
            }
            _ => return Err(bad("unexpected byte")),
        }
        if depth == 0 {
            return if i == b.len() { Ok(()) } else { Err(bad("trailing bytes after the value")) };
        }
    }
}

/// Decode one bencoded value spanning all of `bytes`.
pub fn decode(bytes: &[u8]) -> Result<Value> {
    check_shape(bytes)?;
    serde_bencode::from_bytes(bytes).map_err(|e| Error::malformed(format!("invalid bencode: {e}")))
}

/// Encode a value (dictionary keys sorted, as bencode requires).
pub fn encode(v: &Value) -> Vec<u8> {
    serde_bencode::to_bytes(v).expect("encoding an in-memory bencode value cannot fail")
}

pub fn bytes(b: impl Into<Vec<u8>>) -> Value {
    Value::Bytes(b.into())
}

pub fn dict<const N: usize>(entries: [(&[u8], Value); N]) -> Value {
    Value::Dict(entries.into_iter().map(|(k, v)| (k.to_vec(), v)).collect::<HashMap<_, _>>())
}

pub fn as_dict(v: &Value) -> Result<&HashMap<Vec<u8>, Value>> {
    match v {
        Value::Dict(d) => Ok(d),
        _ => Err(Error::malformed("expected a bencoded dictionary")),
    }
}

pub fn as_list(v: &Value) -> Result<&Vec<Value>> {
    match v {
        Value::List(l) => Ok(l),
        _ => Err(Error::malformed("expected a bencoded list")),
    }
}

pub fn as_bytes(v: &Value) -> Result<&[u8]> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(Error::malformed("expected a bencoded byte string")),
    }
}

#[cfg(feature = "internals")]
pub fn as_int(v: &Value) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        _ => Err(Error::malformed("expected a bencoded integer")),
    }
}

/// A required key of a dictionary.
pub fn get<'a>(d: &'a HashMap<Vec<u8>, Value>, key: &str) -> Result<&'a Value> {
    d.get(key.as_bytes()).ok_or_else(|| Error::malformed(format!("missing key {key:?}")))
}

/// A bencoded list of byte strings (the onion v4 request/response framing).
pub fn encode_byte_list(items: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + items.iter().map(|i| i.len() + 12).sum::<usize>());
    out.push(b'l');
    for it in items {
        out.extend_from_slice(it.len().to_string().as_bytes());
        out.push(b':');
        out.extend_from_slice(it);
    }
    out.push(b'e');
    out
}

pub fn decode_byte_list(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let v = decode(bytes)?;
    as_list(&v)?.iter().map(|i| as_bytes(i).map(<[u8]>::to_vec)).collect()
}

// ---- order-preserving, zero-copy decoding (signed and canonical structures) -----------------

/// A bencoded value parsed in place: dictionary order and byte offsets are kept, so callers can
/// check canonical ordering and verify signatures over an exact prefix of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw<'a> {
    Int(i64),
    Bytes(&'a [u8]),
    List(Vec<Raw<'a>>),
    /// Entries in input order; [`decode_raw`] guarantees the keys are strictly ascending.
    Dict(Vec<RawEntry<'a>>),
}

/// One dictionary entry of a [`Raw`] dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry<'a> {
    pub key: &'a [u8],
    pub value: Raw<'a>,
    /// Offset, in the whole decoded input, of the first byte of this entry's key.
    pub key_offset: usize,
    /// The value's own encoded bytes.
    pub value_bytes: &'a [u8],
}

impl<'a> Raw<'a> {
    pub fn as_int(&self) -> Result<i64> {
        match self {
            Raw::Int(i) => Ok(*i),
            _ => Err(Error::malformed("expected a bencoded integer")),
        }
    }
    pub fn as_bytes(&self) -> Result<&'a [u8]> {
        match self {
            Raw::Bytes(b) => Ok(b),
            _ => Err(Error::malformed("expected a bencoded byte string")),
        }
    }
    pub fn as_list(&self) -> Result<&[Raw<'a>]> {
        match self {
            Raw::List(l) => Ok(l),
            _ => Err(Error::malformed("expected a bencoded list")),
        }
    }
    pub fn as_dict(&self) -> Result<&[RawEntry<'a>]> {
        match self {
            Raw::Dict(d) => Ok(d),
            _ => Err(Error::malformed("expected a bencoded dictionary")),
        }
    }
}

/// The entry with key `key` of a raw dictionary, if present.
pub fn raw_get<'d, 'a>(d: &'d [RawEntry<'a>], key: &[u8]) -> Option<&'d RawEntry<'a>> {
    d.binary_search_by(|e| e.key.cmp(key)).ok().map(|i| &d[i])
}

/// Decode one value spanning all of `bytes`, keeping order and offsets. Dictionary keys must be
/// strictly ascending (canonical bencode); nesting depth and trailing bytes are checked first.
pub fn decode_raw(bytes: &[u8]) -> Result<Raw<'_>> {
    check_shape(bytes)?;
    let (v, end) = raw_at(bytes, 0)?;
    if end != bytes.len() {
        return Err(Error::malformed("invalid bencode: trailing bytes after the value"));
    }
    Ok(v)
}

fn raw_at(b: &[u8], mut i: usize) -> Result<(Raw<'_>, usize)> {
    let bad = |m: &str| Error::malformed(format!("invalid bencode: {m}"));
    match *b.get(i).ok_or_else(|| bad("truncated"))? {
        b'i' => {
            let end = i + 1 + b[i + 1..].iter().position(|&x| x == b'e').ok_or_else(|| bad("unterminated integer"))?;
            let txt = std::str::from_utf8(&b[i + 1..end]).map_err(|_| bad("bad integer"))?;
            let digits = txt.strip_prefix('-').unwrap_or(txt);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad("bad integer"));
            }
            let v: i64 = txt.parse().map_err(|_| bad("integer out of range"))?;
            Ok((Raw::Int(v), end + 1))
        }
        b'0'..=b'9' => {
            let (s, end) = raw_str(b, i)?;
            Ok((Raw::Bytes(s), end))
        }
        b'l' => {
            i += 1;
            let mut items = Vec::new();
            while *b.get(i).ok_or_else(|| bad("truncated list"))? != b'e' {
                let (v, next) = raw_at(b, i)?;
                items.push(v);
                i = next;
            }
            Ok((Raw::List(items), i + 1))
        }
        b'd' => {
            i += 1;
            let mut entries: Vec<RawEntry<'_>> = Vec::new();
            while *b.get(i).ok_or_else(|| bad("truncated dictionary"))? != b'e' {
                let key_offset = i;
                let (key, vstart) = raw_str(b, i)?;
                if entries.last().is_some_and(|prev| prev.key >= key) {
                    return Err(bad("dictionary keys are not in ascending order"));
                }
                let (value, next) = raw_at(b, vstart)?;
                entries.push(RawEntry { key, value, key_offset, value_bytes: &b[vstart..next] });
                i = next;
            }
            Ok((Raw::Dict(entries), i + 1))
        }
        _ => Err(bad("unexpected byte")),
    }
}

fn raw_str(b: &[u8], i: usize) -> Result<(&[u8], usize)> {
    let bad = |m: &str| Error::malformed(format!("invalid bencode: {m}"));
    let colon = i + b.get(i..).unwrap_or(&[]).iter().position(|&x| x == b':').ok_or_else(|| bad("string without ':'"))?;
    let txt = std::str::from_utf8(&b[i..colon]).map_err(|_| bad("bad string length"))?;
    if txt.is_empty() || !txt.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad("bad string length"));
    }
    let len: usize = txt.parse().map_err(|_| bad("bad string length"))?;
    let end = colon.checked_add(1 + len).filter(|&e| e <= b.len()).ok_or_else(|| bad("string runs past the end"))?;
    Ok((&b[colon + 1..end], end))
}

/// Append `i<n>e`.
pub fn put_int(out: &mut Vec<u8>, n: i64) {
    out.push(b'i');
    out.extend_from_slice(n.to_string().as_bytes());
    out.push(b'e');
}

/// Append `<len>:<bytes>`.
pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(b);
}

/// Verify the trailing `"~"` signature of a signed dictionary (libsession/oxenc convention): `~`
/// must be the last key, its value a 64-byte Ed25519 signature over the encoding up to (not
/// including) the `1:~` key, under `pubkey`. Returns `Ok(None)` when the dictionary has no `~`.
pub fn verify_trailing_signature(encoded: &[u8], top: &[RawEntry<'_>], pubkey: &[u8; 32]) -> Result<Option<[u8; 64]>> {
    let Some(last) = top.last().filter(|e| e.key == b"~") else { return Ok(None) };
    let sig: [u8; 64] = last.value.as_bytes()?.try_into().map_err(|_| Error::bad_signature("signature (\"~\") is not 64 bytes"))?;
    if !crate::sodium::ed25519_verify(&sig, &encoded[..last.key_offset], pubkey) {
        return Err(Error::bad_signature("signature (\"~\") does not verify"));
    }
    Ok(Some(sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_input_is_an_error() {
        assert!(decode(&vec![b'l'; 100_000]).is_err());
        assert!(decode(b"li1ei2e").is_err());
        assert!(decode(b"li1eexx").is_err());
        assert!(decode(b"99999999999999999999:x").is_err());
        assert!(decode(b"5:ab").is_err());
        assert!(decode(b"").is_err());
        assert!(decode(b"e").is_err());
        assert_eq!(decode(b"l1:ai-3ee").unwrap(), Value::List(vec![bytes("a"), Value::Int(-3)]));
    }

    #[test]
    fn dict_keys_are_sorted() {
        let v = dict([(b"z", Value::Int(1)), (b"a", bytes("x"))]);
        assert_eq!(encode(&v), b"d1:a1:x1:zi1ee");
        assert_eq!(decode(&encode(&v)).unwrap(), v);
    }

    #[test]
    fn byte_list_framing() {
        let enc = encode_byte_list(&[b"{\"code\":200}", b"body"]);
        assert_eq!(enc, b"l12:{\"code\":200}4:bodye");
        assert_eq!(decode_byte_list(&enc).unwrap(), vec![b"{\"code\":200}".to_vec(), b"body".to_vec()]);
    }

    #[test]
    fn raw_decoding_keeps_order_offsets_and_rejects_unsorted_keys() {
        let enc = b"d1:ai1e1:bl2:xye1:~3:sige";
        let v = decode_raw(enc).unwrap();
        let d = v.as_dict().unwrap();
        assert_eq!(d.len(), 3);
        assert_eq!(d[2].key, b"~");
        assert_eq!(&enc[..d[2].key_offset], b"d1:ai1e1:bl2:xye");
        assert_eq!(d[1].value_bytes, b"l2:xye");
        assert_eq!(raw_get(d, b"a").unwrap().value, Raw::Int(1));
        assert!(decode_raw(b"d1:bi1e1:ai2ee").is_err());
        assert!(decode_raw(b"d1:ai1e1:ai2ee").is_err());
        assert!(decode_raw(b"i-e").is_err());
        assert!(decode_raw(b"i99999999999999999999e").is_err());
        assert!(decode_raw(b"d1:a").is_err());
        assert!(decode_raw(&vec![b'l'; 10_000]).is_err());
        let mut out = Vec::new();
        put_int(&mut out, -5);
        put_bytes(&mut out, b"ab");
        assert_eq!(out, b"i-5e2:ab");
    }
}
