//! Failover on the testnet: swarm members and path nodes stopped during traffic, clocks off.

mod common;
use common::*;
use session_node::testnet::TestnetConfig;
use session_sdk::client::Event;
use session_sdk::client::MessageState;
use std::time::Duration;

const T: Duration = Duration::from_secs(45);

fn texts(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix} {i}")).collect()
}

#[test]
fn recipient_swarm_members_stopped_during_traffic_lose_nothing() {
    let net = own_testnet(TestnetConfig::default());
    let alice = started(config(&net, "fo-a"));
    let bob = started(config(&net, "fo-b"));
    let bob_id = bob.session_id().to_hex();
    let members = net.nodes_for(&bob.session_id().account());
    assert_eq!(members.len(), 5);

    let before = texts("before", 10);
    for t in &before {
        alice.send_text(&bob_id, t).unwrap();
    }
    // Two of the five members go down mid-stream.
    net.stop_node(members[0]).unwrap();
    net.stop_node(members[1]).unwrap();
    let after = texts("after", 10);
    for t in &after {
        alice.send_text(&bob_id, t).unwrap();
    }
    let all: Vec<String> = before.iter().chain(after.iter()).cloned().collect();
    received_all(&bob, T, &all);
    // And one comes back: it catches up, and nothing is duplicated.
    net.restart_node(members[0]).unwrap();
    alice.send_text(&bob_id, "after restart").unwrap();
    received_text(&bob, T, "after restart");
    assert_eq!(bob.history(&alice.session_id().to_hex(), 0, 100).unwrap().len(), 21);
}

#[test]
fn a_path_node_stopped_mid_send_does_not_lose_the_message() {
    let net = own_testnet(TestnetConfig::default());
    let alice = started(config(&net, "path-a"));
    let bob = started(config(&net, "path-b"));
    let bob_id = bob.session_id().to_hex();
    alice.send_text(&bob_id, "warm up").unwrap();
    received_text(&bob, T, "warm up");

    // Stop the guard and the middle node of every path alice has.
    let mut stopped = std::collections::HashSet::new();
    for path in alice.network().paths() {
        for hop in &path[..2] {
            let idx = net.nodes().iter().position(|n| n.ed25519 == hop.keys.ed25519).unwrap();
            if stopped.insert(idx) {
                net.stop_node(idx).unwrap();
            }
        }
    }
    assert!(!stopped.is_empty());
    let ids: Vec<i64> = texts("mid-send", 5).iter().map(|t| alice.send_text(&bob_id, t).unwrap()).collect();
    received_all(&bob, T, &texts("mid-send", 5));
    for id in ids {
        wait_until(T, "sent state", || alice.message(id).unwrap().state == MessageState::Sent);
    }
    // Paths are rebuilt around the stopped nodes: the poller keeps using every path, a path
    // through a stopped node fails and is replaced, and a new path is tested end to end before
    // it is used, so alice converges on paths of live nodes only.
    let uses_stopped = || {
        alice.network().paths().iter().flatten().any(|hop| {
            let idx = net.nodes().iter().position(|n| n.ed25519 == hop.keys.ed25519).unwrap();
            stopped.contains(&idx)
        })
    };
    wait_until(T, "paths around the stopped nodes", || !uses_stopped());
    alice.send_text(&bob_id, "after rebuild").unwrap();
    received_text(&bob, T, "after rebuild");
    assert!(!uses_stopped(), "a path through a stopped node was built after the rebuild");
}

#[test]
fn a_client_corrects_for_the_network_clock() {
    let offset = 5 * 60 * 1000;
    let net = own_testnet(TestnetConfig { clock_offsets_ms: vec![offset; 15], ..TestnetConfig::default() });
    let alice = started(config(&net, "clock-a"));
    let bob = started(config(&net, "clock-b"));
    alice.send_text(&bob.session_id().to_hex(), "on network time").unwrap();
    received_text(&bob, T, "on network time");
    let learnt = bob.network().clock.offset_ms();
    assert!((learnt - offset).abs() < 5_000, "bob's clock offset {learnt} vs {offset}");
    wait_for(&alice, T, "sent", |e| matches!(e, Event::MessageState { state: MessageState::Sent, .. }));
}
