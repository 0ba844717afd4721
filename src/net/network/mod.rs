//! The network client: bootstraps the node pool from seeds, keeps onion paths, and sends every
//! swarm and file-server request as an onion request, with failover: 421 → new swarm, 406/425
//! → clock correction, 429 → back off, failing nodes and paths → blamed and rebuilt.
//!
//! [`Network`] (this file) holds the state; each concern is a submodule adding its part:
//! - [`bootstrap`]: the node list from the seeds, and its refresh;
//! - [`paths`]: building, testing and choosing onion paths, counting failures;
//! - [`transport`]: one onion request to a node or a server, and what a failure blames;
//! - [`swarm`]: swarm lookup and storage RPC with failover.

mod bootstrap;
mod paths;
mod swarm;
mod transport;

pub use transport::{Direction, ServerTarget, Transfer};

use super::config::NetworkConfig;
use super::node::Node;
use super::pool::Pool;
use crate::clock::NetworkClock;
use crate::crypto::onion_hop::EncType;
use crate::error::{Error, ErrorKind, Result};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Mutex as AsyncMutex};

/// Whether the client has working onion paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// No usable path (starting, or every path failed).
    Connecting,
    /// At least one onion path works.
    Ready,
}

/// Tunables; defaults suit the public network and a local testnet alike.
#[derive(Debug, Clone)]
pub struct NetworkOptions {
    /// The cipher of onion layers (XChaCha20 by default; AES-GCM needs AES-NI).
    pub enc_type: EncType,
    /// Timeout of one onion request (path + destination).
    pub request_timeout: Duration,
    /// Timeout of a direct request (seed, guard test).
    pub direct_timeout: Duration,
    /// Attempts of one swarm RPC over different members and paths.
    pub rpc_attempts: u32,
    /// How often the node list is refreshed.
    pub pool_refresh: Duration,
}

impl Default for NetworkOptions {
    fn default() -> NetworkOptions {
        NetworkOptions {
            enc_type: EncType::XChaCha20,
            request_timeout: Duration::from_secs(20),
            direct_timeout: Duration::from_secs(10),
            rpc_attempts: 5,
            pool_refresh: Duration::from_secs(3600),
        }
    }
}

/// Counters for benchmarks and diagnostics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NetStats {
    pub onion_requests: u64,
    pub direct_requests: u64,
    pub failed_requests: u64,
    pub paths_built: u64,
}

pub struct Network {
    config: NetworkConfig,
    opts: NetworkOptions,
    http: reqwest::Client,
    pub clock: NetworkClock,
    pool: Mutex<Pool>,
    pool_refreshed: Mutex<Option<Instant>>,
    /// Serialises bootstrap and path building so concurrent callers do not race to do it twice.
    building: AsyncMutex<()>,
    state_tx: watch::Sender<ConnectionState>,
    stats: Mutex<NetStats>,
}

fn net_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Network, msg)
}

impl Network {
    pub fn new(config: NetworkConfig, opts: NetworkOptions) -> Result<Network> {
        config.validate()?;
        let http = reqwest::Client::builder()
            // Service nodes and seeds use self-signed certificates; the onion layers, encrypted to
            // keys from the node list, are what authenticate the destination.
            .danger_accept_invalid_certs(true)
            .timeout(opts.request_timeout)
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(4)
            .no_proxy()
            .build()
            .map_err(|e| Error::internal(format!("HTTP client: {e}")))?;
        let (state_tx, _) = watch::channel(ConnectionState::Connecting);
        Ok(Network {
            config,
            opts,
            http,
            clock: NetworkClock::default(),
            pool: Mutex::new(Pool::default()),
            pool_refreshed: Mutex::new(None),
            building: AsyncMutex::new(()),
            state_tx,
            stats: Mutex::new(NetStats::default()),
        })
    }

    pub fn config(&self) -> &NetworkConfig {
        &self.config
    }

    pub fn stats(&self) -> NetStats {
        *self.stats.lock().expect("stats lock")
    }

    fn count(&self, f: impl FnOnce(&mut NetStats)) {
        f(&mut self.stats.lock().expect("stats lock"));
    }

    /// Subscribe to connection state changes.
    pub fn subscribe(&self) -> watch::Receiver<ConnectionState> {
        self.state_tx.subscribe()
    }

    pub fn connection_state(&self) -> ConnectionState {
        *self.state_tx.borrow()
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool.lock().expect("pool lock")
    }

    fn update_state(&self) {
        let ready = !self.pool().paths().is_empty();
        let s = if ready { ConnectionState::Ready } else { ConnectionState::Connecting };
        self.state_tx.send_if_modified(|cur| {
            let changed = *cur != s;
            *cur = s;
            changed
        });
    }

    /// The current onion paths (guard first), for diagnostics.
    pub fn paths(&self) -> Vec<Vec<Node>> {
        self.pool().paths().iter().map(|p| p.nodes.clone()).collect()
    }

    pub fn pool_size(&self) -> usize {
        self.pool().nodes().len()
    }
}
