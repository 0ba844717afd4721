//! `store` (recursive) and `retrieve` (storage-rpc.md §4).

use super::params::{decode_b64, Params};
use super::{add_misc, check_auth, check_clock, check_swarm, finish_recursive, node_sign, query_failure, Origin, RpcResponse, RpcResult};
use crate::auth::access;
use crate::clock::system_ms;
use crate::node::Node;
use base64::Engine;
use serde_json::{json, Map, Value};
use session_sdk::wire::message_hash::message_hash;
use session_sdk::wire::rpc::namespace_text;
use std::sync::Arc;

/// Largest message, decoded.
pub const MAX_MESSAGE_BODY: usize = 76_800;
/// TTL bounds in ms.
pub const TTL_MIN: u64 = 10_000;
pub const TTL_MAX_PUBLIC: u64 = 14 * 24 * 3600 * 1000;
pub const TTL_MAX_PRIVATE: u64 = 30 * 24 * 3600 * 1000;
/// Store timestamp tolerance (future timestamp / past expiry), ms.
const STORE_TOLERANCE: u64 = 10_000;
/// `retrieve` size cap (bytes) and the meaning of negative `max_size`.
pub const RETRIEVE_MAX_SIZE: i64 = 7_800_000;

pub fn is_public_inbox(ns: i16) -> bool {
    ns % 10 == 0
}
pub fn is_public_outbox(ns: i16) -> bool {
    ns < 0 && (-(ns as i32)) % 20 == 1
}
pub fn is_noauth_retrieve(ns: i16) -> bool {
    ns == -10 || is_public_outbox(ns)
}
pub fn is_unrevocable(ns: i16) -> bool {
    ns < 0 && (-(ns as i32)) % 100 == 11
}

pub async fn store(node: &Arc<Node>, params: &Map<String, Value>, origin: Origin) -> RpcResult {
    let p = Params(params);
    let account = p.pubkey(true)?;
    let timestamp =
        p.stringified_u64("timestamp")?.ok_or_else(|| RpcResponse::text(400, "invalid request: Required field 'timestamp' missing"))?;
    let ttl = p.stringified_u64("ttl")?;
    let expiry_param = p.timestamp("expiry")?;
    let expiry = match (ttl, expiry_param) {
        (Some(_), Some(_)) => return Err(RpcResponse::text(400, "invalid request: Cannot specify both 'expiry' and 'ttl'")),
        (None, None) => return Err(RpcResponse::text(400, "invalid request: Required field 'expiry' or 'ttl' missing")),
        (Some(t), None) => timestamp.saturating_add(t),
        (None, Some(e)) => e,
    };
    let ns = p.namespace("namespace")?;
    let sig_ts = p.timestamp("sig_timestamp")?.unwrap_or(timestamp);
    let auth = p.auth(&account)?;
    let data_b64 = p.req_str("data")?;
    if data_b64.len() > MAX_MESSAGE_BODY / 3 * 4 {
        return Err(RpcResponse::text(
            400,
            format!("invalid request: Message body exceeds maximum allowed length of {MAX_MESSAGE_BODY} bytes"),
        ));
    }
    let data = decode_b64(data_b64).ok_or_else(|| RpcResponse::text(400, "invalid request: Invalid 'data' value: not base64 encoded"))?;
    if data.len() > MAX_MESSAGE_BODY {
        return Err(RpcResponse::text(
            400,
            format!("invalid request: Message body exceeds maximum allowed length of {MAX_MESSAGE_BODY} bytes"),
        ));
    }

    check_swarm(node, &account)?;
    let public = is_public_inbox(ns);
    let max_ttl = if public { TTL_MAX_PUBLIC } else { TTL_MAX_PRIVATE };
    let ttl = expiry.checked_sub(timestamp);
    if !matches!(ttl, Some(t) if (TTL_MIN..=max_ttl).contains(&t)) {
        return Err(RpcResponse::text(403, "Provided expiry/TTL is not valid."));
    }
    let now = node.now_ms();
    if timestamp > now + STORE_TOLERANCE || expiry + STORE_TOLERANCE < now {
        return Err(RpcResponse::text(406, "Timestamp error: check your clock"));
    }
    if !public {
        let Some(auth) = auth else {
            return Err(RpcResponse::text(401, format!("store: signature required to store to namespace {ns}")));
        };
        check_clock(node, sig_ts, Origin::Client, "store signature timestamp too far from current time")?;
        let mut required = access::WRITE;
        if is_public_outbox(ns) {
            required |= access::DELETE;
        }
        let msg = format!("store{}{}", namespace_text(ns), sig_ts);
        check_auth(node, &account, &auth, required, false, msg.as_bytes(), "store signature verification failed")?;
    }

    let hash = message_hash(&account, ns, &data);
    let owner = account.to_hex();
    let mut mine = match node.store.store(&owner, ns, &hash, timestamp, expiry, &data, system_ms(), is_public_outbox(ns)) {
        Ok(o) => {
            let mut m = json!({"hash": hash, "signature": node_sign(node, &[hash.as_bytes()]), "expiry": o.expiry});
            if !o.new {
                m["already"] = json!(true);
            }
            m
        }
        Err(_) => query_failure(),
    };
    if origin == Origin::Client {
        mine["t"] = json!(now);
    }
    let mut top = Map::new();
    top.insert("hash".into(), json!(hash));
    Ok(finish_recursive(node, "store", params, origin, mine, top).await)
}

pub fn retrieve(node: &Arc<Node>, params: &Map<String, Value>) -> RpcResult {
    let p = Params(params);
    let account = p.pubkey(true)?;
    let ns = p.namespace("namespace")?;
    let needs_auth = p.has("pubkey_ed25519") || p.has("signature") || p.has("timestamp") || !is_noauth_retrieve(ns);
    let mut auth = None;
    let mut timestamp = 0;
    if needs_auth {
        if !p.has("signature") {
            return Err(RpcResponse::text(400, "invalid request: Required field 'signature' missing"));
        }
        auth = p.auth(&account)?;
        timestamp = p.req_timestamp("timestamp")?;
    }
    let last_hash = match (p.str("last_hash")?, p.str("lastHash")?) {
        (Some(_), Some(_)) => return Err(RpcResponse::text(400, "invalid request: Cannot specify both 'last_hash' and 'lastHash'")),
        (Some(h), None) | (None, Some(h)) => h,
        (None, None) => "",
    };
    if !last_hash.is_empty() && !session_sdk::wire::message_hash::is_valid_hash(last_hash) {
        return Err(RpcResponse::text(400, "invalid request: Invalid last_hash: expected base64 (43 chars)"));
    }
    let max_count = p.i64("max_count")?;
    let max_size = p.i64("max_size")?;

    check_swarm(node, &account)?;
    if let Some(auth) = &auth {
        check_clock(node, timestamp, Origin::Client, "retrieve timestamp too far from current time")?;
        let msg = format!("retrieve{}{}", namespace_text(ns), timestamp);
        check_auth(node, &account, auth, access::READ, is_unrevocable(ns), msg.as_bytes(), "retrieve signature verification failed")?;
    }

    let max_count = max_count.filter(|&c| c != 0).map(|c| c.max(1) as usize);
    let mut max_size = max_size.filter(|&s| s != 0);
    if max_count.is_none() && max_size.is_none() {
        max_size = Some(-5);
    }
    let max_size = match max_size {
        Some(s) if s < 0 => RETRIEVE_MAX_SIZE / -s,
        Some(s) if s <= RETRIEVE_MAX_SIZE => s,
        _ => RETRIEVE_MAX_SIZE,
    };
    let now = node.now_ms();
    let (msgs, more) = node
        .store
        .retrieve(&account.to_hex(), ns, last_hash, max_count, Some(max_size as usize), now)
        .map_err(|_| RpcResponse::text(500, "Internal Server Error. Could not retrieve messages"))?;
    let messages: Vec<Value> = msgs
        .into_iter()
        .map(|m| {
            json!({"hash": m.hash, "timestamp": m.timestamp, "expiration": m.expiry,
                   "data": base64::engine::general_purpose::STANDARD.encode(&m.data)})
        })
        .collect();
    let mut res = Map::new();
    res.insert("messages".into(), Value::Array(messages));
    res.insert("more".into(), json!(more));
    add_misc(node, &mut res);
    Ok(RpcResponse::json(200, Value::Object(res)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_classes() {
        assert!(is_public_inbox(0) && is_public_inbox(-10) && is_public_inbox(40) && !is_public_inbox(11));
        assert!(is_public_outbox(-1) && is_public_outbox(-21) && !is_public_outbox(-11) && !is_public_outbox(1));
        assert!(is_unrevocable(-11) && is_unrevocable(-111) && !is_unrevocable(11));
        assert!(is_noauth_retrieve(-10) && is_noauth_retrieve(-1) && !is_noauth_retrieve(0));
    }
}
