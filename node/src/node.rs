//! A service node: its keys, network view, database, clock, rate limiter and HTTP client, and
//! the tasks that run it (HTTPS server, catch-up sync, expiry cleanup).

use crate::clock::Clock;
use crate::config::NodeConfig;
use crate::error::{NodeError, Result};
use crate::keys::KeyPair;
use crate::ratelimit::RateLimiter;
use crate::replication;
use crate::server;
use crate::store::Store;
use crate::swarm::{NetworkView, NodeRecord};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub const DB_FILE: &str = "storage.db";

pub struct Node {
    pub cfg: NodeConfig,
    pub keys: KeyPair,
    pub network: Arc<NetworkView>,
    pub swarm_id: u64,
    /// The other members of this node's swarm.
    pub peers: Vec<NodeRecord>,
    pub store: Store,
    pub clock: Clock,
    pub limiter: RateLimiter,
    /// Node → node and exit → server requests (certificates are not verified, as on the real
    /// network; redirects are not followed).
    pub http: reqwest::Client,
    /// Number of completed catch-up passes.
    pub(crate) sync_passes: watch::Sender<u64>,
}

impl Node {
    /// Node time (system clock + configured offset), unix ms.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }
}

/// A running node.
pub struct NodeHandle {
    pub node: Arc<Node>,
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// The HTTP client nodes use among themselves and to reach servers.
pub fn internal_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(5))
        .build()?)
}

impl NodeHandle {
    /// Start a node. `listener` is a socket already bound to the node's listed address (the
    /// testnet binds all sockets first to learn the ports); `None` binds `cfg.ip:cfg.port`.
    pub async fn start(cfg: NodeConfig, listener: Option<TcpListener>) -> Result<NodeHandle> {
        std::fs::create_dir_all(&cfg.data_dir)?;
        let keys = KeyPair::load_or_create(&cfg.data_dir)?;
        let network = Arc::new(NetworkView::new(&cfg.network)?);
        let me = network
            .get(&keys.ed_pk)
            .ok_or_else(|| NodeError::Config(format!("node {} is not in the node list", keys.ed25519_hex())))?
            .clone();
        let peers: Vec<NodeRecord> = network.members(me.swarm_id).filter(|n| n.ed25519 != keys.ed_pk).cloned().collect();
        let store = Store::open(&cfg.data_dir.join(DB_FILE))?;
        let listener = match listener {
            Some(l) => l,
            None => TcpListener::bind((cfg.ip.as_str(), cfg.port)).await?,
        };
        let addr = listener.local_addr()?;
        let tls = server::tls_acceptor(&[cfg.ip.clone(), "localhost".into()])?;
        let (sync_tx, _) = watch::channel(0u64);
        let node = Arc::new(Node {
            clock: Clock::new(cfg.clock_offset_ms),
            limiter: RateLimiter::new(cfg.rate_limit),
            http: internal_client()?,
            swarm_id: me.swarm_id,
            peers,
            store,
            keys,
            network,
            sync_passes: sync_tx,
            cfg,
        });
        let (shutdown, rx) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(server::serve(listener, Some(tls), server::node_router(node.clone()), rx.clone())),
            tokio::spawn(replication::sync_loop(node.clone(), rx.clone())),
            tokio::spawn(replication::cleanup_loop(node.clone(), rx)),
        ];
        Ok(NodeHandle { node, addr, shutdown, tasks })
    }

    /// Wait until the first catch-up pass has run (or `timeout` passes). True if it ran.
    pub async fn wait_synced(&self, timeout: Duration) -> bool {
        let mut rx = self.node.sync_passes.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|&n| n >= 1)).await.is_ok_and(|r| r.is_ok())
    }

    /// Stop serving: close the listener and every connection, end the background tasks.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for mut t in self.tasks {
            if tokio::time::timeout(Duration::from_secs(5), &mut t).await.is_err() {
                t.abort();
            }
        }
    }
}
