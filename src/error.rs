//! The SDK's typed error and the stable numeric code each kind has at the C ABI.
//!
//! Every fallible function in the crate returns [`Result<T>`]. The FFI layer maps an [`Error`] to
//! its [`ErrorKind`] code (a stable negative number) and keeps the `Display` text as the
//! thread's last error message.

use std::fmt;

/// Stable error kinds. The discriminants are part of the C ABI (`ssdk_status`): never renumber,
/// only append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorKind {
    /// A bug or a caught panic inside the SDK.
    Internal = -1,
    /// A required pointer argument was NULL.
    NullArgument = -2,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = -3,
    /// An argument was out of range or malformed in a way no more specific kind covers.
    InvalidArgument = -4,
    /// A Session ID (or other prefixed account ID) was malformed.
    InvalidSessionId = -5,
    /// A recovery phrase had the wrong number of words.
    MnemonicWordCount = -6,
    /// A recovery phrase contained a word that is not in the word list.
    MnemonicUnknownWord = -7,
    /// A recovery phrase's checksum word did not match.
    MnemonicChecksum = -8,
    /// A key or seed had the wrong length or was not a valid curve point.
    InvalidKey = -9,
    /// Authenticated decryption failed: wrong key, or tampered or truncated data.
    DecryptionFailed = -10,
    /// A signature did not verify.
    BadSignature = -11,
    /// Bytes received from the network (or given by the caller) did not parse.
    Malformed = -12,
    /// The operation is not supported here (for example AES-GCM without hardware support).
    Unsupported = -13,
    /// A network request failed (connection, TLS, HTTP status from the path).
    Network = -14,
    /// An operation did not finish in time.
    Timeout = -15,
    /// The PIN or passphrase did not open the local database.
    WrongPin = -16,
    /// The local database failed.
    Database = -17,
    /// The requested object does not exist.
    NotFound = -18,
    /// A payload exceeded a protocol limit (for example an attachment over 10 MB).
    TooLarge = -19,
    /// The group already has the maximum number of members.
    GroupFull = -20,
    /// The caller lacks the right to do this (for example a non-admin changing a group).
    PermissionDenied = -21,
    /// The operation was cancelled.
    Cancelled = -22,
    /// The client is not running (not started yet, or stopped).
    NotRunning = -23,
    /// A file system operation failed.
    Io = -24,
    /// The contact is blocked.
    Blocked = -25,
    /// The client is already running, or another object already holds the resource.
    Busy = -26,
}

impl ErrorKind {
    /// Every kind, in code order (used by tests and by `ssdk_status_name`).
    pub const ALL: [ErrorKind; 26] = [
        ErrorKind::Internal,
        ErrorKind::NullArgument,
        ErrorKind::InvalidUtf8,
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidSessionId,
        ErrorKind::MnemonicWordCount,
        ErrorKind::MnemonicUnknownWord,
        ErrorKind::MnemonicChecksum,
        ErrorKind::InvalidKey,
        ErrorKind::DecryptionFailed,
        ErrorKind::BadSignature,
        ErrorKind::Malformed,
        ErrorKind::Unsupported,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::WrongPin,
        ErrorKind::Database,
        ErrorKind::NotFound,
        ErrorKind::TooLarge,
        ErrorKind::GroupFull,
        ErrorKind::PermissionDenied,
        ErrorKind::Cancelled,
        ErrorKind::NotRunning,
        ErrorKind::Io,
        ErrorKind::Blocked,
        ErrorKind::Busy,
    ];

    /// The stable numeric code.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// Short stable name, as the C header spells the constant without its prefix.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Internal => "INTERNAL",
            ErrorKind::NullArgument => "NULL_ARGUMENT",
            ErrorKind::InvalidUtf8 => "INVALID_UTF8",
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::InvalidSessionId => "INVALID_SESSION_ID",
            ErrorKind::MnemonicWordCount => "MNEMONIC_WORD_COUNT",
            ErrorKind::MnemonicUnknownWord => "MNEMONIC_UNKNOWN_WORD",
            ErrorKind::MnemonicChecksum => "MNEMONIC_CHECKSUM",
            ErrorKind::InvalidKey => "INVALID_KEY",
            ErrorKind::DecryptionFailed => "DECRYPTION_FAILED",
            ErrorKind::BadSignature => "BAD_SIGNATURE",
            ErrorKind::Malformed => "MALFORMED",
            ErrorKind::Unsupported => "UNSUPPORTED",
            ErrorKind::Network => "NETWORK",
            ErrorKind::Timeout => "TIMEOUT",
            ErrorKind::WrongPin => "WRONG_PIN",
            ErrorKind::Database => "DATABASE",
            ErrorKind::NotFound => "NOT_FOUND",
            ErrorKind::TooLarge => "TOO_LARGE",
            ErrorKind::GroupFull => "GROUP_FULL",
            ErrorKind::PermissionDenied => "PERMISSION_DENIED",
            ErrorKind::Cancelled => "CANCELLED",
            ErrorKind::NotRunning => "NOT_RUNNING",
            ErrorKind::Io => "IO",
            ErrorKind::Blocked => "BLOCKED",
            ErrorKind::Busy => "BUSY",
        }
    }

    /// The kind for a numeric code, if it is one.
    pub fn from_code(code: i32) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| k.code() == code)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An SDK error: a stable kind plus a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// An error of `kind` explained by `message` (what `ssdk_last_error_message` shows after the
    /// kind's name).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into() }
    }
    /// The stable category; the C ABI returns its code as the status.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The human-readable explanation, without the kind's name (also the `Display` text).
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The same error with context prepended to its message.
    pub fn context(self, ctx: impl fmt::Display) -> Error {
        Error { kind: self.kind, message: format!("{ctx}: {}", self.message) }
    }

    /// A bug inside the SDK rather than bad input (`ErrorKind::Internal`).
    pub fn internal(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, msg)
    }
    /// An argument out of range or malformed where no more specific kind fits
    /// (`ErrorKind::InvalidArgument`).
    pub fn invalid_argument(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, msg)
    }
    /// A key or seed of the wrong length, or not a valid curve point (`ErrorKind::InvalidKey`).
    pub fn invalid_key(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidKey, msg)
    }
    /// Bytes from the network or the caller that do not parse (`ErrorKind::Malformed`).
    pub fn malformed(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Malformed, msg)
    }
    /// Authenticated decryption that failed: wrong key, or tampered or truncated data
    /// (`ErrorKind::DecryptionFailed`).
    pub fn decryption_failed(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::DecryptionFailed, msg)
    }
    /// Data that opened or parsed but whose signature does not verify (`ErrorKind::BadSignature`).
    pub fn bad_signature(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::BadSignature, msg)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::malformed(format!("invalid JSON: {e}"))
    }
}

impl From<prost::DecodeError> for Error {
    fn from(e: prost::DecodeError) -> Error {
        Error::malformed(format!("invalid protobuf: {e}"))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io, e.to_string())
    }
}

/// What every fallible function of the crate returns: the value, or an [`Error`] with its kind.
pub type Result<T> = std::result::Result<T, Error>;

/// Copy a slice into a fixed-size array, failing with `InvalidKey` naming `what`.
pub(crate) fn fixed<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N]> {
    bytes.try_into().map_err(|_| Error::invalid_key(format!("{what} must be {N} bytes, got {}", bytes.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_negative_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for k in ErrorKind::ALL {
            assert!(k.code() < 0, "{k} has a non-negative code");
            assert!(seen.insert(k.code()), "{k} reuses code {}", k.code());
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ErrorKind::from_code(0), None);
        assert_eq!(ErrorKind::from_code(-1000), None);
    }

    #[test]
    fn context_keeps_kind() {
        let e = Error::malformed("bad").context("envelope");
        assert_eq!(e.kind(), ErrorKind::Malformed);
        assert_eq!(e.to_string(), "envelope: bad");
    }
}
