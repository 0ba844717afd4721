//! `conversations`: every conversation by recent activity, with unread counts.

use crate::error::Result;
use crate::output::{local_time, one_line};
use crate::records::Names;
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Use};
use serde_json::Value;
use session_sdk::client::Client;

fn conversations_records(client: &Client) -> Result<Vec<crate::records::ConversationRecord>> {
    let mut names = Names::new(client);
    Ok(client.conversations()?.iter().map(|c| names.conversation(c)).collect())
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let s = ctx.open(Use::Local)?;
    let list = conversations_records(&s.client)?;
    if ctx.out.json {
        list.iter().for_each(|c| ctx.out.record(c));
        return Ok(());
    }
    if list.is_empty() {
        ctx.out.line("No conversations yet.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            let last = c.last_message.as_ref().map(|m| one_line(m.body.as_deref().unwrap_or(""), 40)).unwrap_or_default();
            let unread = if c.unread > 0 { ctx.out.green(&c.unread.to_string()) } else { "0".into() };
            let name = if c.is_request {
                format!("{} {}", c.name, ctx.out.yellow("[request]"))
            } else if c.kind == "group" {
                format!("{} {}", c.name, ctx.out.dim("[group]"))
            } else {
                c.name.clone()
            };
            vec![name, c.id.clone(), unread, local_time(c.last_activity), last]
        })
        .collect();
    ctx.out.table(&["NAME", "ID", "UNREAD", "LAST ACTIVITY", "LAST MESSAGE"], &rows);
    Ok(())
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

pub fn rpc_conversations(d: &DaemonCtx, _p: &Params) -> Result<Value> {
    to_value(&conversations_records(&d.session.client)?)
}
