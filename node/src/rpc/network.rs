//! Network-level methods: `get_swarm`, `info`, `oxend_request` (`get_service_nodes` answered
//! from the testnet node list) and the seed node's `POST /json_rpc` `get_n_service_nodes`
//! (swarms.md §3).

use super::params::Params;
use super::{add_misc, RpcResponse, RpcResult};
use crate::node::Node;
use crate::swarm::NetworkView;
use serde_json::{json, Map, Value};
use std::sync::Arc;

pub fn get_swarm(node: &Arc<Node>, params: &Map<String, Value>) -> RpcResult {
    let account = Params(params).pubkey(true)?;
    let swarm = node.network.swarm_for(&account);
    let mut body = match node.network.swarm_json(swarm) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    add_misc(node, &mut body);
    Ok(RpcResponse::json(200, Value::Object(body)))
}

pub fn info(node: &Arc<Node>) -> RpcResponse {
    let mut body = Map::new();
    body.insert("version".into(), json!(crate::VERSION));
    body.insert("timestamp".into(), json!(node.now_ms()));
    add_misc(node, &mut body);
    RpcResponse::json(200, Value::Object(body))
}

/// oxend's `get_service_nodes` / `get_n_service_nodes` result for the whole node list. `fields`
/// (an object of `name: true`) restricts each entry; absent means every field.
pub fn service_node_states(network: &NetworkView, params: Option<&Value>) -> Value {
    let fields = params.and_then(|p| p.get("fields")).and_then(Value::as_object);
    let wanted = |name: &str| fields.is_none_or(|f| f.get(name).and_then(Value::as_bool).unwrap_or(false));
    let states: Vec<Value> = network
        .nodes()
        .iter()
        .map(|n| {
            let all = [
                ("public_ip", json!(n.ip)),
                ("storage_port", json!(n.port)),
                ("storage_lmq_port", json!(n.port)),
                ("quic_port", json!(n.port)),
                ("pubkey_ed25519", json!(n.entry.pubkey_ed25519)),
                ("pubkey_x25519", json!(n.entry.pubkey_x25519)),
                ("service_node_pubkey", json!(n.entry.pubkey_ed25519)),
                ("swarm_id", json!(n.swarm_id)),
                ("requested_unlock_height", json!(0)),
                ("active", json!(true)),
                ("funded", json!(true)),
            ];
            Value::Object(all.into_iter().filter(|(k, _)| wanted(k)).map(|(k, v)| (k.to_string(), v)).collect())
        })
        .collect();
    json!({
        "service_node_states": states,
        "height": crate::HEIGHT,
        "target_height": crate::HEIGHT,
        "hardfork": crate::HARDFORK[0],
        "status": "OK",
    })
}

pub fn oxend_request(node: &Arc<Node>, params: &Map<String, Value>) -> RpcResult {
    let p = Params(params);
    let endpoint = p.req_str("endpoint")?;
    if endpoint != "get_service_nodes" && endpoint != "ons_resolve" {
        return Err(RpcResponse::text(400, format!("invalid request: Invalid oxend endpoint '{endpoint}'")));
    }
    let inner = params.get("params");
    if inner.is_some_and(|v| !v.is_object() && !v.is_null()) {
        return Err(RpcResponse::text(400, "invalid request: oxend_request params field does not contain valid json"));
    }
    if endpoint == "ons_resolve" {
        // The testnet has no name system; oxend answers an unknown name with an error → 400.
        return Err(RpcResponse::text(400, "oxend returned an error: ONS name not found"));
    }
    let mut body = Map::new();
    body.insert("result".into(), service_node_states(&node.network, inner));
    add_misc(node, &mut body);
    Ok(RpcResponse::json(200, Value::Object(body)))
}

/// The seed node endpoint: JSON-RPC `get_n_service_nodes`. Returns (HTTP status, JSON body).
pub fn seed_json_rpc(network: &NetworkView, body: &[u8]) -> (u16, Value) {
    let req: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => return (200, json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}})),
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    match req.get("method").and_then(Value::as_str) {
        Some("get_n_service_nodes") | Some("get_service_nodes") => {
            (200, json!({"jsonrpc": "2.0", "id": id, "result": service_node_states(network, req.get("params"))}))
        }
        _ => (200, json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "Method not found"}})),
    }
}
