//! Node benchmarks (a plain bench binary, `harness = false`): store and retrieve requests per
//! second against one node and against a 5-node swarm (a store through one member is replicated
//! to all five), and the latency of a 3-hop onion request, each beside a bare HTTPS echo on the
//! same stack (axum + hyper + tokio-rustls, same accept loop) measured in the same run.
//!
//! `cargo bench -p session-node --bench node` (release). `BENCH_SECS` sets the length of each
//! throughput run (default 3), `BENCH_CONCURRENCY` the number of concurrent clients (default 16),
//! `BENCH_ONION_N` the number of sequential onion requests (default 300).

use axum::body::Bytes;
use axum::routing::post;
use axum::Router;
use base64::Engine;
use serde_json::json;
use session_node::{NodeInfo, RateLimitConfig, Testnet, TestnetConfig};
use session_sdk::crypto::onion_hop::EncType;
use session_sdk::identity::Identity;
use session_sdk::wire::onion_request::{self, Destination, NodeKeys};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn b64(d: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(d)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().danger_accept_invalid_certs(true).timeout(Duration::from_secs(30)).build().expect("client")
}

/// A bare HTTPS echo server on the node's stack; returns its URL.
async fn echo_server() -> (String, tokio::sync::watch::Sender<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let tls = session_node::server::tls_acceptor(&["127.0.0.1".into()]).expect("tls");
    let router = Router::new().route("/echo", post(|b: Bytes| async move { b }));
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(session_node::server::serve(listener, Some(tls), router, rx));
    (format!("https://127.0.0.1:{port}/echo"), tx)
}

/// Run `make_req(worker, k)` from `conc` concurrent clients for `secs`; returns requests/s.
async fn throughput<F>(conc: usize, secs: u64, make_req: F) -> f64
where
    F: Fn(&reqwest::Client, usize, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make_req = Arc::new(make_req);
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let end = start + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for w in 0..conc {
        let (make_req, done, errors) = (make_req.clone(), done.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let c = client();
            let mut k = 0u64;
            while Instant::now() < end {
                match make_req(&c, w, k).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                k += 1;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let e = errors.load(Ordering::Relaxed);
    if e > 0 {
        eprintln!("  ({e} failed requests)");
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn store_body(acct_hex: &str, w: usize, k: u64) -> String {
    // ~100-byte payload, unique per request (so every store is a new message).
    let data = format!("bench message from worker {w} number {k} padding padding padding padding padding");
    json!({"method": "store", "params": {"pubkey": acct_hex, "timestamp": now_ms(), "ttl": 3_600_000, "data": b64(data.as_bytes())}})
        .to_string()
}

fn retrieve_body(id: &Identity) -> String {
    let ts = now_ms();
    json!({"method": "retrieve", "params": {
        "pubkey": id.session_id().account().to_hex(),
        "pubkey_ed25519": hex::encode(id.ed25519_public_key()),
        "timestamp": ts,
        "signature": b64(&id.sign(format!("retrieve{ts}").as_bytes())),
    }})
    .to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn keys(n: &NodeInfo) -> NodeKeys {
    NodeKeys { ed25519: n.ed25519, x25519: n.x25519 }
}

async fn net(nodes_per_swarm: usize) -> Testnet {
    Testnet::start(TestnetConfig { swarms: 1, nodes_per_swarm, rate_limit: RateLimitConfig::unlimited(), ..Default::default() })
        .await
        .expect("testnet")
}

async fn seed_messages(c: &reqwest::Client, url: &str, acct_hex: &str, n: usize) {
    for k in 0..n {
        let r = c.post(url).body(store_body(acct_hex, 999, k as u64)).send().await.expect("seed store");
        assert!(r.status().is_success());
    }
}

fn main() {
    let secs = env_or("BENCH_SECS", 3);
    let conc = env_or("BENCH_CONCURRENCY", 16) as usize;
    let onion_n = env_or("BENCH_ONION_N", 300) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        println!("session-node benchmarks: {secs} s per throughput run, {conc} concurrent clients, {onion_n} onion requests");
        println!("(client load and every node share this process and the machine's cores)\n");
        let (echo_url, _echo_stop) = echo_server().await;
        let alice = Identity::generate();
        let acct_hex = alice.session_id().account().to_hex();

        // Baseline throughput: a store-sized request to the echo endpoint.
        let eu = echo_url.clone();
        let ah = acct_hex.clone();
        let echo_rps = throughput(conc, secs, move |c, w, k| c.post(&eu).body(store_body(&ah, w, k))).await;
        println!("{:<44} {:>10.0} req/s", "baseline: HTTPS echo (store-sized body)", echo_rps);

        // BENCH_SWARMS=1 or 5 limits the throughput runs to one of the two set-ups (profiling).
        let only = env_or("BENCH_SWARMS", 0) as usize;
        for (label, per) in [("one node (swarm of 1)", 1usize), ("swarm of 5 (store replicates to 5)", 5)] {
            if only != 0 && only != per {
                continue;
            }
            let t = net(per).await;
            let url = format!("{}/storage_rpc/v1", t.node(0).url);
            let (u, ah) = (url.clone(), acct_hex.clone());
            let store_rps = throughput(conc, secs, move |c, w, k| c.post(&u).body(store_body(&ah, w, k))).await;
            println!("{:<44} {:>10.0} req/s   ({:.2}x of echo)", format!("store, {label}"), store_rps, store_rps / echo_rps);
            // Retrieve from a fresh account holding 10 messages.
            let bob = Arc::new(Identity::generate());
            let c = client();
            seed_messages(&c, &url, &bob.session_id().account().to_hex(), 10).await;
            let (u, b) = (url.clone(), bob.clone());
            let retrieve_rps = throughput(conc, secs, move |c, _, _| c.post(&u).body(retrieve_body(&b))).await;
            println!(
                "{:<44} {:>10.0} req/s   ({:.2}x of echo)",
                format!("retrieve 10 msgs, {label}"),
                retrieve_rps,
                retrieve_rps / echo_rps
            );
            t.stop().await;
        }

        // Latency: sequential echo requests vs 3-hop onion requests to a fourth node.
        let c = client();
        let mut echo_lat = Vec::with_capacity(onion_n);
        let body = store_body(&acct_hex, 0, 0);
        for _ in 0..20 {
            let _ = c.post(&echo_url).body(body.clone()).send().await.expect("warm").bytes().await;
        }
        for _ in 0..onion_n {
            let s = Instant::now();
            let r = c.post(&echo_url).body(body.clone()).send().await.expect("echo");
            let _ = r.bytes().await;
            echo_lat.push(s.elapsed());
        }
        echo_lat.sort();

        let t =
            Testnet::start(TestnetConfig { swarms: 2, nodes_per_swarm: 2, rate_limit: RateLimitConfig::unlimited(), ..Default::default() })
                .await
                .expect("testnet");
        let nodes = t.nodes().to_vec();
        let path: Vec<NodeKeys> = nodes[..3].iter().map(keys).collect();
        let carol = Identity::generate();
        let carol_acct = carol.session_id().account();
        let dest = t.node(t.nodes_for(&carol_acct)[0]).clone();
        let guard_url = format!("{}/onion_req/v2", nodes[0].url);
        let mut lat = Vec::with_capacity(onion_n);
        for enc in [EncType::XChaCha20, EncType::AesGcm] {
            if enc == EncType::AesGcm && !session_sdk::sodium::aes_gcm_available() {
                continue;
            }
            lat.clear();
            for i in 0..(onion_n + 20) {
                let s = Instant::now();
                let payload = retrieve_body(&carol);
                let req = onion_request::build(&path, &Destination::Node(keys(&dest)), payload.as_bytes(), enc).expect("build");
                let r = c.post(&guard_url).body(req.body).send().await.expect("onion");
                assert_eq!(r.status().as_u16(), 200);
                let bytes = r.bytes().await.expect("body");
                let reply = onion_request::open_node_reply(&req.reply_key, &bytes).expect("reply");
                assert_eq!(reply.status, 200);
                if i >= 20 {
                    lat.push(s.elapsed());
                }
            }
            lat.sort();
            println!(
                "{:<44} p50 {:>7.2} ms  p99 {:>7.2} ms",
                format!("3-hop onion retrieve ({})", enc.as_str()),
                percentile(&lat, 0.5).as_secs_f64() * 1e3,
                percentile(&lat, 0.99).as_secs_f64() * 1e3
            );
        }
        println!(
            "{:<44} p50 {:>7.2} ms  p99 {:>7.2} ms",
            "baseline: one HTTPS echo request",
            percentile(&echo_lat, 0.5).as_secs_f64() * 1e3,
            percentile(&echo_lat, 0.99).as_secs_f64() * 1e3
        );
        println!(
            "{:<44} {:.1}x (p50 onion / p50 echo; an onion request is 4 HTTPS requests: client→guard→middle→exit→destination)",
            "ratio",
            percentile(&lat, 0.5).as_secs_f64() / percentile(&echo_lat, 0.5).as_secs_f64()
        );
        t.stop().await;
    });
}
