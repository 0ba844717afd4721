//! Contacts: list, show, add, rename, remove, block, unblock, blocked.

use crate::error::{CliError, Result};
use crate::output::local_time;
use crate::records::{contact_record, ContactRecord};
use crate::render::done;
use crate::resolve::resolve_peer;
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Use};
use clap::Subcommand;
use serde_json::{json, Value};
use session_sdk::client::Client;

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// List contacts (people you accepted or wrote to).
    List,
    /// Show one contact.
    Show {
        /// Session ID or contact name.
        peer: String,
    },
    /// Add a contact by Session ID (they can then message you without a request).
    Add {
        session_id: String,
        /// Your name for them.
        #[arg(long)]
        name: Option<String>,
    },
    /// Give a contact a nickname, or clear it with --clear.
    Rename {
        /// Session ID or contact name.
        peer: String,
        /// The new nickname.
        #[arg(required_unless_present = "clear")]
        name: Option<String>,
        #[arg(long, conflicts_with = "name")]
        clear: bool,
    },
    /// Forget a contact (the conversation stays).
    Remove {
        /// Session ID or contact name.
        peer: String,
    },
    /// Block a Session ID: their messages are dropped, and a pending request from them is deleted.
    Block { session_id: String },
    /// Unblock a Session ID.
    Unblock { session_id: String },
    /// List blocked Session IDs.
    Blocked,
}

fn print_contacts(ctx: &Ctx, list: &[ContactRecord], empty: &str) {
    if ctx.out.json {
        list.iter().for_each(|c| ctx.out.record(c));
        return;
    }
    if list.is_empty() {
        ctx.out.line(empty);
        return;
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            let mut flags = vec![];
            if c.blocked {
                flags.push(ctx.out.red("blocked"));
            }
            if c.approved && !c.approved_me {
                flags.push(ctx.out.dim("awaiting their reply"));
            }
            vec![c.name.clone(), c.session_id.clone(), c.display_name.clone().unwrap_or_default(), flags.join(", ")]
        })
        .collect();
    ctx.out.table(&["NAME", "SESSION ID", "DISPLAY NAME", "STATUS"], &rows);
}

pub fn list_records(client: &Client) -> Result<Vec<ContactRecord>> {
    Ok(client.contacts()?.iter().map(|c| contact_record(c, "contact")).collect())
}

pub fn blocked_records(client: &Client) -> Result<Vec<ContactRecord>> {
    Ok(client.blocked()?.iter().map(|c| contact_record(c, "contact")).collect())
}

pub fn show_record(client: &Client, peer: &str) -> Result<ContactRecord> {
    let id = resolve_peer(client, peer)?;
    let c = client.contact(&id)?.ok_or_else(|| CliError::not_found(format!("{id} is not a known contact")))?;
    Ok(contact_record(&c, if c.approved || c.blocked { "contact" } else { "request" }))
}

pub fn run(ctx: &Ctx, cmd: ContactsCommand) -> Result<()> {
    let s = ctx.open(Use::Local)?;
    let client = &s.client;
    match cmd {
        ContactsCommand::List => print_contacts(ctx, &list_records(client)?, "No contacts yet."),
        ContactsCommand::Blocked => print_contacts(ctx, &blocked_records(client)?, "Nobody is blocked."),
        ContactsCommand::Show { peer } => {
            let c = show_record(client, &peer)?;
            if ctx.out.json {
                ctx.out.record(&c);
            } else {
                ctx.out.fields(&[
                    ("Name", c.name.clone()),
                    ("Session ID", c.session_id.clone()),
                    ("Display name", c.display_name.clone().unwrap_or_else(|| "-".into())),
                    ("Nickname", c.nickname.clone().unwrap_or_else(|| "-".into())),
                    ("Accepted by you", yes_no(c.approved)),
                    ("Accepted you", yes_no(c.approved_me)),
                    ("Blocked", yes_no(c.blocked)),
                    ("Known since", local_time(c.created_at)),
                ]);
            }
        }
        ContactsCommand::Add { session_id, name } => {
            client.add_contact(&session_id, name.as_deref())?;
            let id = resolve_peer(client, &session_id)?;
            done(ctx, "contact_added", json!({"session_id": id}), &format!("Added {id}."));
        }
        ContactsCommand::Rename { peer, name, clear } => {
            let id = resolve_peer(client, &peer)?;
            let nick = if clear { None } else { name.as_deref() };
            client.set_nickname(&id, nick)?;
            done(
                ctx,
                "contact_renamed",
                json!({"session_id": id, "nickname": nick}),
                &match nick {
                    Some(n) => format!("{id} is now called {n}."),
                    None => format!("Cleared the nickname of {id}."),
                },
            );
        }
        ContactsCommand::Remove { peer } => {
            let id = resolve_peer(client, &peer)?;
            client.remove_contact(&id)?;
            done(ctx, "contact_removed", json!({"session_id": id}), &format!("Removed {id}."));
        }
        ContactsCommand::Block { session_id } => block(ctx, client, &session_id)?,
        ContactsCommand::Unblock { session_id } => {
            let id = resolve_peer(client, &session_id)?;
            client.unblock(&id)?;
            done(ctx, "unblocked", json!({"session_id": id}), &format!("Unblocked {id}."));
        }
    }
    Ok(())
}

pub fn block(ctx: &Ctx, client: &Client, peer: &str) -> Result<()> {
    let id = resolve_peer(client, peer)?;
    client.block(&id)?;
    done(ctx, "blocked", json!({"session_id": id}), &format!("Blocked {id}."));
    Ok(())
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

pub fn rpc_contacts(d: &DaemonCtx, _p: &Params) -> Result<Value> {
    to_value(&list_records(&d.session.client)?)
}

pub fn rpc_contact(d: &DaemonCtx, p: &Params) -> Result<Value> {
    to_value(&show_record(&d.session.client, &p.req_str("peer")?)?)
}

pub fn rpc_add_contact(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let sid = p.req_str("session_id")?;
    c.add_contact(&sid, p.opt_str("name")?.as_deref())?;
    to_value(&show_record(c, &sid)?)
}

pub fn rpc_rename_contact(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let id = resolve_peer(c, &p.req_str("peer")?)?;
    c.set_nickname(&id, p.opt_str("name")?.as_deref())?;
    to_value(&show_record(c, &id)?)
}

pub fn rpc_remove_contact(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let id = resolve_peer(c, &p.req_str("peer")?)?;
    c.remove_contact(&id)?;
    Ok(json!({"session_id": id}))
}

pub fn rpc_block(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let id = resolve_peer(c, &p.req_str("session_id")?)?;
    c.block(&id)?;
    Ok(json!({"session_id": id}))
}

pub fn rpc_unblock(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let id = resolve_peer(c, &p.req_str("session_id")?)?;
    c.unblock(&id)?;
    Ok(json!({"session_id": id}))
}

pub fn rpc_blocked(d: &DaemonCtx, _p: &Params) -> Result<Value> {
    to_value(&blocked_records(&d.session.client)?)
}
