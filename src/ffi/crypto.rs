//! Stateless protocol operations: 1:1 Session-protocol encryption and decryption.

use super::identity::ssdk_identity;
use super::status::{guard, ssdk_status};
use super::util::{bytes_arg, c_string, handle, out, str_arg, BytesOut};
use crate::crypto::session_protocol;
use crate::error::{Error, ErrorKind};
use crate::identity::SessionId;
use std::ffi::c_char;

/// Encrypt `msg` for the Session ID `recipient_session_id`, signed by `identity` (the Session
/// protocol: the sender's signature sealed inside a `crypto_box_seal` to the recipient). The
/// output is `len + 144` bytes of random-looking data.
///
/// On success `*out_data`/`*out_len` receive a new buffer the caller releases with
/// `ssdk_bytes_free(*out_data, *out_len)`. Nothing is written on failure.
/// Errors: `SSDK_ERR_NULL_ARGUMENT` (NULL handle or outputs; NULL `msg` with non-zero `len`),
/// `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_SESSION_ID` (malformed, or its key is a low-order
/// point, to which nothing can be encrypted). Thread-safe.
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
        let sealed = session_protocol::encrypt_for_recipient(&id.inner, &to, bytes_arg(msg, len, "msg")?).map_err(|e| {
            Error::new(ErrorKind::InvalidSessionId, format!("recipient_session_id cannot be encrypted to: {}", e.message()))
        })?;
        o.set(Some(sealed));
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

#[cfg(test)]
mod tests {
    use super::super::identity::{ssdk_identity_free, ssdk_identity_generate, ssdk_identity_session_id};
    use super::super::util::{ssdk_bytes_free, ssdk_string_free};
    use super::*;
    use std::ffi::CString;

    #[test]
    fn low_order_recipient_is_refused_not_sealed() {
        let (mut id, mut peer, mut peer_sid) = (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
        assert_eq!(ssdk_identity_generate(&mut id), ssdk_status::SSDK_OK);
        assert_eq!(ssdk_identity_generate(&mut peer), ssdk_status::SSDK_OK);
        assert_eq!(ssdk_identity_session_id(peer, &mut peer_sid), ssdk_status::SSDK_OK);
        let (mut data, mut len) = (std::ptr::null_mut(), 0usize);
        // "05" + 32 zero bytes parses as a Session ID, but its key is a low-order point:
        // crypto_box_seal fails, and this used to return SSDK_OK with bytes nobody can open.
        let low = CString::new(format!("05{}", "00".repeat(32))).unwrap();
        let st = ssdk_encrypt_for_recipient(id, low.as_ptr(), b"hi".as_ptr(), 2, &mut data, &mut len);
        assert_eq!(st, ssdk_status::SSDK_ERR_INVALID_SESSION_ID);
        assert!(data.is_null() && len == 0);
        let st = ssdk_encrypt_for_recipient(id, peer_sid, b"hi".as_ptr(), 2, &mut data, &mut len);
        assert_eq!(st, ssdk_status::SSDK_OK);
        assert_eq!(len, 2 + session_protocol::OVERHEAD);
        ssdk_bytes_free(data, len);
        ssdk_string_free(peer_sid);
        ssdk_identity_free(id);
        ssdk_identity_free(peer);
    }
}
