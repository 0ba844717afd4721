//! session-sdk: hold a Session identity and send and receive end-to-end encrypted, onion-routed
//! messages over the Session network, from Rust through [`client`] or through the stable C ABI
//! in [`ffi`].
//!
//! Layers point one way (ARCHITECTURE.md has the map; `tests/layers.rs` enforces it):
//!
//! ```text
//! ffi → client → (net, store) → clock
//!                      ↓
//!       config → wire → crypto → identity → (sodium, compression, media) → error
//! ```
//!
//! The pure core (`identity`, `crypto`, `wire`, `config` and the leaves under them) does no I/O
//! and reads no clock; the local testnet in `node/` reuses it. The public API is [`client`] (with
//! the types it re-exports), [`identity`], [`crypto`], [`error`] and [`ffi`]; the other modules
//! are internal, and public only with the `internals` feature (for the testnet, benches and
//! tests).

// Every public item of the SDK's API is documented. (With `internals`, the internal modules
// become public too; they are documented for readers, not checked item by item.)
#![cfg_attr(not(feature = "internals"), warn(missing_docs))]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod client;
pub mod crypto;
pub mod error;
pub mod ffi;
pub mod identity;

#[cfg(feature = "internals")]
pub mod clock;
#[cfg(not(feature = "internals"))]
pub(crate) mod clock;
#[cfg(feature = "internals")]
pub mod compression;
#[cfg(not(feature = "internals"))]
pub(crate) mod compression;
#[cfg(feature = "internals")]
pub mod config;
#[cfg(not(feature = "internals"))]
pub(crate) mod config;
#[cfg(feature = "internals")]
pub mod media;
#[cfg(not(feature = "internals"))]
pub(crate) mod media;
#[cfg(feature = "internals")]
pub mod net;
#[cfg(not(feature = "internals"))]
pub(crate) mod net;
#[cfg(feature = "internals")]
pub mod sodium;
#[cfg(not(feature = "internals"))]
pub(crate) mod sodium;
#[cfg(feature = "internals")]
pub mod store;
#[cfg(not(feature = "internals"))]
pub(crate) mod store;
#[cfg(feature = "internals")]
pub mod wire;
#[cfg(not(feature = "internals"))]
pub(crate) mod wire;

pub use error::{Error, ErrorKind, Result};
pub use identity::{Identity, SessionId};
/// Secrets in the configuration (`ClientConfig::pin`, `IdentitySource`) are `Zeroizing`.
pub use zeroize::Zeroizing;

/// The SDK version (semver of this crate).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The C ABI version. Bump on any incompatible change to include/session_sdk.h.
pub const ABI_VERSION: u32 = 1;
