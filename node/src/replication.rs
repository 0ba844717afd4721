//! Swarm replication: recursive requests forwarded to every swarm peer (5 s timeout, results
//! merged per member), catch-up of a returning node from its peers' change logs (at start and
//! every `sync_interval_ms`), and periodic removal of expired messages.

use crate::internal::{self, CallError, SyncRequest, SYNC_PAGE};
use crate::node::Node;
use crate::store::ChangeBatch;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Timeout of a forwarded recursive request.
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(5);

/// Send `{method, params}` to every swarm peer concurrently; returns (ed25519 hex, per-node
/// result) for each, failed members as `{"failed": true, ...}` (storage-rpc.md §5).
pub async fn forward(node: &Arc<Node>, method: &str, params: &Map<String, Value>) -> Vec<(String, Value)> {
    let body = match serde_json::to_vec(&json!({"method": method, "params": params})) {
        Ok(b) => b,
        Err(_) => return vec![],
    };
    let mut set = JoinSet::new();
    for peer in &node.peers {
        let peer = peer.clone();
        let node = node.clone();
        let body = body.clone();
        set.spawn(async move {
            let key = peer.ed25519_hex().to_string();
            let v = match internal::call(&node, &peer, internal::STORAGE_CC_PATH, body, FORWARD_TIMEOUT).await {
                Ok((200, bytes)) => match serde_json::from_slice::<Value>(&bytes) {
                    Ok(v @ Value::Object(_)) => v,
                    _ => json!({"failed": true, "bad_peer_response": true}),
                },
                Ok((code, bytes)) => json!({"failed": true, "code": code, "reason": String::from_utf8_lossy(&bytes)}),
                Err(CallError::Timeout) | Err(CallError::Unreachable(_)) => json!({"failed": true, "timeout": true}),
            };
            (key, v)
        });
    }
    let mut out = Vec::with_capacity(node.peers.len());
    while let Some(r) = set.join_next().await {
        if let Ok(x) = r {
            out.push(x);
        }
    }
    out
}

/// Pull every peer's changes since the stored cursor. Returns rows applied; unreachable peers
/// are skipped (tried again next pass).
pub async fn sync_once(node: &Arc<Node>) -> usize {
    let mut applied = 0;
    for peer in &node.peers {
        let key = peer.ed25519_hex().to_string();
        loop {
            let Ok(after) = node.store.cursor(&key) else { break };
            let Ok(body) = serde_json::to_vec(&SyncRequest { after, limit: SYNC_PAGE }) else { break };
            let batch = match internal::call(node, peer, internal::SYNC_PATH, body, Duration::from_secs(10)).await {
                Ok((200, bytes)) => match serde_json::from_slice::<ChangeBatch>(&bytes) {
                    Ok(b) => b,
                    Err(_) => break,
                },
                _ => break,
            };
            match node.store.apply_changes(&batch, node.now_ms()) {
                Ok(n) => applied += n,
                Err(_) => break,
            }
            if batch.next > after && node.store.set_cursor(&key, batch.next).is_err() {
                break;
            }
            if !batch.more || batch.next <= after {
                break;
            }
        }
    }
    applied
}

/// Catch up now, then every `sync_interval_ms`, until shutdown.
pub async fn sync_loop(node: Arc<Node>, mut shutdown: watch::Receiver<bool>) {
    let every = Duration::from_millis(node.cfg.sync_interval_ms.max(100));
    loop {
        sync_once(&node).await;
        node.sync_passes.send_modify(|n| *n += 1);
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Remove expired messages every `cleanup_interval_ms`, until shutdown.
pub async fn cleanup_loop(node: Arc<Node>, mut shutdown: watch::Receiver<bool>) {
    let every = Duration::from_millis(node.cfg.cleanup_interval_ms.max(100));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => { let _ = node.store.cleanup(node.now_ms()); }
            _ = shutdown.changed() => return,
        }
    }
}
