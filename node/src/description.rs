//! The network description file: the contract between the testnet and the SDK's configuration.
//!
//! ```json
//! {"network": "testnet", "seed_nodes": ["https://127.0.0.1:PORT", ...],
//!  "file_server": {"host": "127.0.0.1", "port": P, "protocol": "http",
//!                  "x25519_pubkey": "<hex>", "ed25519_pubkey": "<hex>"},
//!  "nodes": [{"ip": "127.0.0.1", "port": P, "pubkey_ed25519": "<hex>",
//!             "pubkey_x25519": "<hex>", "swarm_id": 123}, ...]}
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkDescription {
    pub network: String,
    pub seed_nodes: Vec<String>,
    pub file_server: FileServerDescription,
    pub nodes: Vec<NodeEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileServerDescription {
    pub host: String,
    pub port: u16,
    pub protocol: String,
    pub x25519_pubkey: String,
    pub ed25519_pubkey: String,
}

/// One service node as the network lists it (also the node list every node is configured with).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeEntry {
    pub ip: String,
    pub port: u16,
    pub pubkey_ed25519: String,
    pub pubkey_x25519: String,
    pub swarm_id: u64,
}

impl NodeEntry {
    pub fn url(&self) -> String {
        format!("https://{}:{}", self.ip, self.port)
    }
}

impl NetworkDescription {
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
