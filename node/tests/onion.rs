//! Onion requests over three hops to a node and to the file server (both ciphers), and every
//! documented path error: garbage layers, undecryptable ciphertext, invalid inner JSON, unknown
//! next node, too many hops, disallowed URL, unreachable server.

mod common;
use common::*;
use serde_json::{json, Value};
use session_sdk::crypto::onion_hop::{self, EncType, Role};
use session_sdk::identity::Identity;
use session_sdk::sodium;
use session_sdk::wire::message_hash::message_hash;
use session_sdk::wire::onion::encode_layer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hops_to_a_node_and_to_the_file_server() {
    let t = net(2, 3).await;
    let c = client();
    let alice = Identity::generate();
    let acct = account(&alice);
    let dest = member(&t, &acct, 1);
    let other_swarm = non_member(&t, &acct);
    // Guard, middle, exit: any three distinct nodes.
    let path: Vec<_> = t.nodes().iter().rev().take(3).cloned().collect();
    for enc in enc_types() {
        let data = format!("via onion {}", enc.as_str());
        let ts = now_ms();
        let st =
            json!({"method": "store", "params": {"pubkey": acct.to_hex(), "timestamp": ts, "ttl": 60000, "data": b64(data.as_bytes())}});
        let reply = onion_to_node(&c, &path, &dest, &st, enc).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body["hash"], json!(message_hash(&acct, 0, data.as_bytes())));
        assert_eq!(reply.body["swarm"].as_object().unwrap().len(), 3);

        let rt = json!({"method": "retrieve", "params": retrieve_params(&alice, 0, "")});
        let reply = onion_to_node(&c, &path, &dest, &rt, enc).await;
        assert_eq!(reply.status, 200);
        assert!(reply.body["messages"].as_array().unwrap().iter().any(|m| unb64(m["data"].as_str().unwrap()) == data.as_bytes()));

        // RPC errors travel inside the encrypted reply: a node of another swarm answers 421.
        let reply = onion_to_node(&c, &path, &other_swarm, &rt, enc).await;
        assert_eq!(reply.status, 421);
        assert!(reply.body["snodes"].is_array());

        // File server: upload, download, info.
        let blob: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let up =
            onion_to_fs(&c, &t, &path, &v4("POST", "/file", json!({"Content-Type": "application/octet-stream"}), Some(blob.clone())), enc)
                .await;
        assert_eq!(up.code, 200, "{}", String::from_utf8_lossy(&up.body));
        let v: Value = serde_json::from_slice(&up.body).unwrap();
        let id = v["id"].as_str().expect("string id").to_string();
        assert!(v["expires"].as_f64().unwrap() > (now_ms() / 1000) as f64);
        let down = onion_to_fs(&c, &t, &path, &v4("GET", &format!("/file/{id}"), json!({}), None), enc).await;
        assert_eq!(down.code, 200);
        assert_eq!(down.content_type(), Some("application/octet-stream"));
        assert_eq!(down.body, blob);
    }
    t.stop().await;
}

/// Encrypt `payload` to `node` as a client would for one layer; returns the HTTP body and the
/// means to open an encrypted reply.
fn one_layer(node: &session_node::NodeInfo, payload: &[u8], extra: Value) -> (Vec<u8>, [u8; 32], [u8; 32]) {
    let enc = EncType::XChaCha20;
    let (a, a_pub) = sodium::x25519_keypair();
    let ct = onion_hop::encrypt(enc, &a, &a_pub, &node.x25519, Role::Client, payload).unwrap();
    let mut control = json!({"ephemeral_key": hex::encode(a_pub), "enc_type": enc.as_str()});
    if let (Some(m), Some(e)) = (control.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    (encode_layer(&ct, &control), a, a_pub)
}

fn open_reply(node: &session_node::NodeInfo, a: &[u8; 32], a_pub: &[u8; 32], body: &[u8]) -> Value {
    let ct = unb64(std::str::from_utf8(body).unwrap());
    let plain = onion_hop::decrypt(EncType::XChaCha20, a, a_pub, &node.x25519, Role::Client, &ct).unwrap();
    serde_json::from_slice(&plain).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_errors() {
    let t = net(1, 3).await;
    let c = client();
    let guard = t.node(0).clone();
    let url = format!("{}/onion_req/v2", guard.url);

    // Garbage, short and mis-framed bodies → plain 400.
    for body in [
        b"garbage".to_vec(),
        vec![],
        vec![1, 0],
        b"\x05\x00\x00\x00abcde{}".to_vec(),
        b"\x00\x00\x00\x00{\"ephemeral_key\":\"zz\"}".to_vec(),
    ] {
        let r = post(&c, &url, body.clone()).await;
        assert_eq!(r.status, 400, "{body:?}: {}", r.text());
        assert!(r.text().starts_with("Error parsing onion request"), "{}", r.text());
    }
    // Well framed, wrong key → 400 Invalid ciphertext.
    let stranger = session_node::NodeInfo { x25519: sodium::x25519_keypair().1, ..guard.clone() };
    let (body, _, _) = one_layer(&stranger, b"whatever", json!({}));
    let r = post(&c, &url, body).await;
    assert_eq!((r.status, r.text().as_str()), (400, "Invalid ciphertext"));
    // Decrypts, but the inner layer is not valid → encrypted 400 Invalid json.
    let (body, a, a_pub) = one_layer(&guard, b"\x01\x00\x00\x00x{not json", json!({}));
    let r = post(&c, &url, body).await;
    assert_eq!(r.status, 200);
    assert_eq!(open_reply(&guard, &a, &a_pub, &r.body), json!({"status": 400, "body": "Invalid json"}));
    // Unknown next node → 502 naming it.
    let unknown = hex::encode(sodium::random_array::<32>());
    let inner = encode_layer(b"ct", &json!({"destination": unknown, "ephemeral_key": hex::encode([9u8; 32])}));
    let (body, _, _) = one_layer(&guard, &inner, json!({}));
    let r = post(&c, &url, body).await;
    assert_eq!((r.status, r.text()), (502, format!("Next node not found: {unknown}")));
    // Too many hops → 400.
    let inner = encode_layer(b"ct", &json!({"destination": hex::encode(t.node(1).ed25519), "ephemeral_key": hex::encode([9u8; 32])}));
    let (body, _, _) = one_layer(&guard, &inner, json!({"hop_no": 16}));
    assert_eq!(post(&c, &url, body).await.status, 400);
    // A relay whose next layer is garbage: the next node's plain 400 comes back unchanged.
    let (body, _, _) = one_layer(&guard, &inner, json!({"hop_no": 3}));
    let r = post(&c, &url, body).await;
    assert_eq!((r.status, r.text().as_str()), (400, "Invalid ciphertext"));
    // Proxy to a URL that is not an lsrpc endpoint → encrypted 400 Invalid url.
    let fs = t.file_server().clone();
    let inner = encode_layer(b"ct", &json!({"host": fs.host, "port": fs.port, "protocol": "http", "target": "/file/1"}));
    let (body, a, a_pub) = one_layer(&guard, &inner, json!({}));
    let r = post(&c, &url, body).await;
    assert_eq!(open_reply(&guard, &a, &a_pub, &r.body), json!({"status": 400, "body": "Invalid url"}));
    // Proxy to a closed port → 502.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let inner = encode_layer(b"ct", &json!({"host": "127.0.0.1", "port": closed, "protocol": "http", "target": "/oxen/v4/lsrpc"}));
    let (body, _, _) = one_layer(&guard, &inner, json!({}));
    assert_eq!(post(&c, &url, body).await.status, 502);
    // A garbage layer for the file server → its plain 400 passes back unchanged.
    let inner =
        encode_layer(b"\x00\x00\x00\x00{}", &json!({"host": fs.host, "port": fs.port, "protocol": "http", "target": "/oxen/v4/lsrpc"}));
    let (body, _, _) = one_layer(&guard, &inner, json!({}));
    assert_eq!(post(&c, &url, body).await.status, 400);

    // A middle hop that is down: the path fails with a non-200 status.
    let path = [t.node(0).clone(), t.node(1).clone(), t.node(2).clone()];
    t.stop_node(1).await.unwrap();
    let hops: Vec<_> = path.iter().map(keys).collect();
    let req = session_sdk::wire::onion_request::build(
        &hops,
        &session_sdk::wire::onion_request::Destination::Node(keys(&path[2])),
        br#"{"method":"info","params":{}}"#,
        EncType::XChaCha20,
    )
    .unwrap();
    let r = post(&c, &url, req.body).await;
    assert!(r.status == 502 || r.status == 504, "{} {}", r.status, r.text());

    // After all that the guard still serves a good request.
    let reply =
        onion_to_node(&c, &[t.node(0).clone()], &t.node(2).clone(), &json!({"method": "info", "params": {}}), EncType::XChaCha20).await;
    assert_eq!(reply.status, 200);
    t.stop().await;
}
