//! Stateless protocol operations: 1:1 Session-protocol encryption and decryption.

use super::identity::ssdk_identity;
use super::status::{guard, ssdk_status};
use super::util::{bytes_arg, c_string, handle, out, str_arg, BytesOut};
use crate::crypto::session_protocol;
use crate::identity::SessionId;
use std::ffi::c_char;

/// Encrypt `msg` for the Session ID `recipient_session_id`, signed by `identity` (the Session
/// protocol: the sender's signature sealed inside a `crypto_box_seal` to the recipient). The
/// output is `len + 144` bytes of random-looking data.
///
/// On success `*out_data`/`*out_len` receive a new buffer the caller releases with
/// `ssdk_bytes_free(*out_data, *out_len)`. Nothing is written on failure.
/// Errors: `SSDK_ERR_NULL_ARGUMENT` (NULL handle or outputs; NULL `msg` with non-zero `len`),
/// `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_SESSION_ID`. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_encrypt_for_recipient(
    identity: *const ssdk_identity,
    recipient_session_id: *const c_char,
    msg: *const u8,
    len: usize,
    out_data: *mut *mut u8,
    out_len: *mut usize,
) -> ssdk_status {
    guard(|| {
        let o = BytesOut::new(out_data, out_len)?;
        let id = handle(identity, "identity")?;
        let to = SessionId::parse(str_arg(recipient_session_id, "recipient_session_id")?)?;
        o.set(Some(session_protocol::encrypt_for_recipient(&id.inner, &to, bytes_arg(msg, len, "msg")?)));
        Ok(())
    })
}

/// Decrypt a Session-protocol message addressed to `identity` and verify its sender signature.
///
/// On success `*out_data`/`*out_len` receive the plaintext (release with `ssdk_bytes_free`) and
/// `*out_sender_session_id` the sender's Session ID (release with `ssdk_string_free`). Nothing is
/// written on failure.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_DECRYPTION_FAILED` (not for this identity, or
/// tampered or truncated), `SSDK_ERR_BAD_SIGNATURE` (opens, but the sender signature is forged).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_decrypt_incoming(
    identity: *const ssdk_identity,
    data: *const u8,
    len: usize,
    out_data: *mut *mut u8,
    out_len: *mut usize,
    out_sender_session_id: *mut *mut c_char,
) -> ssdk_status {
    guard(|| {
        let o = BytesOut::new(out_data, out_len)?;
        let os = out(out_sender_session_id, "out_sender_session_id")?;
        let id = handle(identity, "identity")?;
        let d = session_protocol::decrypt_incoming(&id.inner, bytes_arg(data, len, "data")?)?;
        let sender = c_string(d.sender.to_hex())?;
        o.set(Some(d.plaintext));
        *os = sender;
        Ok(())
    })
}
