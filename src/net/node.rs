//! A service node as the client knows it.

use crate::wire::onion_request::NodeKeys;
use crate::wire::rpc::ListedNode;
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Node {
    pub ip: String,
    pub port: u16,
    pub keys: NodeKeys,
    pub swarm_id: Option<u64>,
}

impl Node {
    pub fn url(&self, path: &str) -> String {
        format!("https://{}:{}{}", self.ip, self.port, path)
    }
    pub fn ed25519_hex(&self) -> String {
        hex::encode(self.keys.ed25519)
    }
    /// The /24 subnet (first three octets of an IPv4 address), used to spread paths.
    pub fn subnet(&self) -> String {
        let parts: Vec<&str> = self.ip.split('.').collect();
        if parts.len() == 4 {
            parts[..3].join(".")
        } else {
            self.ip.clone()
        }
    }
}

impl From<ListedNode> for Node {
    fn from(n: ListedNode) -> Node {
        Node { ip: n.ip, port: n.port, keys: NodeKeys { ed25519: n.ed25519, x25519: n.x25519 }, swarm_id: n.swarm_id }
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Node({}:{} {}…)", self.ip, self.port, &self.ed25519_hex()[..8])
    }
}
