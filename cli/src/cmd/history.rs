//! `history`: a conversation's messages, a page at a time, oldest first.

use crate::error::{CliError, Result};
use crate::records::{MessageRecord, Names};
use crate::render::message_line;
use crate::resolve::resolve_conversation;
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Use};
use clap::Args;
use serde_json::Value;
use session_sdk::client::Client;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The conversation: a Session ID or group ID, or a contact's or group's name.
    #[arg(value_name = "PEER")]
    pub peer: String,
    /// Messages per page.
    #[arg(short = 'n', long, default_value_t = 20)]
    pub limit: u32,
    /// Show the page of messages older than this message id.
    #[arg(long, value_name = "ID")]
    pub before: Option<i64>,
}

/// One page of a conversation, oldest first.
fn history_records(client: &Client, peer: &str, before: i64, limit: u32) -> Result<Vec<MessageRecord>> {
    if limit == 0 || limit > 1000 {
        return Err(CliError::invalid("the page size is 1 to 1000 messages"));
    }
    let conv = resolve_conversation(client, peer)?;
    let mut names = Names::new(client);
    let mut page: Vec<MessageRecord> = client.history(&conv, before, limit)?.iter().map(|m| names.message(m)).collect();
    page.reverse();
    Ok(page)
}

pub fn run(ctx: &Ctx, a: HistoryArgs) -> Result<()> {
    let s = ctx.open(Use::Local)?;
    let page = history_records(&s.client, &a.peer, a.before.unwrap_or(0), a.limit)?;
    if ctx.out.json {
        page.iter().for_each(|m| ctx.out.record(m));
        return Ok(());
    }
    if page.is_empty() {
        ctx.out.line(if a.before.is_some() { "No older messages." } else { "No messages." });
        return Ok(());
    }
    if page.len() as u32 == a.limit {
        ctx.out.line(ctx.out.dim(&format!("(older: --before {})", page[0].id)));
    }
    for m in &page {
        ctx.out.line(format!("{}  {}", ctx.out.dim(&format!("#{}", m.id)), message_line(&ctx.out, m)));
    }
    Ok(())
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

pub fn rpc_history(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let peer = p.req_str("peer")?;
    let limit = p.opt_u32("limit")?.unwrap_or(20);
    let before = p.opt_i64("before")?.unwrap_or(0);
    to_value(&history_records(&d.session.client, &peer, before, limit)?)
}

pub fn rpc_message(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let m = d.session.client.message(p.req_i64("id")?)?;
    to_value(&Names::new(&d.session.client).message(&m))
}
