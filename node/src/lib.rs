//! session-node: a local Session testnet.
//!
//! A service node ([`node`]) serves the storage RPC (`POST /storage_rpc/v1`, [`rpc`]), onion
//! requests (`POST /onion_req/v2`, [`onion`]) and the seed-node JSON-RPC (`POST /json_rpc`) over
//! HTTPS with a self-signed certificate ([`server`]), stores messages in SQLite ([`store`]),
//! checks signatures and subaccount tokens ([`auth`]), maps accounts to swarms ([`swarm`]) and
//! replicates to its swarm peers ([`replication`]) over signed node-to-node endpoints
//! ([`internal`]). The file server ([`fileserver`]) is reachable only through onion requests.
//! [`testnet`] starts a whole network in-process or as child processes; [`description`] is the
//! JSON contract with the SDK's configuration.
//!
//! Client-visible behaviour follows `shared/protocol/` (storage-rpc.md, swarms.md,
//! onion-requests.md, files-and-attachments.md); the SDK's pure `identity`, `crypto` and `wire`
//! modules do the hashing, signing and onion cryptography.

pub mod auth;
pub mod clock;
pub mod config;
pub mod description;
pub mod error;
pub mod fileserver;
pub mod internal;
pub mod keys;
pub mod node;
pub mod onion;
pub mod ratelimit;
pub mod replication;
pub mod rpc;
pub mod server;
pub mod store;
pub mod swarm;
pub mod testnet;

pub use config::{NodeConfig, RateLimitConfig};
pub use description::{FileServerDescription, NetworkDescription, NodeEntry};
pub use error::{NodeError, Result};
pub use node::{Node, NodeHandle};
pub use testnet::{NodeInfo, Testnet, TestnetConfig, TestnetHandle};

/// The storage server version this node reports in `info`.
pub const VERSION: [u32; 3] = [2, 10, 0];
/// The hard fork `[major, minor]` reported as `hf` in responses.
pub const HARDFORK: [u32; 2] = [19, 4];
/// The blockchain height the seed endpoint reports (the testnet has no chain; it is constant).
pub const HEIGHT: u64 = 1_500_000;
