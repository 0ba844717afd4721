//! Node-to-node transport (the real network uses OxenMQ; any transport is fine inside a
//! private testnet): HTTPS POSTs to `/testnet/v1/*`, each signed by the calling node's Ed25519
//! key over `path ‖ "\n" ‖ timestamp ‖ "\n" ‖ body`, checked against the node list, so clients
//! cannot reach these endpoints. They are exempt from the client rate limit.
//!
//! - `relay`: the next onion hop (`[N][ciphertext][{"ephemeral_key","enc_type","hop_no"}]`);
//!   the reply status and body pass back unchanged.
//! - `storage_cc`: a recursive storage RPC forwarded by a swarm peer, executed locally only.
//! - `sync`: a page of this node's change log for a swarm peer catching up.

use crate::clock::system_ms;
use crate::node::Node;
use crate::onion;
use crate::rpc::{self, Origin};
use crate::server::{json_response, read_body, rpc_response, text, MAX_BODY};
use crate::swarm::NodeRecord;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use session_sdk::sodium;
use std::sync::Arc;
use std::time::Duration;

pub const RELAY_PATH: &str = "/testnet/v1/relay";
pub const STORAGE_CC_PATH: &str = "/testnet/v1/storage_cc";
pub const SYNC_PATH: &str = "/testnet/v1/sync";

const H_NODE: &str = "x-testnet-node";
const H_TS: &str = "x-testnet-timestamp";
const H_SIG: &str = "x-testnet-signature";
/// Allowed skew of the internal request timestamp (system clocks; same machine).
const TOLERANCE_MS: u64 = 60_000;

fn signed_bytes(path: &str, ts: u64, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(path.len() + body.len() + 24);
    m.extend_from_slice(path.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(ts.to_string().as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body);
    m
}

/// Why a node-to-node call failed.
#[derive(Debug)]
pub enum CallError {
    /// No answer in time (or the peer could not be reached at all).
    Timeout,
    Unreachable(String),
}

/// POST a signed request to another node; returns its status and body.
pub async fn call(node: &Node, peer: &NodeRecord, path: &str, body: Vec<u8>, timeout: Duration) -> Result<(u16, Bytes), CallError> {
    let ts = system_ms();
    let sig = node.keys.sign(&signed_bytes(path, ts, &body));
    let req = node
        .http
        .post(format!("{}{}", peer.url(), path))
        .header(H_NODE, node.keys.ed25519_hex())
        .header(H_TS, ts.to_string())
        .header(H_SIG, base64::engine::general_purpose::STANDARD.encode(sig))
        .header("content-type", "application/octet-stream")
        .timeout(timeout)
        .body(body);
    let resp = req.send().await.map_err(|e| if e.is_timeout() { CallError::Timeout } else { CallError::Unreachable(e.to_string()) })?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(|e| if e.is_timeout() { CallError::Timeout } else { CallError::Unreachable(e.to_string()) })?;
    Ok((status, bytes))
}

/// Check the caller's signature; returns its node record.
fn verify<'a>(node: &'a Node, path: &str, headers: &HeaderMap, body: &[u8]) -> Option<&'a NodeRecord> {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    let mut ed = [0u8; 32];
    hex::decode_to_slice(get(H_NODE)?, &mut ed).ok()?;
    let ts: u64 = get(H_TS)?.parse().ok()?;
    if ts.abs_diff(system_ms()) > TOLERANCE_MS {
        return None;
    }
    let sig: [u8; 64] = base64::engine::general_purpose::STANDARD.decode(get(H_SIG)?).ok()?.try_into().ok()?;
    let peer = node.network.get(&ed)?;
    sodium::ed25519_verify(&sig, &signed_bytes(path, ts, body), &ed).then_some(peer)
}

async fn authenticated(node: &Node, path: &str, headers: &HeaderMap, body: Body, same_swarm: bool) -> Result<Bytes, Response> {
    let body = read_body(headers, body, MAX_BODY + 64 * 1024).await?;
    match verify(node, path, headers, &body) {
        Some(peer) if !same_swarm || peer.swarm_id == node.swarm_id => Ok(body),
        _ => Err(text(401, "Unauthorized node request")),
    }
}

pub async fn relay(State(node): State<Arc<Node>>, headers: HeaderMap, body: Body) -> Response {
    let body = match authenticated(&node, RELAY_PATH, &headers, body, false).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    onion::handle_relayed(&node, &body).await.into_response()
}

pub async fn storage_cc(State(node): State<Arc<Node>>, headers: HeaderMap, body: Body) -> Response {
    let body = match authenticated(&node, STORAGE_CC_PATH, &headers, body, true).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    rpc_response(rpc::handle_body(&node, &body, Origin::Forwarded).await)
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SyncRequest {
    pub after: i64,
    pub limit: usize,
}

/// Most rows per sync page.
pub const SYNC_PAGE: usize = 500;

pub async fn sync(State(node): State<Arc<Node>>, headers: HeaderMap, body: Body) -> Response {
    let body = match authenticated(&node, SYNC_PATH, &headers, body, true).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(req) = serde_json::from_slice::<SyncRequest>(&body) else {
        return text(400, "invalid sync request");
    };
    match node.store.changes_since(req.after, req.limit.clamp(1, SYNC_PAGE), node.now_ms()) {
        Ok(batch) => match serde_json::to_value(&batch) {
            Ok(v) => json_response(200, &v),
            Err(_) => text(500, "could not encode changes"),
        },
        Err(_) => text(500, "could not read changes"),
    }
}
