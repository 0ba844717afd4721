//! End-to-end 1:1 messaging over the in-process testnet, through the Rust API.

mod common;
use common::*;
use session_sdk::client::MessageState;
use session_sdk::client::{Client, ClientConfig, Event, NetworkConfig};
use session_sdk::ErrorKind;
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
    wait_for(
        &alice,
        T,
        "sent state",
        |e| matches!(e, Event::MessageState { message_id, state: MessageState::Sent, .. } if *message_id == id),
    );
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

#[test]
fn message_requests_accept_decline_block_and_auto_accept() {
    let net = shared_testnet();
    let me = started(config(net, "req-me"));
    let me_id = me.session_id().to_hex();
    let s1 = started(config(net, "req-s1"));
    let s2 = started(config(net, "req-s2"));
    let s3 = started(config(net, "req-s3"));
    for (s, text) in [(&s1, "from s1"), (&s2, "from s2"), (&s3, "from s3")] {
        s.send_text(&me_id, text).unwrap();
    }
    let mut requesters = std::collections::HashSet::new();
    for _ in 0..3 {
        match wait_for(&me, T, "message request", |e| matches!(e, Event::MessageRequest { .. })) {
            Event::MessageRequest { session_id, .. } => assert!(requesters.insert(session_id)),
            _ => unreachable!(),
        }
    }
    assert_eq!(me.requests().unwrap().len(), 3);
    let (id1, id2, id3) = (s1.session_id().to_hex(), s2.session_id().to_hex(), s3.session_id().to_hex());

    // Accept without replying: s1 learns it was approved.
    me.accept_request(&id1).unwrap();
    wait_until(T, "s1 learns it was approved", || s1.contact(&me_id).unwrap().is_some_and(|c| c.approved_me));
    // Decline: the conversation is gone.
    me.decline_request(&id2).unwrap();
    assert!(me.history(&id2, 0, 10).unwrap().is_empty());
    // Block: later messages are dropped.
    me.block(&id3).unwrap();
    assert_eq!(me.blocked().unwrap().len(), 1);
    assert!(me.requests().unwrap().is_empty());
    s3.send_text(&me_id, "still there?").unwrap();
    s1.send_text(&me_id, "thanks for accepting").unwrap();
    let m = received_text(&me, T, "thanks for accepting");
    assert_eq!(m.sender, id1);
    assert!(me.history(&id3, 0, 10).unwrap().is_empty(), "a blocked sender's message is not stored");
    assert_eq!(me.send_text(&id3, "x").unwrap_err().kind(), session_sdk::ErrorKind::Blocked);
    // Declined senders who write again are a new request.
    s2.send_text(&me_id, "please?").unwrap();
    wait_for(&me, T, "new request", |e| matches!(e, Event::MessageRequest { session_id, .. } if *session_id == id2));

    // A bot accepts everything itself.
    let mut bot_cfg = config(net, "req-bot");
    bot_cfg.auto_accept_requests = true;
    let bot = started(bot_cfg);
    s1.send_text(&bot.session_id().to_hex(), "hi bot").unwrap();
    match wait_for(&bot, T, "bot message", |e| matches!(e, Event::MessageReceived { .. })) {
        Event::MessageReceived { is_request, .. } => assert!(!is_request),
        _ => unreachable!(),
    }
    assert!(bot.requests().unwrap().is_empty());
    assert_eq!(bot.contacts().unwrap().len(), 1);
}

#[test]
fn restart_keeps_everything_and_duplicates_nothing() {
    let net = shared_testnet();
    let alice = started(config(net, "restart-a"));
    let bob_cfg = config(net, "restart-b");
    let bob_dir = bob_cfg.data_dir.clone();
    let bob_id = {
        let bob = session_sdk::client::Client::new(bob_cfg.clone()).unwrap();
        bob.session_id().to_hex()
    };
    // Bob is offline: messages wait in his swarm.
    for i in 0..5 {
        alice.send_text(&bob_id, &format!("offline {i}")).unwrap();
    }
    for _ in 0..5 {
        wait_for(&alice, T, "sent", |e| matches!(e, Event::MessageState { state: MessageState::Sent, .. }));
    }
    {
        let bob = started(bob_cfg.clone());
        received_all(&bob, T, &(0..5).map(|i| format!("offline {i}")).collect::<Vec<_>>());
        // History is in sent order whatever the arrival order.
        let h = bob.history(&alice.session_id().to_hex(), 0, 10).unwrap();
        let bodies: Vec<_> = h.iter().rev().map(|m| m.body.clone().unwrap()).collect();
        assert_eq!(bodies, (0..5).map(|i| format!("offline {i}")).collect::<Vec<_>>());
        bob.stop().unwrap();
        assert_eq!(bob.live_tasks(), 0, "stop leaves no task running");
    }
    // Same directory again: same identity, same history, and no message arrives twice.
    let bob = started(bob_cfg.clone());
    assert_eq!(bob.session_id().to_hex(), bob_id);
    assert_eq!(bob.history(&alice.session_id().to_hex(), 0, 100).unwrap().len(), 5);
    alice.send_text(&bob_id, "after restart").unwrap();
    received_text(&bob, T, "after restart");
    std::thread::sleep(Duration::from_millis(1500));
    let mut dupes = 0;
    while let Some(e) = bob.next_event(Duration::from_millis(50)) {
        if matches!(e, Event::MessageReceived { .. }) {
            dupes += 1;
        }
    }
    assert_eq!(dupes, 0);
    assert_eq!(bob.history(&alice.session_id().to_hex(), 0, 100).unwrap().len(), 6);
    drop(bob);
    // The outbox survives a stop: a message queued while stopped goes out after start.
    let stopped_alice_cfg = config(net, "restart-c");
    let c = session_sdk::client::Client::new(stopped_alice_cfg.clone()).unwrap();
    let id = c.send_text(&bob_id, "queued while stopped").unwrap();
    assert_eq!(c.message(id).unwrap().state, MessageState::Sending);
    drop(c);
    let c = started(stopped_alice_cfg);
    wait_for(
        &c,
        T,
        "queued message sent",
        |e| matches!(e, Event::MessageState { message_id, state: MessageState::Sent, .. } if *message_id == id),
    );
    let bob = started(bob_cfg);
    received_text(&bob, T, "queued while stopped");
    let _ = std::fs::remove_dir_all(bob_dir);
}

#[test]
fn wrong_pin_is_refused_and_the_database_is_untouched() {
    let net = shared_testnet();
    let mut cfg = config(net, "pin");
    cfg.pin = Some(zeroize::Zeroizing::new("1234".into()));
    let id = session_sdk::client::Client::new(cfg.clone()).unwrap().session_id();
    let db = cfg.data_dir.join("session.db");
    let before = std::fs::read(&db).unwrap();
    let mut wrong = cfg.clone();
    wrong.pin = Some(zeroize::Zeroizing::new("9999".into()));
    assert_eq!(session_sdk::client::Client::new(wrong).err().unwrap().kind(), session_sdk::ErrorKind::WrongPin);
    let mut none = cfg.clone();
    none.pin = None;
    assert_eq!(session_sdk::client::Client::new(none).err().unwrap().kind(), session_sdk::ErrorKind::WrongPin);
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(session_sdk::client::Client::new(cfg).unwrap().session_id(), id);
}

#[test]
fn two_devices_of_one_identity_see_the_same_conversation() {
    let net = shared_testnet();
    let a1 = started(config(net, "dev-a1"));
    let mut c2 = config(net, "dev-a2");
    c2.identity = session_sdk::client::IdentitySource::Mnemonic(zeroize::Zeroizing::new(a1.mnemonic()));
    let a2 = started(c2);
    assert_eq!(a1.session_id(), a2.session_id());
    let bob = started(config(net, "dev-b"));
    let bob_id = bob.session_id().to_hex();
    let a = a1.session_id().to_hex();

    bob.send_text(&a, "to both devices").unwrap();
    received_text(&a1, T, "to both devices");
    received_text(&a2, T, "to both devices");

    a1.send_text(&bob_id, "sent from device 1").unwrap();
    received_text(&bob, T, "sent from device 1");
    match wait_for(&a2, T, "synced copy", |e| matches!(e, Event::MessageSynced { .. })) {
        Event::MessageSynced { message } => {
            assert_eq!(message.body.as_deref(), Some("sent from device 1"));
            assert_eq!(message.conversation, bob_id);
            assert!(message.outgoing);
        }
        _ => unreachable!(),
    }
    // Device 1 does not see its own sync copy as a new message.
    std::thread::sleep(Duration::from_millis(1000));
    while let Some(e) = a1.next_event(Duration::from_millis(50)) {
        assert!(!matches!(e, Event::MessageSynced { .. } | Event::MessageReceived { .. }), "{e:?}");
    }
    assert_eq!(a1.history(&bob_id, 0, 10).unwrap().len(), 2);
}

#[test]
fn caught_up_comes_after_everything_that_was_waiting() {
    let net = shared_testnet();
    let alice = started(config(net, "cu-a"));
    let bob_cfg = config(net, "cu-b");
    let bob = session_sdk::client::Client::new(bob_cfg).unwrap(); // not started: messages wait in its swarm
    let bob_id = bob.session_id().to_hex();
    let ids: Vec<i64> = (0..5).map(|i| alice.send_text(&bob_id, &format!("waiting {i}")).unwrap()).collect();
    for id in ids {
        wait_until(T, "stored in bob's swarm", || alice.message(id).unwrap().state == session_sdk::client::MessageState::Sent);
    }
    bob.start().unwrap();
    let mut received = 0;
    wait_for(&bob, T, "caught up", |e| {
        if matches!(e, Event::MessageReceived { .. }) {
            received += 1;
        }
        matches!(e, Event::CaughtUp)
    });
    assert_eq!(received, 5, "every waiting message came before CaughtUp");
    // Once per start.
    alice.send_text(&bob_id, "later").unwrap();
    let mut again = false;
    wait_for(&bob, T, "the later message", |e| {
        again |= matches!(e, Event::CaughtUp);
        matches!(e, Event::MessageReceived { .. })
    });
    assert!(!again, "CaughtUp is sent once per start");
}

/// A Session ID whose key is a low-order point parses, but nobody can decrypt what is sealed to
/// it: sending is refused before anything is queued (it used to queue an unopenable message).
#[test]
fn a_session_id_nobody_can_decrypt_for_is_refused_before_queueing() {
    let cfg = ClientConfig::new(temp_dir("low-order"), NetworkConfig::mainnet());
    let c = Client::new(cfg).unwrap();
    let nobody = format!("05{}", "00".repeat(32));
    assert_eq!(c.send_text(&nobody, "hello").unwrap_err().kind(), ErrorKind::InvalidSessionId);
    assert_eq!(c.outbox_len().unwrap(), 0);
    assert!(c.conversations().unwrap().is_empty(), "no conversation was started");
}
