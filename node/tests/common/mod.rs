//! Shared client-side helpers for the node integration tests: an HTTPS client that (like real
//! Session clients) does not verify snode certificates, request signing with the SDK's
//! `Identity`, response checks, and polling with deadlines.
#![allow(dead_code)]

use base64::Engine;
use serde_json::{json, Value};
use session_node::{NodeInfo, RateLimitConfig, Testnet, TestnetConfig};
use session_sdk::identity::{AccountId, IdPrefix, Identity};
use session_sdk::sodium;
use session_sdk::wire::onion_request::NodeKeys;
use std::future::Future;
use std::time::{Duration, Instant};

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().danger_accept_invalid_certs(true).timeout(Duration::from_secs(40)).build().expect("client")
}

/// An HTTP response: status and body text.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text()))
    }
}

pub async fn post(c: &reqwest::Client, url: &str, body: Vec<u8>) -> Resp {
    let r = c.post(url).body(body).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = r.status().as_u16();
    Resp { status, body: r.bytes().await.expect("body").to_vec() }
}

pub async fn rpc(c: &reqwest::Client, node: &NodeInfo, method: &str, params: Value) -> Resp {
    post(c, &format!("{}/storage_rpc/v1", node.url), json!({"method": method, "params": params}).to_string().into_bytes()).await
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

pub fn b64(d: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(d)
}

pub fn unb64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).expect("base64")
}

pub fn sign(id: &Identity, msg: &[u8]) -> String {
    b64(&id.sign(msg))
}

pub fn account(id: &Identity) -> AccountId {
    id.session_id().account()
}

/// A v2 group account (03 + the Ed25519 key of `group`).
pub fn group_account(group: &Identity) -> AccountId {
    AccountId::new(IdPrefix::Group, *group.ed25519_public_key())
}

pub fn ns_text(ns: i16) -> String {
    if ns == 0 {
        String::new()
    } else {
        ns.to_string()
    }
}

/// A testnet of `swarms × per` in-process nodes without rate limiting.
pub async fn net(swarms: usize, per: usize) -> Testnet {
    net_with(TestnetConfig { swarms, nodes_per_swarm: per, rate_limit: RateLimitConfig::unlimited(), ..Default::default() }).await
}

pub async fn net_with(cfg: TestnetConfig) -> Testnet {
    Testnet::start(cfg).await.expect("testnet starts")
}

/// The k-th member of the swarm storing `acct`.
pub fn member(t: &Testnet, acct: &AccountId, k: usize) -> NodeInfo {
    t.node(t.nodes_for(acct)[k]).clone()
}

/// A node outside the swarm storing `acct`.
pub fn non_member(t: &Testnet, acct: &AccountId) -> NodeInfo {
    let s = t.swarm_for(acct);
    t.nodes().iter().find(|n| n.swarm_id != s).expect("another swarm").clone()
}

pub fn keys(n: &NodeInfo) -> NodeKeys {
    NodeKeys { ed25519: n.ed25519, x25519: n.x25519 }
}

/// Store `data` for `acct` (unauthenticated unless `signer` is given).
pub async fn store(
    c: &reqwest::Client,
    node: &NodeInfo,
    acct: &AccountId,
    ns: i16,
    data: &[u8],
    ttl: u64,
    signer: Option<&Identity>,
) -> Resp {
    let ts = now_ms();
    let mut p = json!({"pubkey": acct.to_hex(), "timestamp": ts, "ttl": ttl, "data": b64(data), "namespace": ns});
    if let Some(id) = signer {
        p["signature"] = json!(sign(id, format!("store{}{ts}", ns_text(ns)).as_bytes()));
        if acct.as_bytes()[0] == 0x05 {
            p["pubkey_ed25519"] = json!(hex::encode(id.ed25519_public_key()));
        }
    }
    rpc(c, node, "store", p).await
}

/// Signed retrieve params for a 05 user.
pub fn retrieve_params(id: &Identity, ns: i16, last_hash: &str) -> Value {
    let ts = now_ms();
    json!({
        "pubkey": account(id).to_hex(),
        "pubkey_ed25519": hex::encode(id.ed25519_public_key()),
        "namespace": ns,
        "timestamp": ts,
        "last_hash": last_hash,
        "signature": sign(id, format!("retrieve{}{ts}", ns_text(ns)).as_bytes()),
    })
}

pub async fn retrieve(c: &reqwest::Client, node: &NodeInfo, id: &Identity, ns: i16, last_hash: &str) -> Resp {
    rpc(c, node, "retrieve", retrieve_params(id, ns, last_hash)).await
}

pub fn hashes(retrieve_json: &Value) -> Vec<String> {
    retrieve_json["messages"].as_array().expect("messages").iter().map(|m| m["hash"].as_str().expect("hash").to_string()).collect()
}

/// Verify a node's base64 Ed25519 signature.
pub fn node_sig_ok(node_ed_hex: &str, sig_b64: &str, msg: &[u8]) -> bool {
    let pk: [u8; 32] = hex::decode(node_ed_hex).expect("hex").try_into().expect("32");
    let sig: [u8; 64] = unb64(sig_b64).try_into().expect("64-byte signature");
    sodium::ed25519_verify(&sig, msg, &pk)
}

/// Check a recursive response: its `swarm` dict has exactly the members of `acct`'s swarm,
/// none failed, and each signature verifies over `msg(entry)`.
pub fn check_swarm_sigs(t: &Testnet, acct: &AccountId, v: &Value, msg: impl Fn(&Value) -> Vec<u8>) {
    let swarm = v["swarm"].as_object().unwrap_or_else(|| panic!("no swarm dict in {v}"));
    let mut want: Vec<String> = t.nodes_for(acct).iter().map(|&i| hex::encode(t.node(i).ed25519)).collect();
    let mut got: Vec<String> = swarm.keys().cloned().collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "swarm members");
    for (k, e) in swarm {
        assert!(e.get("failed").is_none(), "member {k} failed: {e}");
        let sig = e["signature"].as_str().unwrap_or_else(|| panic!("no signature from {k}: {e}"));
        assert!(node_sig_ok(k, sig, &msg(e)), "bad signature from {k}: {e}");
    }
    assert!(v["t"].as_u64().is_some(), "t missing");
    assert!(v["hf"].as_array().is_some(), "hf missing");
}

/// Poll `f` every 100 ms until it returns true; panic with `what` after `timeout`.
pub async fn wait_for<F, Fut>(timeout: Duration, what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if f().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---- onion requests ---------------------------------------------------------------------------

use session_sdk::crypto::onion_hop::EncType;
use session_sdk::wire::onion::{V4Request, V4Response};
use session_sdk::wire::onion_request::{self, Destination, NodeReply};

/// Send `payload` (storage RPC JSON) to `dest` through `path` (guard first); open the reply.
pub async fn onion_to_node(c: &reqwest::Client, path: &[NodeInfo], dest: &NodeInfo, payload: &Value, enc: EncType) -> NodeReply {
    let hops: Vec<NodeKeys> = path.iter().map(keys).collect();
    let req = onion_request::build(&hops, &Destination::Node(keys(dest)), payload.to_string().as_bytes(), enc).expect("build");
    let r = post(c, &format!("{}/onion_req/v2", path[0].url), req.body).await;
    assert_eq!(r.status, 200, "onion path error: {}", r.text());
    onion_request::open_node_reply(&req.reply_key, &r.body).expect("open node reply")
}

/// The file server as an onion destination.
pub fn fs_destination(t: &Testnet) -> Destination {
    let fs = t.file_server();
    let mut x = [0u8; 32];
    hex::decode_to_slice(&fs.x25519_pubkey, &mut x).expect("fs key");
    Destination::Server { host: fs.host.clone(), port: fs.port, protocol: fs.protocol.clone(), target: "/oxen/v4/lsrpc".into(), x25519: x }
}

/// Send a v4 request to the file server through `path`; open the reply.
pub async fn onion_to_fs(c: &reqwest::Client, t: &Testnet, path: &[NodeInfo], req: &V4Request, enc: EncType) -> V4Response {
    let hops: Vec<NodeKeys> = path.iter().map(keys).collect();
    let built = onion_request::build(&hops, &fs_destination(t), &req.encode(), enc).expect("build");
    let r = post(c, &format!("{}/onion_req/v2", path[0].url), built.body).await;
    assert_eq!(r.status, 200, "onion path error: {}", r.text());
    onion_request::open_server_reply(&built.reply_key, &r.body).expect("open server reply")
}

pub fn v4(method: &str, endpoint: &str, headers: Value, body: Option<Vec<u8>>) -> V4Request {
    V4Request { method: method.into(), endpoint: endpoint.into(), headers: headers.as_object().cloned().unwrap_or_default(), body }
}

/// Both ciphers where the CPU supports AES-GCM (libsodium needs AES-NI for it).
pub fn enc_types() -> Vec<EncType> {
    let mut v = vec![EncType::XChaCha20];
    if sodium::aes_gcm_available() {
        v.push(EncType::AesGcm);
    }
    v
}
