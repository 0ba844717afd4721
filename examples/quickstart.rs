//! Quickstart: a local Session testnet in this process, two identities, messages both ways
//! through onion requests, and what each side received, with timings.
//!
//! `cargo run --release --example quickstart`

use session_node::testnet::{TestnetConfig, TestnetHandle};
use session_sdk::client::MessageState;
use session_sdk::client::NetworkConfig;
use session_sdk::client::{Client, ClientConfig, Event};
use std::time::{Duration, Instant};

fn wait_for<T>(client: &Client, timeout: Duration, mut f: impl FnMut(Event) -> Option<T>) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(e) = client.next_event(Duration::from_millis(50)) {
            if let Some(t) = f(e) {
                return Ok(t);
            }
        }
    }
    Err(format!("nothing arrived within {timeout:?}"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t0 = Instant::now();
    let net = TestnetHandle::start(TestnetConfig::default())?;
    let desc = net.description();
    println!("testnet: {} service nodes in {} swarms + file server, up in {:?}", desc.nodes.len(), net.swarm_ids().len(), t0.elapsed());
    let network = NetworkConfig::from_json(&serde_json::to_string(desc)?)?;
    let base = std::env::temp_dir().join(format!("ssdk-quickstart-{}", std::process::id()));

    let mut clients = vec![];
    for name in ["alice", "bob"] {
        let mut cfg = ClientConfig::new(base.join(name), network.clone());
        cfg.display_name = Some(name.to_string());
        cfg.poll_active = Duration::from_millis(500);
        let c = Client::new(cfg)?;
        println!("{name:>5}: {}\n       recovery phrase: {}", c.session_id(), c.mnemonic());
        let t = Instant::now();
        c.start()?;
        wait_for(&c, Duration::from_secs(20), |e| matches!(e, Event::Connection { ready: true }).then_some(()))?;
        println!("       onion paths ready in {:?}", t.elapsed());
        clients.push(c);
    }
    let (alice, bob) = (&clients[0], &clients[1]);
    let (alice_id, bob_id) = (alice.session_id().to_hex(), bob.session_id().to_hex());

    let exchange = |from: &Client, to: &Client, to_id: &str, text: &str| -> Result<(), Box<dyn std::error::Error>> {
        let t = Instant::now();
        let id = from.send_text(to_id, text)?;
        wait_for(from, Duration::from_secs(20), |e| {
            matches!(e, Event::MessageState { message_id, state: MessageState::Sent, .. } if message_id == id).then_some(())
        })?;
        let stored = t.elapsed();
        let m = wait_for(to, Duration::from_secs(20), |e| match e {
            Event::MessageReceived { message, .. } => Some(message),
            _ => None,
        })?;
        let from_name = to.contact(&m.sender)?.and_then(|c| c.display_name).unwrap_or_else(|| m.sender.clone());
        println!(
            "{} received {:?} from {from_name} (stored in the recipient's swarm after {stored:?}, received after {:?})",
            if to.session_id() == bob.session_id() { "  bob" } else { "alice" },
            m.body.unwrap_or_default(),
            t.elapsed()
        );
        Ok(())
    };
    exchange(alice, bob, &bob_id, "Hi Bob! This went through three onion hops.")?;
    // Bob's first message from Alice was a message request; accepting makes her a contact.
    bob.accept_request(&alice_id)?;
    exchange(bob, alice, &alice_id, "Hi Alice, got it. Replying the same way.")?;
    exchange(alice, bob, &bob_id, "Great, end to end both ways.")?;

    let s = alice.network_status();
    println!(
        "alice sent {} onion requests over {} paths; {} direct requests (seed bootstrap and guard checks)",
        s.onion_requests, s.paths_built, s.direct_requests
    );
    for c in &clients {
        c.stop()?;
    }
    drop(clients);
    net.stop();
    let _ = std::fs::remove_dir_all(base);
    println!("done in {:?}", t0.elapsed());
    Ok(())
}
