//! Bad input gets the documented status and a plain-text reason, the node keeps serving and
//! nothing stored is touched; and the per-IP rate limit answers 429 while node-to-node traffic
//! stays exempt.

mod common;
use common::*;
use serde_json::{json, Value};
use session_node::{RateLimitConfig, TestnetConfig};
use session_sdk::identity::Identity;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_and_change_nothing() {
    let t = net(1, 3).await;
    let c = client();
    let alice = Identity::generate();
    let acct = account(&alice);
    let pk = acct.to_hex();
    let node = t.node(0).clone();
    for k in 0..3u8 {
        store(&c, &node, &acct, 0, &[k; 10], 600_000, None).await;
    }
    let snapshot = |v: Value| v["messages"].clone();
    let before = snapshot(retrieve(&c, &node, &alice, 0, "").await.json());
    assert_eq!(before.as_array().unwrap().len(), 3);

    let url = format!("{}/storage_rpc/v1", node.url);
    let ts = now_ms();
    let h = session_sdk::wire::message_hash::message_hash(&acct, 0, &[0; 10]);
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("malformed JSON", b"{\"method\": ".to_vec(), 400),
        ("not UTF-8", vec![0xff, 0xfe, 0x00], 400),
        ("JSON array", b"[1,2]".to_vec(), 400),
        ("method not a string", br#"{"method": 5, "params": {}}"#.to_vec(), 400),
        ("no params", br#"{"method": "info"}"#.to_vec(), 400),
        ("params not an object", br#"{"method": "store", "params": [1]}"#.to_vec(), 400),
        ("unknown method", br#"{"method": "frobnicate", "params": {}}"#.to_vec(), 400),
        ("forwarded-only by a client is still just a method", br#"{"method": "ifelse", "params": {}}"#.to_vec(), 400),
    ];
    let mut cases = cases;
    let bad_params: Vec<(&str, Value, &str)> = vec![
        ("timestamp not a number", json!({"pubkey": pk, "timestamp": "abc", "ttl": 60000, "data": "AAAA"}), "store"),
        ("namespace a string", json!({"pubkey": pk, "timestamp": ts, "ttl": 60000, "data": "AAAA", "namespace": "x"}), "store"),
        ("namespace out of range", json!({"pubkey": pk, "timestamp": ts, "ttl": 60000, "data": "AAAA", "namespace": 40000}), "store"),
        ("negative ttl", json!({"pubkey": pk, "timestamp": ts, "ttl": -5, "data": "AAAA"}), "store"),
        ("ttl and expiry", json!({"pubkey": pk, "timestamp": ts, "ttl": 60000, "expiry": ts + 60000, "data": "AAAA"}), "store"),
        ("short pubkey", json!({"pubkey": "05abcd", "timestamp": ts, "ttl": 60000, "data": "AAAA"}), "store"),
        ("non-hex pubkey", json!({"pubkey": "zz".repeat(33), "timestamp": ts, "ttl": 60000, "data": "AAAA"}), "store"),
        ("bad base64 data", json!({"pubkey": pk, "timestamp": ts, "ttl": 60000, "data": "!!not base64!!"}), "store"),
        ("data over 76800 bytes", json!({"pubkey": pk, "timestamp": ts, "ttl": 60000, "data": b64(&vec![7u8; 76_801])}), "store"),
        ("data missing", json!({"pubkey": pk, "timestamp": ts, "ttl": 60000}), "store"),
        ("signature wrong length", json!({"pubkey": pk, "timestamp": ts, "signature": b64(&[1u8; 10])}), "retrieve"),
        ("bad last_hash", json!({"pubkey": pk, "timestamp": ts, "signature": b64(&[1u8; 64]), "last_hash": "short"}), "retrieve"),
        (
            "pubkey_ed25519 not hex",
            json!({"pubkey": pk, "timestamp": ts, "signature": b64(&[1u8; 64]), "pubkey_ed25519": "x".repeat(64)}),
            "retrieve",
        ),
        ("messages not a list", json!({"pubkey": pk, "messages": 5, "signature": b64(&[1u8; 64])}), "delete"),
        ("invalid hash", json!({"pubkey": pk, "messages": ["abc"], "signature": b64(&[1u8; 64])}), "delete"),
        ("empty messages", json!({"pubkey": pk, "messages": [], "signature": b64(&[1u8; 64])}), "delete"),
        (
            "bad subaccount token",
            json!({"pubkey": pk, "messages": [h], "signature": b64(&[1u8; 64]), "subaccount": "abc", "subaccount_sig": b64(&[1u8; 64])}),
            "delete",
        ),
        ("expiry list length", json!({"pubkey": pk, "messages": [h], "expiry": [ts, ts, ts], "signature": b64(&[1u8; 64])}), "expire"),
        (
            "shorten and extend",
            json!({"pubkey": pk, "messages": [h], "expiry": ts, "shorten": true, "extend": true, "signature": b64(&[1u8; 64])}),
            "expire",
        ),
        (
            "namespace all wrong",
            json!({"pubkey": pk, "namespace": "everything", "timestamp": ts, "signature": b64(&[1u8; 64])}),
            "delete_all",
        ),
        ("oxend params not object", json!({"endpoint": "get_service_nodes", "params": 5}), "oxend_request"),
    ];
    let bodies: Vec<(String, Vec<u8>)> =
        bad_params.iter().map(|(what, p, m)| (what.to_string(), json!({"method": m, "params": p}).to_string().into_bytes())).collect();
    for (what, body) in &bodies {
        cases.push((what.as_str(), body.clone(), 400));
    }
    // A valid but wrongly signed delete of a stored message: 401, nothing deleted.
    let forged = json!({"method": "delete", "params": {"pubkey": pk, "pubkey_ed25519": hex::encode(alice.ed25519_public_key()),
        "messages": [h], "signature": b64(&[1u8; 64])}})
    .to_string()
    .into_bytes();
    cases.push(("forged delete signature", forged, 401));

    for (what, body, want) in &cases {
        let r = post(&c, &url, body.clone()).await;
        assert_eq!(r.status, *want, "{what}: {}", r.text());
        assert!(!r.text().is_empty() && r.text().len() < 1000, "{what}: a short plain reason expected");
        assert!(serde_json::from_slice::<Value>(&r.body).is_err(), "{what}: reason should be plain text, got {}", r.text());
    }

    // Oversized body → 413; long-poll header → 410; unknown path → 404.
    let huge = vec![b' '; 10 * 1024 * 1024 + 1];
    assert_eq!(post(&c, &url, huge).await.status, 413);
    let r = c.post(&url).header("X-Loki-Long-Poll", "true").body(r#"{"method":"info","params":{}}"#).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 410);
    assert_eq!(post(&c, &format!("{}/nope", node.url), vec![]).await.status, 404);

    // Node-to-node endpoints refuse clients: unsigned, or signed by a key not in the node list.
    for path in ["/testnet/v1/relay", "/testnet/v1/storage_cc", "/testnet/v1/sync"] {
        assert_eq!(post(&c, &format!("{}{path}", node.url), br#"{"after":0,"limit":10}"#.to_vec()).await.status, 401, "{path}");
        let ts = now_ms().to_string();
        let body = br#"{"method":"delete_all","params":{}}"#;
        let msg = [path.as_bytes(), b"\n", ts.as_bytes(), b"\n", body].concat();
        let r = c
            .post(format!("{}{path}", node.url))
            .header("x-testnet-node", hex::encode(alice.ed25519_public_key()))
            .header("x-testnet-timestamp", &ts)
            .header("x-testnet-signature", sign(&alice, &msg))
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401, "{path} with a client key");
    }

    // Still serving, and every message is exactly as before.
    assert_eq!(rpc(&c, &node, "info", json!({})).await.status, 200);
    for k in 0..3 {
        assert_eq!(snapshot(retrieve(&c, &member(&t, &acct, k), &alice, 0, "").await.json()), before);
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429_and_exempts_nodes() {
    let t = net_with(TestnetConfig {
        swarms: 1,
        nodes_per_swarm: 2,
        rate_limit: RateLimitConfig { burst: 5, per_second: 1 },
        ..Default::default()
    })
    .await;
    let c = client();
    let a = t.node(0).clone();
    let b = t.node(1).clone();
    let start = Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(rpc(&c, &a, "info", json!({})).await.status);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let ok = statuses.iter().filter(|&&s| s == 200).count();
    assert!(statuses.iter().all(|&s| s == 200 || s == 429), "{statuses:?}");
    assert!(statuses.contains(&429), "no 429 in {statuses:?}");
    assert!(ok >= 5 && ok as f64 <= 5.0 + elapsed + 1.0, "{ok} allowed in {elapsed:.2}s: {statuses:?}");
    // The onion entry point shares the bucket: garbage gets 400 while a token is left (one may
    // have refilled meanwhile), then 429.
    let mut onion = Vec::new();
    for _ in 0..10 {
        let s = post(&c, &format!("{}/onion_req/v2", a.url), b"x".to_vec()).await.status;
        onion.push(s);
        if s == 429 {
            break;
        }
    }
    assert_eq!(onion.last(), Some(&429), "{onion:?}");
    assert!(onion.iter().all(|&s| s == 400 || s == 429), "{onion:?}");

    // A store entering at b is forwarded to a although a refuses this client: node-to-node
    // traffic is not rate limited.
    let alice = Identity::generate();
    let acct = account(&alice);
    let r = store(&c, &b, &acct, 0, b"through b", 60_000, None).await;
    assert_eq!(r.status, 200);
    let entry = &r.json()["swarm"][hex::encode(a.ed25519)];
    assert!(entry.get("failed").is_none(), "{entry}");

    // The bucket refills.
    let (c2, a2) = (&c, &a);
    wait_for(Duration::from_secs(10), "the bucket to refill", || async move { rpc(c2, a2, "info", json!({})).await.status == 200 }).await;
    t.stop().await;
}
