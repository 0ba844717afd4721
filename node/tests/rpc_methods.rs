//! Every storage RPC method over real HTTPS: success shapes, per-member node signatures,
//! 421 with the correct swarm, and the network-level methods.

mod common;
use common::*;
use serde_json::{json, Value};
use session_sdk::identity::Identity;
use session_sdk::wire::message_hash::message_hash;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_retrieve_duplicate_and_421() {
    let t = net(2, 3).await;
    let c = client();
    let alice = Identity::generate();
    let acct = account(&alice);
    let node = member(&t, &acct, 0);

    // Public inbox store without auth; every member signs the hash.
    let r = store(&c, &node, &acct, 0, b"hello", 60_000, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let hash = message_hash(&acct, 0, b"hello");
    assert_eq!(v["hash"], json!(hash));
    check_swarm_sigs(&t, &acct, &v, |_| hash.as_bytes().to_vec());
    for e in v["swarm"].as_object().unwrap().values() {
        assert_eq!(e["hash"], json!(hash));
        assert!(e.get("already").is_none());
        assert!(e["expiry"].as_u64().unwrap() > now_ms());
    }

    // Duplicate: accepted, already=true, expiry extended when later.
    let first_expiry = v["swarm"][hex::encode(node.ed25519)]["expiry"].as_u64().unwrap();
    let r2 = store(&c, &node, &acct, 0, b"hello", 120_000, None).await;
    let v2 = r2.json();
    for e in v2["swarm"].as_object().unwrap().values() {
        assert_eq!(e["already"], json!(true));
        assert!(e["expiry"].as_u64().unwrap() > first_expiry + 50_000, "{e}");
    }
    let r3 = store(&c, &node, &acct, 0, b"hello", 30_000, None).await;
    for e in r3.json()["swarm"].as_object().unwrap().values() {
        assert!(e["expiry"].as_u64().unwrap() > first_expiry + 50_000, "shorter duplicate must not shorten: {e}");
    }

    // Retrieve from another member (replicated), with last_hash and max_count.
    store(&c, &node, &acct, 0, b"second", 60_000, None).await;
    store(&c, &node, &acct, 0, b"third", 60_000, None).await;
    let other = member(&t, &acct, 2);
    let r = retrieve(&c, &other, &alice, 0, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let hs = hashes(&v);
    assert_eq!(hs.len(), 3);
    assert_eq!(hs[0], hash);
    assert_eq!(v["more"], json!(false));
    let m0 = &v["messages"][0];
    assert_eq!(unb64(m0["data"].as_str().unwrap()), b"hello");
    assert!(m0["timestamp"].as_u64().is_some() && m0["expiration"].as_u64().is_some());
    assert!(v["t"].as_u64().is_some() && v["hf"].is_array());
    let after = hashes(&retrieve(&c, &other, &alice, 0, &hs[0]).await.json());
    assert_eq!(after, hs[1..].to_vec());
    // An unknown last_hash returns everything.
    let unknown = message_hash(&acct, 0, b"never stored");
    assert_eq!(hashes(&retrieve(&c, &other, &alice, 0, &unknown).await.json()).len(), 3);
    let mut p = retrieve_params(&alice, 0, "");
    p["max_count"] = json!(2);
    let v = rpc(&c, &other, "retrieve", p).await.json();
    assert_eq!((hashes(&v).len(), v["more"].clone()), (2, json!(true)));
    // max_size: always at least one message.
    let mut p = retrieve_params(&alice, 0, "");
    p["max_size"] = json!(1);
    let v = rpc(&c, &other, "retrieve", p).await.json();
    assert_eq!((hashes(&v).len(), v["more"].clone()), (1, json!(true)));

    // 421 from a node of another swarm, body = the correct swarm.
    let wrong = non_member(&t, &acct);
    let r = store(&c, &wrong, &acct, 0, b"x", 60_000, None).await;
    assert_eq!(r.status, 421);
    let v = r.json();
    assert_eq!(v["swarm"], json!(format!("{:x}", t.swarm_for(&acct))));
    let mut listed: Vec<String> =
        v["snodes"].as_array().unwrap().iter().map(|s| s["pubkey_ed25519"].as_str().unwrap().to_string()).collect();
    let mut want: Vec<String> = t.nodes_for(&acct).iter().map(|&i| hex::encode(t.node(i).ed25519)).collect();
    listed.sort();
    want.sort();
    assert_eq!(listed, want);
    assert!(v["t"].is_u64() && v["hf"].is_array());
    assert_eq!(retrieve(&c, &wrong, &alice, 0, "").await.status, 421);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_with_signed_results() {
    let t = net(2, 3).await;
    let c = client();
    let alice = Identity::generate();
    let acct = account(&alice);
    let pk_hex = acct.to_hex();
    let edpk = hex::encode(alice.ed25519_public_key());
    let node = member(&t, &acct, 1);
    let mut hs = Vec::new();
    for d in [b"a".as_slice(), b"b", b"c"] {
        let v = store(&c, &node, &acct, 0, d, 60_000, None).await.json();
        hs.push(v["hash"].as_str().unwrap().to_string());
    }
    store(&c, &node, &acct, 2, b"config", 60_000, Some(&alice)).await;

    // delete: one existing and one unknown hash.
    let unknown = message_hash(&acct, 0, b"zzz");
    let req = vec![hs[0].clone(), unknown.clone()];
    let sig = sign(&alice, format!("delete{}{}", req[0], req[1]).as_bytes());
    let p = json!({"pubkey": pk_hex, "pubkey_ed25519": edpk, "messages": req, "signature": sig});
    let v = rpc(&c, &node, "delete", p).await.json();
    check_swarm_sigs(&t, &acct, &v, |e| {
        let mut m = pk_hex.clone() + &req.concat();
        for h in e["deleted"].as_array().unwrap() {
            m += h.as_str().unwrap();
        }
        m.into_bytes()
    });
    for e in v["swarm"].as_object().unwrap().values() {
        assert_eq!(e["deleted"], json!([hs[0]]));
    }
    // required:true with nothing to delete → 404.
    let sig = sign(&alice, format!("delete{unknown}").as_bytes());
    let p = json!({"pubkey": pk_hex, "pubkey_ed25519": edpk, "messages": [unknown], "required": true, "signature": sig});
    assert_eq!(rpc(&c, &node, "delete", p).await.status, 404);

    // delete_before in namespace 0 deletes everything stored so far there.
    let before = now_ms();
    let sig = sign(&alice, format!("delete_before{before}").as_bytes());
    let p = json!({"pubkey": pk_hex, "pubkey_ed25519": edpk, "before": before, "signature": sig});
    let v = rpc(&c, &node, "delete_before", p).await.json();
    let mut rest = vec![hs[1].clone(), hs[2].clone()];
    rest.sort();
    check_swarm_sigs(&t, &acct, &v, |_| format!("{pk_hex}{before}{}", rest.concat()).into_bytes());
    for e in v["swarm"].as_object().unwrap().values() {
        assert_eq!(e["deleted"], json!(rest));
    }
    assert!(hashes(&retrieve(&c, &node, &alice, 0, "").await.json()).is_empty());

    // delete_all "all": the namespace-2 message, reported per namespace.
    let ts = now_ms();
    let sig = sign(&alice, format!("delete_allall{ts}").as_bytes());
    let p = json!({"pubkey": pk_hex, "pubkey_ed25519": edpk, "namespace": "all", "timestamp": ts, "signature": sig});
    let v = rpc(&c, &node, "delete_all", p).await.json();
    let cfg_hash = message_hash(&acct, 2, b"config");
    check_swarm_sigs(&t, &acct, &v, |_| format!("{pk_hex}{ts}{cfg_hash}").into_bytes());
    for e in v["swarm"].as_object().unwrap().values() {
        assert_eq!(e["deleted"], json!({"2": [cfg_hash]}));
    }
    // delete_all of one namespace returns a list.
    store(&c, &node, &acct, 0, b"again", 60_000, None).await;
    let ts = now_ms();
    let sig = sign(&alice, format!("delete_all{ts}").as_bytes());
    let p = json!({"pubkey": pk_hex, "pubkey_ed25519": edpk, "timestamp": ts, "signature": sig});
    let v = rpc(&c, &node, "delete_all", p).await.json();
    for e in v["swarm"].as_object().unwrap().values() {
        assert_eq!(e["deleted"], json!([message_hash(&acct, 0, b"again")]));
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expire_expire_all_get_expiries() {
    let t = net(2, 3).await;
    let c = client();
    let alice = Identity::generate();
    let acct = account(&alice);
    let pk_hex = acct.to_hex();
    let edpk = hex::encode(alice.ed25519_public_key());
    let node = member(&t, &acct, 0);
    let h1 = store(&c, &node, &acct, 0, b"one", 600_000, None).await.json()["hash"].as_str().unwrap().to_string();
    let h2 = store(&c, &node, &acct, 0, b"two", 600_000, None).await.json()["hash"].as_str().unwrap().to_string();

    // Plain expire of both to a new single expiry.
    let exp = now_ms() + 300_000;
    let msgs = vec![h1.clone(), h2.clone()];
    let sig = sign(&alice, format!("expire{exp}{h1}{h2}").as_bytes());
    let p = json!({"pubkey": pk_hex, "pubkey_ed25519": edpk, "messages": msgs, "expiry": exp, "signature": sig});
    let v = rpc(&c, &node, "expire", p).await.json();
    let mut sorted = msgs.clone();
    sorted.sort();
    check_swarm_sigs(&t, &acct, &v, |e| format!("{pk_hex}{}{h1}{h2}{}", e["expiry"], sorted.concat()).into_bytes());
    for e in v["swarm"].as_object().unwrap().values() {
        assert_eq!(e["expiry"], json!(exp));
        assert_eq!(e["updated"], json!(sorted));
    }

    // extend-only with a shorter expiry: nothing updated, both unchanged (signed).
    let shorter = now_ms() + 200_000;
    let sig = sign(&alice, format!("expireextend{shorter}{h1}{h2}").as_bytes());
    let p = json!({"pubkey": pk_hex, "pubkey_ed25519": edpk, "messages": msgs, "expiry": shorter, "extend": true, "signature": sig});
    let v = rpc(&c, &node, "expire", p).await.json();
    check_swarm_sigs(&t, &acct, &v, |e| {
        let mut m = format!("{pk_hex}{shorter}{h1}{h2}");
        for (h, x) in e["unchanged"].as_object().unwrap() {
            m += &format!("{h}{x}");
        }
        m.into_bytes()
    });
    for e in v["swarm"].as_object().unwrap().values() {
        assert_eq!(e["updated"], json!([]));
        assert_eq!(e["unchanged"][&h1], json!(exp));
    }

    // Multiple expiries, one per message.
    let (e1, e2) = (now_ms() + 100_000, now_ms() + 110_000);
    let sig = sign(&alice, format!("expire{e1}{e2}{h1}{h2}").as_bytes());
    let p = json!({"pubkey": pk_hex, "pubkey_ed25519": edpk, "messages": msgs, "expiry": [e1, e2], "signature": sig});
    let v = rpc(&c, &node, "expire", p).await.json();
    assert_eq!(v["swarm"].as_object().unwrap().len(), 3, "{v}");
    for e in v["swarm"].as_object().unwrap().values() {
        assert_eq!(e["updated"].as_array().unwrap().len(), 2, "{e}");
    }

    // get_expiries (one member, not recursive).
    let ts = now_ms();
    let sig = sign(&alice, format!("get_expiries{ts}{h1}{h2}").as_bytes());
    let p = json!({"pubkey": pk_hex, "pubkey_ed25519": edpk, "messages": msgs, "timestamp": ts, "signature": sig});
    let v = rpc(&c, &member(&t, &acct, 2), "get_expiries", p).await.json();
    assert_eq!(v["expiries"][&h1], json!(e1));
    assert_eq!(v["expiries"][&h2], json!(e2));

    // expire_all shortens everything in namespace 0 beyond the new expiry.
    let all = now_ms() + 50_000;
    let sig = sign(&alice, format!("expire_all{all}").as_bytes());
    let p = json!({"pubkey": pk_hex, "pubkey_ed25519": edpk, "expiry": all, "signature": sig});
    let v = rpc(&c, &node, "expire_all", p).await.json();
    check_swarm_sigs(&t, &acct, &v, |_| format!("{pk_hex}{all}{}", sorted.concat()).into_bytes());
    let ms = retrieve(&c, &node, &alice, 0, "").await.json();
    for m in ms["messages"].as_array().unwrap() {
        assert_eq!(m["expiration"], json!(all));
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_methods_batch_and_sequence() {
    let t = net(3, 2).await;
    let c = client();
    let alice = Identity::generate();
    let acct = account(&alice);
    let any = t.node(0).clone();

    // info
    let v = rpc(&c, &any, "info", json!({})).await.json();
    assert_eq!(v["version"].as_array().unwrap().len(), 3);
    assert!(v["timestamp"].is_u64() && v["t"].is_u64() && v["hf"].is_array());

    // get_swarm and its alias, from a node of any swarm.
    for m in ["get_swarm", "get_snodes_for_pubkey"] {
        let v = rpc(&c, &any, m, json!({"pubkey": acct.to_hex()})).await.json();
        assert_eq!(v["swarm"], json!(format!("{:x}", t.swarm_for(&acct))));
        let sn = v["snodes"].as_array().unwrap();
        assert_eq!(sn.len(), 2);
        for s in sn {
            let n = t.nodes().iter().find(|n| hex::encode(n.ed25519) == s["pubkey_ed25519"].as_str().unwrap()).expect("listed node");
            assert_eq!(s["pubkey_x25519"], json!(hex::encode(n.x25519)));
            assert_eq!(s["port_https"], json!(n.port));
            assert_eq!(s["port"], json!(n.port.to_string()));
            assert_eq!(s["ip"], json!("127.0.0.1"));
        }
    }

    // oxend_request get_service_nodes, with and without fields.
    let fields = json!({"public_ip": true, "storage_port": true, "pubkey_x25519": true, "pubkey_ed25519": true, "swarm_id": true});
    let v = rpc(&c, &any, "oxend_request", json!({"endpoint": "get_service_nodes", "params": {"active_only": true, "fields": fields}}))
        .await
        .json();
    let states = v["result"]["service_node_states"].as_array().unwrap();
    assert_eq!(states.len(), 6);
    for s in states {
        let keys: Vec<&String> = s.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 5, "only requested fields: {s}");
        assert!(t.swarm_ids().contains(&s["swarm_id"].as_u64().unwrap()));
    }
    let v = rpc(&c, &any, "oxend_request", json!({"endpoint": "get_service_nodes"})).await.json();
    assert!(v["result"]["service_node_states"][0]["requested_unlock_height"].is_u64());
    assert_eq!(rpc(&c, &any, "oxend_request", json!({"endpoint": "get_block_count"})).await.status, 400);

    // The seed endpoint, swarms.md §3 shape.
    let seed_req = json!({"jsonrpc": "2.0", "method": "get_n_service_nodes", "params": {"active_only": true,
        "fields": {"public_ip": true, "storage_port": true, "pubkey_x25519": true, "pubkey_ed25519": true,
                   "requested_unlock_height": true, "height": true}}});
    let r = c.post(format!("{}/json_rpc", t.seed_urls()[0])).body(seed_req.to_string()).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    let v: Value = r.json().await.unwrap();
    let states = v["result"]["service_node_states"].as_array().unwrap();
    assert_eq!(states.len(), 6);
    for s in states {
        for f in ["public_ip", "storage_port", "pubkey_ed25519", "pubkey_x25519", "requested_unlock_height"] {
            assert!(s.get(f).is_some(), "{f} missing in {s}");
        }
    }
    assert!(v["result"]["height"].is_u64());

    // batch: a store and a retrieve; codes and bodies in order.
    let node = member(&t, &acct, 0);
    let ts = now_ms();
    let st = json!({"method": "store", "params": {"pubkey": acct.to_hex(), "timestamp": ts, "ttl": 60000, "data": b64(b"batched")}});
    let rt = json!({"method": "retrieve", "params": retrieve_params(&alice, 0, "")});
    let bad = json!({"method": "retrieve", "params": {"pubkey": acct.to_hex()}});
    let v = rpc(&c, &node, "batch", json!({"requests": [st, bad, rt]})).await.json();
    let res = v["results"].as_array().unwrap();
    assert_eq!(res.len(), 3);
    assert_eq!(res[0]["code"], json!(200));
    assert_eq!(res[0]["body"]["hash"], json!(message_hash(&acct, 0, b"batched")));
    assert_eq!(res[1]["code"], json!(400));
    assert!(res[1]["body"].is_string());
    assert_eq!(res[2]["code"], json!(200));

    // sequence stops after the first failure.
    let v = rpc(&c, &node, "sequence", json!({"requests": [bad, rt, rt]})).await.json();
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    // 0 or 21 subrequests, nesting → 400.
    assert_eq!(rpc(&c, &node, "batch", json!({"requests": []})).await.status, 400);
    let many: Vec<Value> = (0..21).map(|_| json!({"method": "info", "params": {}})).collect();
    assert_eq!(rpc(&c, &node, "batch", json!({"requests": many})).await.status, 400);
    let nested = json!({"method": "batch", "params": {"requests": [{"method": "info", "params": {}}]}});
    assert_eq!(rpc(&c, &node, "batch", json!({"requests": [nested]})).await.status, 400);
    t.stop().await;
}
