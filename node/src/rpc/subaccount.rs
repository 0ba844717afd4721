//! `revoke_subaccount` / `unrevoke_subaccount` (recursive; storage-rpc.md §4, §8). Only the
//! account key may sign these; subaccounts are refused.

use super::params::{decode_token, Params};
use super::{check_auth, check_clock, check_swarm, finish_recursive, node_sign, query_failure, Origin, RpcResponse, RpcResult};
use crate::clock::system_ms;
use crate::node::Node;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Most tokens one request may (un)revoke.
const MAX_TOKENS: usize = 50;

pub async fn revoke(node: &Arc<Node>, params: &Map<String, Value>, origin: Origin, revoke: bool) -> RpcResult {
    let (method, field) = if revoke { ("revoke_subaccount", "revoke") } else { ("unrevoke_subaccount", "unrevoke") };
    let p = Params(params);
    let account = p.pubkey(false)?;
    let mut auth = p.auth(&account)?.ok_or_else(|| RpcResponse::text(400, "invalid request: Required field 'signature' missing"))?;
    let ts = p.req_timestamp("timestamp")?;
    let list = p.str_list(field)?.ok_or_else(|| RpcResponse::text(400, format!("invalid request: Required field '{field}' missing")))?;
    if list.len() > MAX_TOKENS {
        return Err(RpcResponse::text(
            400,
            format!("invalid request: invalid {field}: cannot {field} more than {MAX_TOKENS} subaccounts at once"),
        ));
    }
    if list.is_empty() {
        return Err(RpcResponse::text(400, format!("invalid request: Required field '{field}' missing")));
    }
    let mut tokens = Vec::with_capacity(list.len());
    for t in &list {
        let tok = decode_token(t).ok_or_else(|| {
            RpcResponse::text(400, format!("invalid request: invalid {field}: expected base64 or hex-encoded subaccount tag"))
        })?;
        tokens.push(tok.to_vec());
    }
    check_swarm(node, &account)?;
    check_clock(node, ts, Origin::Client, &format!("{method} timestamp too far from current time"))?;
    auth.subaccount = None; // only the account key may sign
    let mut msg = format!("{method}{ts}").into_bytes();
    for t in &tokens {
        msg.extend_from_slice(t);
    }
    check_auth(node, &account, &auth, 0, false, &msg, &format!("{method} signature verification failed"))?;

    let owner = account.to_hex();
    let ts_text = ts.to_string();
    let mut parts: Vec<&[u8]> = vec![owner.as_bytes(), ts_text.as_bytes()];
    parts.extend(tokens.iter().map(|t| t.as_slice()));
    let mine = if revoke {
        match node.store.revoke(&owner, &tokens, system_ms()) {
            Ok(()) => json!({"signature": node_sign(node, &parts)}),
            Err(_) => query_failure(),
        }
    } else {
        match node.store.unrevoke(&owner, &tokens, system_ms()) {
            Ok(count) => json!({"count": count, "signature": node_sign(node, &parts)}),
            Err(_) => query_failure(),
        }
    };
    Ok(finish_recursive(node, method, params, origin, mine, Map::new()).await)
}
