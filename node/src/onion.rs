//! Onion requests (`POST /onion_req/v2`, onion-requests.md §5–6): open one layer with the
//! node's X25519 key and either run the storage RPC (final destination), relay the inner layer
//! to the next node, or proxy it to an HTTP server (`/oxen/v4/lsrpc`). A hop learns only the
//! previous hop (the TCP peer) and the next one (from the layer).
//!
//! Path errors are plain text with a non-200 status; errors inside a layer we could open are
//! encrypted to the client (HTTP 200).

use crate::internal;
use crate::node::Node;
use crate::rpc::{self, Body, Origin};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Map, Value};
use session_sdk::crypto::onion_hop::EncType;
use session_sdk::wire::onion::encode_layer;
use session_sdk::wire::onion_relay::{self as frame, open_relayed, OpenedLayer, Route};
use std::sync::Arc;
use std::time::Duration;

/// Most hops a request may take.
pub const MAX_HOPS: i64 = 15;
/// Timeout of the exit node's request to a server.
pub const SERVER_TIMEOUT: Duration = Duration::from_secs(25);
/// Timeout of a relay to the next node.
pub const RELAY_TIMEOUT: Duration = Duration::from_secs(30);

/// What goes back to the previous hop.
#[derive(Debug)]
pub struct OnionReply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl OnionReply {
    fn text(status: u16, msg: impl Into<String>) -> OnionReply {
        OnionReply { status, content_type: "text/plain; charset=utf-8", body: msg.into().into_bytes() }
    }
}

impl IntoResponse for OnionReply {
    fn into_response(self) -> Response {
        crate::server::bytes(self.status, self.content_type, self.body)
    }
}

/// Parse the layer's routing JSON (`ephemeral_key`, `enc_type`, `hop_no`).
fn layer_meta(control: &Map<String, Value>) -> session_sdk::Result<([u8; 32], EncType, i64)> {
    let eph = frame::hex_key(control, "ephemeral_key")?;
    let enc = frame::enc_type(control)?;
    let hop_no = control.get("hop_no").and_then(Value::as_i64).unwrap_or(0).max(0);
    Ok((eph, enc, hop_no))
}

/// The request a client posted to `/onion_req/v2` (this node is the guard).
pub async fn handle_client(node: &Arc<Node>, body: &[u8]) -> OnionReply {
    let parsed = frame::decode_layer(body).and_then(|(ct, control)| layer_meta(&control).map(|m| (ct, m)));
    match parsed {
        Ok((ct, (eph, enc, hop_no))) => process(node, ct, eph, enc, hop_no).await,
        Err(e) => OnionReply::text(400, format!("Error parsing onion request: {e}")),
    }
}

/// A layer relayed by the previous node.
pub async fn handle_relayed(node: &Arc<Node>, body: &[u8]) -> OnionReply {
    let parsed = frame::decode_layer(body).and_then(|(ct, control)| layer_meta(&control).map(|m| (ct, m)));
    match parsed {
        Ok((ct, (eph, enc, hop_no))) => process(node, ct, eph, enc, hop_no).await,
        Err(e) => OnionReply::text(400, format!("Invalid relayed onion request: {e}")),
    }
}

/// An RPC-style reply encrypted to the client: `{"status", "body"}` (body as a string unless
/// `json`), base64 unless `base64` is false; HTTP 200.
fn sealed(layer: &OpenedLayer, status: u16, body: &Body, embed_json: bool, b64: bool) -> OnionReply {
    let body_v = match body {
        Body::Json(v) if embed_json => v.clone(),
        Body::Json(v) => Value::String(v.to_string()),
        Body::Text(t) => Value::String(t.clone()),
    };
    let inner = json!({"status": status, "body": body_v}).to_string();
    match layer.encrypt_reply(inner.as_bytes()) {
        Ok(ct) if b64 => OnionReply {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: base64::engine::general_purpose::STANDARD.encode(ct).into_bytes(),
        },
        Ok(ct) => OnionReply { status: 200, content_type: "application/octet-stream", body: ct },
        Err(_) => OnionReply::text(500, "Could not encrypt the reply"),
    }
}

async fn process(node: &Arc<Node>, ct: &[u8], eph: [u8; 32], enc: EncType, hop_no: i64) -> OnionReply {
    if hop_no > MAX_HOPS {
        return OnionReply::text(400, "Too many hops");
    }
    let layer = match open_relayed(ct, eph, enc, node.keys.x25519_secret(), &node.keys.x_pk) {
        Ok(l) => l,
        Err(_) => return OnionReply::text(400, "Invalid ciphertext"),
    };
    let route = match frame::route(&layer.payload) {
        Ok(r) => r,
        Err(_) => return sealed(&layer, 400, &Body::Text("Invalid json".into()), false, true),
    };
    match route {
        Route::FinalDestination { request, control } => {
            let embed_json = control.get("json").and_then(Value::as_bool).unwrap_or(false);
            let b64 = control.get("base64").and_then(Value::as_bool).unwrap_or(true);
            let r = rpc::handle_body(node, &request, Origin::Client).await;
            sealed(&layer, r.status, &r.body, embed_json, b64)
        }
        Route::RelayToNode { ciphertext, ephemeral_key, enc_type, destination } => {
            let Some(next) = node.network.get(&destination) else {
                return OnionReply::text(502, format!("Next node not found: {}", hex::encode(destination)));
            };
            let meta = json!({"ephemeral_key": hex::encode(ephemeral_key), "enc_type": enc_type.as_str(), "hop_no": hop_no + 1});
            let body = encode_layer(&ciphertext, &meta);
            match internal::call(node, next, internal::RELAY_PATH, body, RELAY_TIMEOUT).await {
                Ok((status, bytes)) => OnionReply { status, content_type: "application/octet-stream", body: bytes.to_vec() },
                Err(_) => OnionReply::text(504, "Request time out"),
            }
        }
        Route::RelayToServer { layer: payload, host, port, protocol, target } => {
            if !(protocol == "http" || protocol == "https") || !frame::url_target_allowed(&target) {
                return sealed(&layer, 400, &Body::Text("Invalid url".into()), false, true);
            }
            let default_port = if protocol == "https" { 443 } else { 80 };
            let port_part = if port == default_port { String::new() } else { format!(":{port}") };
            let url = format!("{protocol}://{host}{port_part}{target}");
            let req = node
                .http
                .post(url)
                .header("content-type", "application/octet-stream")
                .header("user-agent", format!("Oxen Storage Server/{}.{}.{}", crate::VERSION[0], crate::VERSION[1], crate::VERSION[2]))
                .timeout(SERVER_TIMEOUT)
                .body(payload);
            match req.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    match resp.bytes().await {
                        Ok(b) => OnionReply { status, content_type: "application/octet-stream", body: b.to_vec() },
                        Err(e) if e.is_timeout() => OnionReply::text(504, e.to_string()),
                        Err(e) => OnionReply::text(502, e.to_string()),
                    }
                }
                Err(e) if e.is_timeout() => OnionReply::text(504, e.to_string()),
                Err(e) => OnionReply::text(502, e.to_string()),
            }
        }
    }
}
