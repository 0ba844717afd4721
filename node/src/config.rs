//! Node configuration (also the JSON a `session-testnet node --config FILE` child reads).

use crate::description::NodeEntry;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Per-client-IP token bucket for direct HTTPS requests (node-to-node endpoints are exempt).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateLimitConfig {
    /// Bucket size (requests allowed in a burst).
    pub burst: u32,
    /// Refill rate, requests per second.
    pub per_second: u32,
}

impl Default for RateLimitConfig {
    /// The real storage server's limits: 600 burst, 300/s.
    fn default() -> Self {
        RateLimitConfig { burst: 600, per_second: 300 }
    }
}

impl RateLimitConfig {
    /// Effectively unlimited (for benchmarks and load tests).
    pub fn unlimited() -> Self {
        RateLimitConfig { burst: u32::MAX, per_second: u32::MAX }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeConfig {
    /// Keys (`key_ed25519`) and the database (`storage.db`) live here.
    pub data_dir: PathBuf,
    /// Address to bind (the address published in the node list).
    #[serde(default = "default_ip")]
    pub ip: String,
    /// HTTPS port; 0 picks an ephemeral port (only useful without a pre-made node list).
    pub port: u16,
    /// Every node of the network, this one included.
    pub network: Vec<NodeEntry>,
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
    /// How often to pull missed changes from swarm peers (catch-up), in milliseconds.
    #[serde(default = "default_sync_ms")]
    pub sync_interval_ms: u64,
    /// How often expired messages are removed, in milliseconds.
    #[serde(default = "default_cleanup_ms")]
    pub cleanup_interval_ms: u64,
    /// Added to the system clock for everything clients see (`t`, timestamp checks).
    #[serde(default)]
    pub clock_offset_ms: i64,
}

fn default_ip() -> String {
    "127.0.0.1".into()
}
fn default_sync_ms() -> u64 {
    10_000
}
fn default_cleanup_ms() -> u64 {
    5_000
}

impl NodeConfig {
    pub fn new(data_dir: PathBuf, port: u16, network: Vec<NodeEntry>) -> NodeConfig {
        NodeConfig {
            data_dir,
            ip: default_ip(),
            port,
            network,
            rate_limit: RateLimitConfig::default(),
            sync_interval_ms: default_sync_ms(),
            cleanup_interval_ms: default_cleanup_ms(),
            clock_offset_ms: 0,
        }
    }
}
