//! Building onion requests and opening their replies, as a client does. Layer framing lives in
//! `wire::onion`; the node's side (opening layers, sealing replies) in `wire::onion_relay`.

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
