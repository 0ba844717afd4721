//! The network client: bootstraps the node pool from seeds, keeps onion paths, and sends every
//! swarm and file-server request as an onion request, with failover: 421 → new swarm, 406/425
//! → clock correction, 429 → back off, failing nodes and paths → blamed and rebuilt.

use super::config::NetworkConfig;
use super::node::Node;
use super::pool::{Pool, PATH_HOPS};
use crate::clock::NetworkClock;
use crate::crypto::onion_hop::EncType;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::AccountId;
use crate::sodium;
use crate::wire::onion::{V4Request, V4Response};
use crate::wire::onion_request::{self, Destination, NodeReply};
use crate::wire::rpc::{self, Request};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Mutex as AsyncMutex};

/// An HTTP server reached through onion requests (the file server, a community).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    pub host: String,
    pub port: u16,
    pub protocol: String,
    pub x25519: [u8; 32],
}

impl ServerTarget {
    pub fn from_file_server(fs: &super::config::FileServer) -> Result<ServerTarget> {
        Ok(ServerTarget { host: fs.host.clone(), port: fs.port, protocol: fs.protocol.clone(), x25519: fs.x25519()? })
    }
}

/// Which way bytes are moving in a progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// A progress callback: (direction, bytes done, bytes total).
pub type Progress = std::sync::Arc<dyn Fn(Direction, u64, u64) + Sync + Send>;

/// Progress reporting and cancellation for a large request.
#[derive(Default, Clone)]
pub struct Transfer {
    /// Called as data moves.
    pub progress: Option<Progress>,
    /// Becomes true to cancel.
    pub cancel: Option<watch::Receiver<bool>>,
}

impl Transfer {
    fn check_cancelled(&self) -> Result<()> {
        if self.cancel.as_ref().is_some_and(|c| *c.borrow()) {
            return Err(Error::new(ErrorKind::Cancelled, "the transfer was cancelled"));
        }
        Ok(())
    }

    async fn cancelled(&self) {
        match self.cancel.clone() {
            Some(mut c) => {
                while !*c.borrow() {
                    if c.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
            }
            None => std::future::pending().await,
        }
    }
}

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

    // ---- bootstrap ---------------------------------------------------------------------

    async fn post_direct(&self, url: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>)> {
        self.count(|s| s.direct_requests += 1);
        let resp = self
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .timeout(self.opts.direct_timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| net_err(format!("{url}: {e}")))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| net_err(format!("{url}: {e}")))?;
        Ok((status, body.to_vec()))
    }

    /// Fill the node pool from the seed nodes (each tried in random order).
    async fn bootstrap(&self) -> Result<()> {
        let mut seeds = self.config.seed_nodes.clone();
        sodium::shuffle(&mut seeds);
        let body = serde_json::to_vec(&rpc::seed_get_n_service_nodes())?;
        let mut last = net_err("no seed node answered");
        for _round in 0..2 {
            for seed in &seeds {
                let url = format!("{}/json_rpc", seed.trim_end_matches('/'));
                match self.post_direct(&url, body.clone()).await {
                    Ok((200, b)) => {
                        match serde_json::from_slice::<Value>(&b).map_err(Error::from).and_then(|v| rpc::parse_service_node_list(&v)) {
                            Ok(list) if list.len() > PATH_HOPS => {
                                self.pool().set_nodes(list.into_iter().map(Node::from).collect());
                                *self.pool_refreshed.lock().expect("lock") = Some(Instant::now());
                                return Ok(());
                            }
                            Ok(list) => last = net_err(format!("seed {seed} listed only {} nodes", list.len())),
                            Err(e) => last = e.context(format!("seed {seed}")),
                        }
                    }
                    Ok((status, _)) => last = net_err(format!("seed {seed} answered HTTP {status}")),
                    Err(e) => last = e,
                }
            }
        }
        Err(last)
    }

    /// Make sure the pool is filled and enough paths exist. Cheap when they do.
    pub async fn ensure_ready(&self) -> Result<()> {
        if !self.pool().is_empty() && self.pool().paths().len() >= super::pool::DESIRED_PATHS {
            return Ok(());
        }
        let _guard = self.building.lock().await;
        if self.pool().is_empty() {
            self.bootstrap().await?;
        }
        let mut tries = 0;
        while self.pool().paths().len() < super::pool::DESIRED_PATHS {
            tries += 1;
            let candidates = self.pool().guard_candidates();
            if candidates.is_empty() || tries > 8 {
                break;
            }
            // A guard must answer directly before we route through it. `info` names no account,
            // so testing a guard reveals nothing about who we are.
            let mut found = None;
            for cand in candidates.into_iter().take(4) {
                if self.test_guard(&cand).await {
                    found = Some(cand);
                    break;
                }
                self.pool().node_failed(&cand.keys.ed25519, false);
            }
            let Some(guard) = found else { continue };
            let path = self.pool().build_path(guard);
            match path {
                Some(p) => {
                    self.adopt_path(&p).await;
                }
                None => break,
            }
        }
        self.update_state();
        if self.pool().paths().is_empty() {
            // The pool may be stale; start over from the seeds next time.
            if self.pool().nodes().len() <= PATH_HOPS {
                self.pool().set_nodes(vec![]);
            }
            return Err(net_err("could not build an onion path: no guard node answered"));
        }
        Ok(())
    }

    async fn test_guard(&self, node: &Node) -> bool {
        let t0 = Instant::now();
        match self.post_direct(&node.url("/storage_rpc/v1"), rpc::info().to_bytes()).await {
            Ok((200, body)) => {
                if let Some(t) = serde_json::from_slice::<Value>(&body).ok().as_ref().and_then(rpc::node_time) {
                    self.clock.observe(t, t0.elapsed().as_millis() as i64, false);
                }
                true
            }
            _ => false,
        }
    }

    /// Keep a freshly built path if it works end to end ([`Network::test_path`]).
    async fn adopt_path(&self, p: &super::pool::Path) -> bool {
        if !self.test_path(p).await {
            return false;
        }
        self.pool().add_path(p.clone());
        self.count(|s| s.paths_built += 1);
        true
    }

    /// Send one `info` request through a new path, with its exit node as the destination, before
    /// any request of the user's uses it: a guard that answers directly says nothing about the
    /// middle and exit hops, and a dead hop found here costs no message a retry. `info` names
    /// no account. A failure counts a strike against the hops behind the guard (or against the
    /// node the guard blames, at once); an unreachable guard is handled by `send_onion`.
    async fn test_path(&self, path: &super::pool::Path) -> bool {
        let (relays, exit) = path.nodes.split_at(PATH_HOPS - 1);
        let hops: Vec<_> = relays.iter().map(|n| n.keys).collect();
        let Ok(built) = onion_request::build(&hops, &Destination::Node(exit[0].keys), &rpc::info().to_bytes(), self.opts.enc_type) else {
            return false;
        };
        let blamed = match self.send_onion(path, built.body).await {
            Ok((200, body)) if matches!(onion_request::open_node_reply(&built.reply_key, &body), Ok(r) if r.status == 200) => return true,
            Ok((_, body)) => Self::blamed_node(&body),
            Err(_) => return false,
        };
        match blamed {
            Some(b) => {
                self.pool().node_failed(&b, true);
            }
            None => self.pool().nodes_failed(&path.nodes[1..]),
        }
        self.count(|s| s.failed_requests += 1);
        false
    }

    /// Refresh the node list if it is older than the refresh interval: ask three nodes (through
    /// onion requests) and keep the nodes all three list; fall back to the seeds when they
    /// disagree too much.
    pub async fn maybe_refresh_pool(&self) -> Result<()> {
        let due = self.pool_refreshed.lock().expect("lock").is_none_or(|t| t.elapsed() >= self.opts.pool_refresh);
        if !due {
            return Ok(());
        }
        let targets = self.pool().random_nodes(3, &HashSet::new());
        let mut lists: Vec<Vec<Node>> = vec![];
        for t in &targets {
            if let Ok(r) = self.onion_to_node(t, &rpc::get_service_nodes()).await {
                if r.status == 200 {
                    if let Ok(list) = rpc::parse_service_node_list(&r.body) {
                        lists.push(list.into_iter().map(Node::from).collect());
                    }
                }
            }
        }
        *self.pool_refreshed.lock().expect("lock") = Some(Instant::now());
        if lists.len() == 3 {
            let in_all = |n: &Node| lists[1..].iter().all(|l| l.iter().any(|m| m.keys.ed25519 == n.keys.ed25519));
            let common: Vec<Node> = lists[0].iter().filter(|n| in_all(n)).cloned().collect();
            let need = 24.min(lists[0].len() * 2 / 3).max(PATH_HOPS + 1);
            if common.len() >= need {
                self.pool().set_nodes(common);
                self.update_state();
                return Ok(());
            }
        }
        self.bootstrap().await
    }

    // ---- onion requests ----------------------------------------------------------------

    async fn path_for(&self, avoid: Option<&[u8; 32]>) -> Result<super::pool::Path> {
        for _ in 0..3 {
            self.ensure_ready().await?;
            if let Some(p) = self.pool().pick_path(avoid) {
                return Ok(p);
            }
            // Every path contains the destination: build one more that does not.
            let _guard = self.building.lock().await;
            let cand = self.pool().guard_candidates().into_iter().find(|c| avoid.is_none_or(|a| &c.keys.ed25519 != a));
            if let Some(g) = cand {
                if self.test_guard(&g).await {
                    let built = self.pool().build_path(g);
                    if let Some(p) = built {
                        if avoid.is_none_or(|a| !p.contains(a)) && self.adopt_path(&p).await {
                            return Ok(p);
                        }
                    }
                }
            }
        }
        Err(net_err("no onion path avoids the destination node"))
    }

    /// Record a failure on `path`; when `blamed` names a node, that node is dropped at once.
    fn path_failure(&self, guard: &[u8; 32], blamed: Option<[u8; 32]>) {
        {
            let mut pool = self.pool();
            if let Some(b) = blamed {
                pool.node_failed(&b, true);
            } else {
                pool.path_failed(guard);
            }
        }
        self.count(|s| s.failed_requests += 1);
        self.update_state();
    }

    /// The guard did not answer: drop its path, count it against the node, and say why.
    fn guard_unreachable(&self, guard: &Node, e: reqwest::Error) -> Error {
        self.pool().drop_path(&guard.keys.ed25519);
        self.pool().node_failed(&guard.keys.ed25519, false);
        self.count(|s| s.failed_requests += 1);
        self.update_state();
        if e.is_timeout() {
            Error::new(ErrorKind::Timeout, format!("onion request timed out: {e}"))
        } else {
            net_err(format!("guard {}: {e}", guard.ip))
        }
    }

    /// POST an onion body to a path's guard; returns the HTTP status and body.
    async fn send_onion(&self, path: &super::pool::Path, body: Vec<u8>) -> Result<(u16, Vec<u8>)> {
        self.count(|s| s.onion_requests += 1);
        let guard = path.guard();
        let resp = self.http.post(guard.url("/onion_req/v2")).header("Content-Type", "application/octet-stream").body(body).send().await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => return Err(self.guard_unreachable(guard, e)),
        };
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| net_err(format!("reading onion reply: {e}")))?;
        Ok((status, body.to_vec()))
    }

    /// Blame from a path error body: `Next node not found: <ed25519 hex>`.
    fn blamed_node(body: &[u8]) -> Option<[u8; 32]> {
        let text = std::str::from_utf8(body).ok()?;
        let hex_key = text.trim().strip_prefix("Next node not found: ")?;
        let mut k = [0u8; 32];
        hex::decode_to_slice(hex_key.trim(), &mut k).ok()?;
        Some(k)
    }

    /// One onion request to a node; returns the RPC status and body as the destination sent them.
    pub async fn onion_to_node(&self, dest: &Node, req: &Request) -> Result<NodeReply> {
        let path = self.path_for(Some(&dest.keys.ed25519)).await?;
        let hops: Vec<_> = path.nodes.iter().map(|n| n.keys).collect();
        let built = onion_request::build(&hops, &Destination::Node(dest.keys), &req.to_bytes(), self.opts.enc_type)?;
        let t0 = Instant::now();
        let (status, body) = self.send_onion(&path, built.body).await?;
        let guard = path.guard().keys.ed25519;
        if status != 200 {
            let blamed = Self::blamed_node(&body);
            self.path_failure(&guard, blamed);
            return Err(net_err(format!("onion path error HTTP {status}: {}", String::from_utf8_lossy(&body[..body.len().min(200)]))));
        }
        match onion_request::open_node_reply(&built.reply_key, &body) {
            Ok(reply) => {
                self.pool().path_succeeded(&guard);
                if let Some(t) = rpc::node_time(&reply.body) {
                    self.clock.observe(t, t0.elapsed().as_millis() as i64, false);
                }
                Ok(reply)
            }
            Err(e) => {
                self.path_failure(&guard, None);
                Err(net_err(format!("undecryptable onion reply: {e}")))
            }
        }
    }

    /// One onion request to the configured file server with a v4 request.
    pub async fn onion_to_server(&self, req: &V4Request) -> Result<V4Response> {
        let target = ServerTarget::from_file_server(&self.config.file_server)?;
        self.onion_to_server_with(&target, req, &Transfer::default()).await
    }

    /// One onion request to an HTTP server, reporting upload and download progress and
    /// stopping when `transfer` is cancelled. Retries over other paths when a path fails.
    pub async fn onion_to_server_with(&self, target: &ServerTarget, req: &V4Request, transfer: &Transfer) -> Result<V4Response> {
        let dest = Destination::Server {
            host: target.host.clone(),
            port: target.port,
            protocol: target.protocol.clone(),
            target: "/oxen/v4/lsrpc".into(),
            x25519: target.x25519,
        };
        let mut last = net_err("the server is unreachable");
        for _ in 0..self.opts.rpc_attempts.min(3) {
            transfer.check_cancelled()?;
            let path = self.path_for(None).await?;
            let hops: Vec<_> = path.nodes.iter().map(|n| n.keys).collect();
            let built = onion_request::build(&hops, &dest, &req.encode(), self.opts.enc_type)?;
            let guard = path.guard().keys.ed25519;
            let sent = tokio::select! {
                r = self.send_onion_streaming(&path, built.body, transfer) => r,
                _ = transfer.cancelled() => return Err(Error::new(ErrorKind::Cancelled, "the transfer was cancelled")),
            };
            match sent {
                Ok((200, body)) => match onion_request::open_server_reply(&built.reply_key, &body) {
                    Ok(r) => {
                        self.pool().path_succeeded(&guard);
                        return Ok(r);
                    }
                    Err(e) => {
                        self.path_failure(&guard, None);
                        last = net_err(format!("undecryptable server reply: {e}"));
                    }
                },
                Ok((status, body)) => {
                    // 502/504 from the exit: the server is unreachable or slow, not the path.
                    let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
                    if status == 502 || status == 504 {
                        last = net_err(format!("server unreachable from the exit node (HTTP {status}): {text}"));
                        if let Some(b) = Self::blamed_node(&body) {
                            self.path_failure(&guard, Some(b));
                        }
                    } else {
                        self.path_failure(&guard, None);
                        last = net_err(format!("onion path error HTTP {status}: {text}"));
                    }
                }
                Err(e) if e.kind() == ErrorKind::Cancelled => return Err(e),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// POST a (possibly large) onion body to a guard, streaming it out and the reply in, with
    /// progress reports.
    async fn send_onion_streaming(&self, path: &super::pool::Path, body: Vec<u8>, transfer: &Transfer) -> Result<(u16, Vec<u8>)> {
        if transfer.progress.is_none() {
            return self.send_onion(path, body).await;
        }
        self.count(|s| s.onion_requests += 1);
        let guard = path.guard();
        let total = body.len() as u64;
        let body = bytes::Bytes::from(body);
        const CHUNK: usize = 64 * 1024;
        let progress = transfer.progress.clone();
        let up = progress.clone();
        let chunks = (0..body.len().div_ceil(CHUNK)).map(move |i| {
            let end = ((i + 1) * CHUNK).min(body.len());
            if let Some(p) = &up {
                p(Direction::Up, (i * CHUNK) as u64, total);
            }
            Ok::<_, std::io::Error>(body.slice(i * CHUNK..end))
        });
        // A transfer of megabytes over slow paths needs longer than an RPC.
        let timeout = self.opts.request_timeout.max(Duration::from_secs(20 + total / 50_000));
        let resp = self
            .http
            .post(guard.url("/onion_req/v2"))
            .header("Content-Type", "application/octet-stream")
            .header("Content-Length", total.to_string())
            .timeout(timeout)
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
            .send()
            .await;
        let mut resp = match resp {
            Ok(r) => r,
            Err(e) => return Err(self.guard_unreachable(guard, e)),
        };
        if let Some(p) = &progress {
            p(Direction::Up, total, total);
        }
        let status = resp.status().as_u16();
        let expected = resp.content_length().unwrap_or(0);
        let mut out = Vec::with_capacity(expected as usize);
        while let Some(chunk) = resp.chunk().await.map_err(|e| net_err(format!("reading the reply: {e}")))? {
            out.extend_from_slice(&chunk);
            if let Some(p) = &progress {
                p(Direction::Down, out.len() as u64, expected.max(out.len() as u64));
            }
        }
        Ok((status, out))
    }

    // ---- swarm RPC ---------------------------------------------------------------------

    /// The account's swarm, from the cache or asked of a random node.
    pub async fn swarm(&self, account: &AccountId) -> Result<Vec<Node>> {
        if let Some(s) = self.pool().swarm(account) {
            if s.len() >= 2 {
                return Ok(s.clone());
            }
        }
        self.ensure_ready().await?;
        let mut last = net_err("no node answered get_swarm");
        for _ in 0..self.opts.rpc_attempts {
            let target = self.pool().random_nodes(1, &HashSet::new()).pop().ok_or_else(|| net_err("node pool is empty"))?;
            match self.onion_to_node(&target, &rpc::get_swarm(account)).await {
                Ok(r) if r.status == 200 => {
                    let members: Vec<Node> = rpc::parse_swarm(&r.body)?.into_iter().map(Node::from).collect();
                    if members.is_empty() {
                        last = Error::malformed("get_swarm returned no members");
                        continue;
                    }
                    self.pool().set_swarm(*account, members.clone());
                    return Ok(members);
                }
                Ok(r) => last = net_err(format!("get_swarm answered {}", r.status)),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// A storage RPC for `account`, sent to a member of its swarm through an onion path, with
    /// failover. `build` makes the request for a given network time, so a retry after a clock
    /// correction is signed afresh. Returns the member that answered and the body of its 2xx reply; a 4xx that is the
    /// request's own fault is returned as an error with the status in its message.
    pub async fn swarm_rpc(&self, account: &AccountId, build: &(dyn Fn(&Node, i64) -> Request + Sync)) -> Result<(Node, Value)> {
        let mut last = net_err("no swarm member answered");
        let mut tried: HashSet<[u8; 32]> = HashSet::new();
        for attempt in 0..self.opts.rpc_attempts {
            let members = match self.swarm(account).await {
                Ok(m) => m,
                Err(e) => {
                    last = e;
                    continue;
                }
            };
            let mut fresh: Vec<&Node> = members.iter().filter(|m| !tried.contains(&m.keys.ed25519)).collect();
            if fresh.is_empty() {
                tried.clear();
                fresh = members.iter().collect();
            }
            let target = fresh[sodium::random_below(fresh.len() as u32) as usize].clone();
            tried.insert(target.keys.ed25519);
            let req = build(&target, self.clock.now_ms());
            let reply = match self.onion_to_node(&target, &req).await {
                Ok(r) => r,
                Err(e) => {
                    last = e;
                    continue;
                }
            };
            match reply.status {
                200..=299 => {
                    self.pool().node_succeeded(&target.keys.ed25519);
                    return Ok((target, reply.body));
                }
                421 => {
                    // Not this node's account: take the swarm it names, or drop it from ours.
                    match rpc::parse_swarm(&reply.body) {
                        Ok(list) if !list.is_empty() => self.pool().set_swarm(*account, list.into_iter().map(Node::from).collect()),
                        _ => self.pool().forget_swarm(account),
                    }
                    last = net_err("421: swarm changed");
                }
                406 | 425 => {
                    // Our clock is off: learn the node's time and sign again.
                    self.correct_clock(&target).await;
                    last = net_err(format!("{}: clock out of sync with the network", reply.status));
                }
                429 => {
                    let backoff = 250u64 << attempt.min(4);
                    tokio::time::sleep(Duration::from_millis(backoff + sodium::random_below(250) as u64)).await;
                    last = net_err("429: rate limited by the service node");
                }
                500..=599 => {
                    self.pool().node_failed(&target.keys.ed25519, false);
                    last = net_err(format!("service node error {}: {}", reply.status, reply.body));
                }
                s => {
                    let kind = match s {
                        401 | 403 => ErrorKind::PermissionDenied,
                        404 => ErrorKind::NotFound,
                        413 => ErrorKind::TooLarge,
                        _ => ErrorKind::InvalidArgument,
                    };
                    return Err(Error::new(kind, format!("{} refused by the service node ({s}): {}", req.method, reply.body)));
                }
            }
        }
        Err(last)
    }

    async fn correct_clock(&self, node: &Node) {
        let t0 = Instant::now();
        if let Ok(r) = self.onion_to_node(node, &rpc::info()).await {
            if let Some(t) = rpc::node_time(&r.body) {
                self.clock.observe(t, t0.elapsed().as_millis() as i64, true);
            }
        }
    }
}
