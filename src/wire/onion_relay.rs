//! The service node's side of onion requests (the testnet in node/ runs it): opening a layer
//! with the node's key, deciding where it goes (the next node, an HTTP server, or this node),
//! reading a v4 request and writing its response, and sealing the reply. Compiled only with the
//! `internals` feature: the client never relays.

use super::bencode;
use super::onion::{V4Request, V4Response};
use crate::crypto::onion_hop::{self, EncType, Role};
use crate::error::{Error, Result};
use base64::Engine;
use serde_json::{json, Map, Value};

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

impl V4Request {
    /// Parse a v4 request as a server receives it.
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

impl V4Response {
    /// Frame a response as a server sends it.
    pub fn encode(&self) -> Vec<u8> {
        let meta = serde_json::to_vec(&serde_json::json!({"code": self.code, "headers": self.headers})).expect("JSON");
        bencode::encode_byte_list(&[&meta, &self.body])
    }

    /// The `content-type` header, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get("content-type").and_then(Value::as_str)
    }
}

/// A request layer opened by the node or server it was encrypted to.
pub struct OpenedLayer {
    /// The decrypted payload.
    pub payload: Vec<u8>,
    /// The sender's ephemeral X25519 key.
    pub remote_pubkey: [u8; 32],
    pub enc_type: EncType,
    /// The layer's JSON control object (may carry `hop_no`).
    pub control: serde_json::Map<String, Value>,
    key: [u8; 32],
}

impl OpenedLayer {
    /// Encrypt a reply to the sender with this layer's key (fresh nonce).
    pub fn encrypt_reply(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        onion_hop::encrypt_with_key(self.enc_type, &self.key, plaintext)
    }
}

impl Drop for OpenedLayer {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

/// Open `[N][ciphertext][{"ephemeral_key", "enc_type"}]` with our X25519 key pair.
pub fn open_layer(request: &[u8], local_sk: &[u8; 32], local_pk: &[u8; 32]) -> Result<OpenedLayer> {
    let (ct, control) = decode_layer(request)?;
    let remote_pubkey = hex_key(&control, "ephemeral_key")?;
    let enc_type = enc_type(&control)?;
    open_ciphertext(ct, &remote_pubkey, enc_type, local_sk, local_pk).map(|(payload, key)| OpenedLayer {
        payload,
        remote_pubkey,
        enc_type,
        control,
        key,
    })
}

/// Open a bare ciphertext with the sender's ephemeral key (the node-to-node relay form).
pub fn open_ciphertext(
    ct: &[u8],
    remote_pubkey: &[u8; 32],
    enc_type: EncType,
    local_sk: &[u8; 32],
    local_pk: &[u8; 32],
) -> Result<(Vec<u8>, [u8; 32])> {
    let key = onion_hop::derive_key(enc_type, local_sk, local_pk, remote_pubkey, Role::Server)?;
    let payload = onion_hop::decrypt_with_key(enc_type, &key, ct)?;
    Ok((payload, key))
}

/// As [`open_ciphertext`], returning an [`OpenedLayer`] able to encrypt the reply.
pub fn open_relayed(
    ct: &[u8],
    remote_pubkey: [u8; 32],
    enc_type: EncType,
    local_sk: &[u8; 32],
    local_pk: &[u8; 32],
) -> Result<OpenedLayer> {
    let (payload, key) = open_ciphertext(ct, &remote_pubkey, enc_type, local_sk, local_pk)?;
    Ok(OpenedLayer { payload, remote_pubkey, enc_type, control: Default::default(), key })
}

/// The reply a destination node sends: base64 of the encrypted `{"status": s, "body": body}`.
pub fn seal_node_reply(layer: &OpenedLayer, status: u16, body: &str) -> Result<Vec<u8>> {
    let inner = serde_json::to_vec(&json!({"status": status, "body": body}))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(layer.encrypt_reply(&inner)?).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sodium;
    use crate::wire::onion_request::{build, open_node_reply, open_server_reply, Destination, NodeKeys};

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

    fn node() -> (NodeKeys, [u8; 32]) {
        let (ed, _) = sodium::ed25519_seed_keypair(&sodium::random_array());
        let (xsk, xpk) = sodium::x25519_keypair();
        (NodeKeys { ed25519: ed, x25519: xpk }, xsk)
    }

    /// Walk a built request through every hop as nodes would, then reply.
    #[test]
    fn three_hops_to_a_node_and_back() {
        for enc in [EncType::XChaCha20, EncType::AesGcm] {
            if enc == EncType::AesGcm && !sodium::aes_gcm_available() {
                continue;
            }
            let hops: Vec<_> = (0..3).map(|_| node()).collect();
            let dest = node();
            let path: Vec<NodeKeys> = hops.iter().map(|h| h.0).collect();
            let req = build(&path, &Destination::Node(dest.0), br#"{"method":"info"}"#, enc).unwrap();
            let mut layer = open_layer(&req.body, &hops[0].1, &hops[0].0.x25519).unwrap();
            for (i, next) in hops.iter().skip(1).chain(std::iter::once(&dest)).enumerate() {
                match route(&layer.payload).unwrap() {
                    Route::RelayToNode { ciphertext, ephemeral_key, enc_type, destination } => {
                        assert_eq!(destination, next.0.ed25519, "hop {i}");
                        assert_eq!(enc_type, enc);
                        layer = open_relayed(&ciphertext, ephemeral_key, enc_type, &next.1, &next.0.x25519).unwrap();
                    }
                    other => panic!("hop {i}: unexpected {other:?}"),
                }
            }
            match route(&layer.payload).unwrap() {
                Route::FinalDestination { request, .. } => assert_eq!(request, br#"{"method":"info"}"#),
                other => panic!("unexpected {other:?}"),
            }
            let reply = seal_node_reply(&layer, 200, r#"{"version":[2,8,0]}"#).unwrap();
            let opened = open_node_reply(&req.reply_key, &reply).unwrap();
            assert_eq!(opened.status, 200);
            assert_eq!(opened.body["version"][1], 8);
        }
    }

    #[test]
    fn to_a_server_with_v4_framing() {
        let hops: Vec<_> = (0..3).map(|_| node()).collect();
        let (ssk, spk) = sodium::x25519_keypair();
        let dest = Destination::Server {
            host: "127.0.0.1".into(),
            port: 8080,
            protocol: "http".into(),
            target: "/oxen/v4/lsrpc".into(),
            x25519: spk,
        };
        let v4 = V4Request { method: "GET".into(), endpoint: "/file/1".into(), headers: Default::default(), body: None };
        let path: Vec<NodeKeys> = hops.iter().map(|h| h.0).collect();
        let req = build(&path, &dest, &v4.encode(), EncType::XChaCha20).unwrap();
        let mut layer = open_layer(&req.body, &hops[0].1, &hops[0].0.x25519).unwrap();
        for next in &hops[1..] {
            let Route::RelayToNode { ciphertext, ephemeral_key, enc_type, .. } = route(&layer.payload).unwrap() else { panic!() };
            layer = open_relayed(&ciphertext, ephemeral_key, enc_type, &next.1, &next.0.x25519).unwrap();
        }
        let Route::RelayToServer { layer: fwd, host, port, protocol, target } = route(&layer.payload).unwrap() else { panic!() };
        assert_eq!((host.as_str(), port, protocol.as_str(), target.as_str()), ("127.0.0.1", 8080, "http", "/oxen/v4/lsrpc"));
        let at_server = open_layer(&fwd, &ssk, &spk).unwrap();
        assert_eq!(V4Request::decode(&at_server.payload).unwrap(), v4);
        let resp = V4Response { code: 404, headers: Default::default(), body: b"{}".to_vec() };
        let sealed = at_server.encrypt_reply(&resp.encode()).unwrap();
        assert_eq!(open_server_reply(&req.reply_key, &sealed).unwrap(), resp);
        // A reply under another key is rejected.
        assert!(open_server_reply(&req.reply_key, &sealed[1..]).is_err());
    }
}
