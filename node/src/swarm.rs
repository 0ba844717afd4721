//! The network view every node shares: the node list, swarm ids, account → swarm mapping
//! (swarms.md §2, via `session_sdk::wire::swarm`), and the `get_swarm` / 421 JSON shape.

use crate::description::NodeEntry;
use crate::error::{NodeError, Result};
use serde_json::{json, Value};
use session_sdk::identity::AccountId;
use std::collections::HashMap;

/// One node with its keys decoded.
#[derive(Debug, Clone)]
pub struct NodeRecord {
    pub ed25519: [u8; 32],
    pub x25519: [u8; 32],
    pub ip: String,
    pub port: u16,
    pub swarm_id: u64,
    pub entry: NodeEntry,
}

impl NodeRecord {
    pub fn url(&self) -> String {
        format!("https://{}:{}", self.ip, self.port)
    }
    pub fn ed25519_hex(&self) -> &str {
        &self.entry.pubkey_ed25519
    }
}

/// The whole network as every node sees it (identical on all nodes).
#[derive(Debug, Clone)]
pub struct NetworkView {
    nodes: Vec<NodeRecord>,
    swarm_ids: Vec<u64>,
    by_ed: HashMap<[u8; 32], usize>,
}

fn key32(hex_str: &str, what: &str) -> Result<[u8; 32]> {
    let mut k = [0u8; 32];
    hex::decode_to_slice(hex_str, &mut k).map_err(|_| NodeError::Config(format!("{what} {hex_str:?} is not 64 hex digits")))?;
    Ok(k)
}

impl NetworkView {
    pub fn new(entries: &[NodeEntry]) -> Result<NetworkView> {
        let mut nodes = Vec::with_capacity(entries.len());
        let mut by_ed = HashMap::new();
        for e in entries {
            let rec = NodeRecord {
                ed25519: key32(&e.pubkey_ed25519, "pubkey_ed25519")?,
                x25519: key32(&e.pubkey_x25519, "pubkey_x25519")?,
                ip: e.ip.clone(),
                port: e.port,
                swarm_id: e.swarm_id,
                entry: e.clone(),
            };
            if by_ed.insert(rec.ed25519, nodes.len()).is_some() {
                return Err(NodeError::Config(format!("node {} listed twice", e.pubkey_ed25519)));
            }
            nodes.push(rec);
        }
        let mut swarm_ids: Vec<u64> = nodes.iter().map(|n| n.swarm_id).filter(|&s| s != u64::MAX).collect();
        swarm_ids.sort_unstable();
        swarm_ids.dedup();
        if swarm_ids.is_empty() {
            return Err(NodeError::Config("the network has no swarm".into()));
        }
        Ok(NetworkView { nodes, swarm_ids, by_ed })
    }

    pub fn nodes(&self) -> &[NodeRecord] {
        &self.nodes
    }
    pub fn swarm_ids(&self) -> &[u64] {
        &self.swarm_ids
    }
    pub fn get(&self, ed25519: &[u8; 32]) -> Option<&NodeRecord> {
        self.by_ed.get(ed25519).map(|&i| &self.nodes[i])
    }

    /// The swarm that stores `account`.
    pub fn swarm_for(&self, account: &AccountId) -> u64 {
        session_sdk::wire::swarm::swarm_for(account, &self.swarm_ids).unwrap_or(u64::MAX)
    }

    pub fn members(&self, swarm_id: u64) -> impl Iterator<Item = &NodeRecord> {
        self.nodes.iter().filter(move |n| n.swarm_id == swarm_id)
    }

    /// `{"swarm": "<hex id>", "snodes": [...]}` as `get_swarm` and `421` bodies carry it.
    pub fn swarm_json(&self, swarm_id: u64) -> Value {
        let snodes: Vec<Value> = self
            .members(swarm_id)
            .map(|n| {
                json!({
                    "address": format!("{}.snode", base32z(&n.ed25519)),
                    "pubkey_legacy": n.entry.pubkey_ed25519,
                    "pubkey_x25519": n.entry.pubkey_x25519,
                    "pubkey_ed25519": n.entry.pubkey_ed25519,
                    "port": n.port.to_string(),
                    "port_https": n.port,
                    "port_omq": n.port,
                    "port_quic": n.port,
                    "ip": n.ip,
                })
            })
            .collect();
        json!({"snodes": snodes, "swarm": format!("{swarm_id:x}")})
    }
}

/// `m` swarm ids spread evenly over the u64 space (the testnet's stand-in for oxend's assignment).
pub fn evenly_spaced_ids(m: usize) -> Vec<u64> {
    let m = m.max(1) as u128;
    let span = (u64::MAX as u128 + 1) / m;
    (0..m).map(|i| (i * span + span / 2) as u64).collect()
}

/// z-base-32 (the `.snode` address encoding).
pub fn base32z(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";
    let mut out = String::with_capacity(data.len() * 8 / 5 + 1);
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in data {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sorted_and_distinct() {
        let ids = evenly_spaced_ids(3);
        assert_eq!(ids.len(), 3);
        assert!(ids[0] < ids[1] && ids[1] < ids[2]);
        assert_eq!(evenly_spaced_ids(1).len(), 1);
    }

    #[test]
    fn base32z_known_value() {
        // 32 zero bytes encode to 52 'y's.
        assert_eq!(base32z(&[0u8; 32]), "y".repeat(52));
        assert_eq!(base32z(&[0xff]), "9h");
    }
}
