//! End-to-end 1:1 messaging over the in-process testnet, through the Rust API.

mod common;
use common::*;
use session_sdk::client::Event;
use session_sdk::store::MessageState;
use std::time::Duration;

const T: Duration = Duration::from_secs(30);

#[test]
fn two_clients_exchange_messages_both_ways() {
    let net = shared_testnet();
    let alice = started(config(net, "alice"));
    let bob = started(config(net, "bob"));
    let bob_id = bob.session_id().to_hex();
    let alice_id = alice.session_id().to_hex();

    let id = alice.send_text(&bob_id, "hello bob").unwrap();
    wait_for(&alice, T, "sent state", |e| matches!(e, Event::MessageState { message_id, state: MessageState::Sent, .. } if *message_id == id));
    let got = received_text(&bob, T, "hello bob");
    assert_eq!(got.sender, alice_id);
    assert_eq!(got.conversation, alice_id);
    // From a stranger: a message request.
    assert_eq!(bob.requests().unwrap().len(), 1);

    bob.accept_request(&alice_id).unwrap();
    bob.send_text(&alice_id, "hi alice").unwrap();
    let back = received_text(&alice, T, "hi alice");
    assert_eq!(back.sender, bob_id);
    assert!(bob.requests().unwrap().is_empty());
    assert_eq!(alice.history(&bob_id, 0, 10).unwrap().len(), 2);
}

#[test]
fn only_onion_requests_reach_swarms() {
    let net = shared_testnet();
    let a = started(config(net, "onion-a"));
    let b = started(config(net, "onion-b"));
    a.send_text(&b.session_id().to_hex(), "via onions").unwrap();
    received_text(&b, T, "via onions");
    let s = a.network().stats();
    eprintln!("alice network stats: {s:?}; paths: {:?}", a.network().paths());
    // Direct requests are only seed bootstrap and guard tests (which name no account).
    assert!(s.onion_requests >= 2, "{s:?}");
    assert!(s.direct_requests <= 1 + 2 * s.paths_built + 8, "{s:?}");
    for p in a.network().paths() {
        assert_eq!(p.len(), 3);
        let mut ids: Vec<_> = p.iter().map(|n| n.keys.ed25519).collect();
        ids.dedup();
        assert_eq!(ids.len(), 3, "path nodes are distinct");
    }
}
