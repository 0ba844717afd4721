//! The commands, one module per group. Each module holds its clap arguments, the function that
//! runs each command for people or `--json`, and the handlers of the JSON-RPC methods the daemon
//! serves for it (`rpc_<method>`, listed in `daemon/methods.rs`), sharing the code that produces
//! records so both surfaces return the same fields.
//!
//! Adding a command group (as `groups.rs` did for `session-cli group ...`): write `cmd/NAME.rs`
//! with a `#[derive(Subcommand)] enum`, a `run(ctx, cmd)` and its `rpc_<method>` handlers, add
//! the variant to `Command` in `main.rs` with its arm in `run`, and list the methods in
//! `daemon/methods.rs`.
//!
//! Below the commands: arguments naming someone are resolved in [`crate::resolve`], shared
//! terminal rendering is in [`crate::render`], what daemon handlers get is in [`crate::rpc`].
//! A command module imports those and never another command module, with one exception:
//! `requests block` is `contacts block`, so `requests` calls [`contacts::block`].

pub mod backup;
pub mod contacts;
pub mod conversations;
pub mod delete;
pub mod download;
pub mod groups;
pub mod history;
pub mod mark_read;
pub mod network;
pub mod profile;
pub mod receive;
pub mod requests;
pub mod send;
pub mod testnet;

use clap::Args;

// ---- arguments several commands share ------------------------------------------------------------

#[derive(Debug, Args)]
pub struct PeerArg {
    /// A conversation: a Session ID or group ID, or a contact's or group's name.
    #[arg(value_name = "PEER")]
    pub peer: String,
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// A local message id (from history or receive).
    #[arg(value_name = "ID")]
    pub id: i64,
}
