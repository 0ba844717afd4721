//! What the client can tell about its network: the configuration it runs on, whether it is
//! connected, its onion paths and request counters. A snapshot, for diagnostics and status
//! displays.

use crate::net::{ConnectionState, Network};

/// One hop of an onion path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathHop {
    /// The node's IP address.
    pub ip: String,
    /// The node's HTTPS port.
    pub port: u16,
    /// The node's Ed25519 public key (hex).
    pub ed25519: String,
    /// The swarm the node belongs to, when the node list said.
    pub swarm_id: Option<u64>,
}

/// A snapshot of the client's network state.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkStatus {
    /// The network's name ("mainnet", "testnet", ...).
    pub network: String,
    /// Seed node URLs the node list is bootstrapped from.
    pub seed_nodes: Vec<String>,
    /// The file server's base URL.
    pub file_server: String,
    /// Whether at least one onion path works.
    pub state: ConnectionState,
    /// Service nodes known.
    pub known_nodes: usize,
    /// Onion paths in use, guard first.
    pub paths: Vec<Vec<PathHop>>,
    /// Requests sent through onion paths.
    pub onion_requests: u64,
    /// Requests sent directly (seed nodes and guard checks only).
    pub direct_requests: u64,
    /// Requests that failed.
    pub failed_requests: u64,
    /// Onion paths built since the client was created.
    pub paths_built: u64,
    /// Offset of the network's clock from ours, in ms, as learnt from node replies.
    pub clock_offset_ms: i64,
}

impl NetworkStatus {
    pub(crate) fn of(net: &Network) -> NetworkStatus {
        let cfg = net.config();
        let stats = net.stats();
        NetworkStatus {
            network: cfg.network.clone(),
            seed_nodes: cfg.seed_nodes.clone(),
            file_server: cfg.file_server.base_url(),
            state: net.connection_state(),
            known_nodes: net.pool_size(),
            paths: net
                .paths()
                .iter()
                .map(|p| {
                    p.iter().map(|n| PathHop { ip: n.ip.clone(), port: n.port, ed25519: n.ed25519_hex(), swarm_id: n.swarm_id }).collect()
                })
                .collect(),
            onion_requests: stats.onion_requests,
            direct_requests: stats.direct_requests,
            failed_requests: stats.failed_requests,
            paths_built: stats.paths_built,
            clock_offset_ms: net.clock.offset_ms(),
        }
    }
}
