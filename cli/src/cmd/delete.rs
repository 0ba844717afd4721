//! `delete-message`, `delete-conversation`: delete on this device only (nothing is sent).

use super::{IdArg, PeerArg};
use crate::error::Result;
use crate::render::done;
use crate::resolve::resolve_conversation;
use crate::rpc::{DaemonCtx, Params};
use crate::session::{Ctx, Use};
use serde_json::{json, Value};

pub fn delete_message(ctx: &Ctx, a: IdArg) -> Result<()> {
    let s = ctx.open(Use::Local)?;
    s.client.delete_message(a.id)?;
    done(ctx, "message_deleted", json!({"id": a.id}), &format!("Deleted message {} on this device.", a.id));
    Ok(())
}

pub fn delete_conversation(ctx: &Ctx, a: PeerArg) -> Result<()> {
    let s = ctx.open(Use::Local)?;
    let conv = resolve_conversation(&s.client, &a.peer)?;
    s.client.delete_conversation(&conv)?;
    done(ctx, "conversation_deleted", json!({"conversation": conv}), &format!("Deleted the conversation with {conv} on this device."));
    Ok(())
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

pub fn rpc_delete_message(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let id = p.req_i64("id")?;
    d.session.client.delete_message(id)?;
    Ok(json!({"id": id}))
}

pub fn rpc_delete_conversation(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let conv = resolve_conversation(&d.session.client, &p.req_str("peer")?)?;
    d.session.client.delete_conversation(&conv)?;
    Ok(json!({"conversation": conv}))
}
