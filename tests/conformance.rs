//! Every vector in ../shared/conformance/vectors.json, checked against the SDK's own functions.
//!
//! The file is found at `$SSDK_SHARED_DIR/conformance/vectors.json` or, by default, at
//! `../shared/conformance/vectors.json` beside the repository.

use serde_json::{Map, Value};
use session_sdk::crypto::{config_encrypt, multi_encrypt, onion_hop, ons, push, session_protocol};
use session_sdk::identity::{blinding, mnemonic, xed25519, AccountId, Identity, SessionId};
use session_sdk::sodium;
use session_sdk::wire::{message_hash, swarm};
use session_sdk::wire::{multi_container, onion_relay};
use std::path::PathBuf;

fn vectors_path() -> PathBuf {
    let shared = std::env::var_os("SSDK_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    shared.join("conformance/vectors.json")
}

fn load() -> Value {
    let p = vectors_path();
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "cannot read the conformance vectors at {}: {e}\n\
             The repository expects ../shared beside it (as in CI); or set SSDK_SHARED_DIR.",
            p.display()
        )
    });
    serde_json::from_str(&text).expect("vectors.json is valid JSON")
}

/// What one vector's operation produced: the fields to compare with `expected`.
type Outcome = Result<Map<String, Value>, String>;

struct In<'a>(&'a Map<String, Value>);

impl In<'_> {
    fn s(&self, k: &str) -> &str {
        self.0.get(k).and_then(Value::as_str).unwrap_or_else(|| panic!("input {k} missing"))
    }
    fn opt_s(&self, k: &str) -> Option<&str> {
        self.0.get(k).and_then(Value::as_str)
    }
    fn hex(&self, k: &str) -> Vec<u8> {
        hex::decode(self.s(k)).unwrap_or_else(|e| panic!("input {k}: {e}"))
    }
    fn key32(&self, k: &str) -> Result<[u8; 32], String> {
        self.hex(k).try_into().map_err(|v: Vec<u8>| format!("{k} is {} bytes", v.len()))
    }
    fn u64s(&self, k: &str) -> Vec<u64> {
        self.0[k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().parse().unwrap()).collect()
    }
    fn hex_list(&self, k: &str) -> Vec<Vec<u8>> {
        self.0[k].as_array().unwrap().iter().map(|v| hex::decode(v.as_str().unwrap()).unwrap()).collect()
    }
    fn str_list(&self, k: &str) -> Vec<String> {
        self.0[k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    }
}

fn out(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn h(b: impl AsRef<[u8]>) -> Value {
    Value::String(hex::encode(b))
}

fn e<E: std::fmt::Display>(x: E) -> String {
    x.to_string()
}

/// An identity from a 32-byte seed or a 64-byte secret key (inputs use both forms).
fn identity_from(key: &[u8]) -> Result<Identity, String> {
    match key.len() {
        64 => Identity::from_ed25519_secret_key(key).map_err(e),
        _ => Identity::from_seed(key).map_err(e),
    }
}

fn x25519_pair_from_seed(seed: &[u8]) -> ([u8; 32], [u8; 32]) {
    let id = Identity::from_seed(seed).unwrap();
    (*id.x25519_secret_key(), *id.x25519_public_key())
}

fn run(op: &str, i: &In) -> Outcome {
    match op {
        // ---- identity ----
        "ed25519_seed_to_identity" => {
            let seed = i.hex("ed25519_seed");
            if seed.len() != 32 {
                return Err(format!("seed of {} bytes", seed.len()));
            }
            let id = Identity::from_seed(&seed).map_err(e)?;
            Ok(out(vec![
                ("ed25519_pubkey", h(id.ed25519_public_key())),
                ("ed25519_secret_key", h(id.ed25519_secret_key())),
                ("x25519_pubkey", h(id.x25519_public_key())),
                ("session_id", Value::String(id.session_id().to_hex())),
            ]))
        }
        "ed25519_seed_from_secret_key" => {
            let sk = i.hex("ed25519_secret_key");
            let id = identity_from(&sk)?;
            Ok(out(vec![("ed25519_seed", h(id.seed()))]))
        }
        "ed25519_pubkey_to_x25519_pubkey" => {
            let x = sodium::ed25519_pk_to_x25519(&i.key32("ed25519_pubkey")?).map_err(e)?;
            Ok(out(vec![("x25519_pubkey", h(x))]))
        }
        "ed25519_secret_key_to_x25519_secret_key" => {
            let id = identity_from(&i.hex("ed25519_secret_key"))?;
            Ok(out(vec![("x25519_secret_key", h(id.x25519_secret_key()))]))
        }
        "x25519_pubkey_from_secret_key" => Ok(out(vec![("x25519_pubkey", h(sodium::x25519_base(&i.key32("x25519_secret_key")?)))])),

        // ---- mnemonic ----
        "mnemonic_encode" => Ok(out(vec![("mnemonic_utf8", Value::String(mnemonic::encode(&i.hex("seed")).map_err(e)?))])),
        "mnemonic_decode" => Ok(out(vec![("seed", h(mnemonic::decode(i.s("mnemonic_utf8")).map_err(e)?))])),
        "mnemonic_to_session_id" => {
            let id = Identity::from_mnemonic(i.s("mnemonic_utf8")).map_err(e)?;
            Ok(out(vec![("session_id", Value::String(id.session_id().to_hex()))]))
        }

        // ---- session protocol ----
        "session_encrypt_deterministic" => {
            let recipient = SessionId::parse(i.s("recipient_session_id")).map_err(e)?;
            let from_seed = identity_from(&i.hex("sender_ed25519_seed"))?;
            let ct = session_protocol::encrypt_for_recipient_deterministic(&from_seed, &recipient, &i.hex("plaintext")).map_err(e)?;
            if let Some(sk) = i.opt_s("sender_ed25519_secret_key") {
                let from_sk = identity_from(&hex::decode(sk).unwrap())?;
                let ct2 = session_protocol::encrypt_for_recipient_deterministic(&from_sk, &recipient, &i.hex("plaintext")).map_err(e)?;
                assert_eq!(ct, ct2, "seed and secret-key forms must agree");
            }
            // A random encryption of the same message must round-trip to the recipient too.
            Ok(out(vec![("ciphertext", h(ct))]))
        }
        "session_decrypt" => {
            let me = identity_from(&i.hex("recipient_ed25519_seed"))?;
            if let Some(sk) = i.opt_s("recipient_ed25519_secret_key") {
                assert_eq!(identity_from(&hex::decode(sk).unwrap())?.session_id(), me.session_id());
            }
            let d = session_protocol::decrypt_incoming(&me, &i.hex("ciphertext")).map_err(e)?;
            Ok(out(vec![
                ("plaintext", h(&d.plaintext)),
                ("sender_ed25519_pubkey", h(d.sender_ed25519)),
                ("sender_session_id", Value::String(d.sender.to_hex())),
            ]))
        }

        // ---- ONS, push ----
        "ons_decrypt_response" => {
            let sid = ons::decrypt_response(i.s("name_utf8"), &i.hex("ciphertext"), &i.hex("nonce")).map_err(e)?;
            Ok(out(vec![("session_id", Value::String(sid.to_hex()))]))
        }
        "push_notification_decrypt" => {
            Ok(out(vec![("plaintext", h(push::decrypt_notification(&i.hex("payload"), &i.hex("enc_key")).map_err(e)?))]))
        }

        // ---- blinding ----
        "blind25_id" => {
            let sid = session_id_any_prefix(i.s("session_id"))?;
            Ok(out(vec![("blinded_id", Value::String(blinding::blind25_id(&sid, &i.hex("server_pubkey")).map_err(e)?.to_hex()))]))
        }
        "blind15_id" => {
            let sid = session_id_any_prefix(i.s("session_id"))?;
            let [a, b] = blinding::blind15_ids(&sid, &i.hex("server_pubkey")).map_err(e)?;
            Ok(out(vec![("blinded_id", Value::String(a.to_hex())), ("blinded_id_sign_flipped", Value::String(b.to_hex()))]))
        }
        "blind15_id_from_seed" => {
            let kp = blinding::blind15_key_pair(&i.hex("ed25519_seed"), &i.hex("server_pubkey")).map_err(e)?;
            Ok(out(vec![("blinded_id", Value::String(kp.id(blinding::Blinding::B15).to_hex()))]))
        }
        "blind15_sign" | "blind25_sign" => {
            let sk = i.hex("ed25519_secret_key");
            let server = i.hex("server_pubkey");
            let msg = i.hex("message");
            let signer = SessionId::parse(i.s("signer_session_id")).map_err(e)?;
            let (sig, candidates) = if op == "blind15_sign" {
                (blinding::blind15_sign(&sk, &server, &msg).map_err(e)?, blinding::blind15_ids(&signer, &server).map_err(e)?.to_vec())
            } else {
                (blinding::blind25_sign(&sk, &server, &msg).map_err(e)?, vec![blinding::blind25_id(&signer, &server).map_err(e)?])
            };
            let verifies: Vec<&str> = candidates
                .iter()
                .zip(["blinded_id_from_session_id", "blinded_id_from_session_id_sign_flipped"])
                .filter(|(c, _)| sodium::ed25519_verify(&sig, &msg, &c.key()))
                .map(|(_, name)| name)
                .collect();
            if verifies.len() != 1 {
                return Err(format!("signature verifies under {verifies:?}"));
            }
            let key_id = candidates[if verifies[0].ends_with("flipped") { 1 } else { 0 }];
            Ok(out(vec![
                ("signature", h(sig)),
                ("verifies_under", Value::String(verifies[0].into())),
                ("verification_key_blinded_id", Value::String(key_id.to_hex())),
            ]))
        }
        "session_id_matches_blinded_id" => {
            let m = blinding::session_id_matches_blinded_id(i.s("session_id"), i.s("blinded_id"), i.s("server_pubkey")).map_err(e)?;
            Ok(out(vec![("matches", Value::Bool(m))]))
        }
        "blind_version_key_pair" => {
            let (pk, sk) = blinding::version_key_pair(&i.hex("ed25519_secret_key")).map_err(e)?;
            Ok(out(vec![("pubkey", h(pk)), ("secret_key", h(sk))]))
        }
        "blind_version_sign" => {
            let ts = i.0["timestamp"].as_u64().unwrap();
            let path = format!("/session_version?platform={}", i.s("platform_utf8"));
            let sig = blinding::version_sign_request(&i.hex("ed25519_secret_key"), ts, "GET", &path, None).map_err(e)?;
            let msg = blinding::version_request_message(ts, "GET", &path, None);
            Ok(out(vec![("signature", h(sig)), ("signed_message_utf8", Value::String(String::from_utf8(msg).unwrap()))]))
        }
        "blind_version_sign_request" => {
            let ts = i.0["timestamp"].as_u64().unwrap();
            let body = i.opt_s("body").map(|b| hex::decode(b).unwrap());
            let sk = i.hex("ed25519_secret_key");
            let msg = blinding::version_request_message(ts, i.s("method_utf8"), i.s("path_utf8"), body.as_deref());
            let sig = blinding::version_sign_request(&sk, ts, i.s("method_utf8"), i.s("path_utf8"), body.as_deref()).map_err(e)?;
            let (pk, _) = blinding::version_key_pair(&sk).map_err(e)?;
            if !sodium::ed25519_verify(&sig, &msg, &pk) {
                return Err("version signature does not verify".into());
            }
            Ok(out(vec![("signed_message_utf8", Value::String(String::from_utf8(msg).unwrap())), ("verifies_under_pubkey", h(pk))]))
        }

        // ---- xed25519 ----
        "xed25519_pubkey" => {
            let pk = xed25519::pubkey(&i.key32("x25519_pubkey")?).map_err(e)?;
            let mut neg = pk;
            neg[31] |= 0x80;
            Ok(out(vec![("ed25519_pubkey", h(pk)), ("actual_ed25519_pubkey_of_account", h(neg))]))
        }

        // ---- onion ----
        "hop_decrypt_aes_gcm" | "hop_decrypt_xchacha20" => {
            let enc = if op == "hop_decrypt_aes_gcm" { onion_hop::EncType::AesGcm } else { onion_hop::EncType::XChaCha20 };
            let role = match i.opt_s("local_role") {
                Some("client") => onion_hop::Role::Client,
                _ => onion_hop::Role::Server,
            };
            let p = onion_hop::decrypt(
                enc,
                &i.key32("local_x25519_secret_key")?,
                &i.key32("local_x25519_pubkey")?,
                &i.key32("remote_x25519_pubkey")?,
                role,
                &i.hex("ciphertext"),
            )
            .map_err(e)?;
            Ok(out(vec![("plaintext", h(p))]))
        }
        "onion_request_parse" => {
            let sk = i.key32("local_x25519_secret_key")?;
            let pk = i.key32("local_x25519_pubkey")?;
            let layer = onion_relay::open_layer(&i.hex("request"), &sk, &pk).map_err(e)?;
            let reply = layer.encrypt_reply(i.s("reply_plaintext_utf8").as_bytes()).map_err(e)?;
            // The sender (whose key the note names) must be able to open the reply.
            Ok(out(vec![
                ("payload", h(&layer.payload)),
                ("remote_pubkey", h(layer.remote_pubkey)),
                ("enc_type", Value::String(layer.enc_type.as_str().into())),
                ("reply_len_for_13_byte_plaintext", Value::from(reply.len())),
            ]))
        }
        "onion_inner_request_route" => {
            let r = onion_relay::route(&i.hex("layer")).map_err(e)?;
            Ok(match r {
                onion_relay::Route::FinalDestination { request, .. } => {
                    out(vec![("kind", "final_destination".into()), ("ciphertext", h(request))])
                }
                onion_relay::Route::RelayToServer { layer, host, port, protocol, target } => out(vec![
                    ("kind", "relay_to_server".into()),
                    ("payload", h(layer)),
                    ("host_utf8", host.into()),
                    ("port", port.into()),
                    ("protocol_utf8", protocol.into()),
                    ("target_utf8", target.into()),
                ]),
                onion_relay::Route::RelayToNode { ciphertext, ephemeral_key, enc_type, destination } => out(vec![
                    ("kind", "relay_to_node".into()),
                    ("ciphertext", h(ciphertext)),
                    ("ephemeral_key", h(ephemeral_key)),
                    ("enc_type", enc_type.as_str().into()),
                    ("destination_ed25519", h(destination)),
                ]),
            })
        }
        "onion_url_target_allowed" => Ok(out(vec![("allowed", onion_relay::url_target_allowed(i.s("target_utf8")).into())])),

        // ---- swarms, hashes ----
        "pubkey_to_swarm_space" => {
            let id = account_any(&i.hex("pubkey"))?;
            Ok(out(vec![("swarm_space_u64", Value::String(swarm::swarm_space(&id).to_string()))]))
        }
        "swarm_for_pubkey" => {
            let id = account_any(&i.hex("pubkey"))?;
            let s = swarm::swarm_for(&id, &i.u64s("swarm_ids_u64")).ok_or("no swarms")?;
            Ok(out(vec![("swarm_id_u64", Value::String(s.to_string()))]))
        }
        "message_hash" => {
            let id = AccountId::from_bytes(&i.hex("pubkey")).map_err(e)?;
            let ns = i.0["namespace"].as_i64().unwrap() as i16;
            Ok(out(vec![("hash_b64", Value::String(message_hash::message_hash(&id, ns, &i.hex("data"))))]))
        }
        "hash" => {
            let size = i.0["size"].as_u64().unwrap() as usize;
            let key = i.opt_s("key").map(|k| hex::decode(k).unwrap());
            Ok(out(vec![("hash", h(sodium::blake2b(size, key.as_deref(), &[&i.hex("message")]).map_err(e)?))]))
        }
        "ed25519_sign" => {
            let seed = i.hex("ed25519_seed");
            if seed.len() != 32 && seed.len() != 64 {
                return Err(format!("key of {} bytes", seed.len()));
            }
            let id = identity_from(&seed)?;
            Ok(out(vec![("signature", h(id.sign(&i.hex("message"))))]))
        }
        "ed25519_verify" => {
            let v = sodium::ed25519_verify_slices(&i.hex("signature"), &i.hex("message"), &i.hex("ed25519_pubkey")).map_err(e)?;
            Ok(out(vec![("valid", v.into())]))
        }

        // ---- multi-recipient ----
        "multi_encrypt" | "multi_encrypt_simple" => {
            let (sk, pk) = x25519_pair_from_seed(&i.hex("sender_ed25519_seed"));
            assert_eq!(h(pk), Value::String(i.s("sender_x25519_pubkey").into()));
            let recips: Vec<[u8; 32]> = i.hex_list("recipient_x25519_pubkeys").into_iter().map(|r| r.try_into().unwrap()).collect();
            let msgs = i.str_list("messages_utf8");
            let msgs: Vec<&[u8]> = msgs.iter().map(|m| m.as_bytes()).collect();
            let nonce: [u8; 24] = i.hex("nonce").try_into().unwrap();
            let domain = i.s("domain_utf8").as_bytes();
            if op == "multi_encrypt" {
                let cts = multi_encrypt::encrypt(&msgs, &recips, &nonce, &sk, &pk, domain).map_err(e)?;
                Ok(out(vec![("ciphertexts", Value::Array(cts.iter().map(h).collect()))]))
            } else {
                Ok(out(vec![("encoded", h(multi_container::encrypt_simple(&msgs, &recips, &nonce, &sk, &pk, domain).map_err(e)?))]))
            }
        }
        "multi_decrypt" | "multi_decrypt_simple" => {
            let (sk, pk) = x25519_pair_from_seed(&i.hex("recipient_ed25519_seed"));
            assert_eq!(h(pk), Value::String(i.s("recipient_x25519_pubkey").into()));
            let sender = i.key32("sender_x25519_pubkey")?;
            let domain = i.s("domain_utf8").as_bytes();
            let found = if op == "multi_decrypt" {
                let cts = i.hex_list("ciphertexts");
                let nonce: [u8; 24] = i.hex("nonce").try_into().unwrap();
                multi_encrypt::decrypt(cts.iter().map(|c| c.as_slice()), &nonce, &sk, &pk, &sender, domain).map_err(e)?
            } else {
                multi_container::decrypt_simple(&i.hex("encoded"), &sk, &pk, &sender, domain).map_err(e)?
            };
            Ok(match found {
                Some(p) => out(vec![("found", true.into()), ("plaintext", h(p))]),
                None => out(vec![("found", false.into())]),
            })
        }

        // ---- config encryption ----
        "config_encrypt" => {
            let ct = config_encrypt::encrypt(&i.hex("message"), &i.key32("key_base")?, i.s("domain_utf8").as_bytes()).map_err(e)?;
            let nonce = ct[ct.len() - 24..].to_vec();
            Ok(out(vec![("ciphertext", h(&ct)), ("nonce", h(nonce))]))
        }
        "config_decrypt" => {
            let m = config_encrypt::decrypt(&i.hex("ciphertext"), &i.key32("key_base")?, i.s("domain_utf8").as_bytes()).map_err(e)?;
            Ok(out(vec![("message", h(m))]))
        }
        other => panic!("no implementation for op {other:?}: add it to tests/conformance.rs"),
    }
}

/// Session IDs in blinding inputs may be given without their 05 prefix.
fn session_id_any_prefix(s: &str) -> Result<SessionId, String> {
    if s.len() == 64 {
        SessionId::parse(&format!("05{s}")).map_err(e)
    } else {
        SessionId::parse(s).map_err(e)
    }
}

/// Swarm mapping ignores the prefix byte, whatever it is.
fn account_any(b: &[u8]) -> Result<AccountId, String> {
    let key: [u8; 32] = b.get(1..33).ok_or("pubkey too short")?.try_into().unwrap();
    Ok(AccountId::new(session_sdk::identity::IdPrefix::Standard, key))
}

/// Compare the asserted fields. `_utf8` fields are compared to the hex of their text when the
/// implementation reports the hex form.
fn check(area: &str, entry: &Value) -> Result<(), String> {
    let name = entry["name"].as_str().unwrap();
    let op = entry["op"].as_str().unwrap();
    let inputs = entry["inputs"].as_object().unwrap();
    let expected = entry["expected"].as_object().unwrap();
    let want_ok = expected.get("ok").and_then(Value::as_bool).unwrap_or(true);
    let result = std::panic::catch_unwind(|| run(op, &In(inputs)))
        .map_err(|_| format!("{area}/{name}: panicked (the SDK must return an error, never panic)"))?;
    match (want_ok, result) {
        (false, Err(_)) => Ok(()),
        (false, Ok(got)) => Err(format!("{area}/{name}: expected failure, got {got:?}")),
        (true, Err(err)) => Err(format!("{area}/{name}: failed: {err}")),
        (true, Ok(got)) => {
            for (k, want) in expected {
                if k == "ok" {
                    continue;
                }
                let got_v = got.get(k).cloned().or_else(|| {
                    // `x_utf8` asserted while we produced the hex `x`.
                    k.strip_suffix("_utf8")
                        .and_then(|stem| got.get(stem))
                        .map(|v| Value::String(String::from_utf8(hex::decode(v.as_str().unwrap()).unwrap()).unwrap_or_default()))
                });
                match got_v {
                    Some(g) if &g == want => {}
                    Some(g) => return Err(format!("{area}/{name}: {k}: expected {want}, got {g}")),
                    None => return Err(format!("{area}/{name}: {k} is asserted but the test does not produce it")),
                }
            }
            Ok(())
        }
    }
}

#[test]
fn every_conformance_vector_passes() {
    let v = load();
    let groups = v["groups"].as_object().expect("groups");
    let mut failures = vec![];
    let mut count = 0;
    for (area, entries) in groups {
        for entry in entries.as_array().unwrap() {
            count += 1;
            if let Err(msg) = check(area, entry) {
                failures.push(msg);
            }
        }
    }
    assert!(count >= 199, "only {count} vectors found");
    assert!(failures.is_empty(), "{} of {count} vectors failed:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{count} conformance vectors passed");
}

/// Random (non-deterministic) Session-protocol encryption round-trips through the vectors' keys.
#[test]
fn random_encryption_round_trips_with_vector_keys() {
    let sender = Identity::from_seed(&hex::decode("0123456789abcdef0123456789abcdef").unwrap()).unwrap();
    let recipient = Identity::from_seed(&hex::decode("00112233445566778899aabbccddeeff").unwrap()).unwrap();
    let ct = session_protocol::encrypt_for_recipient(&sender, &recipient.session_id(), b"hello").unwrap();
    let d = session_protocol::decrypt_incoming(&recipient, &ct).unwrap();
    assert_eq!(d.plaintext, b"hello");
    assert_eq!(d.sender.to_hex(), "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72");
}

/// The onion parser vectors name the sender's secret key; prove the node's reply opens with it.
#[test]
fn onion_parser_replies_open_at_the_sender() {
    let v = load();
    for entry in v["groups"]["onion_parser"].as_array().unwrap() {
        let i = In(entry["inputs"].as_object().unwrap());
        let layer = onion_relay::open_layer(
            &i.hex("request"),
            &i.key32("local_x25519_secret_key").unwrap(),
            &i.key32("local_x25519_pubkey").unwrap(),
        )
        .unwrap();
        let reply = layer.encrypt_reply(b"Goodbye world").unwrap();
        let sender_sk: [u8; 32] =
            hex::decode("d2ee09e1a557a077d385fcb69a11ffb6909ecdcc8348def3e0e4172c8a1431c1").unwrap().try_into().unwrap();
        assert!(entry["note"].as_str().unwrap().contains(&hex::encode(sender_sk)));
        let sender_pk = sodium::x25519_base(&sender_sk);
        assert_eq!(sender_pk, layer.remote_pubkey);
        let plain = onion_hop::decrypt(
            layer.enc_type,
            &sender_sk,
            &sender_pk,
            &i.key32("local_x25519_pubkey").unwrap(),
            onion_hop::Role::Client,
            &reply,
        )
        .unwrap();
        assert_eq!(plain, b"Goodbye world");
    }
}

/// The word list in the repository is the shared one.
#[test]
fn word_list_matches_shared_data() {
    let shared = vectors_path().parent().unwrap().parent().unwrap().join("data/mnemonic-english.txt");
    let text = std::fs::read_to_string(&shared).unwrap_or_else(|e| panic!("{}: {e}", shared.display()));
    let words: Vec<&str> = text.lines().collect();
    assert_eq!(words, mnemonic::word_list());
}
