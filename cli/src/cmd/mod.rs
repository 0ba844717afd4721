//! The commands, one module per group. Each module holds its clap arguments, the function that
//! runs each command for people or `--json`, and the JSON-RPC methods the daemon serves for it
//! (`methods()`), sharing the code that produces records so both surfaces return the same fields.
//!
//! Adding a command group (as `groups.rs` did for `session-cli group ...`): write `cmd/NAME.rs`
//! with a `#[derive(Subcommand)] enum`, a `run(ctx, cmd)` and `methods()`, add the variant to
//! `Command` in `main.rs` with its arm in `run`, and append its `methods()` in
//! [`crate::rpc::all_methods`].
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

/// A JSON-RPC method of the daemon.
pub struct Method {
    pub name: &'static str,
    /// The params object, for `methods` and the README.
    pub params: &'static str,
    pub summary: &'static str,
    pub handler: fn(&crate::rpc::Daemon, &Params) -> Result<Value>,
}

/// A request's params (always an object; absent params are an empty object). Missing or
/// mistyped fields are USAGE errors, which the daemon answers with -32602 (invalid params).
#[derive(Debug, Default)]
pub struct Params(pub serde_json::Map<String, Value>);

impl Params {
    pub fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }
    pub fn req_str(&self, k: &str) -> Result<String> {
        self.opt_str(k)?.ok_or_else(|| CliError::usage(format!("missing string param {k:?}")))
    }
    pub fn opt_str(&self, k: &str) -> Result<Option<String>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(CliError::usage(format!("param {k:?} must be a string"))),
        }
    }
    pub fn opt_bool(&self, k: &str) -> Result<Option<bool>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(CliError::usage(format!("param {k:?} must be true or false"))),
        }
    }
    pub fn opt_i64(&self, k: &str) -> Result<Option<i64>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| CliError::usage(format!("param {k:?} must be an integer"))),
        }
    }
    pub fn req_i64(&self, k: &str) -> Result<i64> {
        self.opt_i64(k)?.ok_or_else(|| CliError::usage(format!("missing integer param {k:?}")))
    }
    /// A string or an array of strings, as a list (absent: empty).
    pub fn opt_str_list(&self, k: &str) -> Result<Vec<String>> {
        match self.get(k) {
            None => Ok(vec![]),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| CliError::usage(format!("param {k:?} must be a string or an array of strings")))
                })
                .collect(),
            Some(_) => Err(CliError::usage(format!("param {k:?} must be a string or an array of strings"))),
        }
    }
    pub fn opt_u32(&self, k: &str) -> Result<Option<u32>> {
        match self.opt_i64(k)? {
            None => Ok(None),
            Some(v) => u32::try_from(v).map(Some).map_err(|_| CliError::usage(format!("param {k:?} is out of range"))),
        }
    }
}

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
