//! Status codes, the thread-local last error, and the panic boundary every entry point uses.

use crate::error::{Error, ErrorKind};
use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Result of every fallible SDK function: `SSDK_OK` (0) or a negative error code. The values are
/// stable across releases; new codes are only ever added.
#[repr(i32)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ssdk_status {
    /// Success.
    SSDK_OK = 0,
    /// A bug or a caught panic inside the SDK.
    SSDK_ERR_INTERNAL = -1,
    /// A required pointer argument was NULL.
    SSDK_ERR_NULL_ARGUMENT = -2,
    /// A string argument was not valid UTF-8.
    SSDK_ERR_INVALID_UTF8 = -3,
    /// An argument was out of range or malformed.
    SSDK_ERR_INVALID_ARGUMENT = -4,
    /// A Session ID (or other account ID) was malformed.
    SSDK_ERR_INVALID_SESSION_ID = -5,
    /// A recovery phrase had the wrong number of words (13 expected).
    SSDK_ERR_MNEMONIC_WORD_COUNT = -6,
    /// A recovery phrase contained a word that is not in the word list.
    SSDK_ERR_MNEMONIC_UNKNOWN_WORD = -7,
    /// A recovery phrase's checksum word did not match.
    SSDK_ERR_MNEMONIC_CHECKSUM = -8,
    /// A key or seed had the wrong length or was not a valid curve point.
    SSDK_ERR_INVALID_KEY = -9,
    /// Decryption failed: wrong key, or tampered or truncated data.
    SSDK_ERR_DECRYPTION_FAILED = -10,
    /// A signature did not verify.
    SSDK_ERR_BAD_SIGNATURE = -11,
    /// Data from the network or the caller did not parse.
    SSDK_ERR_MALFORMED = -12,
    /// Not supported on this platform or build.
    SSDK_ERR_UNSUPPORTED = -13,
    /// A network request failed.
    SSDK_ERR_NETWORK = -14,
    /// An operation timed out.
    SSDK_ERR_TIMEOUT = -15,
    /// The PIN or passphrase did not open the local database.
    SSDK_ERR_WRONG_PIN = -16,
    /// The local database failed.
    SSDK_ERR_DATABASE = -17,
    /// The requested object does not exist.
    SSDK_ERR_NOT_FOUND = -18,
    /// A payload exceeded a protocol limit.
    SSDK_ERR_TOO_LARGE = -19,
    /// The group already has the maximum number of members (100).
    SSDK_ERR_GROUP_FULL = -20,
    /// The caller lacks the right to do this.
    SSDK_ERR_PERMISSION_DENIED = -21,
    /// The operation was cancelled.
    SSDK_ERR_CANCELLED = -22,
    /// The client is not running.
    SSDK_ERR_NOT_RUNNING = -23,
    /// A file system operation failed.
    SSDK_ERR_IO = -24,
    /// The contact is blocked.
    SSDK_ERR_BLOCKED = -25,
    /// The client is already running or the resource is in use.
    SSDK_ERR_BUSY = -26,
}

impl From<ErrorKind> for ssdk_status {
    fn from(k: ErrorKind) -> ssdk_status {
        use ssdk_status::*;
        match k {
            ErrorKind::Internal => SSDK_ERR_INTERNAL,
            ErrorKind::NullArgument => SSDK_ERR_NULL_ARGUMENT,
            ErrorKind::InvalidUtf8 => SSDK_ERR_INVALID_UTF8,
            ErrorKind::InvalidArgument => SSDK_ERR_INVALID_ARGUMENT,
            ErrorKind::InvalidSessionId => SSDK_ERR_INVALID_SESSION_ID,
            ErrorKind::MnemonicWordCount => SSDK_ERR_MNEMONIC_WORD_COUNT,
            ErrorKind::MnemonicUnknownWord => SSDK_ERR_MNEMONIC_UNKNOWN_WORD,
            ErrorKind::MnemonicChecksum => SSDK_ERR_MNEMONIC_CHECKSUM,
            ErrorKind::InvalidKey => SSDK_ERR_INVALID_KEY,
            ErrorKind::DecryptionFailed => SSDK_ERR_DECRYPTION_FAILED,
            ErrorKind::BadSignature => SSDK_ERR_BAD_SIGNATURE,
            ErrorKind::Malformed => SSDK_ERR_MALFORMED,
            ErrorKind::Unsupported => SSDK_ERR_UNSUPPORTED,
            ErrorKind::Network => SSDK_ERR_NETWORK,
            ErrorKind::Timeout => SSDK_ERR_TIMEOUT,
            ErrorKind::WrongPin => SSDK_ERR_WRONG_PIN,
            ErrorKind::Database => SSDK_ERR_DATABASE,
            ErrorKind::NotFound => SSDK_ERR_NOT_FOUND,
            ErrorKind::TooLarge => SSDK_ERR_TOO_LARGE,
            ErrorKind::GroupFull => SSDK_ERR_GROUP_FULL,
            ErrorKind::PermissionDenied => SSDK_ERR_PERMISSION_DENIED,
            ErrorKind::Cancelled => SSDK_ERR_CANCELLED,
            ErrorKind::NotRunning => SSDK_ERR_NOT_RUNNING,
            ErrorKind::Io => SSDK_ERR_IO,
            ErrorKind::Blocked => SSDK_ERR_BLOCKED,
            ErrorKind::Busy => SSDK_ERR_BUSY,
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

pub(crate) fn set_last_error(e: &Error) {
    let text = format!("{}: {}", e.kind().name(), e.message()).replace('\0', " ");
    LAST_ERROR.with(|l| *l.borrow_mut() = CString::new(text).expect("NULs replaced"));
}

fn clear_last_error() {
    LAST_ERROR.with(|l| *l.borrow_mut() = CString::default());
}

/// Run an entry point's body: clear the last error, catch panics, map errors to status codes.
pub(crate) fn guard(f: impl FnOnce() -> crate::Result<()>) -> ssdk_status {
    clear_last_error();
    let err = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return ssdk_status::SSDK_OK,
        Ok(Err(e)) => e,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Error::internal(format!("internal error (please report): {what}"))
        }
    };
    set_last_error(&err);
    err.kind().into()
}

/// Catch a panic in an infallible entry point, returning `fallback` if one happens.
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// The message of the last error on the calling thread, as `"KIND: explanation"`.
///
/// Returns an empty string when the last SDK call on this thread succeeded. Never NULL. The
/// pointer is owned by the SDK and stays valid until the next SDK call on the same thread; copy
/// the text if you need it longer. Thread-safe (each thread has its own message).
#[no_mangle]
pub extern "C" fn ssdk_last_error_message() -> *const c_char {
    LAST_ERROR.with(|l| l.borrow().as_ptr())
}

/// The stable name of a status code, such as `"SSDK_ERR_INVALID_SESSION_ID"`, or
/// `"SSDK_UNKNOWN_STATUS"` for a value that is not a status code. The string is static: do not
/// free it. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_status_name(status: i32) -> *const c_char {
    static NAMES: once_cell::sync::Lazy<Vec<(i32, CString)>> = once_cell::sync::Lazy::new(|| {
        let mut v = vec![(0, CString::new("SSDK_OK").expect("no NUL"))];
        for k in ErrorKind::ALL {
            v.push((k.code(), CString::new(format!("SSDK_ERR_{}", k.name())).expect("no NUL")));
        }
        v.push((i32::MIN, CString::new("SSDK_UNKNOWN_STATUS").expect("no NUL")));
        v
    });
    guard_value(std::ptr::null(), || {
        NAMES.iter().find(|(c, _)| *c == status).unwrap_or_else(|| NAMES.last().expect("non-empty")).1.as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_own_code() {
        for k in ErrorKind::ALL {
            assert_eq!(ssdk_status::from(k) as i32, k.code(), "{k}");
        }
    }

    #[test]
    fn panics_become_internal_errors() {
        let st = guard(|| panic!("boom"));
        assert_eq!(st, ssdk_status::SSDK_ERR_INTERNAL);
        // SAFETY: ssdk_last_error_message never returns NULL, and its string stays valid until the next
        // SDK call on this thread; it is copied (to_owned) before any.
        let msg = unsafe { std::ffi::CStr::from_ptr(ssdk_last_error_message()) }.to_str().unwrap().to_owned();
        assert!(msg.contains("boom"), "{msg}");
        assert_eq!(guard(|| Ok(())), ssdk_status::SSDK_OK);
        // SAFETY: as above; the bytes are compared before any other SDK call on this thread.
        assert_eq!(unsafe { std::ffi::CStr::from_ptr(ssdk_last_error_message()) }.to_bytes(), b"");
    }
}
