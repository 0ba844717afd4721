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
                let len: usize = std::str::from_utf8(&b[i..i + colon])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("bad string length"))?;
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

/// `{"#": nonce, "e": [ciphertexts…]}`, the multi-recipient "simple" container.
pub fn encode_multi_container(nonce: &[u8], cts: &[Vec<u8>]) -> Vec<u8> {
    encode(&dict([
        (b"#", bytes(nonce)),
        (b"e", Value::List(cts.iter().map(|c| bytes(c.clone())).collect())),
    ]))
}

pub fn decode_multi_container(encoded: &[u8]) -> Result<(Vec<u8>, Vec<Vec<u8>>)> {
    let v = decode(encoded)?;
    let d = as_dict(&v)?;
    let nonce = as_bytes(get(d, "#")?)?.to_vec();
    let cts = as_list(get(d, "e")?)?.iter().map(|c| as_bytes(c).map(<[u8]>::to_vec)).collect::<Result<_>>()?;
    Ok((nonce, cts))
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
}
