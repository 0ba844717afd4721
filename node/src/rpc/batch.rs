//! `batch` (subrequests run concurrently) and `sequence` (in order, stopping after the first
//! non-2xx); 1..20 subrequests, none of them batch/sequence/ifelse.

use super::{dispatch, Origin, RpcResponse};
use crate::node::Node;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const MAX_SUBREQUESTS: usize = 20;

pub async fn batch(node: &Arc<Node>, params: &Map<String, Value>, sequence: bool) -> RpcResponse {
    let Some(Value::Array(reqs)) = params.get("requests") else {
        return RpcResponse::text(400, "invalid request: Invalid batch request: no valid \"requests\" field");
    };
    if reqs.is_empty() {
        return RpcResponse::text(400, "invalid request: Invalid batch request: empty \"requests\" list");
    }
    if reqs.len() > MAX_SUBREQUESTS {
        return RpcResponse::text(400, "invalid request: Invalid batch request: subrequest limit exceeded");
    }
    let mut subs = Vec::with_capacity(reqs.len());
    for r in reqs {
        let Value::Object(r) = r else {
            return RpcResponse::text(400, "invalid request: Invalid batch request: requests must be objects");
        };
        let (Some(Value::String(m)), Some(Value::Object(p))) = (r.get("method"), r.get("params")) else {
            return RpcResponse::text(400, "invalid request: Invalid batch request: subrequests must have method/params keys");
        };
        if matches!(m.as_str(), "batch" | "sequence" | "ifelse") {
            return RpcResponse::text(400, "invalid request: Invalid batch request: recursive batch/sequence/ifelse not allowed");
        }
        subs.push((m.clone(), p.clone()));
    }
    let mut results = Vec::with_capacity(subs.len());
    if sequence {
        for (m, p) in subs {
            let r = dispatch(node, &m, &p, Origin::Client).await;
            let ok = (200..300).contains(&r.status);
            results.push(json!({"code": r.status, "body": r.body_value()}));
            if !ok {
                break;
            }
        }
    } else {
        let mut set = tokio::task::JoinSet::new();
        for (k, (m, p)) in subs.into_iter().enumerate() {
            let node = node.clone();
            set.spawn(async move { (k, dispatch(&node, &m, &p, Origin::Client).await) });
        }
        let mut out: Vec<Option<RpcResponse>> = vec![None; reqs.len()];
        while let Some(j) = set.join_next().await {
            if let Ok((k, r)) = j {
                out[k] = Some(r);
            }
        }
        for r in out {
            let r = r.unwrap_or_else(|| RpcResponse::text(500, "request failed"));
            results.push(json!({"code": r.status, "body": r.body_value()}));
        }
    }
    RpcResponse::json(200, json!({"results": results}))
}
