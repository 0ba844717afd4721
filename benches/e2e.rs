//! End-to-end client benchmarks on an in-process testnet (release build):
//! send-to-receive latency at the default active poll interval, send throughput of one client,
//! idle requests per minute, and resident memory of 1 and of 100 idle clients.
//!
//! `cargo bench --bench e2e` (about 3 minutes). Set SSDK_BENCH_QUICK=1 for a shorter run.

use session_node::testnet::{TestnetConfig, TestnetHandle};
use session_sdk::client::MessageState;
use session_sdk::client::NetworkConfig;
use session_sdk::client::{Client, ClientConfig, Event, LogLevel};
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Env {
    net: Option<TestnetHandle>,
    network: NetworkConfig,
    base: std::path::PathBuf,
    n: usize,
}

impl Env {
    fn config(&mut self) -> ClientConfig {
        self.n += 1;
        let mut c = ClientConfig::new(self.base.join(format!("c{}", self.n)), self.network.clone());
        c.log_level = LogLevel::Off;
        c
    }
}

fn wait_ready(c: &Client) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.connection_state() != session_sdk::client::ConnectionState::Ready && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn latency(env: &mut Env, quick: bool) {
    let a = Client::new(env.config()).unwrap();
    let b = Client::new(env.config()).unwrap();
    let poll = b.network_status().seed_nodes.len(); // touch
    let _ = poll;
    a.start().unwrap();
    b.start().unwrap();
    wait_ready(&a);
    wait_ready(&b);
    b.add_contact(&a.session_id().to_hex(), None).unwrap();
    // An active conversation: one exchange first, so both sides poll at the active interval.
    a.send_text(&b.session_id().to_hex(), "warm up").unwrap();
    while !matches!(b.next_event(Duration::from_secs(30)), Some(Event::MessageReceived { .. }) | None) {}
    let samples = if quick { 40 } else { 150 };
    let mut sent_at: HashMap<String, Instant> = HashMap::new();
    let bob = b.session_id().to_hex();
    let t0 = Instant::now();
    let mut lat = vec![];
    let mut i = 0;
    let mut next_send = Instant::now();
    while lat.len() < samples && t0.elapsed() < Duration::from_secs(300) {
        if i < samples && Instant::now() >= next_send {
            let text = format!("latency {i}");
            sent_at.insert(text.clone(), Instant::now());
            a.send_text(&bob, &text).unwrap();
            i += 1;
            // Spread sends over the poll cycle so samples cover every phase of it.
            next_send = Instant::now() + Duration::from_millis(180 + (i as u64 * 37) % 200);
        }
        if let Some(Event::MessageReceived { message, .. }) = b.next_event(Duration::from_millis(5)) {
            if let Some(t) = message.body.as_ref().and_then(|body| sent_at.get(body)) {
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        while a.next_event(Duration::ZERO).is_some() {}
    }
    lat.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let poll_ms = ClientConfig::new("x", NetworkConfig::mainnet()).poll_active.as_millis();
    println!(
        "send-to-receive latency, default active poll {poll_ms} ms, {} messages: p50 {:.0} ms, p99 {:.0} ms, min {:.0} ms, max {:.0} ms",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat[0],
        lat[lat.len() - 1]
    );
}

fn throughput(env: &mut Env, quick: bool) {
    let a = Client::new(env.config()).unwrap();
    let b = Client::new(env.config()).unwrap();
    a.start().unwrap();
    wait_ready(&a);
    let n = if quick { 100 } else { 300 };
    let bob = b.session_id().to_hex();
    let t0 = Instant::now();
    let ids: Vec<i64> = (0..n).map(|i| a.send_text(&bob, &format!("throughput {i}")).unwrap()).collect();
    let queued = t0.elapsed();
    let mut sent = 0;
    while sent < n && t0.elapsed() < Duration::from_secs(300) {
        if let Some(Event::MessageState { state: MessageState::Sent, .. }) = a.next_event(Duration::from_millis(20)) {
            sent += 1;
        }
    }
    let total = t0.elapsed();
    assert_eq!(sent, n, "not every message was acknowledged");
    assert!(ids.iter().all(|id| a.message(*id).unwrap().state == MessageState::Sent));
    println!(
        "send throughput, one client, {n} messages to one recipient: queued in {queued:?} ({:.0}/s), all acknowledged by the swarm in {total:?} ({:.1} msg/s)",
        n as f64 / queued.as_secs_f64(),
        n as f64 / total.as_secs_f64()
    );
}

fn idle(env: &mut Env, quick: bool) {
    let c = Client::new(env.config()).unwrap();
    c.start().unwrap();
    wait_ready(&c);
    // A started client polls at the active interval for the activity window; idle begins after.
    let settle = ClientConfig::new("x", NetworkConfig::mainnet()).active_window + Duration::from_secs(2);
    std::thread::sleep(settle);
    let s0 = c.network_status();
    let window = if quick { Duration::from_secs(30) } else { Duration::from_secs(60) };
    std::thread::sleep(window);
    let s1 = c.network_status();
    let per_min = |a: u64, b: u64| (b - a) as f64 * 60.0 / window.as_secs_f64();
    println!(
        "idle client (default idle poll 15 s), over {window:?}: {:.1} onion requests/min, {:.1} direct requests/min",
        per_min(s0.onion_requests, s1.onion_requests),
        per_min(s0.direct_requests, s1.direct_requests)
    );
}

/// Runs in a child process holding only clients (the testnet stays in the parent), so its RSS is
/// the clients' own.
fn memory_child(desc: &str, quick: bool) {
    let network = NetworkConfig::from_file(std::path::Path::new(desc)).unwrap();
    let base_dir = std::env::temp_dir().join(format!("ssdk-bench-mem-{}", std::process::id()));
    let mut env = Env { net: None, network, base: base_dir.clone(), n: 0 };
    memory(&mut env, quick);
    let _ = std::fs::remove_dir_all(base_dir);
}

fn memory(env: &mut Env, quick: bool) {
    let base = rss_kib();
    let one = Client::new(env.config()).unwrap();
    one.start().unwrap();
    wait_ready(&one);
    std::thread::sleep(Duration::from_secs(3));
    let with_one = rss_kib();
    let count = if quick { 30 } else { 100 };
    let mut clients = vec![];
    for _ in 0..count {
        let c = Client::new(env.config()).unwrap();
        c.start().unwrap();
        clients.push(c);
    }
    for c in &clients {
        wait_ready(c);
    }
    std::thread::sleep(Duration::from_secs(5));
    let with_many = rss_kib();
    let threads = std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0);
    println!(
        "resident memory: process before clients {} MiB; one idle client +{:.1} MiB; {count} more idle clients +{:.1} MiB ({:.2} MiB each); {threads} threads in the process",
        base / 1024,
        (with_one - base) as f64 / 1024.0,
        (with_many - with_one) as f64 / 1024.0,
        (with_many - with_one) as f64 / 1024.0 / count as f64
    );
    for c in &clients {
        c.stop().unwrap();
    }
    assert!(clients.iter().all(|c| c.live_tasks() == 0));
}

/// 10 MB through the whole attachment pipeline, beside the bare costs of encrypting 10 MB and
/// copying 10 MB over loopback TCP in the same run.
fn attachments(env: &mut Env) {
    use session_sdk::client::OutgoingFile;
    let a = Client::new(env.config()).unwrap();
    let b = Client::new(env.config()).unwrap();
    a.start().unwrap();
    b.start().unwrap();
    wait_ready(&a);
    wait_ready(&b);
    b.add_contact(&a.session_id().to_hex(), None).unwrap();
    let n = session_sdk::crypto::attachment::MAX_ATTACHMENT_SIZE;
    let data: Vec<u8> = (0..n as u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();

    let t = Instant::now();
    let enc = session_sdk::crypto::attachment::encrypt(&data).unwrap();
    let bare_encrypt = t.elapsed();
    let t = Instant::now();
    let plain = session_sdk::crypto::attachment::decrypt(&enc.blob, &enc.key, Some(&enc.digest), Some(enc.size)).unwrap();
    let bare_decrypt = t.elapsed();
    assert_eq!(plain.len(), n);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let t = Instant::now();
    let reader = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = Vec::with_capacity(n + 64);
        std::io::Read::read_to_end(&mut s, &mut buf).unwrap();
        buf.len()
    });
    {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        std::io::Write::write_all(&mut s, &enc.blob).unwrap();
    }
    assert_eq!(reader.join().unwrap(), enc.blob.len());
    let bare_copy = t.elapsed();

    let t = Instant::now();
    let id = a
        .send_file(&b.session_id().to_hex(), OutgoingFile { data: data.clone(), file_name: Some("ten.bin".into()), ..Default::default() })
        .unwrap();
    let queued = t.elapsed();
    let mut uploaded = None;
    let mut sent = None;
    while sent.is_none() && t.elapsed() < Duration::from_secs(120) {
        match a.next_event(Duration::from_millis(5)) {
            Some(Event::AttachmentDone { upload: true, .. }) => uploaded = Some(t.elapsed()),
            Some(Event::MessageState { message_id, state: MessageState::Sent, .. }) if message_id == id => sent = Some(t.elapsed()),
            _ => {}
        }
    }
    let mut received = None;
    let mut mid = 0;
    while received.is_none() && t.elapsed() < Duration::from_secs(120) {
        if let Some(Event::MessageReceived { message, .. }) = b.next_event(Duration::from_millis(5)) {
            mid = message.id;
            received = Some(t.elapsed());
        }
    }
    let td = Instant::now();
    let got = b.download_attachment(mid, 0).unwrap();
    let download = td.elapsed();
    assert!(got == data);
    println!(
        "10 MB attachment: queue (strip+encrypt+write) {queued:?}, upload done {:?}, message sent {:?}, received {:?}; download+verify+decrypt {download:?}",
        uploaded.unwrap(),
        sent.unwrap(),
        received.unwrap()
    );
    println!(
        "   baselines in the same run: encrypt 10 MB {bare_encrypt:?}, decrypt 10 MB {bare_decrypt:?}, copy 10 MB over loopback TCP {bare_copy:?}"
    );
}

/// A 100-member group: time and network requests for one message to reach all 99 others, and
/// the time to rotate keys after removing a member.
fn groups(env: &mut Env) {
    let mut cfg = env.config();
    cfg.auto_accept_requests = true;
    let admin = Client::new(cfg).unwrap();
    admin.start().unwrap();
    let members: Vec<Client> = (0..99)
        .map(|_| {
            let mut c = env.config();
            c.auto_accept_requests = true;
            let c = Client::new(c).unwrap();
            c.start().unwrap();
            c
        })
        .collect();
    let ids: Vec<String> = members.iter().map(|m| m.session_id().to_hex()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let t = Instant::now();
    let gid = admin.create_group("Hundred", None, &refs).unwrap();
    let created = t.elapsed();
    let wait_all = |f: &dyn Fn(&Client) -> bool, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(300);
        for m in &members {
            while !f(m) {
                assert!(Instant::now() < deadline, "timed out: {what}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    wait_all(&|m| m.groups().unwrap().iter().any(|g| g.member_count == 100), "members join");
    let formed = t.elapsed();
    for m in &members {
        while m.next_event(Duration::ZERO).is_some() {}
    }
    let count = |c: &Client| c.network_status().onion_requests;
    let before_admin = count(&admin);
    let before_all: u64 = members.iter().map(count).sum::<u64>() + before_admin;
    let t = Instant::now();
    admin.send_text(&gid, "one message for a hundred").unwrap();
    wait_all(&|m| m.history(&gid, 0, 3).unwrap().iter().any(|x| x.body.as_deref() == Some("one message for a hundred")), "delivery");
    let delivered = t.elapsed();
    let after_all: u64 = members.iter().map(count).sum::<u64>() + count(&admin);
    println!(
        "100-member group: created (keys, info, members pushed; 99 invites queued) in {created:?}, all joined after {formed:?}; one message reached all 99 in {delivered:?}: the sender made {} onion requests (1 store, the rest polls), all 100 clients together {} (polling at the default active interval)",
        count(&admin) - before_admin,
        after_all - before_all
    );
    let t = Instant::now();
    admin.group_remove(&gid, &[&ids[0]]).unwrap();
    let rotated = t.elapsed();
    admin.send_text(&gid, "after rotation").unwrap();
    let members_left = &members[1..];
    let deadline = Instant::now() + Duration::from_secs(300);
    for m in members_left {
        while !m.history(&gid, 0, 3).unwrap().iter().any(|x| x.body.as_deref() == Some("after rotation")) {
            assert!(Instant::now() < deadline, "rotation delivery timed out");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    println!(
        "   removing a member from the 100-member group (kicked notice, revocation, rekey for 99, configs pushed) took {rotated:?}; all 98 remaining members read the next message {:?} after the removal began",
        t.elapsed()
    );
    for c in members.iter().chain(std::iter::once(&admin)) {
        c.stop().unwrap();
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: only run when benched.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let quick = std::env::var_os("SSDK_BENCH_QUICK").is_some();
    if let Some(desc) = std::env::var_os("SSDK_BENCH_MEMORY_CHILD") {
        return memory_child(desc.to_str().unwrap(), quick);
    }
    let net = TestnetHandle::start(TestnetConfig { rate_limit: session_node::config::RateLimitConfig::unlimited(), ..Default::default() })
        .expect("testnet");
    let network = NetworkConfig::from_json(&serde_json::to_string(net.description()).unwrap()).unwrap();
    let base = std::env::temp_dir().join(format!("ssdk-bench-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    let desc = base.join("network.json");
    net.write_description(&desc).unwrap();
    let mut env = Env { net: Some(net), network, base: base.clone(), n: 0 };
    // SSDK_BENCH_ONLY=idle,latency runs a subset (names: memory latency attachments throughput groups idle).
    let only = std::env::var("SSDK_BENCH_ONLY").ok();
    let run = |name: &str| only.as_deref().is_none_or(|o| o.split(',').any(|x| x.trim() == name));
    println!("session-sdk end-to-end benchmarks on a testnet (15 nodes, 3 swarms), {}", if quick { "quick run" } else { "full run" });
    if run("memory") {
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--bench")
            .env("SSDK_BENCH_MEMORY_CHILD", &desc)
            .output()
            .expect("run the memory child");
        print!("{}", String::from_utf8_lossy(&child.stdout));
        assert!(child.status.success(), "memory child failed: {}", String::from_utf8_lossy(&child.stderr));
    }
    if run("latency") {
        latency(&mut env, quick);
    }
    if run("attachments") {
        attachments(&mut env);
    }
    if run("throughput") {
        throughput(&mut env, quick);
    }
    if run("groups") {
        groups(&mut env);
    }
    if run("idle") {
        idle(&mut env, quick);
    }
    drop(env.net.take());
    let _ = std::fs::remove_dir_all(base);
}
