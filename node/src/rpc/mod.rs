//! The storage RPC (`POST /storage_rpc/v1` and onion final destinations): request parsing,
//! dispatch to one module per method group, and the helpers they share (swarm check → 421,
//! clock window → 406, signature check → 401, recursive swarm responses).

pub mod batch;
pub mod delete;
pub mod expire;
pub mod messages;
pub mod network;
pub mod params;
pub mod subaccount;

use crate::auth::{self, Auth};
use crate::node::Node;
use base64::Engine;
use serde_json::{json, Map, Value};
use session_sdk::identity::AccountId;
use std::sync::Arc;

/// A response body: JSON (`application/json`) or a plain-text reason (`text/plain`).
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Json(Value),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RpcResponse {
    pub status: u16,
    pub body: Body,
}

impl RpcResponse {
    pub fn json(status: u16, v: Value) -> RpcResponse {
        RpcResponse { status, body: Body::Json(v) }
    }
    pub fn text(status: u16, s: impl Into<String>) -> RpcResponse {
        RpcResponse { status, body: Body::Text(s.into()) }
    }
    /// `400 invalid request: <reason>`.
    pub fn invalid(e: params::ParseError) -> RpcResponse {
        RpcResponse::text(400, format!("invalid request: {}", e.0))
    }
    /// The body as a JSON value (text bodies become JSON strings), for batch results.
    pub fn body_value(&self) -> Value {
        match &self.body {
            Body::Json(v) => v.clone(),
            Body::Text(s) => Value::String(s.clone()),
        }
    }
}

impl From<params::ParseError> for RpcResponse {
    fn from(e: params::ParseError) -> RpcResponse {
        RpcResponse::invalid(e)
    }
}

/// Who sent the request: a client (this node is the entry point and recurses to its swarm) or a
/// swarm peer forwarding a recursive request (executed locally only, looser clock window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Client,
    Forwarded,
}

impl Origin {
    /// Signature timestamp tolerance in ms (±60 s, ±70 s for forwarded copies).
    pub fn tolerance_ms(self) -> u64 {
        match self {
            Origin::Client => 60_000,
            Origin::Forwarded => 70_000,
        }
    }
}

/// Methods a peer may forward (recursive ones).
pub const RECURSIVE: &[&str] =
    &["store", "delete", "delete_all", "delete_before", "expire", "expire_all", "revoke_subaccount", "unrevoke_subaccount"];

/// Run a request body `{"method": ..., "params": {...}}`.
pub async fn handle_body(node: &Arc<Node>, body: &[u8], origin: Origin) -> RpcResponse {
    let v: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => return RpcResponse::text(400, "invalid json"),
    };
    let Some(method) = v.get("method").and_then(Value::as_str) else {
        return RpcResponse::text(400, "invalid json: no `method` field");
    };
    let Some(Value::Object(params)) = v.get("params") else {
        return RpcResponse::text(400, "invalid json: no `params` field");
    };
    match method {
        "batch" | "sequence" if origin == Origin::Client => batch::batch(node, params, method == "sequence").await,
        _ => dispatch(node, method, params, origin).await,
    }
}

/// Run one (non-batch) method.
pub async fn dispatch(node: &Arc<Node>, method: &str, params: &Map<String, Value>, origin: Origin) -> RpcResponse {
    if origin == Origin::Forwarded && !RECURSIVE.contains(&method) {
        return RpcResponse::text(400, "invalid request: received invalid forwarded non-forwardable request");
    }
    let r = match method {
        "store" => messages::store(node, params, origin).await,
        "retrieve" => messages::retrieve(node, params),
        "delete" => delete::delete(node, params, origin).await,
        "delete_all" => delete::delete_all(node, params, origin).await,
        "delete_before" => delete::delete_before(node, params, origin).await,
        "expire" => expire::expire(node, params, origin).await,
        "expire_all" => expire::expire_all(node, params, origin).await,
        "get_expiries" => expire::get_expiries(node, params),
        "revoke_subaccount" => subaccount::revoke(node, params, origin, true).await,
        "unrevoke_subaccount" => subaccount::revoke(node, params, origin, false).await,
        "get_swarm" | "get_snodes_for_pubkey" => network::get_swarm(node, params),
        "info" => Ok(network::info(node)),
        "oxend_request" => network::oxend_request(node, params),
        _ => Err(RpcResponse::text(400, format!("no method {method}"))),
    };
    r.unwrap_or_else(|e| e)
}

pub type RpcResult = Result<RpcResponse, RpcResponse>;

// ---- shared checks ------------------------------------------------------------------------

/// `t` and `hf` added to a JSON object.
pub fn add_misc(node: &Node, v: &mut Map<String, Value>) {
    v.insert("t".into(), json!(node.now_ms()));
    v.insert("hf".into(), json!(crate::HARDFORK));
}

/// 421 with the correct swarm unless `account` belongs to this node's swarm.
pub fn check_swarm(node: &Node, account: &AccountId) -> Result<(), RpcResponse> {
    let swarm = node.network.swarm_for(account);
    if swarm == node.swarm_id {
        return Ok(());
    }
    let mut body = match node.network.swarm_json(swarm) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    add_misc(node, &mut body);
    Err(RpcResponse::json(421, Value::Object(body)))
}

/// 406 `text` unless `ts` is within the origin's tolerance of node time.
pub fn check_clock(node: &Node, ts: u64, origin: Origin, text: &str) -> Result<(), RpcResponse> {
    let now = node.now_ms();
    if ts.abs_diff(now) > origin.tolerance_ms() {
        return Err(RpcResponse::text(406, text));
    }
    Ok(())
}

/// 401 `text` unless `auth` verifies `msg` for `account` with the `required` subaccount bits.
pub fn check_auth(
    node: &Node,
    account: &AccountId,
    auth: &Auth,
    required: u8,
    unrevocable: bool,
    msg: &[u8],
    text: &str,
) -> Result<(), RpcResponse> {
    let owner = account.to_hex();
    auth::verify(account, auth, required, !unrevocable, |t| node.store.is_revoked(&owner, t).unwrap_or(false), msg)
        .map_err(|_| RpcResponse::text(401, text))
}

/// Base64 (padded) of this node's Ed25519 signature over the concatenated parts.
pub fn node_sign(node: &Node, parts: &[&[u8]]) -> String {
    let msg = parts.concat();
    base64::engine::general_purpose::STANDARD.encode(node.keys.sign(&msg))
}

/// A failed local execution (database error) as a per-node entry.
pub fn query_failure() -> Value {
    json!({"failed": true, "query_failure": true})
}

/// Finish a recursive method: a forwarded copy returns this node's fields; the entry node
/// forwards to every swarm peer and merges `{"swarm": {ed25519_hex: fields}}` plus `top`.
pub async fn finish_recursive(
    node: &Arc<Node>,
    method: &str,
    params: &Map<String, Value>,
    origin: Origin,
    mine: Value,
    mut top: Map<String, Value>,
) -> RpcResponse {
    if origin == Origin::Forwarded {
        return RpcResponse::json(200, mine);
    }
    let peers = crate::replication::forward(node, method, params).await;
    let mut swarm = Map::new();
    swarm.insert(node.keys.ed25519_hex(), mine);
    for (k, v) in peers {
        swarm.insert(k, v);
    }
    let ok = swarm.values().any(|v| v.get("failed").is_none());
    top.insert("swarm".into(), Value::Object(swarm));
    add_misc(node, &mut top);
    RpcResponse::json(if ok { 200 } else { 500 }, Value::Object(top))
}

/// Sorted (namespace, hash) pairs as `deleted`/`updated` output: a list for one namespace, or
/// `{ns: [hashes]}` for "all". Also returns all hashes sorted (for the node signature).
pub fn ns_result(mut rows: Vec<(i16, String)>, all: bool) -> (Value, Vec<String>) {
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    let hashes: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    if all {
        let mut m = Map::new();
        for (ns, h) in rows {
            if let Value::Array(a) = m.entry(ns.to_string()).or_insert_with(|| Value::Array(vec![])) {
                a.push(Value::String(h));
            }
        }
        (Value::Object(m), hashes)
    } else {
        (json!(hashes), hashes)
    }
}
