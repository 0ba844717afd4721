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
//! Arguments that name someone: a PEER (contacts, requests) is a Session ID or a contact's name
//! ([`resolve_peer`]); a conversation (send, history, mark-read, ...) may also be a group ID or a
//! group's name ([`resolve_conversation`]); a GROUP is a group ID or name ([`groups::resolve_group`]).

pub mod contacts;
pub mod groups;
pub mod messages;
pub mod network;
pub mod profile;
pub mod requests;
pub mod testnet;

use crate::error::{CliError, Kind, Result};
use crate::session::Ctx;
use serde_json::Value;
use session_sdk::client::Client;
use session_sdk::{ErrorKind, SessionId};

/// A Session ID, or the name (nickname or display name, case-insensitive) of exactly one
/// contact. A string that is neither fails as an invalid Session ID.
pub fn resolve_peer(client: &Client, arg: &str) -> Result<String> {
    let arg = arg.trim();
    let parse_err = match SessionId::parse(arg) {
        Ok(id) => return Ok(id.to_hex()),
        Err(e) => e,
    };
    let mut known = client.contacts()?;
    known.extend(client.requests()?);
    let matches: Vec<_> = known
        .iter()
        .filter(|c| {
            c.nickname.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(arg))
                || c.display_name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(arg))
        })
        .collect();
    match matches.len() {
        1 => Ok(matches[0].session_id.clone()),
        0 => Err(CliError::from(parse_err).context(format!("{arg:?} is neither a Session ID nor a contact name"))),
        _ => Err(CliError::invalid(format!("{arg:?} names {} contacts; use the Session ID", matches.len()))),
    }
}

/// A conversation: a Session ID or group ID, or the name of exactly one contact or group.
/// A group ID must be a group this profile knows (or has a conversation with): NOT_FOUND
/// otherwise. A name that matches nothing fails as an invalid Session ID, as for [`resolve_peer`].
pub fn resolve_conversation(client: &Client, arg: &str) -> Result<String> {
    let arg = arg.trim();
    if let Some(id) = groups::parse_group_id(arg) {
        return groups::known_group_id(client, &id);
    }
    let parse_err = match SessionId::parse(arg) {
        Ok(id) => return Ok(id.to_hex()),
        Err(e) => e,
    };
    let groups = groups::groups_named(client, arg)?;
    match resolve_peer(client, arg) {
        Ok(id) if groups.is_empty() => Ok(id),
        Ok(_) => Err(CliError::invalid(format!("{arg:?} names a contact and a group; use the Session ID or group ID"))),
        Err(e) if e.kind != Kind::Sdk(ErrorKind::InvalidSessionId) => Err(e),
        Err(_) => match groups.len() {
            1 => Ok(groups[0].clone()),
            0 => Err(CliError::from(parse_err)
                .context(format!("{arg:?} is neither a Session ID, a group ID nor the name of a contact or group"))),
            n => Err(CliError::invalid(format!("{arg:?} names {n} groups; use the group ID"))),
        },
    }
}

/// Report a change: `{"type":"done","action":...,<fields>}` with `--json`, else `text`.
pub fn done(ctx: &Ctx, action: &str, fields: Value, text: &str) {
    if ctx.out.json {
        let mut obj = serde_json::Map::new();
        obj.insert("type".into(), "done".into());
        obj.insert("action".into(), action.into());
        if let Value::Object(m) = fields {
            obj.extend(m);
        }
        ctx.out.record(&Value::Object(obj));
    } else {
        ctx.out.line(text);
    }
}
