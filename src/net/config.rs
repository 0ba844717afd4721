//! Which network a client talks to: the public Session network, or a local testnet described
//! by the JSON file `session-testnet` writes. Both go through the same code.

use crate::error::{Error, Result};
use crate::wire::onion_request::NodeKeys;
use serde::{Deserialize, Serialize};

/// The file server: where attachments are uploaded, reached only through onion requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileServer {
    pub host: String,
    pub port: u16,
    /// `http` or `https` (the exit node's connection to the server).
    pub protocol: String,
    /// Hex X25519 key the onion layer for the server is encrypted to.
    pub x25519_pubkey: String,
    /// Hex Ed25519 key (carried in attachment URLs for non-default servers).
    #[serde(default)]
    pub ed25519_pubkey: String,
}

impl FileServer {
    pub fn x25519(&self) -> Result<[u8; 32]> {
        parse_key(&self.x25519_pubkey, "file server x25519_pubkey")
    }
    /// The base URL attachments are addressed by, e.g. `http://filev2.getsession.org`.
    pub fn base_url(&self) -> String {
        let default_port = if self.protocol == "http" { 80 } else { 443 };
        if self.port == default_port {
            format!("{}://{}", self.protocol, self.host)
        } else {
            format!("{}://{}:{}", self.protocol, self.host, self.port)
        }
    }
}

/// A service node as listed by seeds or in a testnet description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeEntry {
    pub ip: String,
    pub port: u16,
    pub pubkey_ed25519: String,
    pub pubkey_x25519: String,
    #[serde(default)]
    pub swarm_id: Option<u64>,
}

/// Largest network description file read (a real one is a few kilobytes).
pub const MAX_DESCRIPTION_BYTES: u64 = 1 << 20;

/// A network: seed URLs and the file server. `nodes` (testnet descriptions) is informational;
/// clients always bootstrap from the seeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkConfig {
    /// The network's name ("mainnet", "testnet", ...).
    #[serde(default = "default_network_name")]
    pub network: String,
    /// Seed node base URLs the node list is bootstrapped from.
    pub seed_nodes: Vec<String>,
    /// The file server attachments and profile pictures go to.
    pub file_server: FileServer,
    /// Service nodes a testnet description lists (informational; the client asks the seeds).
    #[serde(default)]
    pub nodes: Vec<NodeEntry>,
}

fn default_network_name() -> String {
    "custom".into()
}

impl NetworkConfig {
    /// The public Session network: its seed nodes and file server, as the reference clients list
    /// them (session-desktop; see ../shared/protocol/swarms.md §3 and files-and-attachments.md §1).
    pub fn mainnet() -> NetworkConfig {
        NetworkConfig {
            network: "mainnet".into(),
            seed_nodes: vec![
                "https://seed1.getsession.org:4443".into(),
                "https://seed2.getsession.org:4443".into(),
                "https://seed3.getsession.org:4443".into(),
            ],
            file_server: FileServer {
                host: "filev2.getsession.org".into(),
                port: 80,
                protocol: "http".into(),
                x25519_pubkey: "09324794aa9c11948189762d198c618148e9136ac9582068180661208927ef34".into(),
                ed25519_pubkey: "b8eef9821445ae16e2e97ef8aa6fe782fd11ad5253cd6723b281341dba22e371".into(),
            },
            nodes: vec![],
        }
    }

    /// Parse a network description (the JSON `session-testnet` writes).
    pub fn from_json(text: &str) -> Result<NetworkConfig> {
        let cfg: NetworkConfig = serde_json::from_str(text).map_err(|e| Error::invalid_argument(format!("network description: {e}")))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Read a network description (the JSON `session-testnet --description` writes).
    /// Only a regular file of at most [`MAX_DESCRIPTION_BYTES`] is read (a FIFO would block, a
    /// device like /dev/zero would never end).
    pub fn from_file(path: &std::path::Path) -> Result<NetworkConfig> {
        use std::io::Read;
        let io = |e: std::io::Error| Error::new(crate::ErrorKind::Io, format!("reading network description {}: {e}", path.display()));
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(Error::invalid_argument(format!("network description {} is not a regular file", path.display())));
        }
        let mut text = String::new();
        std::fs::File::open(path).map_err(io)?.take(MAX_DESCRIPTION_BYTES + 1).read_to_string(&mut text).map_err(io)?;
        if text.len() as u64 > MAX_DESCRIPTION_BYTES {
            return Err(Error::new(
                crate::ErrorKind::TooLarge,
                format!("network description {} is over {MAX_DESCRIPTION_BYTES} bytes", path.display()),
            ));
        }
        NetworkConfig::from_json(&text)
    }

    /// Check the description: at least one seed URL, a usable file server and its key.
    pub fn validate(&self) -> Result<()> {
        if self.seed_nodes.is_empty() {
            return Err(Error::invalid_argument("network description lists no seed nodes"));
        }
        for s in &self.seed_nodes {
            if !(s.starts_with("https://") || s.starts_with("http://")) {
                return Err(Error::invalid_argument(format!("seed node {s:?} is not an http(s) URL")));
            }
        }
        self.file_server.x25519()?;
        if !matches!(self.file_server.protocol.as_str(), "http" | "https") {
            return Err(Error::invalid_argument("file server protocol must be http or https"));
        }
        Ok(())
    }
}

pub(crate) fn parse_key(hex_text: &str, what: &str) -> Result<[u8; 32]> {
    let mut k = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut k).map_err(|_| Error::invalid_key(format!("{what} is not 64 hex characters")))?;
    Ok(k)
}

impl NodeEntry {
    pub fn keys(&self) -> Result<NodeKeys> {
        Ok(NodeKeys {
            ed25519: parse_key(&self.pubkey_ed25519, "pubkey_ed25519")?,
            x25519: parse_key(&self.pubkey_x25519, "pubkey_x25519")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_small_regular_file_is_read() {
        // /dev/zero never ends and a FIFO blocks: both refused before reading.
        let t = std::time::Instant::now();
        assert_eq!(NetworkConfig::from_file(std::path::Path::new("/dev/zero")).unwrap_err().kind(), crate::ErrorKind::InvalidArgument);
        let dir = std::env::temp_dir().join(format!("ssdk-netdesc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        let _ = std::fs::remove_file(&fifo);
        if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
            assert_eq!(NetworkConfig::from_file(&fifo).unwrap_err().kind(), crate::ErrorKind::InvalidArgument);
        }
        let big = dir.join("big.json");
        std::fs::write(&big, vec![b' '; (MAX_DESCRIPTION_BYTES + 10) as usize]).unwrap();
        assert_eq!(NetworkConfig::from_file(&big).unwrap_err().kind(), crate::ErrorKind::TooLarge);
        assert_eq!(NetworkConfig::from_file(&dir).unwrap_err().kind(), crate::ErrorKind::InvalidArgument, "a directory");
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parses_a_testnet_description() {
        let text = r#"{"network":"testnet","seed_nodes":["https://127.0.0.1:4000"],
          "file_server":{"host":"127.0.0.1","port":4100,"protocol":"http",
            "x25519_pubkey":"09324794aa9c11948189762d198c618148e9136ac9582068180661208927ef34","ed25519_pubkey":""},
          "nodes":[{"ip":"127.0.0.1","port":4000,"pubkey_ed25519":"aa","pubkey_x25519":"bb","swarm_id":5}]}"#;
        let c = NetworkConfig::from_json(text).unwrap();
        assert_eq!(c.file_server.base_url(), "http://127.0.0.1:4100");
        assert_eq!(c.nodes[0].swarm_id, Some(5));
        assert!(NetworkConfig::from_json("{}").is_err());
        assert!(NetworkConfig::from_json(&text.replace("https://127.0.0.1:4000", "ftp://x")).is_err());
        NetworkConfig::mainnet().validate().unwrap();
        assert_eq!(NetworkConfig::mainnet().file_server.base_url(), "http://filev2.getsession.org");
    }
}
