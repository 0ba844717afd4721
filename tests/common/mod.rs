//! Shared helpers for end-to-end tests on an in-process testnet.
#![allow(dead_code)]

use session_node::testnet::{TestnetConfig, TestnetHandle};
use session_sdk::client::NetworkConfig;
use session_sdk::client::{Client, ClientConfig, Event};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// One testnet for every test of a test binary that does not stop nodes.
pub fn shared_testnet() -> &'static TestnetHandle {
    static NET: OnceLock<TestnetHandle> = OnceLock::new();
    NET.get_or_init(|| TestnetHandle::start(TestnetConfig::default()).expect("testnet starts"))
}

pub fn own_testnet(cfg: TestnetConfig) -> TestnetHandle {
    TestnetHandle::start(cfg).expect("testnet starts")
}

pub fn network_of(net: &TestnetHandle) -> NetworkConfig {
    NetworkConfig::from_json(&serde_json::to_string(net.description()).unwrap()).expect("description parses")
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "ssdk-e2e-{tag}-{}-{}",
        std::process::id(),
        hex::encode(session_sdk::sodium::random_array::<6>())
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A client config on `net` with fast polling (tests want latency, not politeness).
pub fn config(net: &TestnetHandle, tag: &str) -> ClientConfig {
    let mut c = ClientConfig::new(temp_dir(tag), network_of(net));
    c.poll_active = Duration::from_millis(300);
    c.poll_idle = Duration::from_millis(600);
    c
}

pub fn started(cfg: ClientConfig) -> Client {
    let c = Client::new(cfg).expect("client opens");
    c.start().expect("client starts");
    c
}

/// Wait for an event matching `pred`, failing the test after `timeout`.
pub fn wait_for(client: &Client, timeout: Duration, what: &str, mut pred: impl FnMut(&Event) -> bool) -> Event {
    let deadline = Instant::now() + timeout;
    let mut seen = vec![];
    while Instant::now() < deadline {
        if let Some(e) = client.next_event(Duration::from_millis(100)) {
            if pred(&e) {
                return e;
            }
            seen.push(e);
        }
    }
    panic!(
        "timed out after {timeout:?} waiting for {what}; other events: {:#?}",
        seen.iter().filter(|e| !matches!(e, Event::Log { .. })).collect::<Vec<_>>()
    );
}

pub fn received_text(client: &Client, timeout: Duration, text: &str) -> session_sdk::client::Message {
    match wait_for(
        client,
        timeout,
        &format!("message {text:?}"),
        |e| matches!(e, Event::MessageReceived { message, .. } if message.body.as_deref() == Some(text)),
    ) {
        Event::MessageReceived { message, .. } => message,
        _ => unreachable!(),
    }
}

/// Poll `cond` until it holds, failing after `timeout`.
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out after {timeout:?} waiting for {what}");
}

/// Wait until every text in `texts` has been received (in any order: messages sent at once may
/// arrive in any order; history orders them by their sent time).
pub fn received_all(client: &Client, timeout: Duration, texts: &[String]) -> Vec<session_sdk::client::Message> {
    let mut want: std::collections::HashSet<&str> = texts.iter().map(|s| s.as_str()).collect();
    let mut got = vec![];
    let deadline = Instant::now() + timeout;
    while !want.is_empty() && Instant::now() < deadline {
        if let Some(Event::MessageReceived { message, .. }) = client.next_event(Duration::from_millis(100)) {
            if let Some(b) = message.body.as_deref() {
                if want.remove(b) {
                    got.push(message);
                }
            }
        }
    }
    assert!(want.is_empty(), "timed out after {timeout:?}; still missing {want:?}");
    got
}
