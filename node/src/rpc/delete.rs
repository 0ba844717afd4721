//! `delete`, `delete_all`, `delete_before` (all recursive; storage-rpc.md §4).

use super::params::{NsOrAll, Params};
use super::{check_auth, check_clock, check_swarm, finish_recursive, node_sign, ns_result, query_failure, Origin, RpcResponse, RpcResult};
use crate::auth::access;
use crate::clock::system_ms;
use crate::node::Node;
use serde_json::{json, Map, Value};
use std::sync::Arc;

fn require_sig(p: &Params<'_>) -> Result<(), RpcResponse> {
    if p.has("signature") {
        Ok(())
    } else {
        Err(RpcResponse::text(400, "invalid request: Required field 'signature' missing"))
    }
}

pub async fn delete(node: &Arc<Node>, params: &Map<String, Value>, origin: Origin) -> RpcResult {
    let p = Params(params);
    let account = p.pubkey(false)?;
    require_sig(&p)?;
    let auth = p.auth(&account)?.ok_or_else(|| RpcResponse::text(400, "invalid request: Required field 'signature' missing"))?;
    let hashes = p.hashes("messages")?;
    let required = p.bool("required")?.unwrap_or(false);
    check_swarm(node, &account)?;
    let msg: Vec<u8> = [b"delete".as_slice()].into_iter().chain(hashes.iter().map(|h| h.as_bytes())).collect::<Vec<_>>().concat();
    check_auth(node, &account, &auth, access::DELETE, false, &msg, "delete_msgs signature verification failed")?;

    let owner = account.to_hex();
    let mine = match node.store.delete_by_hash(&owner, &hashes, system_ms()) {
        Ok(mut deleted) => {
            deleted.sort();
            let mut parts: Vec<&[u8]> = vec![owner.as_bytes()];
            parts.extend(hashes.iter().map(|h| h.as_bytes()));
            parts.extend(deleted.iter().map(|h| h.as_bytes()));
            json!({"deleted": deleted, "signature": node_sign(node, &parts)})
        }
        Err(_) => query_failure(),
    };
    let mut res = finish_recursive(node, "delete", params, origin, mine, Map::new()).await;
    if required && origin == Origin::Client && res.status == 200 {
        if let super::Body::Json(v) = &res.body {
            let any = v["swarm"].as_object().is_some_and(|s| s.values().any(|n| n["deleted"].as_array().is_some_and(|a| !a.is_empty())));
            if !any {
                res.status = 404;
            }
        }
    }
    Ok(res)
}

/// delete_all (`before` = None) and delete_before share everything but the signed field.
async fn delete_ns(node: &Arc<Node>, params: &Map<String, Value>, origin: Origin, before_mode: bool) -> RpcResult {
    let method = if before_mode { "delete_before" } else { "delete_all" };
    let p = Params(params);
    let account = p.pubkey(false)?;
    require_sig(&p)?;
    let auth = p.auth(&account)?.ok_or_else(|| RpcResponse::text(400, "invalid request: Required field 'signature' missing"))?;
    let ns = p.namespace_or_all("namespace")?;
    let ts = p.req_timestamp(if before_mode { "before" } else { "timestamp" })?;
    check_swarm(node, &account)?;
    if before_mode {
        if ts > node.now_ms() + 60_000 {
            return Err(RpcResponse::text(401, "delete_before timestamp too far in the future"));
        }
    } else {
        check_clock(node, ts, origin, "delete_all timestamp too far from current time")?;
    }
    let msg = format!("{method}{}{ts}", ns.sig_text());
    check_auth(node, &account, &auth, access::DELETE, false, msg.as_bytes(), &format!("{method} signature verification failed"))?;

    let owner = account.to_hex();
    let mine = match node.store.delete_matching(&owner, ns.one(), before_mode.then_some(ts), system_ms()) {
        Ok(rows) => {
            let (deleted, sorted) = ns_result(rows, ns == NsOrAll::All);
            let ts_text = ts.to_string();
            let mut parts: Vec<&[u8]> = vec![owner.as_bytes(), ts_text.as_bytes()];
            parts.extend(sorted.iter().map(|h| h.as_bytes()));
            json!({"deleted": deleted, "signature": node_sign(node, &parts)})
        }
        Err(_) => query_failure(),
    };
    Ok(finish_recursive(node, method, params, origin, mine, Map::new()).await)
}

pub async fn delete_all(node: &Arc<Node>, params: &Map<String, Value>, origin: Origin) -> RpcResult {
    delete_ns(node, params, origin, false).await
}

pub async fn delete_before(node: &Arc<Node>, params: &Map<String, Value>, origin: Origin) -> RpcResult {
    delete_ns(node, params, origin, true).await
}
