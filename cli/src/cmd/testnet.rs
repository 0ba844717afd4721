//! `testnet`: run the local Session testnet (session-node) in this process and write its
//! description file, for `session-cli --network FILE ...`. Ctrl-C stops it.

use crate::error::{CliError, Result};
use crate::session::Ctx;
use clap::Args;
use serde_json::json;
use session_node::testnet::{TestnetConfig, TestnetHandle};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct TestnetArgs {
    /// Where to write the network description.
    #[arg(long, default_value = "testnet.json", value_name = "FILE")]
    pub description: PathBuf,
    #[arg(long, default_value_t = 3)]
    pub swarms: usize,
    #[arg(long, default_value_t = 5)]
    pub nodes_per_swarm: usize,
    /// Keep node and file server data here (a temporary directory, removed at exit, otherwise).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, a: TestnetArgs) -> Result<()> {
    if a.swarms == 0 || a.nodes_per_swarm == 0 {
        return Err(CliError::invalid("a testnet needs at least one swarm of one node"));
    }
    let cfg =
        TestnetConfig { swarms: a.swarms, nodes_per_swarm: a.nodes_per_swarm, data_dir: a.data_dir.clone(), ..TestnetConfig::default() };
    let net = TestnetHandle::start(cfg).map_err(|e| CliError::sdk(session_sdk::ErrorKind::Io, format!("starting the testnet: {e}")))?;
    net.write_description(&a.description)
        .map_err(|e| CliError::sdk(session_sdk::ErrorKind::Io, format!("writing {}: {e}", a.description.display())))?;
    crate::signals::set_interruptible();
    let d = net.description();
    if ctx.out.json {
        ctx.out.record(&json!({
            "type": "testnet",
            "description_file": a.description.display().to_string(),
            "nodes": net.nodes().len(),
            "swarms": a.swarms,
            "seed_nodes": d.seed_nodes,
            "file_server": format!("{}://{}:{}", d.file_server.protocol, d.file_server.host, d.file_server.port),
        }));
    } else {
        ctx.out.line(format!("Testnet running: {} service nodes in {} swarms and a file server.", net.nodes().len(), a.swarms));
        ctx.out.fields(&[
            ("Description", a.description.display().to_string()),
            ("Seed nodes", d.seed_nodes.join(", ")),
            ("File server", format!("{}://{}:{}", d.file_server.protocol, d.file_server.host, d.file_server.port)),
        ]);
        ctx.out.line(format!("Use it with: session-cli --network {} ...   (Ctrl-C stops the testnet)", a.description.display()));
    }
    while !ctx.interrupted() {
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("session-cli: stopping the testnet");
    net.stop();
    Ok(())
}
