//! Groups v2 messages (namespace 11, groups.md §5), the "kicked" notice (namespace −11, §7) and
//! the admin signatures of group control messages (§7).
//!
//! Message encryption is byte-compatible with libsession-util `Keys::encrypt_message` /
//! `decrypt_message` and the newest libsession `encode_for_group` / `decode_group_envelope`:
//! `nonce(24) ‖ XChaCha20-Poly1305(bencode{"": 1, "a": sender Ed25519 pk, "d"|"z": payload,
//! "s": sig(payload)} ‖ zero padding, group key)`, where the payload is a serialized `Envelope`
//! whose `content` is the (unpadded) serialized `Content`.

use crate::compression;
use crate::crypto::group_key::GroupAdminKey;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{Identity, SessionId};
use crate::sodium;
use crate::wire::bencode::{self, put_bytes, put_int, raw_get};
use crate::wire::multi_container;
use crate::wire::proto::{envelope, Content, Envelope};
use prost::Message;

/// Largest plaintext (and decompressed payload) accepted: 1 MB, as libsession.
pub const MAX_PLAINTEXT_MESSAGE_SIZE: usize = 1_000_000;
/// Encrypted group messages are padded to a multiple of this (nonce and tag included).
pub const GROUP_MESSAGE_PADDING: usize = 256;
const OVERHEAD: usize = 24 + 16;

/// Encryption domain of kicked notices.
pub const KICKED_DOMAIN: &str = "SessionGroupKickedMessage";

/// Encrypt `plaintext` for the group (libsession `Keys::encrypt_message`): optional zstd (used only
/// if smaller), signed by the sender's Ed25519 key, zero-padded so the output length is a multiple
/// of `padding` (0 or 1: none), then `nonce ‖ XChaCha20-Poly1305(…, group_key)`.
pub fn encrypt_message(
    sender: &Identity,
    group_key: &[u8; 32],
    plaintext: &[u8],
    compress: bool,
    padding: usize,
    nonce: &[u8; 24],
) -> Result<Vec<u8>> {
    if plaintext.len() > MAX_PLAINTEXT_MESSAGE_SIZE {
        return Err(Error::new(ErrorKind::TooLarge, "group message plaintext exceeds 1 MB"));
    }
    let mut payload = plaintext;
    let compressed;
    let mut use_z = false;
    if compress {
        compressed = compression::compress(plaintext, 1)?;
        if compressed.len() < plaintext.len() {
            payload = &compressed;
            use_z = true;
        }
    }
    let sig = sender.sign(payload);
    let mut d = vec![b'd'];
    put_bytes(&mut d, b"");
    put_int(&mut d, 1);
    put_bytes(&mut d, b"a");
    put_bytes(&mut d, sender.ed25519_public_key());
    if !use_z {
        put_bytes(&mut d, b"d");
        put_bytes(&mut d, payload);
    }
    put_bytes(&mut d, b"s");
    put_bytes(&mut d, &sig);
    if use_z {
        put_bytes(&mut d, b"z");
        put_bytes(&mut d, payload);
    }
    d.push(b'e');
    let total = OVERHEAD + d.len();
    if padding > 1 && !total.is_multiple_of(padding) {
        d.resize(d.len() + padding - total % padding, 0);
    }
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sodium::xchacha_encrypt(&d, nonce, group_key));
    Ok(out)
}

/// A decrypted group message payload and its verified sender.
#[derive(Debug, Clone)]
pub struct DecryptedGroupMessage {
    /// `05` + X25519 of the signing key.
    pub sender: SessionId,
    /// The message (decompressed, unpadded), signature checked.
    pub plaintext: Vec<u8>,
    /// Index (in the given key list) of the key that opened it (read by tests only).
    #[cfg(feature = "internals")]
    pub key_index: usize,
}

/// Decrypt with the first of `keys` that works (pass them best first: pending, then newest),
/// strip the padding, check the version, verify the sender's signature and decompress (≤ 1 MB).
/// No key opens it → `DecryptionFailed`; bad signature → `BadSignature`; else `Malformed`.
pub fn decrypt_message(keys: &[[u8; 32]], ciphertext: &[u8]) -> Result<DecryptedGroupMessage> {
    if ciphertext.len() < OVERHEAD {
        return Err(Error::decryption_failed("group message is too short"));
    }
    let nonce: [u8; 24] = ciphertext[..24].try_into().expect("24");
    let (_key_index, mut plain) = keys
        .iter()
        .enumerate()
        .find_map(|(i, k)| sodium::xchacha_decrypt(&ciphertext[24..], &nonce, k).ok().map(|p| (i, p)))
        .ok_or_else(|| Error::decryption_failed("no current group key decrypts this message"))?;
    let end = plain.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    plain.truncate(end);
    if plain.first() != Some(&b'd') || plain.last() != Some(&b'e') {
        return Err(Error::malformed("decrypted group message is not a bencoded dict"));
    }
    let top = bencode::decode_raw(&plain)?;
    let d = top.as_dict()?;
    let field = |k: &[u8]| raw_get(d, k).map(|e| &e.value);
    let version = field(b"").ok_or_else(|| Error::malformed("group message version tag is missing"))?.as_int()?;
    if version != 1 {
        return Err(Error::new(ErrorKind::Unsupported, format!("group message version {version} is not supported")));
    }
    let ed_pk: [u8; 32] = field(b"a")
        .ok_or_else(|| Error::malformed("group message author is missing"))?
        .as_bytes()?
        .try_into()
        .map_err(|_| Error::malformed("group message author key is not 32 bytes"))?;
    let x_pk = sodium::ed25519_pk_to_x25519(&ed_pk).map_err(|_| Error::malformed("group message author key is invalid"))?;
    let sig: [u8; 64] = field(b"s")
        .ok_or_else(|| Error::malformed("group message signature is missing"))?
        .as_bytes()?
        .try_into()
        .map_err(|_| Error::malformed("group message signature is not 64 bytes"))?;
    let raw_d = field(b"d").map(|v| v.as_bytes()).transpose()?;
    let raw_z = field(b"z").map(|v| v.as_bytes()).transpose()?;
    let (data, compressed) = match (raw_d, raw_z) {
        (Some(_), Some(_)) => return Err(Error::malformed("group message has both \"d\" and \"z\" data")),
        (Some(d), None) if !d.is_empty() => (d, false),
        (None, Some(z)) if !z.is_empty() => (z, true),
        _ => return Err(Error::malformed("group message has no (non-empty) data")),
    };
    if !sodium::ed25519_verify(&sig, data, &ed_pk) {
        return Err(Error::bad_signature("group message signature does not verify"));
    }
    let plaintext = if compressed { compression::decompress(data, MAX_PLAINTEXT_MESSAGE_SIZE)? } else { data.to_vec() };
    Ok(DecryptedGroupMessage {
        sender: SessionId::from_x25519(x_pk),
        plaintext,
        #[cfg(feature = "internals")]
        key_index: _key_index,
    })
}

/// The random inputs of one [`encode_for_group`] (injectable so tests are deterministic).
#[derive(Clone)]
pub struct GroupMessageRandomness {
    /// The XChaCha20 nonce.
    pub nonce: [u8; 24],
    /// Seed of the throwaway key whose signature fills `Envelope.proSig` (newest libsession signs
    /// with a dummy key when the sender has no Session Pro, so Pro and non-Pro messages look
    /// alike).
    pub dummy_pro_seed: [u8; 32],
}

impl GroupMessageRandomness {
    pub fn random() -> GroupMessageRandomness {
        GroupMessageRandomness { nonce: sodium::random_array(), dummy_pro_seed: sodium::random_array() }
    }
}

/// Build what is stored in namespace 11 for `content` (a serialized `Content`, unpadded) sent at
/// `sent_ms` (libsession `encode_for_group`): `Envelope{CLOSED_GROUP_MESSAGE, sourceDevice 1,
/// timestamp, content, proSig}` encrypted with [`encrypt_message`] (compressed, 256-padded).
pub fn encode_for_group(
    sender: &Identity,
    group_key: &[u8; 32],
    content: &[u8],
    sent_ms: u64,
    rng: &GroupMessageRandomness,
) -> Result<Vec<u8>> {
    let (_, dummy_sk) = sodium::ed25519_seed_keypair(&rng.dummy_pro_seed);
    let env = Envelope {
        r#type: envelope::Type::ClosedGroupMessage as i32,
        source: None,
        timestamp: sent_ms,
        source_device: Some(1),
        content: Some(content.to_vec()),
        server_timestamp: None,
        pro_sig: Some(sodium::ed25519_sign(&dummy_sk, content).to_vec()),
    };
    encrypt_message(sender, group_key, &env.encode_to_vec(), true, GROUP_MESSAGE_PADDING, &rng.nonce)
}

/// A received group message.
#[derive(Debug, Clone)]
pub struct DecodedGroupMessage {
    /// Who sent it (verified: the signature inside is theirs).
    pub sender: SessionId,
    /// The envelope (its timestamp is the sender's).
    pub envelope: Envelope,
    /// What it says.
    pub content: Content,
    /// Index (in the given key list) of the key that opened it (read by tests only).
    #[cfg(feature = "internals")]
    pub key_index: usize,
}

/// Decrypt and parse a namespace-11 message: [`decrypt_message`], then the `Envelope` (which must
/// carry content; a present `proSig` must be 64 bytes), then the `Content`.
pub fn decode_group_message(keys: &[[u8; 32]], data: &[u8]) -> Result<DecodedGroupMessage> {
    let m = decrypt_message(keys, data)?;
    let envelope = Envelope::decode(&m.plaintext[..])?;
    let content_bytes =
        envelope.content.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| Error::malformed("group envelope has no content"))?;
    if envelope.pro_sig.as_ref().is_some_and(|s| s.len() != 64) {
        return Err(Error::malformed("group envelope proSig is not 64 bytes"));
    }
    let content = Content::decode(content_bytes)?;
    Ok(DecodedGroupMessage {
        sender: m.sender,
        envelope,
        content,
        #[cfg(feature = "internals")]
        key_index: m.key_index,
    })
}

// ---- kicked notices (namespace −11) -----------------------------------------------------------

/// The notice an admin stores in namespace −11 when removing `removed`: for each, the plaintext
/// `X ‖ decimal(generation)` (X = its X25519 key), multi-encrypted from the group's X25519 key
/// with domain "SessionGroupKickedMessage" under one nonce (bencoded `{"#": nonce, "e": […]}`).
/// `generation` is the keys generation current before the removal's rekey.
pub fn build_kicked_notice(admin: &GroupAdminKey, removed: &[SessionId], generation: i64, nonce: &[u8; 24]) -> Result<Vec<u8>> {
    if removed.is_empty() {
        return Err(Error::invalid_argument("a kicked notice needs at least one removed member"));
    }
    let plains: Vec<Vec<u8>> = removed.iter().map(|r| [&r.x25519()[..], generation.to_string().as_bytes()].concat()).collect();
    let refs: Vec<&[u8]> = plains.iter().map(|p| &p[..]).collect();
    let recipients: Vec<[u8; 32]> = removed.iter().map(|r| r.x25519()).collect();
    let gx_sk = sodium::ed25519_sk_to_x25519(admin.secret_key());
    let gx_pk = sodium::ed25519_pk_to_x25519(admin.public_key())?;
    multi_container::encrypt_simple(&refs, &recipients, nonce, &gx_sk, &gx_pk, KICKED_DOMAIN.as_bytes())
}

/// Open a kicked notice: `Ok(Some(generation))` when it names us, `Ok(None)` when it is not for us
/// (or names someone else). Malformed bencode is an error.
pub fn open_kicked_notice(me: &Identity, group_pk: &[u8; 32], data: &[u8]) -> Result<Option<i64>> {
    let gx_pk = sodium::ed25519_pk_to_x25519(group_pk)?;
    let Some(plain) =
        multi_container::decrypt_simple(data, me.x25519_secret_key(), me.x25519_public_key(), &gx_pk, KICKED_DOMAIN.as_bytes())?
    else {
        return Ok(None);
    };
    if plain.len() <= 32 || plain[..32] != me.x25519_public_key()[..] {
        return Ok(None);
    }
    let gen = std::str::from_utf8(&plain[32..])
        .ok()
        .filter(|s| s.bytes().all(|c| c.is_ascii_digit()))
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| Error::malformed("kicked notice generation is not a decimal number"))?;
    Ok(Some(gen))
}

/// Whether a kicked notice removes us: it names us with a generation ≥ our current keys
/// generation (older notices are from a previous removal we were re-added after).
pub fn is_kicked(me: &Identity, group_pk: &[u8; 32], data: &[u8], current_generation: i64) -> Result<bool> {
    Ok(open_kicked_notice(me, group_pk, data)?.is_some_and(|g| g >= current_generation))
}

// ---- admin signatures of control messages ---------------------------------------------------

/// Signed bytes of a `GroupUpdateInviteMessage`: `"INVITE" ‖ invitee Session ID hex ‖ ts`.
pub fn invite_signed_bytes(invitee: &SessionId, sent_ms: u64) -> Vec<u8> {
    format!("INVITE{}{}", invitee.to_hex(), sent_ms).into_bytes()
}
/// Signed bytes of a `GroupUpdateInfoChangeMessage`: `"INFO_CHANGE" ‖ type ‖ ts`.
pub fn info_change_signed_bytes(change_type: i32, sent_ms: u64) -> Vec<u8> {
    format!("INFO_CHANGE{change_type}{sent_ms}").into_bytes()
}
/// Signed bytes of a `GroupUpdateMemberChangeMessage`: `"MEMBER_CHANGE" ‖ type ‖ ts`.
pub fn member_change_signed_bytes(change_type: i32, sent_ms: u64) -> Vec<u8> {
    format!("MEMBER_CHANGE{change_type}{sent_ms}").into_bytes()
}
/// Signed bytes of a `GroupUpdateDeleteMemberContentMessage`:
/// `"DELETE_CONTENT" ‖ ts ‖ member IDs… ‖ message hashes…` (concatenated, no separators).
#[cfg(feature = "internals")]
pub fn delete_content_signed_bytes(sent_ms: u64, member_ids: &[String], message_hashes: &[String]) -> Vec<u8> {
    format!("DELETE_CONTENT{sent_ms}{}{}", member_ids.concat(), message_hashes.concat()).into_bytes()
}

/// Sign control-message bytes with the group key.
pub fn admin_sign(admin: &GroupAdminKey, signed_bytes: &[u8]) -> [u8; 64] {
    admin.sign(signed_bytes)
}

/// Verify a control message's admin signature against the group key (`BadSignature` if not).
pub fn verify_admin_signature(group_pk: &[u8; 32], signed_bytes: &[u8], signature: &[u8]) -> Result<()> {
    if sodium::ed25519_verify_slices(signature, signed_bytes, group_pk).unwrap_or(false) {
        Ok(())
    } else {
        Err(Error::bad_signature("group control message is not signed by a group admin"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::proto::DataMessage;

    fn content(body: &str) -> Vec<u8> {
        Content { data_message: Some(DataMessage { body: Some(body.into()), ..Default::default() }), ..Default::default() }.encode_to_vec()
    }
    fn rng(b: u8) -> GroupMessageRandomness {
        GroupMessageRandomness { nonce: [b; 24], dummy_pro_seed: [b.wrapping_add(1); 32] }
    }

    #[test]
    fn round_trip_padding_and_determinism() {
        let me = Identity::generate();
        let key = [7u8; 32];
        for n in [0usize, 1, 100, 300, 5000] {
            let body = "x".repeat(n);
            let out = encode_for_group(&me, &key, &content(&body), 1_700_000_000_123, &rng(1)).unwrap();
            assert_eq!(out.len() % 256, 0, "n={n}");
            assert_eq!(out, encode_for_group(&me, &key, &content(&body), 1_700_000_000_123, &rng(1)).unwrap());
            let got = decode_group_message(&[[1u8; 32], key], &out).unwrap();
            assert_eq!(got.key_index, 1);
            assert_eq!(got.sender, me.session_id());
            assert_eq!(got.envelope.timestamp, 1_700_000_000_123);
            assert_eq!(got.envelope.source_device, Some(1));
            assert_eq!(got.envelope.r#type, envelope::Type::ClosedGroupMessage as i32);
            assert_eq!(got.envelope.pro_sig.as_ref().map(Vec::len), Some(64));
            assert_eq!(got.content.data_message.unwrap().body.unwrap(), body);
        }
    }

    #[test]
    fn layout_matches_libsession() {
        // Uncompressible payload: "d" form; keys "", "a", "d", "s" in order, zero padding.
        let me = Identity::generate();
        let key = [3u8; 32];
        let payload = sodium::random_array::<50>();
        let out = encrypt_message(&me, &key, &payload, true, 256, &[9u8; 24]).unwrap();
        assert_eq!(out.len(), 256);
        assert_eq!(&out[..24], &[9u8; 24]);
        let plain = sodium::xchacha_decrypt(&out[24..], &[9u8; 24], &key).unwrap();
        let mut want = b"d0:i1e1:a32:".to_vec();
        want.extend_from_slice(me.ed25519_public_key());
        want.extend_from_slice(b"1:d50:");
        want.extend_from_slice(&payload);
        want.extend_from_slice(b"1:s64:");
        want.extend_from_slice(&me.sign(&payload));
        want.push(b'e');
        assert_eq!(&plain[..want.len()], &want[..]);
        assert!(plain[want.len()..].iter().all(|&b| b == 0));
        // Compressible payload: "z" after "s".
        let out = encrypt_message(&me, &key, &[b'a'; 1000], true, 0, &[9u8; 24]).unwrap();
        let plain = sodium::xchacha_decrypt(&out[24..], &[9u8; 24], &key).unwrap();
        assert!(plain.starts_with(b"d0:i1e1:a32:"));
        assert!(plain.windows(3).any(|w| w == b"1:z"));
        assert_eq!(decrypt_message(&[key], &out).unwrap().plaintext, vec![b'a'; 1000]);
        assert_eq!(
            encrypt_message(&me, &key, &vec![0u8; MAX_PLAINTEXT_MESSAGE_SIZE + 1], true, 256, &[0; 24]).unwrap_err().kind(),
            ErrorKind::TooLarge
        );
    }

    /// libsession-util tests/test_group_keys.cpp ("middle-out time"): the 1632-byte repeated
    /// text encrypts to 256 bytes compressed and 2048 bytes uncompressed.
    #[test]
    fn libsession_message_sizes() {
        let me = Identity::generate();
        let mut msg = "hello to all my friends sitting in the tomato sauce".to_string();
        for _ in 0..5 {
            msg = msg.repeat(2);
        }
        let c = encrypt_message(&me, &[1u8; 32], msg.as_bytes(), true, GROUP_MESSAGE_PADDING, &[0u8; 24]).unwrap();
        assert_eq!(c.len(), 256);
        let u = encrypt_message(&me, &[1u8; 32], msg.as_bytes(), false, GROUP_MESSAGE_PADDING, &[0u8; 24]).unwrap();
        assert_eq!(u.len(), 2048);
        assert_eq!(decrypt_message(&[[1u8; 32]], &c).unwrap().plaintext, msg.as_bytes());
        assert_eq!(decrypt_message(&[[1u8; 32]], &u).unwrap().plaintext, msg.as_bytes());
    }

    #[test]
    fn wrong_keys_tampering_and_forgery() {
        let me = Identity::generate();
        let key = [7u8; 32];
        let out = encode_for_group(&me, &key, &content("hi"), 5, &rng(2)).unwrap();
        assert_eq!(decode_group_message(&[[8u8; 32], [9u8; 32]], &out).unwrap_err().kind(), ErrorKind::DecryptionFailed);
        assert_eq!(decode_group_message(&[], &out).unwrap_err().kind(), ErrorKind::DecryptionFailed);
        let mut t = out.clone();
        t[30] ^= 1;
        assert_eq!(decode_group_message(&[key], &t).unwrap_err().kind(), ErrorKind::DecryptionFailed);
        for bad in [&b""[..], &[0u8; 39], &[0u8; 40]] {
            assert!(decode_group_message(&[key], bad).is_err());
        }
        // Someone with the group key claims another author: the signature fails.
        let victim = Identity::generate();
        let payload = b"hello";
        let mut d = b"d0:i1e1:a32:".to_vec();
        d.extend_from_slice(victim.ed25519_public_key());
        d.extend_from_slice(b"1:d5:hello1:s64:");
        d.extend_from_slice(&me.sign(payload));
        d.push(b'e');
        let mut forged = vec![1u8; 24];
        forged.extend_from_slice(&sodium::xchacha_encrypt(&d, &[1u8; 24], &key));
        assert_eq!(decrypt_message(&[key], &forged).unwrap_err().kind(), ErrorKind::BadSignature);
        // Hostile payloads inside valid encryption.
        let seal = |d: &[u8]| [&[2u8; 24][..], &sodium::xchacha_encrypt(d, &[2u8; 24], &key)].concat();
        let deep = [&b"d"[..], &b"l".repeat(5000), &b"e".repeat(5001)].concat();
        for inner in [&b"x"[..], b"de", b"d0:i2ee", &deep, b"d0:i1e1:a3:abce"] {
            assert!(decrypt_message(&[key], &seal(inner)).is_err());
        }
        // A zstd bomb signed by a real sender → TooLarge.
        let bomb = compression::compress(&vec![0u8; 20_000_000], 19).unwrap();
        let mut d = b"d0:i1e1:a32:".to_vec();
        d.extend_from_slice(me.ed25519_public_key());
        d.extend_from_slice(b"1:s64:");
        d.extend_from_slice(&me.sign(&bomb));
        d.extend_from_slice(format!("1:z{}:", bomb.len()).as_bytes());
        d.extend_from_slice(&bomb);
        d.push(b'e');
        assert_eq!(decrypt_message(&[key], &seal(&d)).unwrap_err().kind(), ErrorKind::TooLarge);
    }

    #[test]
    fn kicked_notice() {
        let admin = GroupAdminKey::generate();
        let (gone, stays) = (Identity::generate(), Identity::generate());
        let other_gone = Identity::generate();
        let n = build_kicked_notice(&admin, &[gone.session_id(), other_gone.session_id()], 4, &[5u8; 24]).unwrap();
        assert_eq!(open_kicked_notice(&gone, admin.public_key(), &n).unwrap(), Some(4));
        assert_eq!(open_kicked_notice(&other_gone, admin.public_key(), &n).unwrap(), Some(4));
        assert_eq!(open_kicked_notice(&stays, admin.public_key(), &n).unwrap(), None);
        assert!(is_kicked(&gone, admin.public_key(), &n, 4).unwrap());
        assert!(!is_kicked(&gone, admin.public_key(), &n, 5).unwrap());
        assert!(!is_kicked(&stays, admin.public_key(), &n, 0).unwrap());
        // From another "group" key: not for us.
        let other = GroupAdminKey::generate();
        assert_eq!(open_kicked_notice(&gone, other.public_key(), &n).unwrap(), None);
        // Plaintext layout: X ‖ "4", per-member key as multi_encrypt computes it.
        let gx_sk = sodium::ed25519_sk_to_x25519(admin.secret_key());
        let gx_pk = sodium::ed25519_pk_to_x25519(admin.public_key()).unwrap();
        let ct = crate::crypto::multi_encrypt::encrypt(
            &[&[&gone.x25519_public_key()[..], b"4"].concat()],
            &[*gone.x25519_public_key()],
            &[5u8; 24],
            &gx_sk,
            &gx_pk,
            KICKED_DOMAIN.as_bytes(),
        )
        .unwrap();
        let (_, cts) = multi_container::decode(&n).unwrap();
        assert_eq!(cts[0], ct[0]);
        assert!(open_kicked_notice(&gone, admin.public_key(), b"garbage").is_err());
        assert!(build_kicked_notice(&admin, &[], 1, &[0; 24]).is_err());
    }

    #[test]
    fn control_message_signatures() {
        let admin = GroupAdminKey::generate();
        let invitee = Identity::generate().session_id();
        let bytes = invite_signed_bytes(&invitee, 1_700_000_000_000);
        assert_eq!(bytes, format!("INVITE{}1700000000000", invitee.to_hex()).into_bytes());
        let sig = admin_sign(&admin, &bytes);
        verify_admin_signature(admin.public_key(), &bytes, &sig).unwrap();
        // A member (no seed) signing with its own key is rejected; so is a changed timestamp.
        let member = Identity::generate();
        assert_eq!(verify_admin_signature(admin.public_key(), &bytes, &member.sign(&bytes)).unwrap_err().kind(), ErrorKind::BadSignature);
        assert!(verify_admin_signature(admin.public_key(), &invite_signed_bytes(&invitee, 1), &sig).is_err());
        assert!(verify_admin_signature(admin.public_key(), &bytes, &sig[..10]).is_err());
        assert_eq!(info_change_signed_bytes(1, 42), b"INFO_CHANGE142");
        assert_eq!(member_change_signed_bytes(2, 42), b"MEMBER_CHANGE242");
        assert_eq!(
            delete_content_signed_bytes(7, &["05aa".into(), "05bb".into()], &["h1".into(), "h2".into()]),
            b"DELETE_CONTENT705aa05bbh1h2"
        );
    }
}
