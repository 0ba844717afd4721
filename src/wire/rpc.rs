//! Storage RPC shapes (../shared/protocol/storage-rpc.md): request parameters with their
//! signatures, and response parsing. Pure: the caller supplies the time.

use crate::crypto::signer::Signer;
use crate::error::{Error, Result};
use crate::identity::AccountId;
use base64::Engine;
use serde_json::{json, Map, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The namespace as it appears in hashes and signatures: empty for 0, else decimal.
pub fn namespace_text(ns: i16) -> String {
    if ns == 0 {
        String::new()
    } else {
        ns.to_string()
    }
}

/// Add `signature` (over `msg`, by `signer`) and the signer's identifying fields to `params`.
pub fn add_auth(signer: &Signer<'_>, params: &mut Map<String, Value>, msg: &[u8]) {
    params.insert("signature".into(), B64.encode(signer.sign(msg)).into());
    match signer {
        Signer::User(id) => {
            params.insert("pubkey_ed25519".into(), hex::encode(id.ed25519_public_key()).into());
        }
        Signer::GroupAdmin { .. } => {}
        Signer::Subaccount { token, token_signature, .. } => {
            params.insert("subaccount".into(), B64.encode(token).into());
            params.insert("subaccount_sig".into(), B64.encode(token_signature).into());
        }
    }
}

/// A method call: `{"method": m, "params": {...}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: &'static str,
    pub params: Value,
}

impl Request {
    pub fn to_json(&self) -> Value {
        json!({"method": self.method, "params": self.params})
    }
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_json()).expect("JSON")
    }
}

/// `store`: `data` for `account` in `namespace`, living `ttl_ms`. Non-public namespaces need a
/// signer (`"store" ‖ ns ‖ timestamp`).
pub fn store(account: &AccountId, namespace: i16, data: &[u8], ttl_ms: i64, now_ms: i64, signer: Option<&Signer>) -> Request {
    let mut p = Map::new();
    p.insert("pubkey".into(), account.to_hex().into());
    p.insert("namespace".into(), namespace.into());
    p.insert("data".into(), B64.encode(data).into());
    p.insert("ttl".into(), ttl_ms.into());
    p.insert("timestamp".into(), now_ms.into());
    if let Some(s) = signer {
        p.insert("sig_timestamp".into(), now_ms.into());
        add_auth(s, &mut p, format!("store{}{now_ms}", namespace_text(namespace)).as_bytes());
    }
    Request { method: "store", params: Value::Object(p) }
}

/// `retrieve`: messages after `last_hash` (`"retrieve" ‖ ns ‖ timestamp`).
pub fn retrieve(account: &AccountId, namespace: i16, last_hash: Option<&str>, now_ms: i64, signer: &Signer) -> Request {
    let mut p = Map::new();
    p.insert("pubkey".into(), account.to_hex().into());
    p.insert("namespace".into(), namespace.into());
    p.insert("last_hash".into(), last_hash.unwrap_or("").into());
    p.insert("timestamp".into(), now_ms.into());
    add_auth(signer, &mut p, format!("retrieve{}{now_ms}", namespace_text(namespace)).as_bytes());
    Request { method: "retrieve", params: Value::Object(p) }
}

/// `delete` specific messages (`"delete" ‖ hashes…`).
pub fn delete(account: &AccountId, hashes: &[String], signer: &Signer) -> Request {
    let mut p = Map::new();
    p.insert("pubkey".into(), account.to_hex().into());
    p.insert("messages".into(), hashes.into());
    let mut msg = b"delete".to_vec();
    for h in hashes {
        msg.extend_from_slice(h.as_bytes());
    }
    add_auth(signer, &mut p, &msg);
    Request { method: "delete", params: Value::Object(p) }
}

/// `expire` with `extend`: push the expiry of `hashes` out to `expiry_ms` (never shortens; the
/// node caps it at 30 days). Signed over `"expire" ‖ "extend" ‖ expiry ‖ hashes…`.
pub fn expire_extend(account: &AccountId, hashes: &[String], expiry_ms: i64, signer: &Signer) -> Request {
    let mut p = Map::new();
    p.insert("pubkey".into(), account.to_hex().into());
    p.insert("messages".into(), hashes.into());
    p.insert("expiry".into(), expiry_ms.into());
    p.insert("extend".into(), true.into());
    let mut msg = format!("expireextend{expiry_ms}").into_bytes();
    for h in hashes {
        msg.extend_from_slice(h.as_bytes());
    }
    add_auth(signer, &mut p, &msg);
    Request { method: "expire", params: Value::Object(p) }
}

/// `revoke_subaccount` / `unrevoke_subaccount` (group admins):
/// `"revoke_subaccount" ‖ timestamp ‖ token bytes…`.
pub fn revoke_subaccounts(account: &AccountId, tokens: &[[u8; 36]], revoke: bool, now_ms: i64, signer: &Signer) -> Request {
    let (method, field) = if revoke { ("revoke_subaccount", "revoke") } else { ("unrevoke_subaccount", "unrevoke") };
    let mut p = Map::new();
    p.insert("pubkey".into(), account.to_hex().into());
    p.insert(field.into(), tokens.iter().map(|t| B64.encode(t)).collect::<Vec<_>>().into());
    p.insert("timestamp".into(), now_ms.into());
    let mut msg = format!("{method}{now_ms}").into_bytes();
    for t in tokens {
        msg.extend_from_slice(t);
    }
    add_auth(signer, &mut p, &msg);
    Request { method, params: Value::Object(p) }
}

/// `batch`: up to 20 subrequests in one round trip, answered in order.
pub fn batch(requests: &[Request]) -> Request {
    Request { method: "batch", params: json!({"requests": requests.iter().map(Request::to_json).collect::<Vec<_>>()}) }
}

/// The per-subrequest results of a `batch`: (status code, body).
pub fn parse_batch(v: &Value) -> Result<Vec<(u16, Value)>> {
    let results = v.get("results").and_then(Value::as_array).ok_or_else(|| Error::malformed("batch reply lacks results"))?;
    Ok(results
        .iter()
        .map(|r| {
            let code = r.get("code").and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok()).unwrap_or(0);
            (code, r.get("body").cloned().unwrap_or(Value::Null))
        })
        .collect())
}

/// `get_swarm` (no auth).
pub fn get_swarm(account: &AccountId) -> Request {
    Request { method: "get_swarm", params: json!({"pubkey": account.to_hex()}) }
}

/// `info` (no params): version and node time.
pub fn info() -> Request {
    Request { method: "info", params: json!({}) }
}

/// `oxend_request get_service_nodes`: the node list, as nodes see it.
pub fn get_service_nodes() -> Request {
    Request {
        method: "oxend_request",
        params: json!({"endpoint": "get_service_nodes", "params": {"active_only": true, "fields": {
            "public_ip": true, "storage_port": true, "pubkey_x25519": true, "pubkey_ed25519": true, "swarm_id": true}}}),
    }
}

/// The seed nodes' JSON-RPC body for the node list.
pub fn seed_get_n_service_nodes() -> Value {
    json!({"jsonrpc": "2.0", "id": "0", "method": "get_n_service_nodes", "params": {"active_only": true, "fields": {
        "public_ip": true, "storage_port": true, "pubkey_x25519": true, "pubkey_ed25519": true, "swarm_id": true}}})
}

// ---- responses -------------------------------------------------------------------------------

/// A node as a response lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedNode {
    pub ip: String,
    pub port: u16,
    pub ed25519: [u8; 32],
    pub x25519: [u8; 32],
    pub swarm_id: Option<u64>,
}

fn key_field(v: &Value, field: &str) -> Option<[u8; 32]> {
    let mut k = [0u8; 32];
    hex::decode_to_slice(v.get(field)?.as_str()?, &mut k).ok()?;
    Some(k)
}

fn port_field(v: &Value, fields: &[&str]) -> Option<u16> {
    fields.iter().find_map(|f| match v.get(*f)? {
        Value::Number(n) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

/// Parse a node entry from a seed or `get_service_nodes` list (`public_ip`, `storage_port`) or a
/// swarm list (`ip`, `port_https`). Entries without a usable address are skipped (`None`).
pub fn parse_listed_node(v: &Value) -> Option<ListedNode> {
    let ip = v.get("public_ip").or_else(|| v.get("ip"))?.as_str()?.to_string();
    if ip.is_empty() || ip == "0.0.0.0" {
        return None;
    }
    Some(ListedNode {
        ip,
        port: port_field(v, &["storage_port", "port_https", "port"])?,
        ed25519: key_field(v, "pubkey_ed25519")?,
        x25519: key_field(v, "pubkey_x25519")?,
        swarm_id: v.get("swarm_id").and_then(|s| s.as_u64().or_else(|| s.as_str().and_then(|t| u64::from_str_radix(t, 16).ok()))),
    })
}

/// The node list of a seed reply (`result.service_node_states`) or of an `oxend_request`
/// reply (`result.service_node_states`).
pub fn parse_service_node_list(v: &Value) -> Result<Vec<ListedNode>> {
    let states = v
        .get("result")
        .and_then(|r| r.get("service_node_states"))
        .and_then(Value::as_array)
        .ok_or_else(|| Error::malformed("node list reply lacks result.service_node_states"))?;
    Ok(states.iter().filter_map(parse_listed_node).collect())
}

/// The members of a `get_swarm` reply (or of a 421 body).
pub fn parse_swarm(v: &Value) -> Result<Vec<ListedNode>> {
    let snodes = v.get("snodes").and_then(Value::as_array).ok_or_else(|| Error::malformed("swarm reply lacks snodes"))?;
    Ok(snodes.iter().filter_map(parse_listed_node).collect())
}

/// A retrieved message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retrieved {
    pub hash: String,
    pub timestamp: i64,
    pub expiration: i64,
    pub data: Vec<u8>,
}

/// Parse a `retrieve` reply: messages (bad entries skipped, counted) and the `more` flag.
pub fn parse_retrieve(v: &Value) -> Result<(Vec<Retrieved>, usize, bool)> {
    let msgs = v.get("messages").and_then(Value::as_array).ok_or_else(|| Error::malformed("retrieve reply lacks messages"))?;
    let mut out = Vec::with_capacity(msgs.len());
    let mut bad = 0;
    for m in msgs {
        let parsed = (|| {
            Some(Retrieved {
                hash: m.get("hash")?.as_str()?.to_string(),
                timestamp: m.get("timestamp")?.as_i64()?,
                expiration: m.get("expiration").or_else(|| m.get("expiry"))?.as_i64()?,
                data: B64.decode(m.get("data")?.as_str()?).ok()?,
            })
        })();
        match parsed {
            Some(r) => out.push(r),
            None => bad += 1,
        }
    }
    Ok((out, bad, v.get("more").and_then(Value::as_bool).unwrap_or(false)))
}

/// The outcome of a recursive `store`: the message hash if at least one member stored it.
pub fn parse_store(v: &Value) -> Result<String> {
    let swarm = v.get("swarm").and_then(Value::as_object).ok_or_else(|| Error::malformed("store reply lacks swarm"))?;
    let ok = swarm.values().find_map(|r| {
        if r.get("failed").and_then(Value::as_bool) == Some(true) {
            None
        } else {
            r.get("hash").and_then(Value::as_str).map(str::to_owned)
        }
    });
    ok.or_else(|| v.get("hash").and_then(Value::as_str).map(str::to_owned))
        .ok_or_else(|| Error::new(crate::ErrorKind::Network, "no swarm member stored the message"))
}

/// The node time (`t`, ms) most replies carry.
pub fn node_time(v: &Value) -> Option<i64> {
    v.get("t").and_then(Value::as_i64).or_else(|| v.get("timestamp").and_then(Value::as_i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::group_key::GroupAdminKey;
    use crate::crypto::subaccount::{make_auth_data, SubaccountSigner};
    use crate::identity::Identity;
    use crate::sodium;

    #[test]
    fn signatures_cover_the_documented_strings() {
        let id = Identity::generate();
        let acct = id.session_id().account();
        let r = retrieve(&acct, 0, None, 1_700_000_000_000, &Signer::User(&id));
        let sig = B64.decode(r.params["signature"].as_str().unwrap()).unwrap();
        assert!(sodium::ed25519_verify(&sig.try_into().unwrap(), b"retrieve1700000000000", id.ed25519_public_key()));
        let r = retrieve(&acct, -11, Some("h"), 5, &Signer::User(&id));
        let sig = B64.decode(r.params["signature"].as_str().unwrap()).unwrap();
        assert!(sodium::ed25519_verify(&sig.try_into().unwrap(), b"retrieve-115", id.ed25519_public_key()));
        let s = store(&acct, 2, b"x", 1000, 7, Some(&Signer::User(&id)));
        let sig = B64.decode(s.params["signature"].as_str().unwrap()).unwrap();
        assert!(sodium::ed25519_verify(&sig.try_into().unwrap(), b"store27", id.ed25519_public_key()));
        assert!(store(&acct, 0, b"x", 1000, 7, None).params.get("signature").is_none());
        let e = expire_extend(&acct, &["h1".into(), "h2".into()], 99, &Signer::User(&id));
        assert_eq!((e.method, &e.params["extend"], &e.params["expiry"]), ("expire", &json!(true), &json!(99)));
        let sig = B64.decode(e.params["signature"].as_str().unwrap()).unwrap();
        assert!(sodium::ed25519_verify(&sig.try_into().unwrap(), b"expireextend99h1h2", id.ed25519_public_key()));
    }

    #[test]
    fn parses_replies() {
        let v: Value = serde_json::from_str(
            r#"{"messages":[{"hash":"h","timestamp":1,"expiration":2,"data":"aGk="},{"hash":"bad"}],"more":true,"t":9}"#,
        )
        .unwrap();
        let (m, bad, more) = parse_retrieve(&v).unwrap();
        assert_eq!((m.len(), bad, more, m[0].data.as_slice()), (1, 1, true, &b"hi"[..]));
        assert_eq!(node_time(&v), Some(9));
        let k = "aa".repeat(32);
        let swarm: Value = serde_json::from_str(&format!(
            r#"{{"snodes":[{{"ip":"1.2.3.4","port_https":22021,"pubkey_ed25519":"{k}","pubkey_x25519":"{k}"}},{{"ip":"0.0.0.0","port_https":1,"pubkey_ed25519":"{k}","pubkey_x25519":"{k}"}}]}}"#
        ))
        .unwrap();
        assert_eq!(parse_swarm(&swarm).unwrap().len(), 1);
        let st: Value = serde_json::from_str(r#"{"swarm":{"a":{"failed":true,"timeout":true},"b":{"hash":"H","expiry":1}}}"#).unwrap();
        assert_eq!(parse_store(&st).unwrap(), "H");
        let st: Value = serde_json::from_str(r#"{"swarm":{"a":{"failed":true}}}"#).unwrap();
        assert!(parse_store(&st).is_err());
    }

    #[test]
    fn rpc_signer_adds_subaccount_fields() {
        let admin = GroupAdminKey::generate();
        let me = Identity::generate();
        let s = SubaccountSigner::new(&me, &make_auth_data(&admin, &me.session_id(), true, false).unwrap()).unwrap();
        let mut params = serde_json::Map::new();
        s.with_rpc_signer(|signer| add_auth(signer, &mut params, b"retrieve11123"));
        assert_eq!(params["subaccount"], B64.encode(s.token()));
        assert_eq!(params["subaccount_sig"], B64.encode(s.token_signature()));
        let sig = B64.decode(params["signature"].as_str().unwrap()).unwrap();
        assert!(sodium::ed25519_verify_slices(&sig, b"retrieve11123", &s.public_key()).unwrap());
    }
}
