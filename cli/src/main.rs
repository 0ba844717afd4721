//! `session-cli`: a headless Session client for scripts and servers, on session-sdk.
//!
//! Profiles (identities with their own encrypted database), sending and receiving, contacts and
//! message requests, groups, network state, a local testnet, and a JSON-RPC 2.0 daemon. People get
//! aligned text; `--json` gives one JSON object per line. See `session-cli --help` and README.md.
//!
//! The modules, top to bottom; each imports only modules below it:
//! - `main.rs`: the command line (clap) and its dispatch; `daemon/`: the JSON-RPC server
//!   (`daemon/mod.rs`) and the table of every method it serves (`daemon/methods.rs`);
//! - `cmd/`: one module per command (`send.rs`, `receive.rs`, `history.rs`, `groups.rs`, `backup.rs`, ...),
//!   each with its arguments, what it runs, what it prints, and its daemon handlers;
//! - shared by the commands: `resolve` (names of people, conversations and groups to IDs),
//!   `render` (terminal lines several commands print), `rpc` (what a daemon handler gets);
//! - below those: `records` (the JSON objects), `session` (the context, opening a profile),
//!   `output` (text or JSON, colours, tables), `home` (profiles on disk), `secret` (PIN, recovery
//!   phrase and backup passphrase), `signals`, `error` (exit codes).

#![warn(clippy::undocumented_unsafe_blocks)]

mod cmd;
mod daemon;
mod error;
mod home;
mod output;
mod records;
mod render;
mod resolve;
mod rpc;
mod secret;
mod session;
mod signals;

use clap::{ArgAction, Parser, Subcommand};
use cmd::backup::BackupCommand;
use cmd::contacts::ContactsCommand;
use cmd::download::DownloadArgs;
use cmd::groups::GroupCommand;
use cmd::history::HistoryArgs;
use cmd::network::NetworkArgs;
use cmd::profile::ProfileCommand;
use cmd::receive::ReceiveArgs;
use cmd::requests::RequestsCommand;
use cmd::send::SendArgs;
use cmd::testnet::TestnetArgs;
use cmd::{IdArg, PeerArg};
use error::{CliError, Result};
use output::{ColorChoice, Output};
use session_sdk::client::LogLevel;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

const AFTER_HELP: &str = "\
Environment:
    SESSION_CLI_HOME     where profiles live (default: $XDG_DATA_HOME/session-cli or ~/.local/share/session-cli)
    SESSION_CLI_PROFILE  the profile to use (like --profile)
    SESSION_CLI_PIN      the database PIN (or --pin-file FILE; otherwise a prompt on the terminal)
    SESSION_CLI_PHRASE   the recovery phrase for `profile restore` (or stdin, --phrase-file, a prompt)
    SESSION_CLI_BACKUP_PASSPHRASE  the passphrase of a backup (or --passphrase-file, a prompt)
    NO_COLOR             no colours

With --json every result is one JSON object per line on stdout, and an error is one JSON object
({\"type\":\"error\",\"kind\",\"exit_code\",\"message\"}) on stderr.
";

#[derive(Debug, Parser)]
#[command(
    name = "session-cli",
    version,
    about = "Headless client for the Session messenger: profiles, messages, contacts, requests, groups, a JSON-RPC daemon",
    after_help = format!("{AFTER_HELP}\n{}", error::EXIT_CODES_HELP),
    propagate_version = true
)]
struct Cli {
    /// Profile to use (default: the one chosen with `profile use`, or the only one).
    #[arg(short, long, global = true, value_name = "NAME")]
    profile: Option<String>,
    /// Network for this command: `public` or a network description file (as `session-cli
    /// testnet` writes). Profiles remember the network they were created with.
    #[arg(long, global = true, value_name = "FILE|public")]
    network: Option<String>,
    /// One JSON object per line instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Colours in text output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    /// Read the PIN from the first line of this file.
    #[arg(long, global = true, value_name = "FILE")]
    pin_file: Option<PathBuf>,
    /// Directory holding the profiles (overrides SESSION_CLI_HOME).
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<PathBuf>,
    /// Client log lines on stderr: -v info, -vv debug.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    verbose: u8,
    /// Client log level on stderr: debug, info, warn, error, off (default: error).
    #[arg(long, global = true, value_name = "LEVEL")]
    log_level: Option<String>,
    /// Poll interval in milliseconds (for tests and latency-sensitive bots).
    #[arg(long, global = true, hide = true, value_name = "MS")]
    poll_interval_ms: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create, restore, list and select profiles; set your display name.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Send a text message or files to one or more Session IDs, contacts or groups.
    Send(SendArgs),
    /// Download an attachment of a message.
    Download(DownloadArgs),
    /// Print new incoming messages, then exit once caught up (or keep following with -f).
    Receive(ReceiveArgs),
    /// List conversations with unread counts.
    #[command(visible_alias = "convs")]
    Conversations,
    /// Show a conversation's messages, a page at a time.
    History(HistoryArgs),
    /// Mark every message of a conversation read.
    MarkRead(PeerArg),
    /// Send a failed message again.
    Resend(IdArg),
    /// Delete a message on this device.
    DeleteMessage(IdArg),
    /// Delete a conversation and its messages on this device.
    DeleteConversation(PeerArg),
    /// Manage contacts and blocked Session IDs.
    #[command(subcommand)]
    Contacts(ContactsCommand),
    /// Message requests: list, accept, decline, block.
    #[command(subcommand)]
    Requests(RequestsCommand),
    /// Groups: create, list, show, invite, remove, promote, rename, describe, leave, accept, decline.
    #[command(subcommand, visible_alias = "groups")]
    Group(GroupCommand),
    /// Encrypted backups: create one of a profile, inspect one, restore one into a new profile.
    #[command(subcommand, after_help = cmd::backup::AFTER_HELP)]
    Backup(BackupCommand),
    /// Show the network, connection state, node pool and onion paths.
    Network(NetworkArgs),
    /// Run a local testnet and write its description file (Ctrl-C stops it).
    Testnet(TestnetArgs),
    /// Keep the client running and serve JSON-RPC 2.0 on stdio and a Unix socket.
    Daemon(daemon::DaemonArgs),
}

fn log_level(cli: &Cli) -> Result<LogLevel> {
    if let Some(l) = &cli.log_level {
        return LogLevel::parse(l).ok_or_else(|| CliError::usage(format!("unknown log level {l:?} (debug, info, warn, error, off)")));
    }
    Ok(match cli.verbose {
        0 => LogLevel::Error,
        1 => LogLevel::Info,
        _ => LogLevel::Debug,
    })
}

fn run(cli: Cli, out: Output) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    signals::install(stop.clone());
    let ctx = session::Ctx {
        home: home::Home::new(home::resolve_root(cli.home.as_deref())?),
        profile: cli.profile.clone(),
        network: cli.network.as_deref().map(home::NetworkChoice::parse).transpose()?,
        pin: secret::PinSource { file: cli.pin_file.clone() },
        out,
        log_level: log_level(&cli)?,
        poll_ms: cli.poll_interval_ms,
        stop,
    };
    match cli.command {
        Command::Profile(c) => cmd::profile::run(&ctx, c),
        Command::Send(a) => cmd::send::run(&ctx, a),
        Command::Download(a) => cmd::download::run(&ctx, a),
        Command::Receive(a) => cmd::receive::run(&ctx, a),
        Command::Conversations => cmd::conversations::run(&ctx),
        Command::History(a) => cmd::history::run(&ctx, a),
        Command::MarkRead(a) => cmd::mark_read::run(&ctx, a),
        Command::Resend(a) => cmd::send::resend(&ctx, a),
        Command::DeleteMessage(a) => cmd::delete::delete_message(&ctx, a),
        Command::DeleteConversation(a) => cmd::delete::delete_conversation(&ctx, a),
        Command::Contacts(c) => cmd::contacts::run(&ctx, c),
        Command::Requests(c) => cmd::requests::run(&ctx, c),
        Command::Group(c) => cmd::groups::run(&ctx, c),
        Command::Backup(c) => cmd::backup::run(&ctx, c),
        Command::Network(a) => cmd::network::run(&ctx, a),
        Command::Testnet(a) => cmd::testnet::run(&ctx, a),
        Command::Daemon(a) => daemon::run(&ctx, a),
    }
}

fn report(e: &CliError, json: bool) {
    if json {
        eprintln!("{}", e.to_json());
    } else {
        eprintln!("session-cli: error: {e}");
    }
}

fn main() -> ExitCode {
    // A bug must not spill a backtrace on the user: one line, exit code 1.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("session-cli: internal error: {msg}{at} (please report this)");
    }));
    let json_requested = std::env::args().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind as K;
            if matches!(e.kind(), K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand) {
                let _ = e.print();
                return ExitCode::from(if e.kind() == K::DisplayHelpOnMissingArgumentOrSubcommand { error::exit::USAGE } else { 0 });
            }
            if json_requested {
                let first = e.to_string().lines().next().unwrap_or("").trim_start_matches("error: ").to_string();
                report(&CliError::usage(first), true);
            } else {
                let _ = e.print();
            }
            return ExitCode::from(error::exit::USAGE);
        }
    };
    let out = Output::new(cli.json, cli.color);
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli, out))) {
        Ok(Ok(())) => ExitCode::from(error::exit::OK),
        Ok(Err(e)) => {
            report(&e, out.json);
            ExitCode::from(e.exit_code())
        }
        Err(_) => ExitCode::from(error::exit::INTERNAL),
    }
}
