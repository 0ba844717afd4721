//! `expire`, `expire_all` (recursive) and `get_expiries` (storage-rpc.md §4).

use super::messages::TTL_MAX_PRIVATE;
use super::params::{NsOrAll, Params};
use super::{
    add_misc, check_auth, check_clock, check_swarm, finish_recursive, node_sign, ns_result, query_failure, Origin, RpcResponse, RpcResult,
};
use crate::auth::access;
use crate::clock::system_ms;
use crate::node::Node;
use serde_json::{json, Map, Value};
use std::sync::Arc;

fn missing_sig() -> RpcResponse {
    RpcResponse::text(400, "invalid request: Required field 'signature' missing")
}

pub async fn expire(node: &Arc<Node>, params: &Map<String, Value>, origin: Origin) -> RpcResult {
    let p = Params(params);
    let account = p.pubkey(false)?;
    let auth = p.auth(&account)?.ok_or_else(missing_sig)?;
    let hashes = p.hashes("messages")?;
    let expiries = p.timestamp_list("expiry")?.ok_or_else(|| RpcResponse::text(400, "invalid request: Required field 'expiry' missing"))?;
    if expiries.is_empty() {
        return Err(RpcResponse::text(400, "invalid request: 'expiry' does not contain any expiration timestamps"));
    }
    if expiries.len() != 1 && expiries.len() != hashes.len() {
        return Err(RpcResponse::text(400, "invalid request: 'expiry' must be a single expiry, or the same length as 'messages'"));
    }
    let shorten = p.bool("shorten")?.unwrap_or(false);
    let extend = p.bool("extend")?.unwrap_or(false);
    if shorten && extend {
        return Err(RpcResponse::text(400, "invalid request: cannot specify both 'shorten' and 'extend'"));
    }
    check_swarm(node, &account)?;
    let now = node.now_ms();
    let mut applied = Vec::with_capacity(expiries.len());
    for &e in &expiries {
        if e + 60_000 < now {
            return Err(RpcResponse::text(401, "expire: timestamp should be >= current time"));
        }
        applied.push(e.min(now + TTL_MAX_PRIVATE));
    }
    let mode = if shorten {
        "shorten"
    } else if extend {
        "extend"
    } else {
        ""
    };
    let mut msg = format!("expire{mode}").into_bytes();
    for e in &expiries {
        msg.extend_from_slice(e.to_string().as_bytes());
    }
    for h in &hashes {
        msg.extend_from_slice(h.as_bytes());
    }
    check_auth(node, &account, &auth, access::WRITE, false, &msg, "expire: signature verification failed")?;
    let mut extend_only = extend;
    if let Some(sub) = &auth.subaccount {
        if sub.flags() & access::DELETE == 0 {
            if shorten {
                return Err(RpcResponse::text(
                    400,
                    "expire: shorten parameter cannot be used with this subaccount token (missing delete access)",
                ));
            }
            extend_only = true;
        }
    }

    let owner = account.to_hex();
    let mine = match node.store.update_expiry(&owner, &hashes, &applied, extend_only, shorten, now, system_ms()) {
        Ok(mut updated) => {
            updated.sort_by(|a, b| a.0.cmp(&b.0));
            let mut unchanged = std::collections::BTreeMap::new();
            if shorten || extend {
                let upd: std::collections::HashSet<&str> = updated.iter().map(|u| u.0.as_str()).collect();
                let rest: Vec<String> = hashes.iter().filter(|h| !upd.contains(h.as_str())).cloned().collect();
                if !rest.is_empty() {
                    unchanged = node.store.get_expiries(&owner, &rest, now).unwrap_or_default();
                }
            }
            let exp_values: Vec<u64> = if expiries.len() > 1 { updated.iter().map(|u| u.1).collect() } else { vec![applied[0]] };
            let mut sig_msg = owner.clone().into_bytes();
            for e in &exp_values {
                sig_msg.extend_from_slice(e.to_string().as_bytes());
            }
            for h in &hashes {
                sig_msg.extend_from_slice(h.as_bytes());
            }
            for (h, _) in &updated {
                sig_msg.extend_from_slice(h.as_bytes());
            }
            for (h, e) in &unchanged {
                sig_msg.extend_from_slice(h.as_bytes());
                sig_msg.extend_from_slice(e.to_string().as_bytes());
            }
            let mut m = json!({
                "updated": updated.iter().map(|u| u.0.clone()).collect::<Vec<_>>(),
                "signature": node_sign(node, &[&sig_msg]),
            });
            m["expiry"] = if expiries.len() > 1 { json!(exp_values) } else { json!(applied[0]) };
            if shorten || extend {
                m["unchanged"] = json!(unchanged);
            }
            m
        }
        Err(_) => query_failure(),
    };
    Ok(finish_recursive(node, "expire", params, origin, mine, Map::new()).await)
}

pub async fn expire_all(node: &Arc<Node>, params: &Map<String, Value>, origin: Origin) -> RpcResult {
    let p = Params(params);
    let account = p.pubkey(false)?;
    let auth = p.auth(&account)?.ok_or_else(missing_sig)?;
    let ns = p.namespace_or_all("namespace")?;
    let expiry = p.req_timestamp("expiry")?;
    check_swarm(node, &account)?;
    let now = node.now_ms();
    if expiry + origin.tolerance_ms() < now {
        return Err(RpcResponse::text(406, "expire_all timestamp should be >= current time"));
    }
    let msg = format!("expire_all{}{expiry}", ns.sig_text());
    check_auth(node, &account, &auth, access::DELETE, false, msg.as_bytes(), "expire_all signature verification failed")?;
    let owner = account.to_hex();
    let mine = match node.store.shorten_all(&owner, ns.one(), expiry, now, system_ms()) {
        Ok(rows) => {
            let (updated, sorted) = ns_result(rows, ns == NsOrAll::All);
            let e = expiry.to_string();
            let mut parts: Vec<&[u8]> = vec![owner.as_bytes(), e.as_bytes()];
            parts.extend(sorted.iter().map(|h| h.as_bytes()));
            json!({"updated": updated, "signature": node_sign(node, &parts)})
        }
        Err(_) => query_failure(),
    };
    Ok(finish_recursive(node, "expire_all", params, origin, mine, Map::new()).await)
}

pub fn get_expiries(node: &Arc<Node>, params: &Map<String, Value>) -> RpcResult {
    let p = Params(params);
    let account = p.pubkey(false)?;
    let auth = p.auth(&account)?.ok_or_else(missing_sig)?;
    let hashes = p.hashes("messages")?;
    let ts = p.req_timestamp("timestamp")?;
    check_swarm(node, &account)?;
    check_clock(node, ts, Origin::Client, "get_expiries timestamp too far from current time")?;
    let mut msg = format!("get_expiries{ts}").into_bytes();
    for h in &hashes {
        msg.extend_from_slice(h.as_bytes());
    }
    check_auth(node, &account, &auth, access::READ, false, &msg, "get_expiries signature verification failed")?;
    let exp = node
        .store
        .get_expiries(&account.to_hex(), &hashes, node.now_ms())
        .map_err(|_| RpcResponse::text(500, "Internal Server Error. Could not read expiries"))?;
    let mut res = Map::new();
    res.insert("expiries".into(), json!(exp));
    add_misc(node, &mut res);
    Ok(RpcResponse::json(200, Value::Object(res)))
}
