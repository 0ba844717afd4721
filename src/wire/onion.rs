//! Onion request framing (no cryptography here): the `u32_le(len) ‖ ciphertext ‖ JSON` layer,
//! the routing decision a node makes for a decrypted layer, and the bencoded v4 request/response
//! framing used with HTTP servers (file server, communities).

use super::bencode;
use crate::crypto::onion_hop::EncType;
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

/// Split a layer into its blob and JSON object.
pub fn decode_layer(layer: &[u8]) -> Result<(&[u8], Map<String, Value>)> {
    if layer.len() < 4 {
        return Err(Error::malformed("onion layer is shorter than its 4-byte length"));
    }
    let n = u32::from_le_bytes(layer[..4].try_into().expect("4")) as usize;
    let rest = &layer[4..];
    if n > rest.len() {
        return Err(Error::malformed(format!("onion layer claims {n} bytes of ciphertext but has {}", rest.len())));
    }
    let (blob, json) = rest.split_at(n);
    match serde_json::from_slice::<Value>(json) {
        Ok(Value::Object(m)) => Ok((blob, m)),
        Ok(_) => Err(Error::malformed("onion layer JSON is not an object")),
        Err(e) => Err(Error::malformed(format!("onion layer JSON: {e}"))),
    }
}

/// Parse a 64-hex-character X25519 key from a JSON string field.
pub fn hex_key(m: &Map<String, Value>, field: &str) -> Result<[u8; 32]> {
    let s = m.get(field).and_then(Value::as_str).ok_or_else(|| Error::malformed(format!("onion layer lacks {field}")))?;
    let mut k = [0u8; 32];
    hex::decode_to_slice(s, &mut k).map_err(|_| Error::malformed(format!("{field} is not 64 hex characters")))?;
    Ok(k)
}

/// The `enc_type` of a layer's JSON (absent → AES-GCM).
pub fn enc_type(m: &Map<String, Value>) -> Result<EncType> {
    match m.get("enc_type") {
        None | Some(Value::Null) => Ok(EncType::AesGcm),
        Some(Value::String(s)) => EncType::parse(Some(s)),
        Some(_) => Err(Error::malformed("enc_type is not a string")),
    }
}

/// What a node does with a decrypted layer.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// This node is the destination; `request` is the storage RPC JSON.
    FinalDestination { request: Vec<u8>, control: Map<String, Value> },
    /// Forward the whole layer to an HTTP server's `/oxen/v4/lsrpc` (or v3) endpoint.
    RelayToServer { layer: Vec<u8>, host: String, port: u16, protocol: String, target: String },
    /// Forward the inner blob to the next node.
    RelayToNode { ciphertext: Vec<u8>, ephemeral_key: [u8; 32], enc_type: EncType, destination: [u8; 32] },
}

/// Decide what to do with a decrypted layer `[N][blob][JSON]`.
pub fn route(layer: &[u8]) -> Result<Route> {
    let (blob, json) = decode_layer(layer)?;
    if json.contains_key("headers") {
        return Ok(Route::FinalDestination { request: blob.to_vec(), control: json });
    }
    if let Some(host) = json.get("host") {
        let host = host.as_str().ok_or_else(|| Error::malformed("host is not a string"))?.to_string();
        let protocol = match json.get("protocol") {
            None => "https".to_string(),
            Some(Value::String(p)) => p.clone(),
            Some(_) => return Err(Error::malformed("protocol is not a string")),
        };
        let port = match json.get("port") {
            None => {
                if protocol == "http" {
                    80
                } else {
                    443
                }
            }
            Some(p) => p.as_u64().and_then(|p| u16::try_from(p).ok()).ok_or_else(|| Error::malformed("port is not a valid port number"))?,
        };
        let target =
            json.get("target").and_then(Value::as_str).ok_or_else(|| Error::malformed("relay to a server needs a target"))?.to_string();
        return Ok(Route::RelayToServer { layer: layer.to_vec(), host, port, protocol, target });
    }
    Ok(Route::RelayToNode {
        ciphertext: blob.to_vec(),
        ephemeral_key: hex_key(&json, "ephemeral_key")?,
        enc_type: enc_type(&json)?,
        destination: hex_key(&json, "destination")?,
    })
}

/// Whether a node may proxy to this server path: `/oxen/…` or `/loki/…`, ending `/lsrpc`, no query.
pub fn url_target_allowed(target: &str) -> bool {
    (target.starts_with("/oxen/") || target.starts_with("/loki/")) && target.ends_with("/lsrpc") && !target.contains('?')
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

    pub fn decode(bytes: &[u8]) -> Result<V4Request> {
        let parts = bencode::decode_byte_list(bytes)?;
        if parts.is_empty() || parts.len() > 2 {
            return Err(Error::malformed("a v4 request is a list of 1 or 2 strings"));
        }
        let meta: Value = serde_json::from_slice(&parts[0])?;
        let method = meta.get("method").and_then(Value::as_str).ok_or_else(|| Error::malformed("v4 request lacks method"))?;
        let endpoint = meta.get("endpoint").and_then(Value::as_str).ok_or_else(|| Error::malformed("v4 request lacks endpoint"))?;
        if !endpoint.starts_with('/') {
            return Err(Error::malformed("v4 endpoint must begin with '/'"));
        }
        let headers = match meta.get("headers") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(h)) => h.clone(),
            Some(_) => return Err(Error::malformed("v4 headers must be an object")),
        };
        Ok(V4Request { method: method.to_string(), endpoint: endpoint.to_string(), headers, body: parts.get(1).cloned() })
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
    pub fn encode(&self) -> Vec<u8> {
        let meta = serde_json::to_vec(&serde_json::json!({"code": self.code, "headers": self.headers})).expect("JSON");
        bencode::encode_byte_list(&[&meta, &self.body])
    }

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

    pub fn content_type(&self) -> Option<&str> {
        self.headers.get("content-type").and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_examples_from_the_protocol_notes() {
        let r = V4Request::decode(br#"l79:{"method":"GET","endpoint":"/room/some-room","headers":{"Some-Header":"12345"}}e"#).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.endpoint, "/room/some-room");
        assert_eq!(r.body, None);
        assert_eq!(V4Request::decode(&r.encode()).unwrap(), r);
        let resp = V4Response::decode(br#"l58:{"code":200,"headers":{"content-type":"application/json"}}11:{"id": 123}e"#).unwrap();
        assert_eq!(resp.code, 200);
        assert_eq!(resp.content_type(), Some("application/json"));
        assert_eq!(resp.body, br#"{"id": 123}"#);
    }

    #[test]
    fn malformed_layers() {
        assert!(decode_layer(&[1, 0]).is_err());
        assert!(decode_layer(&[9, 0, 0, 0, 1]).is_err());
        assert!(decode_layer(b"\x00\x00\x00\x00[1]").is_err());
        assert!(decode_layer(b"\x00\x00\x00\x00{").is_err());
        assert!(route(b"\x00\x00\x00\x00{}").is_err());
        assert!(route(b"\x00\x00\x00\x00{\"host\":\"h\",\"target\":\"/x\",\"port\":70000}").is_err());
        assert!(V4Request::decode(b"le").is_err());
        assert!(V4Request::decode(b"l2:{}e").is_err());
    }
}
