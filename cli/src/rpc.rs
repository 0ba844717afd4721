//! What a JSON-RPC method handler works with: the daemon's open profile ([`DaemonCtx`]), the
//! request's [`Params`], and [`to_value`] for its result.
//!
//! A handler is `fn rpc_<method>(&DaemonCtx, &Params) -> Result<Value>` and lives next to the
//! command it serves (`cmd/history.rs` holds `rpc_history`), so the command line and the daemon
//! share the code that produces records and return the same fields. The daemon lists every
//! handler in one table, `daemon/methods.rs`. This module depends on neither the commands nor the
//! daemon, so both can depend on it.

use crate::error::{CliError, Result};
use crate::session::Session;
use serde::Serialize;
use serde_json::Value;

/// What every method handler gets (as every command gets [`crate::session::Ctx`]): the
/// daemon's running session and the profile the home marks as the default.
pub struct DaemonCtx {
    pub session: Session,
    pub default_profile: Option<String>,
}

/// A method's handler: its result, or an error the daemon turns into a JSON-RPC error.
pub type Handler = fn(&DaemonCtx, &Params) -> Result<Value>;

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

/// A handler's result as JSON.
pub fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| CliError::internal(e.to_string()))
}
