//! Errors of the command-line client and their exit codes.
//!
//! Every failure is a [`CliError`]: a [`Kind`] (an SDK [`ErrorKind`] or one of the few errors only
//! the CLI has) and a message for people. The kind decides the process exit code
//! ([`CliError::exit_code`]), the `kind` field of JSON error objects and, in the daemon, the
//! JSON-RPC error code ([`CliError::rpc_code`]). The table in [`EXIT_CODES_HELP`] is printed by
//! `session-cli --help` and repeated in the README; a test checks that they agree.

use session_sdk::{Error as SdkError, ErrorKind};
use std::fmt;

/// What went wrong, as a stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An error reported by the SDK.
    Sdk(ErrorKind),
    /// A bad command line, or something the command needs is missing (no profile selected, no
    /// PIN available without a terminal).
    Usage,
    /// A profile with that name already exists.
    ProfileExists,
    /// Stopped by Ctrl-C / SIGTERM before the command finished.
    Interrupted,
}

impl Kind {
    /// The stable name printed in messages and JSON (`INVALID_SESSION_ID`, `USAGE`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sdk(k) => k.name(),
            Kind::Usage => "USAGE",
            Kind::ProfileExists => "PROFILE_EXISTS",
            Kind::Interrupted => "INTERRUPTED",
        }
    }
}

/// Exit codes. Stable: scripts rely on them.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INTERNAL: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const INVALID_INPUT: u8 = 3;
    pub const INVALID_SESSION_ID: u8 = 4;
    pub const INVALID_PHRASE: u8 = 5;
    pub const WRONG_PIN: u8 = 6;
    pub const NETWORK: u8 = 7;
    pub const TIMEOUT: u8 = 8;
    pub const NOT_FOUND: u8 = 9;
    pub const BLOCKED: u8 = 10;
    pub const DENIED: u8 = 11;
    pub const TOO_LARGE: u8 = 12;
    pub const BUSY: u8 = 13;
    pub const STORAGE: u8 = 14;
    pub const PROTOCOL: u8 = 15;
    pub const EXISTS: u8 = 16;
    pub const INTERRUPTED: u8 = 130;
}

/// The exit code of each SDK error kind.
pub fn exit_code_of(kind: ErrorKind) -> u8 {
    use ErrorKind::*;
    match kind {
        Internal => exit::INTERNAL,
        NullArgument | InvalidUtf8 | InvalidArgument => exit::INVALID_INPUT,
        InvalidSessionId => exit::INVALID_SESSION_ID,
        MnemonicWordCount | MnemonicUnknownWord | MnemonicChecksum => exit::INVALID_PHRASE,
        WrongPin => exit::WRONG_PIN,
        Network => exit::NETWORK,
        Timeout => exit::TIMEOUT,
        NotFound => exit::NOT_FOUND,
        Blocked => exit::BLOCKED,
        PermissionDenied | GroupFull => exit::DENIED,
        TooLarge => exit::TOO_LARGE,
        Busy | NotRunning => exit::BUSY,
        Database | Io => exit::STORAGE,
        InvalidKey | DecryptionFailed | BadSignature | Malformed | Unsupported => exit::PROTOCOL,
        Cancelled => exit::INTERRUPTED,
    }
}

/// The exit-code table, as `--help` prints it (and the README repeats it).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
    0  success
    1  internal error (a bug; INTERNAL)
    2  usage: unknown command or flag, missing argument, no profile selected, no PIN without a terminal
    3  invalid input (INVALID_ARGUMENT, INVALID_UTF8, NULL_ARGUMENT)
    4  invalid Session ID (INVALID_SESSION_ID)
    5  invalid recovery phrase (MNEMONIC_WORD_COUNT, MNEMONIC_UNKNOWN_WORD, MNEMONIC_CHECKSUM)
    6  wrong PIN (WRONG_PIN)
    7  network unreachable or failing (NETWORK)
    8  timed out (TIMEOUT)
    9  not found: profile, contact, group, conversation, message (NOT_FOUND)
   10  contact is blocked (BLOCKED)
   11  not allowed: not a group admin or member, or the group is full (PERMISSION_DENIED, GROUP_FULL)
   12  too large (TOO_LARGE)
   13  busy: the profile is in use by another session-cli process (BUSY, NOT_RUNNING)
   14  local storage failed (DATABASE, IO)
   15  protocol or crypto failure (MALFORMED, INVALID_KEY, DECRYPTION_FAILED, BAD_SIGNATURE, UNSUPPORTED)
   16  a profile with that name already exists (PROFILE_EXISTS)
  130  interrupted by Ctrl-C or SIGTERM (INTERRUPTED, CANCELLED)";

/// JSON-RPC error codes of the daemon (beyond the standard -32700..-32603).
pub mod rpc_code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
    /// An SDK error is `SDK_BASE + its SDK code` (-32001 INTERNAL ... -32026 BUSY).
    pub const SDK_BASE: i64 = -32000;
    /// An error of the CLI itself that is not a bad request (for example PROFILE_EXISTS).
    pub const CLI_ERROR: i64 = -32050;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub kind: Kind,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, CliError>;

impl CliError {
    pub fn new(kind: Kind, message: impl Into<String>) -> CliError {
        CliError { kind, message: message.into() }
    }
    pub fn sdk(kind: ErrorKind, message: impl Into<String>) -> CliError {
        CliError::new(Kind::Sdk(kind), message)
    }
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(Kind::Usage, message)
    }
    pub fn invalid(message: impl Into<String>) -> CliError {
        CliError::sdk(ErrorKind::InvalidArgument, message)
    }
    pub fn not_found(message: impl Into<String>) -> CliError {
        CliError::sdk(ErrorKind::NotFound, message)
    }
    pub fn internal(message: impl Into<String>) -> CliError {
        CliError::sdk(ErrorKind::Internal, message)
    }
    pub fn io(what: impl fmt::Display, e: std::io::Error) -> CliError {
        CliError::sdk(ErrorKind::Io, format!("{what}: {e}"))
    }
    /// The same error with context in front of its message.
    pub fn context(self, ctx: impl fmt::Display) -> CliError {
        CliError { kind: self.kind, message: format!("{ctx}: {}", self.message) }
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            Kind::Sdk(k) => exit_code_of(k),
            Kind::Usage => exit::USAGE,
            Kind::ProfileExists => exit::EXISTS,
            Kind::Interrupted => exit::INTERRUPTED,
        }
    }

    /// The JSON-RPC error code the daemon answers with.
    pub fn rpc_code(&self) -> i64 {
        match self.kind {
            Kind::Sdk(k) => rpc_code::SDK_BASE + k.code() as i64,
            Kind::Usage => rpc_code::INVALID_PARAMS,
            Kind::ProfileExists | Kind::Interrupted => rpc_code::CLI_ERROR,
        }
    }

    /// `{"type":"error","kind":...,"exit_code":...,"message":...}` (stderr with `--json`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "error",
            "kind": self.kind.name(),
            "exit_code": self.exit_code(),
            "message": self.message,
        })
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.message, self.kind.name())
    }
}

impl std::error::Error for CliError {}

impl From<SdkError> for CliError {
    fn from(e: SdkError) -> CliError {
        CliError::sdk(e.kind(), e.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sdk_kind_has_a_documented_exit_code() {
        for k in ErrorKind::ALL {
            let code = exit_code_of(k);
            let line = EXIT_CODES_HELP
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{code} ")))
                .unwrap_or_else(|| panic!("exit code {code} of {k} is not in the table"));
            assert!(line.contains(k.name()), "{k} should be named on the line of exit code {code}: {line}");
        }
        for (kind, code) in [(Kind::Usage, exit::USAGE), (Kind::ProfileExists, exit::EXISTS), (Kind::Interrupted, exit::INTERRUPTED)] {
            assert_eq!(CliError::new(kind, "x").exit_code(), code);
        }
    }

    #[test]
    fn rpc_codes_keep_the_sdk_code() {
        let e = CliError::sdk(ErrorKind::InvalidSessionId, "bad");
        assert_eq!(e.rpc_code(), -32005);
        assert_eq!(CliError::usage("x").rpc_code(), rpc_code::INVALID_PARAMS);
        assert_eq!(e.to_json()["kind"], "INVALID_SESSION_ID");
    }
}
