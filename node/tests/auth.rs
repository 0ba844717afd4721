//! Authentication and policy failures: missing, bad, stale and future signatures; the wrong
//! Ed25519 key; subaccount tokens (valid, insufficient flags, revoked, unrevocable namespace);
//! TTL and timestamp rules; namespaces that need auth.

mod common;
use common::*;
use serde_json::json;
use session_node::{RateLimitConfig, TestnetConfig};
use session_sdk::identity::Identity;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_clock_and_ttl_rules() {
    let t = net(1, 3).await;
    let c = client();
    let alice = Identity::generate();
    let mallory = Identity::generate();
    let acct = account(&alice);
    let node = member(&t, &acct, 0);
    store(&c, &node, &acct, 0, b"secret", 60_000, None).await;

    // Retrieve without a signature → 400 (signature is a required field), garbage → 400.
    let r = rpc(&c, &node, "retrieve", json!({"pubkey": acct.to_hex(), "timestamp": now_ms()})).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let mut p = retrieve_params(&alice, 0, "");
    p["signature"] = json!("not base64!");
    assert_eq!(rpc(&c, &node, "retrieve", p).await.status, 400);
    // Someone else's signature → 401.
    let mut p = retrieve_params(&alice, 0, "");
    let ts = p["timestamp"].as_u64().unwrap();
    p["signature"] = json!(sign(&mallory, format!("retrieve{ts}").as_bytes()));
    let r = rpc(&c, &node, "retrieve", p).await;
    assert_eq!((r.status, r.text().as_str()), (401, "retrieve signature verification failed"));
    // A pubkey_ed25519 that does not convert to the Session ID → 401.
    let mut p = retrieve_params(&alice, 0, "");
    p["pubkey_ed25519"] = json!(hex::encode(mallory.ed25519_public_key()));
    assert_eq!(rpc(&c, &node, "retrieve", p).await.status, 401);
    // Signed over the wrong namespace → 401.
    let mut p = retrieve_params(&alice, 0, "");
    p["namespace"] = json!(2);
    assert_eq!(rpc(&c, &node, "retrieve", p).await.status, 401);

    // Stale and future timestamps (properly signed) → 406.
    for skew in [-75_000i64, 75_000] {
        let ts = (now_ms() as i64 + skew) as u64;
        let p = json!({"pubkey": acct.to_hex(), "pubkey_ed25519": hex::encode(alice.ed25519_public_key()),
            "timestamp": ts, "signature": sign(&alice, format!("retrieve{ts}").as_bytes())});
        let r = rpc(&c, &node, "retrieve", p).await;
        assert_eq!(r.status, 406, "skew {skew}: {}", r.text());
    }
    // A timestamp below 10^9 ms ("must be in milliseconds") → 400.
    let ts = 999_999_999u64;
    let p = json!({"pubkey": acct.to_hex(), "pubkey_ed25519": hex::encode(alice.ed25519_public_key()),
        "timestamp": ts, "signature": sign(&alice, format!("retrieve{ts}").as_bytes())});
    assert_eq!(rpc(&c, &node, "retrieve", p).await.status, 400);

    // Non-public namespace store: no signature → 401, bad → 401, stale sig_timestamp → 406.
    assert_eq!(store(&c, &node, &acct, 2, b"cfg", 60_000, None).await.status, 401);
    assert_eq!(store(&c, &node, &acct, 2, b"cfg", 60_000, Some(&mallory)).await.status, 401);
    let ts = now_ms();
    let old = ts - 120_000;
    let p = json!({"pubkey": acct.to_hex(), "pubkey_ed25519": hex::encode(alice.ed25519_public_key()), "timestamp": ts,
        "sig_timestamp": old, "ttl": 60000, "namespace": 2, "data": b64(b"cfg"),
        "signature": sign(&alice, format!("store2{old}").as_bytes())});
    assert_eq!(rpc(&c, &node, "store", p).await.status, 406);
    assert_eq!(store(&c, &node, &acct, 2, b"cfg", 60_000, Some(&alice)).await.status, 200);

    // TTL rules: < 10 s, > 14 d public, > 30 d private → 403; 30 d private ok.
    let day = 24 * 3600 * 1000;
    assert_eq!(store(&c, &node, &acct, 0, b"t", 9_999, None).await.status, 403);
    assert_eq!(store(&c, &node, &acct, 0, b"t", 14 * day + 1, None).await.status, 403);
    assert_eq!(store(&c, &node, &acct, 0, b"t", 14 * day, None).await.status, 200);
    assert_eq!(store(&c, &node, &acct, 3, b"t", 30 * day, Some(&alice)).await.status, 200);
    assert_eq!(store(&c, &node, &acct, 3, b"t2", 30 * day + 1, Some(&alice)).await.status, 403);
    // Store timestamp in the future (> 10 s) or expiry in the past → 406.
    let p = json!({"pubkey": acct.to_hex(), "timestamp": now_ms() + 20_000, "ttl": 60000, "data": b64(b"f")});
    assert_eq!(rpc(&c, &node, "store", p).await.status, 406);
    let p = json!({"pubkey": acct.to_hex(), "timestamp": now_ms() - 100_000, "ttl": 60000, "data": b64(b"p")});
    assert_eq!(rpc(&c, &node, "store", p).await.status, 406);
    // expire into the past → 401; delete_before too far in the future → 401.
    let h = store(&c, &node, &acct, 0, b"e", 60_000, None).await.json()["hash"].as_str().unwrap().to_string();
    let exp = now_ms() - 120_000;
    let p = json!({"pubkey": acct.to_hex(), "pubkey_ed25519": hex::encode(alice.ed25519_public_key()), "messages": [h],
        "expiry": exp, "signature": sign(&alice, format!("expire{exp}{h}").as_bytes())});
    assert_eq!(rpc(&c, &node, "expire", p).await.status, 401);
    let before = now_ms() + 120_000;
    let p = json!({"pubkey": acct.to_hex(), "pubkey_ed25519": hex::encode(alice.ed25519_public_key()), "before": before,
        "signature": sign(&alice, format!("delete_before{before}").as_bytes())});
    assert_eq!(rpc(&c, &node, "delete_before", p).await.status, 401);
    // Nothing above touched the original message.
    let v = retrieve(&c, &node, &alice, 0, "").await.json();
    assert!(v["messages"].as_array().unwrap().iter().any(|m| unb64(m["data"].as_str().unwrap()) == b"secret"));
    t.stop().await;
}

/// A node whose clock runs 5 minutes fast: signatures made with the client's clock are refused
/// (406), signatures made with the node's `t` are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_offset_is_visible_and_enforced() {
    let t = net_with(TestnetConfig {
        swarms: 1,
        nodes_per_swarm: 2,
        clock_offsets_ms: vec![300_000, 300_000],
        rate_limit: RateLimitConfig::unlimited(),
        ..Default::default()
    })
    .await;
    let c = client();
    let alice = Identity::generate();
    let node = t.node(0).clone();
    let info = rpc(&c, &node, "info", json!({})).await.json();
    let node_t = info["t"].as_u64().unwrap();
    assert!(node_t > now_ms() + 290_000, "t reflects the offset");
    assert_eq!(retrieve(&c, &node, &alice, 0, "").await.status, 406);
    let offset = node_t as i64 - now_ms() as i64;
    let ts = (now_ms() as i64 + offset) as u64;
    let p = json!({"pubkey": account(&alice).to_hex(), "pubkey_ed25519": hex::encode(alice.ed25519_public_key()),
        "timestamp": ts, "signature": sign(&alice, format!("retrieve{ts}").as_bytes())});
    assert_eq!(rpc(&c, &node, "retrieve", p).await.status, 200);
    t.stop().await;
}

/// Group (03) accounts: admin key, subaccount tokens with flags, revocation and unrevocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subaccounts_and_revocation() {
    let t = net(1, 3).await;
    let c = client();
    let group = Identity::generate();
    let gacct = group_account(&group);
    let gid = gacct.to_hex();
    let node = member(&t, &gacct, 0);
    let member_id = Identity::generate();
    let token_for = |flags: u8| {
        let mut tok = [0u8; 36];
        tok[0] = 0x03;
        tok[1] = flags;
        tok[4..].copy_from_slice(member_id.ed25519_public_key());
        tok
    };
    let rw = token_for(0x01 | 0x02);
    let read_only = token_for(0x01);

    // Admin stores to namespace 11 with the group key.
    let r = store(&c, &node, &gacct, 11, b"group msg", 60_000, Some(&group)).await;
    assert_eq!(r.status, 200, "{}", r.text());

    let sub_store = |tok: [u8; 36], data: &'static [u8]| {
        let ts = now_ms();
        json!({"pubkey": gid, "timestamp": ts, "ttl": 60000, "namespace": 11, "data": b64(data),
            "subaccount": b64(&tok), "subaccount_sig": sign(&group, &tok),
            "signature": sign(&member_id, format!("store11{ts}").as_bytes())})
    };
    let sub_retrieve = |tok: [u8; 36], ns: i16| {
        let ts = now_ms();
        json!({"pubkey": gid, "timestamp": ts, "namespace": ns, "subaccount": hex::encode(tok), "subaccount_sig": sign(&group, &tok),
            "signature": sign(&member_id, format!("retrieve{}{ts}", ns_text(ns)).as_bytes())})
    };

    // Write-capable token stores; read-only token cannot (401) but can retrieve.
    assert_eq!(rpc(&c, &node, "store", sub_store(rw, b"from member")).await.status, 200);
    assert_eq!(rpc(&c, &node, "store", sub_store(read_only, b"nope")).await.status, 401);
    let r = rpc(&c, &node, "retrieve", sub_retrieve(read_only, 11)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(hashes(&r.json()).len(), 2);
    // A token not signed by the group → 401.
    let mut forged = sub_retrieve(read_only, 11);
    forged["subaccount_sig"] = json!(sign(&member_id, &read_only));
    assert_eq!(rpc(&c, &node, "retrieve", forged).await.status, 401);
    // A token whose prefix is not the account's → 401.
    let mut wrong_prefix = read_only;
    wrong_prefix[0] = 0x05;
    assert_eq!(rpc(&c, &node, "retrieve", sub_retrieve(wrong_prefix, 11)).await.status, 401);
    // Deleting needs the delete bit.
    let h = gacct.to_hex();
    let mh = session_sdk::wire::message_hash::message_hash(&gacct, 11, b"group msg");
    let p = json!({"pubkey": h, "messages": [mh], "subaccount": b64(&rw), "subaccount_sig": sign(&group, &rw),
        "signature": sign(&member_id, format!("delete{mh}").as_bytes())});
    assert_eq!(rpc(&c, &node, "delete", p).await.status, 401);

    // Revoke the read-only token (admin-signed); each member signs the result.
    let ts = now_ms();
    let mut m = format!("revoke_subaccount{ts}").into_bytes();
    m.extend_from_slice(&read_only);
    let p = json!({"pubkey": gid, "timestamp": ts, "revoke": b64(&read_only), "signature": sign(&group, &m)});
    let r = rpc(&c, &node, "revoke_subaccount", p.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut signed = gid.clone().into_bytes();
    signed.extend_from_slice(ts.to_string().as_bytes());
    signed.extend_from_slice(&read_only);
    check_swarm_sigs(&t, &gacct, &r.json(), |_| signed.clone());
    // A subaccount cannot revoke.
    let mut by_member = p.clone();
    by_member["signature"] = json!(sign(&member_id, &m));
    assert_eq!(rpc(&c, &node, "revoke_subaccount", by_member).await.status, 401);

    // Revoked on every member: refused for ns 11, still allowed for unrevocable -11.
    for k in 0..3 {
        let n = member(&t, &gacct, k);
        assert_eq!(rpc(&c, &n, "retrieve", sub_retrieve(read_only, 11)).await.status, 401, "member {k}");
        assert_eq!(rpc(&c, &n, "retrieve", sub_retrieve(read_only, -11)).await.status, 200, "member {k}");
    }
    // The other token is unaffected.
    assert_eq!(rpc(&c, &node, "retrieve", sub_retrieve(rw, 11)).await.status, 200);

    // Unrevoke restores access and reports the count.
    let ts = now_ms();
    let mut m = format!("unrevoke_subaccount{ts}").into_bytes();
    m.extend_from_slice(&read_only);
    let p = json!({"pubkey": gid, "timestamp": ts, "unrevoke": [hex::encode(read_only)], "signature": sign(&group, &m)});
    let v = rpc(&c, &node, "unrevoke_subaccount", p).await.json();
    for e in v["swarm"].as_object().unwrap().values() {
        assert_eq!(e["count"], json!(1));
    }
    assert_eq!(rpc(&c, &node, "retrieve", sub_retrieve(read_only, 11)).await.status, 200);
    t.stop().await;
}
