//! Quickstart: two identities and a sealed Session-protocol message between them.
//!
//! `cargo run --release --example quickstart`

use session_sdk::crypto::session_protocol;
use session_sdk::wire::{envelope, padding, proto};
use session_sdk::Identity;
use prost::Message;
use std::time::Instant;

fn main() -> Result<(), session_sdk::Error> {
    let alice = Identity::generate();
    let bob = Identity::generate();
    for (name, id) in [("alice", &alice), ("bob", &bob)] {
        println!("{name}: {}", id.session_id());
        println!("{:>5}  recovery phrase: {}", "", id.mnemonic());
    }

    // What a Session client stores for Bob: padded Content, sealed to him, in an Envelope.
    let content = proto::Content {
        data_message: Some(proto::DataMessage { body: Some("Hi Bob, this is Alice.".into()), ..Default::default() }),
        ..Default::default()
    };
    let t = Instant::now();
    let sealed = session_protocol::encrypt_for_recipient(&alice, &bob.session_id(), &padding::pad(&content.encode_to_vec()));
    let stored = envelope::wrap_1o1(sealed, 1_700_000_000_000);
    let sealed_in = t.elapsed();

    // Bob opens it.
    let t = Instant::now();
    let env = envelope::unwrap(&stored)?;
    let opened = session_protocol::decrypt_incoming(&bob, env.content.as_deref().unwrap_or_default())?;
    let received = proto::Content::decode(padding::unpad(&opened.plaintext))?;
    let opened_in = t.elapsed();

    let body = received.data_message.and_then(|d| d.body).unwrap_or_default();
    println!("bob received {body:?} from {}", opened.sender);
    assert_eq!(opened.sender, alice.session_id());
    println!("sealed ({} bytes stored) in {sealed_in:?}, opened in {opened_in:?}", stored.len());

    // A restored identity is the same identity.
    let restored = Identity::from_mnemonic(&bob.mnemonic())?;
    assert_eq!(restored.session_id(), bob.session_id());
    println!("bob's phrase restores {}", restored.session_id());
    Ok(())
}
