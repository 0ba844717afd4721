//! `network`: which network the profile uses, and the state of its connection and onion paths.

use crate::error::Result;
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Session, Use};
use clap::Args;
use serde::Serialize;
use serde_json::Value;
use session_sdk::client::ConnectionState;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// Only show the configuration; do not connect.
    #[arg(long)]
    pub offline: bool,
    /// Seconds to wait for onion paths.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
}

#[derive(Debug, Serialize)]
pub struct NodeRecord {
    pub ip: String,
    pub port: u16,
    pub ed25519: String,
    pub swarm_id: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct StatsRecord {
    pub onion_requests: u64,
    pub direct_requests: u64,
    pub failed_requests: u64,
    pub paths_built: u64,
}

/// `"type": "network"`.
#[derive(Debug, Serialize)]
pub struct NetworkRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The description's name: `mainnet`, `testnet`, ...
    pub network: String,
    /// `public`, or the description file.
    pub source: String,
    pub seed_nodes: Vec<String>,
    pub file_server: String,
    /// At least one onion path works.
    pub connected: bool,
    /// Service nodes known.
    pub pool_size: usize,
    /// Onion paths, guard first.
    pub paths: Vec<Vec<NodeRecord>>,
    pub stats: StatsRecord,
}

pub fn record(s: &Session) -> NetworkRecord {
    let st = s.client.network_status();
    NetworkRecord {
        ty: "network",
        network: st.network,
        source: s.network_label().to_string(),
        seed_nodes: st.seed_nodes,
        file_server: st.file_server,
        connected: st.state == ConnectionState::Ready,
        pool_size: st.known_nodes,
        paths: st
            .paths
            .into_iter()
            .map(|p| p.into_iter().map(|n| NodeRecord { ip: n.ip, port: n.port, ed25519: n.ed25519, swarm_id: n.swarm_id }).collect())
            .collect(),
        stats: StatsRecord {
            onion_requests: st.onion_requests,
            direct_requests: st.direct_requests,
            failed_requests: st.failed_requests,
            paths_built: st.paths_built,
        },
    }
}

pub fn run(ctx: &Ctx, a: NetworkArgs) -> Result<()> {
    let s = ctx.open(if a.offline { Use::Local } else { Use::Network })?;
    if a.offline {
        // Local use tolerates a missing description; showing it must not.
        ctx.network.clone().unwrap_or_else(|| s.profile.meta.network.clone()).load()?;
    } else {
        s.start()?;
        s.wait_ready(ctx, Some(Duration::from_secs(a.timeout)), |_| {})?;
    }
    let r = record(&s);
    let _ = s.client.stop();
    if ctx.out.json {
        ctx.out.record(&r);
        return Ok(());
    }
    let state = if r.connected {
        ctx.out.green("connected")
    } else if a.offline {
        ctx.out.dim("not connected (--offline)")
    } else {
        ctx.out.red("not connected")
    };
    ctx.out.fields(&[
        ("Network", format!("{} ({})", r.network, r.source)),
        ("Seed nodes", r.seed_nodes.join(", ")),
        ("File server", r.file_server.clone()),
        ("State", state),
        ("Known nodes", r.pool_size.to_string()),
        ("Onion paths", r.paths.len().to_string()),
        (
            "Requests",
            format!(
                "{} onion, {} direct, {} failed; {} paths built",
                r.stats.onion_requests, r.stats.direct_requests, r.stats.failed_requests, r.stats.paths_built
            ),
        ),
    ]);
    for (i, p) in r.paths.iter().enumerate() {
        let hops: Vec<String> = p.iter().map(|n| format!("{}:{} {}…", n.ip, n.port, &n.ed25519[..8.min(n.ed25519.len())])).collect();
        ctx.out.line(format!("  path {}: {}", i + 1, hops.join(" → ")));
    }
    Ok(())
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

pub fn rpc_network(d: &DaemonCtx, _p: &Params) -> Result<Value> {
    to_value(&record(&d.session))
}
