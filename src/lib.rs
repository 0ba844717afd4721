//! session-sdk: hold a Session identity and send and receive end-to-end encrypted, onion-routed
//! messages over the Session network, from Rust or through the stable C ABI in [`ffi`].
//!
//! Layers point one way: `ffi` → `client` → (`net`, `store`) → (`wire`, `crypto`, `identity`).
//! `identity`, `crypto` and `wire` are pure (no I/O) and are reused by the local testnet in `node/`.

pub mod client;
pub mod crypto;
pub mod error;
pub mod ffi;
pub mod identity;
pub mod media;
pub mod net;
pub mod store;
pub mod wire;

pub use error::{Error, ErrorKind, Result};
pub use identity::{Identity, SessionId};
/// Secrets in the configuration (`ClientConfig::pin`, `IdentitySource`) are `Zeroizing`.
pub use zeroize::Zeroizing;

/// The SDK version (semver of this crate).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The C ABI version. Bump on any incompatible change to include/session_sdk.h.
pub const ABI_VERSION: u32 = 1;
