//! `mark-read`: mark every message of a conversation read.

use super::PeerArg;
use crate::error::Result;
use crate::render::done;
use crate::resolve::resolve_conversation;
use crate::rpc::{DaemonCtx, Params};
use crate::session::{Ctx, Use};
use serde_json::{json, Value};

pub fn run(ctx: &Ctx, a: PeerArg) -> Result<()> {
    let s = ctx.open(Use::Local)?;
    let conv = resolve_conversation(&s.client, &a.peer)?;
    let n = s.client.mark_read(&conv, 0)?;
    done(ctx, "marked_read", json!({"conversation": conv, "count": n}), &format!("Marked {n} message(s) read."));
    Ok(())
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

pub fn rpc_mark_read(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let conv = resolve_conversation(&d.session.client, &p.req_str("peer")?)?;
    let n = d.session.client.mark_read(&conv, p.opt_i64("up_to")?.unwrap_or(0))?;
    Ok(json!({"conversation": conv, "count": n}))
}
