//! `ssdk_identity`: a Session identity handle, and the stateless ID helpers.

use super::status::{guard, ssdk_status};
use super::util::{bytes_arg, c_string, fixed_out, handle, out, str_arg};
use crate::identity::{blinding, Identity, SessionId};
use std::ffi::c_char;

/// A Session identity (key pair, Session ID, recovery phrase). Opaque; create it with
/// `ssdk_identity_generate`, `ssdk_identity_from_seed` or `ssdk_identity_from_mnemonic` and
/// release it with `ssdk_identity_free`. Immutable once created: a handle may be used from several
/// threads at once.
#[allow(non_camel_case_types)]
pub struct ssdk_identity {
    pub(crate) inner: Identity,
}

fn boxed(id: Identity) -> *mut ssdk_identity {
    Box::into_raw(Box::new(ssdk_identity { inner: id }))
}

/// Create a new random identity (16-byte seed, so it has a 13-word recovery phrase).
///
/// On success `*out` receives a handle the caller owns (release with `ssdk_identity_free`).
/// Errors: `SSDK_ERR_NULL_ARGUMENT` if `out` is NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_identity_generate(out_identity: *mut *mut ssdk_identity) -> ssdk_status {
    guard(|| {
        let o = out(out_identity, "out_identity")?;
        *o = boxed(Identity::generate());
        Ok(())
    })
}

/// Restore an identity from a seed of 16 bytes (as Session apps create; padded with 16 zero
/// bytes) or a full 32-byte Ed25519 seed. The seed is copied; the caller keeps ownership of it.
///
/// Errors: `SSDK_ERR_NULL_ARGUMENT` (NULL `seed` with non-zero `len`, or NULL `out_identity`),
/// `SSDK_ERR_INVALID_KEY` (length other than 16 or 32). Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_identity_from_seed(seed: *const u8, len: usize, out_identity: *mut *mut ssdk_identity) -> ssdk_status {
    guard(|| {
        let o = out(out_identity, "out_identity")?;
        let id = Identity::from_seed(bytes_arg(seed, len, "seed")?)?;
        *o = boxed(id);
        Ok(())
    })
}

/// Restore an identity from its recovery phrase (13 words; 25-word phrases of 32-byte seeds are
/// also accepted). Case and extra whitespace are ignored.
///
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_MNEMONIC_WORD_COUNT`,
/// `SSDK_ERR_MNEMONIC_UNKNOWN_WORD` (the message names the word), `SSDK_ERR_MNEMONIC_CHECKSUM`.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_identity_from_mnemonic(phrase: *const c_char, out_identity: *mut *mut ssdk_identity) -> ssdk_status {
    guard(|| {
        let o = out(out_identity, "out_identity")?;
        let id = Identity::from_mnemonic(str_arg(phrase, "phrase")?)?;
        *o = boxed(id);
        Ok(())
    })
}

/// The identity's recovery phrase, words separated by single spaces. `*out_phrase` is a new
/// string the caller releases with `ssdk_string_free`; it is secret, so wipe it before freeing if
/// your platform allows. Errors: `SSDK_ERR_NULL_ARGUMENT`. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_identity_mnemonic(identity: *const ssdk_identity, out_phrase: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_phrase, "out_phrase")?;
        let id = handle(identity, "identity")?;
        *o = c_string(id.inner.mnemonic())?;
        Ok(())
    })
}

/// The identity's Session ID: 66 lowercase hex characters starting "05". `*out_session_id` is a
/// new string the caller releases with `ssdk_string_free`. Errors: `SSDK_ERR_NULL_ARGUMENT`.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_identity_session_id(identity: *const ssdk_identity, out_session_id: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_session_id, "out_session_id")?;
        let id = handle(identity, "identity")?;
        *o = c_string(id.inner.session_id().to_hex())?;
        Ok(())
    })
}

/// Copy the identity's 32-byte Ed25519 public key into `out32`, a caller buffer of at least 32
/// bytes. Errors: `SSDK_ERR_NULL_ARGUMENT`. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_identity_ed25519_public_key(identity: *const ssdk_identity, out32: *mut u8) -> ssdk_status {
    guard(|| {
        let o = fixed_out::<32>(out32, "out32")?;
        let id = handle(identity, "identity")?;
        o.copy_from_slice(id.inner.ed25519_public_key());
        Ok(())
    })
}

/// Copy the identity's 32-byte seed (the secret from which everything derives) into `out32`, a
/// caller buffer of at least 32 bytes. Identities from a 16-byte seed or a 13-word phrase have 16
/// trailing zero bytes. Errors: `SSDK_ERR_NULL_ARGUMENT`. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_identity_seed(identity: *const ssdk_identity, out32: *mut u8) -> ssdk_status {
    guard(|| {
        let o = fixed_out::<32>(out32, "out32")?;
        let id = handle(identity, "identity")?;
        o.copy_from_slice(id.inner.seed());
        Ok(())
    })
}

/// Release an identity. NULL is a no-op. The handle must not be used afterwards, and must not be
/// in use on another thread. The secret key material is wiped.
#[no_mangle]
pub extern "C" fn ssdk_identity_free(identity: *mut ssdk_identity) {
    if !identity.is_null() {
        // SAFETY: `identity` is not NULL and, per the header, came from an ssdk_identity_* constructor,
        // is freed once and is no longer in use on any thread.
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(identity) }));
    }
}

/// Check a Session ID given as text: 66 hex characters beginning "05" (upper-case hex accepted).
/// Returns `SSDK_OK` when valid, `SSDK_ERR_INVALID_SESSION_ID` with a message that says what is
/// wrong (length, a non-hex character and its position, or the prefix), `SSDK_ERR_NULL_ARGUMENT`
/// or `SSDK_ERR_INVALID_UTF8`. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_session_id_validate(session_id: *const c_char) -> ssdk_status {
    guard(|| SessionId::parse(str_arg(session_id, "session_id")?).map(|_| ()))
}

/// The community-blinded ID of a Session ID on the community server whose public key is
/// `server_pubkey_hex` (64 hex characters). `kind` is 15 (the blinding communities use today) or
/// 25 (newer blinding). For 15 the positive candidate is returned (the owner's real key may be it
/// or its sign-flipped twin; see `ssdk_blinded_id_matches`). `*out_blinded_id` is a new string
/// the caller releases with `ssdk_string_free`.
///
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_SESSION_ID`,
/// `SSDK_ERR_INVALID_KEY` (server key not 32 bytes of hex), `SSDK_ERR_INVALID_ARGUMENT` (kind).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_blinded_id(
    session_id: *const c_char,
    server_pubkey_hex: *const c_char,
    kind: i32,
    out_blinded_id: *mut *mut c_char,
) -> ssdk_status {
    guard(|| {
        let o = out(out_blinded_id, "out_blinded_id")?;
        let sid = SessionId::parse(str_arg(session_id, "session_id")?)?;
        let server = hex::decode(str_arg(server_pubkey_hex, "server_pubkey_hex")?)
            .map_err(|e| crate::Error::invalid_key(format!("server_pubkey_hex is not hex: {e}")))?;
        let id = blinding::blinded_id(&sid, &server, blinding::Blinding::from_number(kind)?)?;
        *o = c_string(id.to_hex())?;
        Ok(())
    })
}

/// Whether `blinded_id` (15… or 25…) is the blinded form of `session_id` on the community server
/// with public key `server_pubkey_hex`. Writes 1 (match) or 0 to `*out_matches`.
/// Errors: as `ssdk_blinded_id`. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_blinded_id_matches(
    session_id: *const c_char,
    blinded_id: *const c_char,
    server_pubkey_hex: *const c_char,
    out_matches: *mut i32,
) -> ssdk_status {
    guard(|| {
        let o = out(out_matches, "out_matches")?;
        let m = blinding::session_id_matches_blinded_id(
            str_arg(session_id, "session_id")?,
            str_arg(blinded_id, "blinded_id")?,
            str_arg(server_pubkey_hex, "server_pubkey_hex")?,
        )?;
        *o = m as i32;
        Ok(())
    })
}
