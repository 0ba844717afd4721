//! Talking to the network: configuration, node pool, onion paths, the onion request client,
//! swarm cache, storage RPC and file server clients, retry and failover. (The network clock is
//! `crate::clock`.)

pub mod config;
pub mod file_server;
pub mod network;
pub mod node;
pub mod pool;

pub use config::NetworkConfig;
pub use network::{ConnectionState, Network, NetworkOptions};
