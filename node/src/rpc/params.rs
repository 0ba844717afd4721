//! Typed access to RPC `params` with the storage server's parse rules and error texts
//! (every failure becomes `400 invalid request: <text>`).

use crate::auth::{Auth, Subaccount};
use base64::Engine;
use serde_json::{Map, Value};
use session_sdk::identity::AccountId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

pub type PResult<T> = Result<T, ParseError>;

fn err<T>(msg: impl Into<String>) -> PResult<T> {
    Err(ParseError(msg.into()))
}

/// A namespace or `"all"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsOrAll {
    One(i16),
    All,
}

impl NsOrAll {
    /// The text signed for it: empty for 0, "all", else decimal.
    pub fn sig_text(self) -> String {
        match self {
            NsOrAll::All => "all".into(),
            NsOrAll::One(n) => session_sdk::wire::rpc::namespace_text(n),
        }
    }
    pub fn one(self) -> Option<i16> {
        match self {
            NsOrAll::One(n) => Some(n),
            NsOrAll::All => None,
        }
    }
}

/// Smallest accepted millisecond timestamp (values below are almost surely seconds).
const MIN_MS: u64 = 1_000_000_000;

pub struct Params<'a>(pub &'a Map<String, Value>);

impl<'a> Params<'a> {
    pub fn has(&self, name: &str) -> bool {
        self.0.get(name).is_some_and(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> PResult<Option<&'a str>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => err(format!("Invalid value given for '{name}': expected string")),
        }
    }

    pub fn req_str(&self, name: &str) -> PResult<&'a str> {
        self.str(name)?.map_or_else(|| err(format!("Required field '{name}' missing")), Ok)
    }

    pub fn bool(&self, name: &str) -> PResult<Option<bool>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => err(format!("Invalid value given for '{name}': expected boolean")),
        }
    }

    pub fn u64(&self, name: &str) -> PResult<Option<u64>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).map_or_else(|| err(format!("Invalid value given for '{name}': expected unsigned integer")), Ok),
        }
    }

    pub fn i64(&self, name: &str) -> PResult<Option<i64>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).map_or_else(|| err(format!("Invalid value given for '{name}': expected integer")), Ok),
        }
    }

    fn check_ms(name: &str, v: u64) -> PResult<u64> {
        if v < MIN_MS {
            return err(format!("Invalid timestamp for '{name}': timestamp must be in milliseconds"));
        }
        Ok(v)
    }

    /// A millisecond timestamp.
    pub fn timestamp(&self, name: &str) -> PResult<Option<u64>> {
        match self.u64(name)? {
            None => Ok(None),
            Some(v) => Self::check_ms(name, v).map(Some),
        }
    }

    pub fn req_timestamp(&self, name: &str) -> PResult<u64> {
        self.timestamp(name)?.map_or_else(|| err(format!("Required field '{name}' missing")), Ok)
    }

    /// An integer that may also be given as a decimal string (store's `timestamp`/`ttl`).
    pub fn stringified_u64(&self, name: &str) -> PResult<Option<u64>> {
        match self.0.get(name) {
            Some(Value::String(s)) => s
                .parse::<u64>()
                .map(Some)
                .map_err(|_| ParseError(format!("Invalid value given for '{name}': {}", Value::String(s.clone())))),
            _ => self.u64(name),
        }
    }

    /// A namespace (int16), default 0.
    pub fn namespace(&self, name: &str) -> PResult<i16> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => match v.as_i64() {
                Some(n) => i16::try_from(n).map_err(|_| ParseError(format!("Invalid value given for '{name}': value out of range"))),
                None => err(format!("Invalid value given for '{name}': expected integer")),
            },
        }
    }

    /// A namespace or "all", default 0.
    pub fn namespace_or_all(&self, name: &str) -> PResult<NsOrAll> {
        match self.0.get(name) {
            Some(Value::String(s)) if s == "all" => Ok(NsOrAll::All),
            Some(Value::String(_)) => err(format!("Invalid value given for '{name}': expected integer or \"all\"")),
            _ => self.namespace(name).map(NsOrAll::One),
        }
    }

    /// A string or array of strings.
    pub fn str_list(&self, name: &str) -> PResult<Option<Vec<String>>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .map_or_else(|| err(format!("Invalid value given for '{name}': expected string array")), Ok),
            Some(_) => err(format!("Invalid value given for '{name}': expected string array")),
        }
    }

    /// A millisecond timestamp or array of them.
    pub fn timestamp_list(&self, name: &str) -> PResult<Option<Vec<u64>>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => {
                let mut out = Vec::with_capacity(a.len());
                for v in a {
                    let n = v.as_u64().ok_or_else(|| ParseError(format!("Invalid value given for '{name}': expected timestamp array")))?;
                    out.push(Self::check_ms(name, n)?);
                }
                Ok(Some(out))
            }
            Some(_) => self.timestamp(name).map(|t| t.map(|t| vec![t])),
        }
    }

    /// `pubkey` (or the alias `pubKey` when `alias`).
    pub fn pubkey(&self, alias: bool) -> PResult<AccountId> {
        let a = self.str("pubkey")?;
        let b = if alias { self.str("pubKey")? } else { None };
        let text = match (a, b) {
            (Some(_), Some(_)) => return err("Cannot specify both 'pubkey' and 'pubKey'"),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => return err("Required field 'pubkey' missing"),
        };
        AccountId::parse_any(text).map_err(|_| ParseError("Pubkey must be 66 hex digits (33 bytes) long".into()))
    }

    /// Message hashes (non-empty, each 43 base64 characters).
    pub fn hashes(&self, name: &str) -> PResult<Vec<String>> {
        let list = self.str_list(name)?.ok_or_else(|| ParseError(format!("Required field '{name}' missing")))?;
        if list.is_empty() {
            return err("messages does not contain any message hashes");
        }
        for h in &list {
            if !session_sdk::wire::message_hash::is_valid_hash(h) {
                return err(format!("invalid message hash: {h}"));
            }
        }
        Ok(list)
    }

    /// The request's authentication fields. `Ok(None)` when there is no `signature`.
    pub fn auth(&self, account: &AccountId) -> PResult<Option<Auth>> {
        let pk_ed = match self.str("pubkey_ed25519")? {
            None => None,
            Some(h) => {
                if account.as_bytes()[0] != 0x05 {
                    return err("pubkey_ed25519 is only permitted for 05[...] pubkeys");
                }
                let mut k = [0u8; 32];
                if h.len() != 64 {
                    return err("invalid pubkey_ed25519: expected 64 hex digits");
                }
                hex::decode_to_slice(h, &mut k).map_err(|_| ParseError("invalid pubkey_ed25519: value is not hex".into()))?;
                Some(k)
            }
        };
        let Some(sig) = self.str("signature")? else { return Ok(None) };
        let signature = decode_sig(sig).map_err(|e| ParseError(format!("invalid signature: {e}")))?;
        let subaccount = match (self.str("subaccount")?, self.str("subaccount_sig")?) {
            (None, None) => None,
            (Some(_), None) => return err("invalid subaccount: subaccount_sig is required when using subaccount"),
            (None, Some(_)) => return err("invalid subaccount: subaccount is required when using subaccount_sig"),
            (Some(tok), Some(tsig)) => {
                let token = decode_token(tok)
                    .ok_or_else(|| ParseError("invalid subaccount: expected base64 or hex-encoded subaccount token".into()))?;
                let signature = decode_sig(tsig).map_err(|e| ParseError(format!("invalid subaccount signature: {e}")))?;
                Some(Subaccount { token, signature })
            }
        };
        Ok(Some(Auth { pubkey_ed25519: pk_ed, signature, subaccount }))
    }
}

/// Decode a base64 Ed25519 signature (86 chars unpadded or 88 padded).
pub fn decode_sig(s: &str) -> Result<[u8; 64], &'static str> {
    let bytes = decode_b64(s).ok_or("expected base64 encoded Ed25519 signature")?;
    bytes.try_into().map_err(|_| "expected 64-byte Ed25519 signature")
}

/// Standard base64 with or without padding.
pub fn decode_b64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    if s.ends_with('=') {
        STANDARD.decode(s).ok()
    } else {
        STANDARD_NO_PAD.decode(s).ok()
    }
}

/// A subaccount token: 48 base64 characters or 72 hex digits → 36 bytes.
pub fn decode_token(s: &str) -> Option<[u8; 36]> {
    let bytes = if s.len() == 72 { hex::decode(s).ok()? } else { decode_b64(s)? };
    bytes.try_into().ok()
}
