//! A whole local network: `swarms × nodes_per_swarm` service nodes on loopback with evenly
//! spaced swarm ids, plus a file server. Nodes run in-process (tokio tasks) or, with
//! [`TestnetConfig::processes`], as child processes of the `session-testnet` binary so a test can
//! SIGKILL one. [`Testnet`] is the async API; [`TestnetHandle`] runs one on its own runtime in a
//! background thread for synchronous callers.

use crate::config::{NodeConfig, RateLimitConfig};
use crate::description::{FileServerDescription, NetworkDescription, NodeEntry};
use crate::error::{NodeError, Result};
use crate::fileserver::{FileServerConfig, FileServerHandle};
use crate::keys::KeyPair;
use crate::node::NodeHandle;
use crate::swarm::{evenly_spaced_ids, NetworkView};
use session_sdk::identity::AccountId;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};

#[derive(Debug, Clone)]
pub struct TestnetConfig {
    pub swarms: usize,
    pub nodes_per_swarm: usize,
    /// Where node and file server data live; a temporary directory (removed on drop) if None.
    pub data_dir: Option<PathBuf>,
    pub ip: String,
    pub rate_limit: RateLimitConfig,
    /// Catch-up interval of every node.
    pub sync_interval: Duration,
    /// How often expired messages and files are removed.
    pub cleanup_interval: Duration,
    /// File server default lifetime of an upload.
    pub file_ttl: Duration,
    /// Clock offset (ms) per node index; missing entries are 0.
    pub clock_offsets_ms: Vec<i64>,
    /// Run each node as a child process of this `session-testnet` binary.
    pub processes: Option<PathBuf>,
}

impl Default for TestnetConfig {
    fn default() -> Self {
        TestnetConfig {
            swarms: 3,
            nodes_per_swarm: 5,
            data_dir: None,
            ip: "127.0.0.1".into(),
            rate_limit: RateLimitConfig::default(),
            sync_interval: Duration::from_secs(10),
            cleanup_interval: Duration::from_secs(5),
            file_ttl: crate::fileserver::DEFAULT_TTL,
            clock_offsets_ms: vec![],
            processes: None,
        }
    }
}

/// One node of the testnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub index: usize,
    pub ed25519: [u8; 32],
    pub x25519: [u8; 32],
    pub ip: String,
    pub port: u16,
    /// `https://ip:port`
    pub url: String,
    pub swarm_id: u64,
}

enum Runner {
    Stopped,
    InProcess(NodeHandle),
    Process(Child),
}

pub struct Testnet {
    root: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    nodes: Vec<NodeInfo>,
    configs: Vec<NodeConfig>,
    runners: Mutex<Vec<Runner>>,
    network: NetworkView,
    description: NetworkDescription,
    file_server: Mutex<Option<FileServerHandle>>,
    processes: Option<PathBuf>,
}

/// How long a child node may take to report ready.
const CHILD_READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a restarted node may take for its first catch-up pass.
const SYNC_WAIT: Duration = Duration::from_secs(15);

impl Testnet {
    pub async fn start(cfg: TestnetConfig) -> Result<Testnet> {
        if cfg.swarms == 0 || cfg.nodes_per_swarm == 0 {
            return Err(NodeError::Config("a testnet needs at least one swarm of one node".into()));
        }
        let (root, tmp) = match &cfg.data_dir {
            Some(d) => {
                std::fs::create_dir_all(d)?;
                (d.clone(), None)
            }
            None => {
                let t = tempfile::Builder::new().prefix("session-testnet-").tempdir()?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let ids = evenly_spaced_ids(cfg.swarms);
        let n = cfg.swarms * cfg.nodes_per_swarm;
        let mut listeners = Vec::with_capacity(n);
        let mut entries = Vec::with_capacity(n);
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let dir = root.join(format!("node-{i:02}"));
            let keys = KeyPair::load_or_create(&dir)?;
            let l = TcpListener::bind((cfg.ip.as_str(), 0)).await?;
            let port = l.local_addr()?.port();
            let swarm_id = ids[i / cfg.nodes_per_swarm];
            entries.push(NodeEntry {
                ip: cfg.ip.clone(),
                port,
                pubkey_ed25519: hex::encode(keys.ed_pk),
                pubkey_x25519: hex::encode(keys.x_pk),
                swarm_id,
            });
            nodes.push(NodeInfo {
                index: i,
                ed25519: keys.ed_pk,
                x25519: keys.x_pk,
                ip: cfg.ip.clone(),
                port,
                url: format!("https://{}:{port}", cfg.ip),
                swarm_id,
            });
            listeners.push(l);
        }
        let network = NetworkView::new(&entries)?;

        let mut fs_cfg = FileServerConfig::new(root.join("fileserver"));
        fs_cfg.ip = cfg.ip.clone();
        fs_cfg.ttl = cfg.file_ttl;
        fs_cfg.max_ttl = cfg.file_ttl.max(crate::fileserver::DEFAULT_TTL);
        fs_cfg.cleanup_interval = cfg.cleanup_interval;
        let fs = FileServerHandle::start(fs_cfg, None).await?;
        let file_server = FileServerDescription {
            host: cfg.ip.clone(),
            port: fs.addr.port(),
            protocol: "http".into(),
            x25519_pubkey: hex::encode(fs.server.keys.x_pk),
            ed25519_pubkey: hex::encode(fs.server.keys.ed_pk),
        };
        let description = NetworkDescription {
            network: "testnet".into(),
            seed_nodes: nodes.iter().step_by((n / 3).max(1)).take(3).map(|n| n.url.clone()).collect(),
            file_server,
            nodes: entries.clone(),
        };

        let configs: Vec<NodeConfig> = nodes
            .iter()
            .map(|info| NodeConfig {
                data_dir: root.join(format!("node-{:02}", info.index)),
                ip: cfg.ip.clone(),
                port: info.port,
                network: entries.clone(),
                rate_limit: cfg.rate_limit,
                sync_interval_ms: cfg.sync_interval.as_millis() as u64,
                cleanup_interval_ms: cfg.cleanup_interval.as_millis() as u64,
                clock_offset_ms: cfg.clock_offsets_ms.get(info.index).copied().unwrap_or(0),
            })
            .collect();
        for c in &configs {
            std::fs::write(c.data_dir.join("node.json"), serde_json::to_vec_pretty(c)?)?;
        }

        let t = Testnet {
            root,
            _tmp: tmp,
            nodes,
            runners: Mutex::new((0..n).map(|_| Runner::Stopped).collect()),
            configs,
            network,
            description,
            file_server: Mutex::new(Some(fs)),
            processes: cfg.processes.clone(),
        };
        match &t.processes {
            None => {
                for (i, l) in listeners.into_iter().enumerate() {
                    let h = NodeHandle::start(t.configs[i].clone(), Some(l)).await?;
                    t.set_runner(i, Runner::InProcess(h));
                }
            }
            Some(bin) => {
                drop(listeners); // the children bind the same ports
                let mut children = Vec::with_capacity(n);
                for i in 0..n {
                    children.push(spawn_child(bin, &t.configs[i]).await?);
                }
                for (i, c) in children.into_iter().enumerate() {
                    let c = wait_ready(c).await?;
                    t.set_runner(i, Runner::Process(c));
                }
            }
        }
        Ok(t)
    }

    fn set_runner(&self, i: usize, r: Runner) {
        let mut g = match self.runners.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g[i] = r;
    }

    fn take_runner(&self, i: usize) -> Runner {
        let mut g = match self.runners.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        std::mem::replace(&mut g[i], Runner::Stopped)
    }

    fn check_index(&self, i: usize) -> Result<()> {
        if i < self.nodes.len() {
            Ok(())
        } else {
            Err(NodeError::Config(format!("no node {i} (the testnet has {})", self.nodes.len())))
        }
    }

    pub fn description(&self) -> NetworkDescription {
        self.description.clone()
    }

    pub fn write_description(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.description.to_json_pretty())?;
        Ok(())
    }

    pub fn nodes(&self) -> &[NodeInfo] {
        &self.nodes
    }

    pub fn node(&self, i: usize) -> &NodeInfo {
        &self.nodes[i]
    }

    pub fn data_dir(&self) -> &Path {
        &self.root
    }

    pub fn swarm_ids(&self) -> Vec<u64> {
        self.network.swarm_ids().to_vec()
    }

    /// The swarm that stores `account`.
    pub fn swarm_for(&self, account: &AccountId) -> u64 {
        self.network.swarm_for(account)
    }

    /// Indices of the nodes in swarm `swarm_id`.
    pub fn swarm_members(&self, swarm_id: u64) -> Vec<usize> {
        self.nodes.iter().filter(|n| n.swarm_id == swarm_id).map(|n| n.index).collect()
    }

    /// Indices of the nodes storing `account`.
    pub fn nodes_for(&self, account: &AccountId) -> Vec<usize> {
        self.swarm_members(self.swarm_for(account))
    }

    pub fn file_server(&self) -> &FileServerDescription {
        &self.description.file_server
    }

    pub fn seed_urls(&self) -> &[String] {
        &self.description.seed_nodes
    }

    pub fn is_running(&self, i: usize) -> bool {
        let g = match self.runners.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.get(i).is_some_and(|r| !matches!(r, Runner::Stopped))
    }

    /// Stop node `i`: an in-process node closes its listener and connections; a child process
    /// is killed with SIGKILL.
    pub async fn stop_node(&self, i: usize) -> Result<()> {
        self.check_index(i)?;
        match self.take_runner(i) {
            Runner::Stopped => {}
            Runner::InProcess(h) => h.stop().await,
            Runner::Process(mut c) => {
                let _ = c.kill().await;
            }
        }
        Ok(())
    }

    /// Start node `i` again with the same keys, port and data; returns after its first catch-up
    /// pass from its swarm peers.
    pub async fn restart_node(&self, i: usize) -> Result<()> {
        self.check_index(i)?;
        self.stop_node(i).await?;
        let cfg = self.configs[i].clone();
        let runner = match &self.processes {
            None => {
                let h = bind_retry(|| NodeHandle::start(cfg.clone(), None)).await?;
                h.wait_synced(SYNC_WAIT).await;
                Runner::InProcess(h)
            }
            Some(bin) => Runner::Process(wait_ready(spawn_child(bin, &cfg).await?).await?),
        };
        self.set_runner(i, runner);
        Ok(())
    }

    /// Stop every node and the file server. Child processes are asked to exit (their stdin is
    /// closed) and killed only if they have not within 5 s.
    pub async fn stop(self) {
        for i in 0..self.nodes.len() {
            match self.take_runner(i) {
                Runner::Stopped => {}
                Runner::InProcess(h) => h.stop().await,
                Runner::Process(mut c) => {
                    drop(c.stdin.take());
                    if tokio::time::timeout(Duration::from_secs(5), c.wait()).await.is_err() {
                        let _ = c.kill().await;
                    }
                }
            }
        }
        let fs = match self.file_server.lock() {
            Ok(mut g) => g.take(),
            Err(p) => p.into_inner().take(),
        };
        if let Some(fs) = fs {
            fs.stop().await;
        }
    }
}

/// Retry a start that may find its port still held for a moment (a just-stopped node).
async fn bind_retry<F, Fut>(mut f: F) -> Result<NodeHandle>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<NodeHandle>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match f().await {
            Err(NodeError::Io(e)) if e.kind() == std::io::ErrorKind::AddrInUse && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            r => return r,
        }
    }
}

async fn spawn_child(bin: &Path, cfg: &NodeConfig) -> Result<Child> {
    let path = cfg.data_dir.join("node.json");
    std::fs::write(&path, serde_json::to_vec_pretty(cfg)?)?;
    Command::new(bin)
        .arg("node")
        .arg("--config")
        .arg(&path)
        .arg("--exit-on-stdin-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| NodeError::Process(format!("cannot start {}: {e}", bin.display())))
}

/// Wait for a child's `READY` line.
async fn wait_ready(mut child: Child) -> Result<Child> {
    let out = child.stdout.take().ok_or_else(|| NodeError::Process("child has no stdout".into()))?;
    let mut lines = BufReader::new(out).lines();
    let ready = tokio::time::timeout(CHILD_READY_TIMEOUT, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("READY") {
                return true;
            }
        }
        false
    })
    .await;
    match ready {
        Ok(true) => {
            // Keep draining stdout so the child never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            Ok(child)
        }
        _ => {
            let _ = child.kill().await;
            Err(NodeError::Process("child node did not become ready".into()))
        }
    }
}

/// Body of `session-testnet node --config FILE`: run one node until SIGINT/SIGTERM (or, with
/// `exit_on_stdin_eof`, until the parent closes our stdin, i.e. exits). Prints `READY <port>`
/// once serving and after the first catch-up pass.
pub async fn run_node_process(config: &Path, exit_on_stdin_eof: bool) -> Result<()> {
    let cfg: NodeConfig = serde_json::from_slice(&std::fs::read(config)?)?;
    let h = bind_retry(|| NodeHandle::start(cfg.clone(), None)).await?;
    h.wait_synced(SYNC_WAIT).await;
    println!("READY {}", h.addr.port());
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let stdin_closed = async {
        if exit_on_stdin_eof {
            let mut stdin = tokio::io::stdin();
            let mut buf = [0u8; 64];
            while let Ok(n) = stdin.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = stdin_closed => {}
        _ = shutdown_signal() => {}
    }
    h.stop().await;
    Ok(())
}

/// SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

// ---- blocking wrapper ----------------------------------------------------------------------

enum Cmd {
    StopNode(usize, std::sync::mpsc::Sender<Result<()>>),
    RestartNode(usize, std::sync::mpsc::Sender<Result<()>>),
    Running(usize, std::sync::mpsc::Sender<bool>),
}

/// A testnet on its own tokio runtime in a background thread, for synchronous code (tests,
/// examples, other languages' test harnesses). Dropping it stops everything.
pub struct TestnetHandle {
    description: NetworkDescription,
    nodes: Vec<NodeInfo>,
    data_dir: PathBuf,
    swarm_ids: Vec<u64>,
    tx: Option<tokio::sync::mpsc::UnboundedSender<Cmd>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestnetHandle {
    pub fn start(cfg: TestnetConfig) -> Result<TestnetHandle> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Cmd>();
        let thread = std::thread::Builder::new().name("session-testnet".into()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(NodeError::Io(e)));
                    return;
                }
            };
            rt.block_on(async move {
                let t = match Testnet::start(cfg).await {
                    Ok(t) => t,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let info = (t.description(), t.nodes().to_vec(), t.data_dir().to_path_buf(), t.swarm_ids());
                let _ = ready_tx.send(Ok(info));
                while let Some(cmd) = rx.recv().await {
                    match cmd {
                        Cmd::StopNode(i, r) => {
                            let _ = r.send(t.stop_node(i).await);
                        }
                        Cmd::RestartNode(i, r) => {
                            let _ = r.send(t.restart_node(i).await);
                        }
                        Cmd::Running(i, r) => {
                            let _ = r.send(t.is_running(i));
                        }
                    }
                }
                t.stop().await;
            });
        })?;
        match ready_rx.recv() {
            Ok(Ok((description, nodes, data_dir, swarm_ids))) => {
                Ok(TestnetHandle { description, nodes, data_dir, swarm_ids, tx: Some(tx), thread: Some(thread) })
            }
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(NodeError::Stopped)
            }
        }
    }

    pub fn description(&self) -> &NetworkDescription {
        &self.description
    }

    pub fn write_description(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.description.to_json_pretty())?;
        Ok(())
    }

    pub fn nodes(&self) -> &[NodeInfo] {
        &self.nodes
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn swarm_ids(&self) -> &[u64] {
        &self.swarm_ids
    }

    pub fn swarm_for(&self, account: &AccountId) -> u64 {
        session_sdk::wire::swarm::swarm_for(account, &self.swarm_ids).unwrap_or(u64::MAX)
    }

    pub fn nodes_for(&self, account: &AccountId) -> Vec<usize> {
        let s = self.swarm_for(account);
        self.nodes.iter().filter(|n| n.swarm_id == s).map(|n| n.index).collect()
    }

    fn call<T>(&self, make: impl FnOnce(std::sync::mpsc::Sender<T>) -> Cmd) -> Result<T> {
        let (rtx, rrx) = std::sync::mpsc::channel();
        self.tx.as_ref().ok_or(NodeError::Stopped)?.send(make(rtx)).map_err(|_| NodeError::Stopped)?;
        rrx.recv().map_err(|_| NodeError::Stopped)
    }

    pub fn stop_node(&self, i: usize) -> Result<()> {
        self.call(|r| Cmd::StopNode(i, r))?
    }

    pub fn restart_node(&self, i: usize) -> Result<()> {
        self.call(|r| Cmd::RestartNode(i, r))?
    }

    pub fn is_running(&self, i: usize) -> bool {
        self.call(|r| Cmd::Running(i, r)).unwrap_or(false)
    }

    /// Stop every node and the file server, and end the background thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.tx.take(); // closing the channel ends the command loop, which stops the testnet
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TestnetHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn handles_can_be_shared_across_threads() {
        send_sync::<Testnet>();
        send_sync::<TestnetHandle>();
    }

    #[test]
    fn zero_sized_networks_are_refused() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let r = rt.block_on(Testnet::start(TestnetConfig { swarms: 0, ..Default::default() }));
        assert!(matches!(r, Err(NodeError::Config(_))));
    }
}
