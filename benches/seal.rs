//! Seal and open of a 1 KiB message through the SDK, beside the bare libsodium primitives they
//! are made of (Ed25519 sign/verify + crypto_box_seal/open), measured in the same run.
//!
//! `cargo bench --bench seal`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use session_sdk::crypto::session_protocol;
use session_sdk::sodium;
use session_sdk::Identity;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let alice = Identity::generate();
    let bob = Identity::generate();
    let msg = vec![0x5au8; 1024];
    let sealed = session_protocol::encrypt_for_recipient(&alice, &bob.session_id(), &msg).unwrap();

    // The primitives alone, on the same sizes: sign M‖A‖Y, seal M‖A‖SIG; open, verify.
    let y = *bob.x25519_public_key();
    let mut to_sign = msg.clone();
    to_sign.extend_from_slice(alice.ed25519_public_key());
    to_sign.extend_from_slice(&y);
    let sig = alice.sign(&to_sign);
    let mut payload = msg.clone();
    payload.extend_from_slice(alice.ed25519_public_key());
    payload.extend_from_slice(&sig);
    let bare_sealed = sodium::box_seal(&payload, &y).unwrap();

    let mut g = c.benchmark_group("seal_1KiB");
    g.throughput(Throughput::Bytes(msg.len() as u64));
    g.bench_function("sdk_encrypt_for_recipient", |b| {
        b.iter(|| session_protocol::encrypt_for_recipient(black_box(&alice), black_box(&bob.session_id()), black_box(&msg)))
    });
    g.bench_function("libsodium_sign_plus_seal", |b| {
        b.iter(|| {
            let s = alice.sign(black_box(&to_sign));
            black_box(s);
            sodium::box_seal(black_box(&payload), black_box(&y))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("open_1KiB");
    g.throughput(Throughput::Bytes(msg.len() as u64));
    g.bench_function("sdk_decrypt_incoming", |b| {
        b.iter(|| session_protocol::decrypt_incoming(black_box(&bob), black_box(&sealed)).unwrap())
    });
    g.bench_function("libsodium_open_plus_verify", |b| {
        b.iter(|| {
            let p = sodium::box_seal_open(black_box(&bare_sealed), &y, bob.x25519_secret_key()).unwrap();
            let ok = sodium::ed25519_verify(&sig, black_box(&to_sign), alice.ed25519_public_key());
            let x = sodium::ed25519_pk_to_x25519(alice.ed25519_public_key()).unwrap();
            black_box((p, ok, x))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
