//! Message requests: messages from people you have not accepted. List, accept, decline, block.

use crate::error::Result;
use crate::records::{contact_record, ContactRecord, MessageRecord, Names};
use crate::render::{done, message_line};
use crate::resolve::resolve_peer;
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Use};
use clap::Subcommand;
use serde::Serialize;
use serde_json::{json, Value};
use session_sdk::client::Client;
use std::time::{Duration, Instant};

#[derive(Debug, Subcommand)]
pub enum RequestsCommand {
    /// List pending message requests with their latest message.
    List,
    /// Accept a request: the sender becomes a contact and is told so (needs the network unless
    /// --offline; then the notice is sent the next time the profile is online).
    Accept {
        /// Session ID or name of the requester.
        peer: String,
        #[arg(long)]
        offline: bool,
        /// Seconds to wait for the network to take the notice.
        #[arg(long, default_value_t = 30, value_name = "SECS")]
        timeout: u64,
    },
    /// Decline a request: delete the conversation and forget the sender.
    Decline { peer: String },
    /// Block the sender: delete the request and drop their future messages.
    Block { peer: String },
}

/// `"type": "request"`: the requester (contact fields) and their latest message.
#[derive(Debug, Serialize)]
pub struct RequestRecord {
    #[serde(flatten)]
    pub contact: ContactRecord,
    pub last_message: Option<MessageRecord>,
}

pub fn list_records(client: &Client) -> Result<Vec<RequestRecord>> {
    let mut names = Names::new(client);
    client
        .requests()?
        .iter()
        .map(|c| {
            let last = client.history(&c.session_id, 0, 1)?.first().map(|m| names.message(m));
            Ok(RequestRecord { contact: contact_record(c, "request"), last_message: last })
        })
        .collect()
}

pub fn run(ctx: &Ctx, cmd: RequestsCommand) -> Result<()> {
    match cmd {
        RequestsCommand::List => {
            let s = ctx.open(Use::Local)?;
            let list = list_records(&s.client)?;
            if ctx.out.json {
                list.iter().for_each(|r| ctx.out.record(r));
            } else if list.is_empty() {
                ctx.out.line("No message requests.");
            } else {
                for r in &list {
                    ctx.out.line(format!("{}  {}", ctx.out.bold(&r.contact.name), r.contact.session_id));
                    if let Some(m) = &r.last_message {
                        ctx.out.line(format!("    {}", message_line(&ctx.out, m)));
                    }
                }
            }
        }
        RequestsCommand::Accept { peer, offline, timeout } => {
            let s = ctx.open(if offline { Use::Local } else { Use::Network })?;
            let id = resolve_peer(&s.client, &peer)?;
            s.client.accept_request(&id)?;
            let mut delivered = false;
            if !offline {
                s.start()?;
                let deadline = Instant::now() + Duration::from_secs(timeout);
                s.wait_ready(ctx, Some(Duration::from_secs(timeout)), |_| {})?;
                // The notice is a control message in the outbox; wait for the outbox to drain.
                while Instant::now() < deadline {
                    ctx.check_interrupted()?;
                    if s.client.outbox_len()? == 0 {
                        delivered = true;
                        break;
                    }
                    s.next_event(Duration::from_millis(100));
                }
                let _ = s.client.stop();
                if !delivered {
                    eprintln!("session-cli: the acceptance notice is still queued; it is sent the next time this profile is online");
                }
            }
            done(ctx, "request_accepted", json!({"session_id": id, "notified": delivered}), &format!("Accepted {id}."));
        }
        RequestsCommand::Decline { peer } => {
            let s = ctx.open(Use::Local)?;
            let id = resolve_peer(&s.client, &peer)?;
            s.client.decline_request(&id)?;
            done(ctx, "request_declined", json!({"session_id": id}), &format!("Declined the request from {id}."));
        }
        RequestsCommand::Block { peer } => {
            let s = ctx.open(Use::Local)?;
            super::contacts::block(ctx, &s.client, &peer)?;
        }
    }
    Ok(())
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

pub fn rpc_requests(d: &DaemonCtx, _p: &Params) -> Result<Value> {
    to_value(&list_records(&d.session.client)?)
}

pub fn rpc_accept_request(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let id = resolve_peer(c, &p.req_str("peer")?)?;
    c.accept_request(&id)?;
    Ok(json!({"session_id": id}))
}

pub fn rpc_decline_request(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let id = resolve_peer(c, &p.req_str("peer")?)?;
    c.decline_request(&id)?;
    Ok(json!({"session_id": id}))
}
