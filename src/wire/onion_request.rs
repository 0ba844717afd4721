//! Building onion requests (client) and opening them (node or server), with reply encryption.
//! Layer framing lives in `wire::onion`; this module adds the per-hop cryptography.

use crate::crypto::onion_hop::{self, EncType, Role};
use crate::error::{Error, Result};
use crate::sodium;
use crate::wire::onion::{self as frame, V4Response};
use base64::Engine;
use serde_json::{json, Value};

/// One node of a path or a destination node: its Ed25519 identity and X25519 onion key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeKeys {
    pub ed25519: [u8; 32],
    pub x25519: [u8; 32],
}

/// Where the request ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    /// A service node that runs the storage RPC in the payload.
    Node(NodeKeys),
    /// An HTTP server (file server, community) reached from the last hop via `/oxen/v4/lsrpc`.
    Server { host: String, port: u16, protocol: String, target: String, x25519: [u8; 32] },
}

/// The key to open the destination's reply.
#[derive(Clone)]
pub struct ReplyKey {
    pub enc_type: EncType,
    key: [u8; 32],
}

impl Drop for ReplyKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

/// A built request: POST `body` to the first hop's `/onion_req/v2`.
pub struct OnionRequest {
    pub body: Vec<u8>,
    pub reply_key: ReplyKey,
}

/// Wrap `payload` for `dest` through `path` (first element = guard). For a node destination the
/// payload is the storage RPC JSON; for a server it is the encoded v4 request.
pub fn build(path: &[NodeKeys], dest: &Destination, payload: &[u8], enc: EncType) -> Result<OnionRequest> {
    if path.is_empty() {
        return Err(Error::invalid_argument("an onion path needs at least one hop"));
    }
    let (a0, a0_pub) = sodium::x25519_keypair();
    let (dest_x, inner) = match dest {
        Destination::Node(d) => (d.x25519, frame::encode_layer(payload, &json!({"headers": ""}))),
        Destination::Server { x25519, .. } => (*x25519, payload.to_vec()),
    };
    let reply_key = ReplyKey { enc_type: enc, key: onion_hop::derive_key(enc, &a0, &a0_pub, &dest_x, Role::Client)? };
    let mut blob = onion_hop::encrypt_with_key(enc, &reply_key.key, &inner)?;
    let mut route = match dest {
        Destination::Node(d) => json!({
            "destination": hex::encode(d.ed25519), "ephemeral_key": hex::encode(a0_pub), "enc_type": enc.as_str()}),
        Destination::Server { host, port, protocol, target, .. } => json!({
            "host": host, "target": target, "method": "POST", "protocol": protocol, "port": port,
            "ephemeral_key": hex::encode(a0_pub), "enc_type": enc.as_str()}),
    };
    let mut eph_pub = a0_pub;
    for hop in path.iter().rev() {
        let data = frame::encode_layer(&blob, &route);
        let (a, a_pub) = sodium::x25519_keypair();
        blob = onion_hop::encrypt(enc, &a, &a_pub, &hop.x25519, Role::Client, &data)?;
        route = json!({"destination": hex::encode(hop.ed25519), "ephemeral_key": hex::encode(a_pub), "enc_type": enc.as_str()});
        eph_pub = a_pub;
    }
    let body = frame::encode_layer(&blob, &json!({"ephemeral_key": hex::encode(eph_pub), "enc_type": enc.as_str()}));
    Ok(OnionRequest { body, reply_key })
}

/// The reply of a node destination: the RPC's HTTP status and body.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeReply {
    pub status: u16,
    /// The RPC body: parsed JSON when it is JSON, else a JSON string of the text.
    pub body: Value,
}

/// Open the reply from a node destination (base64 of the encrypted `{"status","body"}`).
pub fn open_node_reply(key: &ReplyKey, http_body: &[u8]) -> Result<NodeReply> {
    let text = std::str::from_utf8(http_body).map_err(|_| Error::malformed("onion reply is not text"))?.trim();
    // Legacy nodes wrapped the base64 in {"result": "..."}.
    let b64 = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m.get("result").and_then(Value::as_str).map(str::to_owned).unwrap_or_default(),
        _ => text.to_owned(),
    };
    let ct = base64::engine::general_purpose::STANDARD.decode(b64.as_bytes()).map_err(|_| Error::malformed("onion reply is not base64"))?;
    let plain = onion_hop::decrypt_with_key(key.enc_type, &key.key, &ct)?;
    let v: Value = serde_json::from_slice(&plain)?;
    let status = v
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| Error::malformed("onion reply lacks a status"))?;
    let body = match v.get("body") {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
        Some(other) => other.clone(),
        None => Value::Null,
    };
    Ok(NodeReply { status, body })
}

/// Open the reply from a v4 server destination (raw encrypted bencoded response).
pub fn open_server_reply(key: &ReplyKey, http_body: &[u8]) -> Result<V4Response> {
    let plain = onion_hop::decrypt_with_key(key.enc_type, &key.key, http_body)?;
    V4Response::decode(&plain)
}

// ---- receiving side ------------------------------------------------------------------------

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
    let (ct, control) = frame::decode_layer(request)?;
    let remote_pubkey = frame::hex_key(&control, "ephemeral_key")?;
    let enc_type = frame::enc_type(&control)?;
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
    use crate::wire::onion::{route, Route, V4Request};

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
