//! Onion request framing (no cryptography here): the `u32_le(len) ‖ ciphertext ‖ JSON` layer
//! and the bencoded v4 request/response framing used with HTTP servers (file server,
//! communities), as a client builds and reads them. The node's side (opening layers, routing)
//! is `onion_relay`.

use super::bencode;
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// Frame a layer: little-endian u32 length of `blob`, the blob, then the JSON control object.
pub fn encode_layer(blob: &[u8], json: &Value) -> Vec<u8> {
    let j = serde_json::to_vec(json).expect("serialising a JSON value cannot fail");
    let mut out = Vec::with_capacity(4 + blob.len() + j.len());
    out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
    out.extend_from_slice(blob);
    out.extend_from_slice(&j);
    out
}

// ---- v4 framing ------------------------------------------------------------------------------

/// A v4 request to an HTTP server, as the server sees it after decryption.
#[derive(Debug, Clone, PartialEq)]
pub struct V4Request {
    pub method: String,
    /// Path and query, beginning with `/`.
    pub endpoint: String,
    pub headers: Map<String, Value>,
    pub body: Option<Vec<u8>>,
}

impl V4Request {
    pub fn encode(&self) -> Vec<u8> {
        let meta = serde_json::json!({"method": self.method, "endpoint": self.endpoint, "headers": self.headers});
        let meta = serde_json::to_vec(&meta).expect("JSON");
        match &self.body {
            Some(b) => bencode::encode_byte_list(&[&meta, b]),
            None => bencode::encode_byte_list(&[&meta]),
        }
    }
}

/// A v4 response: status code, lower-case headers, body.
#[derive(Debug, Clone, PartialEq)]
pub struct V4Response {
    pub code: u16,
    pub headers: Map<String, Value>,
    pub body: Vec<u8>,
}

impl V4Response {
    pub fn decode(bytes: &[u8]) -> Result<V4Response> {
        let parts = bencode::decode_byte_list(bytes)?;
        if parts.len() != 2 {
            return Err(Error::malformed("a v4 response is a list of 2 strings"));
        }
        let meta: Value = serde_json::from_slice(&parts[0])?;
        let code = meta
            .get("code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .ok_or_else(|| Error::malformed("v4 response lacks a status code"))?;
        let headers = meta.get("headers").and_then(Value::as_object).cloned().unwrap_or_default();
        Ok(V4Response { code, headers, body: parts[1].clone() })
    }
}
