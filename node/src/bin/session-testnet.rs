//! `session-testnet`: start a local Session network (service nodes in swarms plus a file
//! server) on loopback, print its description and write it to a file; Ctrl-C stops it.
//!
//! ```text
//! session-testnet [--swarms M] [--nodes-per-swarm N] [--data-dir DIR] [--description FILE] [--processes]
//! session-testnet node --config NODE.json [--exit-on-stdin-eof]
//! ```

use session_node::testnet::{run_node_process, shutdown_signal};
use session_node::{Testnet, TestnetConfig};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  session-testnet [--swarms M] [--nodes-per-swarm N] [--data-dir DIR] [--description FILE] [--processes]
  session-testnet node --config NODE.json [--exit-on-stdin-eof]";

fn value<T: std::str::FromStr>(args: &mut impl Iterator<Item = String>, flag: &str) -> Result<T, String> {
    let v = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
    v.parse().map_err(|_| format!("invalid value for {flag}: {v}"))
}

enum Mode {
    Network { cfg: TestnetConfig, description: PathBuf },
    Node { config: PathBuf, exit_on_stdin_eof: bool },
}

fn parse(argv: Vec<String>) -> Result<Mode, String> {
    let mut args = argv.into_iter().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("node") {
        args.next();
        let mut config = None;
        let mut exit_on_stdin_eof = false;
        while let Some(a) = args.next() {
            match a.as_str() {
                "--config" => config = Some(value::<PathBuf>(&mut args, "--config")?),
                "--exit-on-stdin-eof" => exit_on_stdin_eof = true,
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown argument {other}\n{USAGE}")),
            }
        }
        return Ok(Mode::Node { config: config.ok_or("node needs --config FILE")?, exit_on_stdin_eof });
    }
    let mut cfg = TestnetConfig::default();
    let mut description = PathBuf::from("testnet.json");
    while let Some(a) = args.next() {
        match a.as_str() {
            "--swarms" => cfg.swarms = value(&mut args, "--swarms")?,
            "--nodes-per-swarm" => cfg.nodes_per_swarm = value(&mut args, "--nodes-per-swarm")?,
            "--data-dir" => cfg.data_dir = Some(value(&mut args, "--data-dir")?),
            "--description" => description = value(&mut args, "--description")?,
            "--processes" => cfg.processes = Some(std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(Mode::Network { cfg, description })
}

fn main() -> ExitCode {
    let mode = match parse(std::env::args().collect()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let r = rt.block_on(async move {
        match mode {
            Mode::Node { config, exit_on_stdin_eof } => run_node_process(&config, exit_on_stdin_eof).await,
            Mode::Network { cfg, description } => {
                let t = Testnet::start(cfg).await?;
                t.write_description(&description)?;
                println!("{}", t.description().to_json_pretty());
                eprintln!(
                    "session-testnet: {} nodes and a file server running; description written to {}; Ctrl-C stops",
                    t.nodes().len(),
                    description.display()
                );
                shutdown_signal().await;
                eprintln!("session-testnet: stopping");
                t.stop().await;
                Ok(())
            }
        }
    });
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("session-testnet: {e}");
            ExitCode::FAILURE
        }
    }
}
