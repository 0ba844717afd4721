//! Swarm replication (in-process nodes): a store through one member reaches all five; a member
//! that is down is reported failed, loses nothing for the swarm, and on restart catches up with
//! messages stored, deleted and re-expired while it was down. Also TTL expiry and restart
//! persistence.

mod common;
use common::*;
use serde_json::json;
use session_node::{RateLimitConfig, TestnetConfig};
use session_sdk::identity::Identity;
use session_sdk::wire::message_hash::message_hash;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_stores_and_a_returning_member_catches_up() {
    let t = net_with(TestnetConfig {
        swarms: 2,
        nodes_per_swarm: 5,
        sync_interval: Duration::from_millis(500),
        rate_limit: RateLimitConfig::unlimited(),
        ..Default::default()
    })
    .await;
    let c = client();
    let alice = Identity::generate();
    let acct = account(&alice);
    let members: Vec<_> = (0..5).map(|k| member(&t, &acct, k)).collect();
    let pk = acct.to_hex();
    let edpk = hex::encode(alice.ed25519_public_key());

    // A store via member 0 is on all five members as soon as it is acknowledged.
    let r = store(&c, &members[0], &acct, 0, b"m0", 600_000, None).await;
    check_swarm_sigs(&t, &acct, &r.json(), |_| message_hash(&acct, 0, b"m0").into_bytes());
    store(&c, &members[1], &acct, 0, b"m1", 600_000, None).await;
    for m in &members {
        let hs = hashes(&retrieve(&c, m, &alice, 0, "").await.json());
        assert_eq!(hs, [message_hash(&acct, 0, b"m0"), message_hash(&acct, 0, b"m1")], "on {}", m.url);
    }
    // A delete via another member removes it everywhere.
    store(&c, &members[2], &acct, 0, b"gone", 600_000, None).await;
    let gone = message_hash(&acct, 0, b"gone");
    let p =
        json!({"pubkey": pk, "pubkey_ed25519": edpk, "messages": [gone], "signature": sign(&alice, format!("delete{gone}").as_bytes())});
    assert_eq!(rpc(&c, &members[3], "delete", p).await.status, 200);
    for m in &members {
        assert!(!hashes(&retrieve(&c, m, &alice, 0, "").await.json()).contains(&gone));
    }

    // Member 4 goes down.
    let down = t.nodes_for(&acct)[4];
    t.stop_node(down).await.unwrap();
    let r = store(&c, &members[0], &acct, 0, b"while down", 600_000, None).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    let entry = &v["swarm"][hex::encode(members[4].ed25519)];
    assert_eq!((entry["failed"].clone(), entry["timeout"].clone()), (json!(true), json!(true)), "{v}");
    assert_eq!(v["swarm"].as_object().unwrap().values().filter(|e| e.get("failed").is_none()).count(), 4);
    // Changes while it is down: delete m1, shorten m0's expiry.
    let m1 = message_hash(&acct, 0, b"m1");
    let p = json!({"pubkey": pk, "pubkey_ed25519": edpk, "messages": [m1], "signature": sign(&alice, format!("delete{m1}").as_bytes())});
    assert_eq!(rpc(&c, &members[1], "delete", p).await.status, 200);
    let m0 = message_hash(&acct, 0, b"m0");
    let exp = now_ms() + 120_000;
    let p = json!({"pubkey": pk, "pubkey_ed25519": edpk, "messages": [m0], "expiry": exp, "shorten": true,
        "signature": sign(&alice, format!("expireshorten{exp}{m0}").as_bytes())});
    assert_eq!(rpc(&c, &members[2], "expire", p).await.status, 200);
    // Nothing is lost for the swarm while a member is down.
    let expect = vec![m0.clone(), message_hash(&acct, 0, b"while down")];
    for m in &members[..4] {
        assert_eq!(hashes(&retrieve(&c, m, &alice, 0, "").await.json()), expect);
    }

    // Back up: it has the message stored while it was down, not the deleted one, and the
    // shortened expiry.
    t.restart_node(down).await.unwrap();
    let v = retrieve(&c, &members[4], &alice, 0, "").await.json();
    let mut got = hashes(&v);
    got.sort();
    let mut want = expect.clone();
    want.sort();
    assert_eq!(got, want);
    let m0_entry = v["messages"].as_array().unwrap().iter().find(|m| m["hash"] == json!(m0)).unwrap();
    assert_eq!(m0_entry["expiration"], json!(exp));
    // Later sync rounds do not resurrect the deleted message anywhere.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    for m in &members {
        assert!(!hashes(&retrieve(&c, m, &alice, 0, "").await.json()).contains(&m1), "resurrected on {}", m.url);
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_expire_and_are_removed() {
    let t = net_with(TestnetConfig {
        swarms: 1,
        nodes_per_swarm: 2,
        cleanup_interval: Duration::from_millis(200),
        rate_limit: RateLimitConfig::unlimited(),
        ..Default::default()
    })
    .await;
    let c = client();
    let alice = Identity::generate();
    let acct = account(&alice);
    let node = t.node(0).clone();
    // TTL 20 s (≥ the 10 s minimum) from a timestamp 15 s ago: expires in about 5 s.
    let ts = now_ms() - 15_000;
    let p = json!({"pubkey": acct.to_hex(), "timestamp": ts, "ttl": 20_000, "data": b64(b"short-lived")});
    assert_eq!(rpc(&c, &node, "store", p).await.status, 200);
    store(&c, &node, &acct, 0, b"long-lived", 600_000, None).await;
    assert_eq!(hashes(&retrieve(&c, &node, &alice, 0, "").await.json()).len(), 2);
    let (c2, n2, a2) = (&c, &node, &alice);
    wait_for(
        Duration::from_secs(15),
        "the message to expire",
        || async move { hashes(&retrieve(c2, n2, a2, 0, "").await.json()).len() == 1 },
    )
    .await;
    // And the cleanup task removed it from both databases.
    for i in 0..2 {
        let db = t.data_dir().join(format!("node-{i:02}")).join("storage.db");
        wait_for(Duration::from_secs(10), "cleanup", || {
            let db = db.clone();
            async move {
                let conn = rusqlite::Connection::open(&db).unwrap();
                conn.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get::<_, i64>(0)).unwrap() == 1
            }
        })
        .await;
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_every_message() {
    // One node alone in its swarm: nothing to catch up from, so everything comes from its disk.
    let t = net(1, 1).await;
    let c = client();
    let alice = Identity::generate();
    let acct = account(&alice);
    let node = t.node(0).clone();
    let mut want = Vec::new();
    for k in 0..20u32 {
        let d = format!("msg {k}");
        store(&c, &node, &acct, 0, d.as_bytes(), 600_000, None).await;
        want.push(message_hash(&acct, 0, d.as_bytes()));
    }
    t.stop_node(0).await.unwrap();
    t.restart_node(0).await.unwrap();
    assert_eq!(hashes(&retrieve(&c, &node, &alice, 0, "").await.json()), want);
    t.stop().await;
}
