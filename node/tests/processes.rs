//! Nodes as separate processes: a member SIGKILLed and restarted in the middle of traffic loses
//! no acknowledged message and catches up; the `session-testnet` binary writes its description
//! and stops cleanly on SIGTERM; the blocking `TestnetHandle` works from plain threads.

mod common;
use common::*;
use serde_json::json;
use session_node::{NetworkDescription, RateLimitConfig, TestnetConfig, TestnetHandle};
use session_sdk::identity::Identity;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_session-testnet");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_traffic_loses_nothing() {
    let t = net_with(TestnetConfig {
        swarms: 1,
        nodes_per_swarm: 5,
        sync_interval: Duration::from_secs(1),
        rate_limit: RateLimitConfig::unlimited(),
        processes: Some(PathBuf::from(BIN)),
        ..Default::default()
    })
    .await;
    let users: Vec<Identity> = (0..3).map(|_| Identity::generate()).collect();
    let acked: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let nodes = t.nodes().to_vec();

    // Traffic: stores round-robin over all five members; a store counts once acknowledged.
    let traffic = {
        let (acked, count, stop, nodes) = (acked.clone(), count.clone(), stop.clone(), nodes.clone());
        let accts: Vec<_> = users.iter().map(account).collect();
        tokio::spawn(async move {
            let c = reqwest::Client::builder().danger_accept_invalid_certs(true).timeout(Duration::from_secs(10)).build().unwrap();
            let mut k = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let u = k % accts.len();
                let node = &nodes[k % nodes.len()];
                let data = format!("message {k}");
                let body = json!({"method": "store", "params": {"pubkey": accts[u].to_hex(), "timestamp": now_ms(), "ttl": 600000, "data": b64(data.as_bytes())}});
                if let Ok(r) = c.post(format!("{}/storage_rpc/v1", node.url)).body(body.to_string()).send().await {
                    if r.status().as_u16() == 200 {
                        if let Ok(v) = r.json::<serde_json::Value>().await {
                            if let Some(h) = v["hash"].as_str() {
                                acked.lock().unwrap().push((u, h.to_string()));
                                count.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
                k += 1;
            }
        })
    };
    let reach = |n: usize| {
        let count = count.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(60);
            while count.load(Ordering::Relaxed) < n {
                assert!(Instant::now() < deadline, "traffic stalled below {n}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };

    reach(30).await;
    t.stop_node(2).await.unwrap(); // SIGKILL
    assert!(!t.is_running(2));
    let at_kill = count.load(Ordering::Relaxed);
    reach(at_kill + 40).await;
    t.restart_node(2).await.unwrap();
    let at_restart = count.load(Ordering::Relaxed);
    reach(at_restart + 30).await;
    stop.store(true, Ordering::Relaxed);
    traffic.await.unwrap();

    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 100);
    let c = client();
    for (u, id) in users.iter().enumerate() {
        let mut want: Vec<String> = acked.iter().filter(|(x, _)| *x == u).map(|(_, h)| h.clone()).collect();
        want.sort();
        for n in &nodes {
            let (c, n, want) = (&c, n, &want);
            wait_for(Duration::from_secs(20), "every acknowledged message on every member", || async move {
                let v = retrieve(c, n, id, 0, "").await;
                if v.status != 200 {
                    return false;
                }
                let mut got = hashes(&v.json());
                got.sort();
                want.iter().all(|h| got.binary_search(h).is_ok())
            })
            .await;
        }
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_writes_description_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let desc = dir.path().join("testnet.json");
    for processes in [false, true] {
        let _ = std::fs::remove_file(&desc);
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(["--swarms", "1", "--nodes-per-swarm", "2", "--data-dir"])
            .arg(dir.path().join(if processes { "p" } else { "i" }))
            .arg("--description")
            .arg(&desc)
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true);
        if processes {
            cmd.arg("--processes");
        }
        let mut child = cmd.spawn().unwrap();
        let d = desc.clone();
        wait_for(Duration::from_secs(60), "the description file", || {
            let d = d.clone();
            async move { std::fs::read(&d).ok().and_then(|b| serde_json::from_slice::<NetworkDescription>(&b).ok()).is_some() }
        })
        .await;
        let nd: NetworkDescription = serde_json::from_slice(&std::fs::read(&desc).unwrap()).unwrap();
        assert_eq!(nd.network, "testnet");
        assert_eq!(nd.nodes.len(), 2);
        assert_eq!(nd.file_server.protocol, "http");
        assert_eq!(nd.file_server.x25519_pubkey.len(), 64);
        let c = client();
        let r = post(&c, &format!("{}/storage_rpc/v1", nd.seed_nodes[0]), br#"{"method":"info","params":{}}"#.to_vec()).await;
        assert_eq!(r.status, 200);

        let pid = child.id().unwrap();
        let st = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
        assert!(st.success());
        let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.expect("exits after SIGTERM").unwrap();
        assert!(status.success(), "{status:?}");
        // Every node (child processes included) is gone.
        for n in &nd.nodes {
            let addr = format!("{}:{}", n.ip, n.port);
            wait_for(Duration::from_secs(10), "the node's port to close", || {
                let addr = addr.clone();
                async move { tokio::net::TcpStream::connect(&addr).await.is_err() }
            })
            .await;
        }
    }
}

#[test]
fn blocking_handle_from_plain_threads() {
    let h = TestnetHandle::start(TestnetConfig {
        swarms: 1,
        nodes_per_swarm: 3,
        rate_limit: RateLimitConfig::unlimited(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(h.nodes().len(), 3);
    assert_eq!(h.description().seed_nodes.len(), 3);
    let file = h.data_dir().join("desc.json");
    h.write_description(&file).unwrap();
    let nd: NetworkDescription = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(&nd, h.description());
    let alice = Identity::generate();
    let acct = account(&alice);
    assert_eq!(h.nodes_for(&acct).len(), 3);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let c = client();
    let n1 = h.nodes()[1].clone();
    rt.block_on(async { assert_eq!(store(&c, &n1, &acct, 0, b"sync", 60_000, None).await.status, 200) });
    h.stop_node(1).unwrap();
    assert!(!h.is_running(1));
    h.restart_node(1).unwrap();
    assert!(h.is_running(1));
    // A fresh client: the old one's pooled connection died with the stopped node, and this
    // current-thread runtime was not running to notice.
    let c = client();
    rt.block_on(async { assert_eq!(hashes(&retrieve(&c, &n1, &alice, 0, "").await.json()).len(), 1) });
    let addr = format!("127.0.0.1:{}", n1.port);
    drop(h);
    assert!(std::net::TcpStream::connect(&addr).is_err(), "stopped on drop");
}
