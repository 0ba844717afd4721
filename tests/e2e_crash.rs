//! A client killed with SIGKILL right after queueing messages loses none of them: the outbox is
//! committed before any network call, and a restart from the same data directory delivers
//! every message exactly once.
//!
//! The test runs itself as a child process (the `child_*` test, gated by an environment
//! variable) so that it can be killed mid-flight.

mod common;
use common::*;
use session_sdk::client::NetworkConfig;
use session_sdk::client::{Client, ClientConfig, Event};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_DIR: &str = "SSDK_CRASH_CHILD_DIR";
const CHILD_NET: &str = "SSDK_CRASH_CHILD_NET";
const CHILD_TO: &str = "SSDK_CRASH_CHILD_TO";
const N: usize = 20;

/// In the child: queue N messages to the recipient, say so, start sending, and wait to be killed.
#[test]
fn child_sends_then_waits_to_be_killed() {
    let (Some(dir), Some(net), Some(to)) = (std::env::var_os(CHILD_DIR), std::env::var_os(CHILD_NET), std::env::var_os(CHILD_TO)) else {
        return; // Only meaningful as the child of the test below.
    };
    let network = NetworkConfig::from_file(std::path::Path::new(&net)).unwrap();
    let mut cfg = ClientConfig::new(dir, network);
    cfg.poll_active = Duration::from_millis(300);
    let c = Client::new(cfg).unwrap();
    for i in 0..N {
        c.send_text(to.to_str().unwrap(), &format!("survives {i}")).unwrap();
    }
    println!("queued");
    c.start().unwrap();
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_client_killed_mid_send_loses_nothing_and_duplicates_nothing() {
    let net = shared_testnet();
    let scratch = temp_dir("crash");
    let desc = scratch.join("network.json");
    net.write_description(&desc).unwrap();
    let bob = started(config(net, "crash-bob"));
    let dir = scratch.join("sender");

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_sends_then_waits_to_be_killed", "--nocapture", "--test-threads", "1"])
        .env(CHILD_DIR, &dir)
        .env(CHILD_NET, &desc)
        .env(CHILD_TO, bob.session_id().to_hex())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // (libtest prints "test name ... " before the child's own output on the same line.)
    assert!(lines.any(|l| l.is_ok_and(|l| l.trim_end().ends_with("queued"))), "the child did not queue its messages");
    // Kill it while it is (at best) part-way through sending.
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap();
    child.wait().unwrap();

    // Restart from the same directory: whatever was not acknowledged goes out now.
    let mut cfg = ClientConfig::new(&dir, network_of(net));
    cfg.poll_active = Duration::from_millis(300);
    let sender = started(cfg);
    let want: Vec<String> = (0..N).map(|i| format!("survives {i}")).collect();
    received_all(&bob, Duration::from_secs(60), &want);
    wait_until(Duration::from_secs(60), "the outbox drains", || sender.store().outbox_len().unwrap() == 0);
    std::thread::sleep(Duration::from_secs(1));
    while let Some(e) = bob.next_event(Duration::from_millis(50)) {
        assert!(!matches!(e, Event::MessageReceived { .. }), "a message arrived twice: {e:?}");
    }
    assert_eq!(bob.history(&sender.session_id().to_hex(), 0, 100).unwrap().len(), N);
}
