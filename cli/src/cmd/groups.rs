//! Groups (closed groups, IDs starting with 03, up to 100 members): create, list, show, invite,
//! remove, promote, rename, describe, leave, accept and decline an invite.
//!
//! A GROUP argument is a group ID or the name of exactly one group (groups you left or were
//! removed from only count when no active group has the name; see [`crate::resolve`]). Changes to a group (create,
//! invite, remove, promote, rename, describe, leave) go online: they start the client, wait for
//! the network, make the change in the group's swarm, then wait until what they queued (invites,
//! notices to the group) has left the outbox. Changes only an admin may make are refused before
//! going online when this profile is not an admin (PERMISSION_DENIED, exit code 11).

use crate::error::{CliError, Result};
use crate::records::{group_record, GroupRecord, Names};
use crate::render::{done, group_label, short_id, who, who_list};
use crate::resolve::{group_by_id, has_keys, require_admin, resolve_group, resolve_member, resolve_peer};
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Session, Use};
use clap::Subcommand;
use serde_json::{json, Value};
use session_sdk::client::Client;
use session_sdk::client::GroupState;
use session_sdk::client::GroupSummary;
use std::time::{Duration, Instant};

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group (you are its admin) and invite members; prints the group ID.
    Create {
        /// The group's name.
        name: String,
        /// The group's description.
        #[arg(short, long, value_name = "TEXT")]
        description: Option<String>,
        /// Members to invite: Session IDs or contact names.
        #[arg(value_name = "MEMBER")]
        members: Vec<String>,
        /// Seconds to wait for the network.
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        timeout: u64,
    },
    /// List the groups you are in, were invited to, left or were removed from.
    List,
    /// Show a group and its members.
    Show {
        /// Group ID or name.
        group: String,
    },
    /// Invite members (admins only). They read the group's messages from now on.
    Invite {
        /// Group ID or name.
        group: String,
        /// Session IDs or contact names.
        #[arg(required = true, value_name = "MEMBER")]
        members: Vec<String>,
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        timeout: u64,
    },
    /// Remove members (admins only): keys rotate, so they cannot read what is sent afterwards.
    Remove {
        /// Group ID or name.
        group: String,
        /// Session IDs, contact names or names in the group's member list.
        #[arg(required = true, value_name = "MEMBER")]
        members: Vec<String>,
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        timeout: u64,
    },
    /// Make a member an admin (admins only).
    Promote {
        /// Group ID or name.
        group: String,
        /// Session ID, contact name or name in the group's member list.
        member: String,
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        timeout: u64,
    },
    /// Rename the group (admins only).
    Rename {
        /// Group ID or name.
        group: String,
        /// The new name.
        name: String,
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        timeout: u64,
    },
    /// Set the group's description (admins only).
    Describe {
        /// Group ID or name.
        group: String,
        /// The new description.
        text: String,
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        timeout: u64,
    },
    /// Leave a group: the members are told, and you stop receiving its messages.
    Leave {
        /// Group ID or name.
        group: String,
        #[arg(long, default_value_t = 60, value_name = "SECS")]
        timeout: u64,
    },
    /// Accept an invite: join the group and fetch its keys (needs the network unless --offline;
    /// then the next `receive` fetches them).
    Accept {
        /// Group ID or name.
        group: String,
        #[arg(long)]
        offline: bool,
        /// Seconds to wait for the group's keys.
        #[arg(long, default_value_t = 30, value_name = "SECS")]
        timeout: u64,
    },
    /// Decline an invite: forget the group.
    Decline {
        /// Group ID or name.
        group: String,
    },
}

// ---- records ------------------------------------------------------------------------------------

pub fn record_of(client: &Client, id: &str) -> Result<GroupRecord> {
    Ok(group_record(&group_by_id(client, id)?))
}

pub fn list_records(client: &Client) -> Result<Vec<GroupRecord>> {
    Ok(client.groups()?.iter().map(group_record).collect())
}

/// The group record with its members (the daemon's `group` result).
fn show_value(client: &Client, g: &GroupSummary) -> Result<Value> {
    let mut names = Names::new(client);
    let members: Vec<_> = client.group_members(&g.id)?.iter().map(|m| names.group_member(&g.id, m)).collect();
    let mut v = to_value(&group_record(g))?;
    v["members"] = to_value(&members)?;
    Ok(v)
}

// ---- online changes -------------------------------------------------------------------------------

/// Wait until the outbox is empty (what a change queued has reached the network).
fn drain(ctx: &Ctx, s: &Session, deadline: Instant) -> Result<bool> {
    loop {
        ctx.check_interrupted()?;
        if s.client.outbox_len()? == 0 {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        s.next_event(Duration::from_millis(100));
    }
}

/// Start the client, wait for the network, make the change (it blocks until the group's swarm
/// took it), then wait for what it queued to be sent. Returns the change's result and whether
/// everything queued was sent before the deadline.
fn online<T>(ctx: &Ctx, s: &Session, timeout: u64, change: impl FnOnce(&Client) -> session_sdk::Result<T>) -> Result<(T, bool)> {
    s.start()?;
    let deadline = Instant::now() + Duration::from_secs(timeout);
    s.wait_ready(ctx, Some(Duration::from_secs(timeout)), |_| {})?;
    let v = change(&s.client)?;
    let delivered = drain(ctx, s, deadline)?;
    let _ = s.client.stop();
    if !delivered {
        eprintln!("session-cli: some notices are still queued; they are sent the next time this profile is online");
    }
    Ok((v, delivered))
}

pub fn run(ctx: &Ctx, cmd: GroupCommand) -> Result<()> {
    match cmd {
        GroupCommand::List => {
            let s = ctx.open(Use::Local)?;
            let list = s.client.groups()?;
            if ctx.out.json {
                list.iter().for_each(|g| ctx.out.record(&group_record(g)));
            } else if list.is_empty() {
                ctx.out.line("No groups yet.");
            } else {
                let mut names = Names::new(&s.client);
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|g| {
                        let state = match g.state {
                            GroupState::Invited => {
                                let from = g
                                    .inviter
                                    .as_deref()
                                    .map(|i| format!(" by {}", names.name_of(i).unwrap_or_else(|| short_id(i))))
                                    .unwrap_or_default();
                                ctx.out.yellow(&format!("invited{from}"))
                            }
                            GroupState::Joined => "joined".into(),
                            GroupState::Kicked => ctx.out.red("removed"),
                            GroupState::Left => ctx.out.dim("left"),
                        };
                        let role = if g.is_admin { ctx.out.green("admin") } else { "member".into() };
                        vec![g.name.clone().unwrap_or_else(|| "-".into()), g.id.clone(), g.member_count.to_string(), role, state]
                    })
                    .collect();
                ctx.out.table(&["NAME", "GROUP ID", "MEMBERS", "ROLE", "STATE"], &rows);
            }
        }
        GroupCommand::Show { group } => {
            let s = ctx.open(Use::Local)?;
            let g = resolve_group(&s.client, &group)?;
            let mut names = Names::new(&s.client);
            let members: Vec<_> = s.client.group_members(&g.id)?.iter().map(|m| names.group_member(&g.id, m)).collect();
            if ctx.out.json {
                ctx.out.record(&group_record(&g));
                members.iter().for_each(|m| ctx.out.record(m));
                return Ok(());
            }
            let r = group_record(&g);
            ctx.out.fields(&[
                ("Name", r.name.clone().unwrap_or_else(|| "-".into())),
                ("Group ID", r.id.clone()),
                ("Description", r.description.clone().unwrap_or_else(|| "-".into())),
                ("State", r.state.into()),
                ("You are", if r.is_admin { "admin" } else { "member" }.into()),
                ("Members", r.member_count.to_string()),
                ("Invited by", r.inviter.as_deref().map(|i| who(&mut names, i)).unwrap_or_else(|| "-".into())),
            ]);
            if !members.is_empty() {
                ctx.out.line("");
                let me = s.client.session_id().to_hex();
                let rows: Vec<Vec<String>> = members
                    .iter()
                    .map(|m| {
                        let mut status = vec![];
                        if m.session_id == me {
                            status.push(ctx.out.cyan("you"));
                        }
                        if m.invite_pending {
                            status.push(ctx.out.yellow("invite pending"));
                        }
                        if m.removed {
                            status.push(ctx.out.red("being removed"));
                        }
                        let role = if m.admin { ctx.out.green("admin") } else { "member".into() };
                        vec![m.name.clone().unwrap_or_else(|| "-".into()), m.session_id.clone(), role, status.join(", ")]
                    })
                    .collect();
                ctx.out.table(&["MEMBER", "SESSION ID", "ROLE", "STATUS"], &rows);
            }
        }
        GroupCommand::Create { name, description, members, timeout } => {
            let s = ctx.open(Use::Network)?;
            let ids = members.iter().map(|m| resolve_peer(&s.client, m)).collect::<Result<Vec<_>>>()?;
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let (gid, delivered) = online(ctx, &s, timeout, |c| c.create_group(&name, description.as_deref(), &refs))?;
            let mut names = Names::new(&s.client);
            if ctx.out.json {
                done(ctx, "group_created", json!({"group_id": gid, "name": name, "invited": ids, "delivered": delivered}), "");
            } else {
                ctx.out.line(format!("Created group {name}: {gid}"));
                if !ids.is_empty() {
                    ctx.out.line(format!("Invited {}.", who_list(&mut names, &ids)));
                }
            }
        }
        GroupCommand::Invite { group, members, timeout } => {
            let s = ctx.open(Use::Network)?;
            let g = resolve_group(&s.client, &group)?;
            require_admin(&g, "invite members")?;
            let ids = members.iter().map(|m| resolve_peer(&s.client, m)).collect::<Result<Vec<_>>>()?;
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let ((), delivered) = online(ctx, &s, timeout, |c| c.group_invite(&g.id, &refs))?;
            let mut names = Names::new(&s.client);
            let text = format!("Invited {} to {}.", who_list(&mut names, &ids), group_label(&g));
            done(ctx, "group_invited", json!({"group_id": g.id, "members": ids, "delivered": delivered}), &text);
        }
        GroupCommand::Remove { group, members, timeout } => {
            let s = ctx.open(Use::Network)?;
            let g = resolve_group(&s.client, &group)?;
            require_admin(&g, "remove members")?;
            let ids = members.iter().map(|m| resolve_member(&s.client, &g.id, m)).collect::<Result<Vec<_>>>()?;
            let mut names = Names::new(&s.client);
            let text = format!("Removed {} from {}.", who_list(&mut names, &ids), group_label(&g));
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let ((), delivered) = online(ctx, &s, timeout, |c| c.group_remove(&g.id, &refs))?;
            done(ctx, "group_removed", json!({"group_id": g.id, "members": ids, "delivered": delivered}), &text);
        }
        GroupCommand::Promote { group, member, timeout } => {
            let s = ctx.open(Use::Network)?;
            let g = resolve_group(&s.client, &group)?;
            require_admin(&g, "promote members")?;
            let id = resolve_member(&s.client, &g.id, &member)?;
            let ((), delivered) = online(ctx, &s, timeout, |c| c.group_promote(&g.id, &id))?;
            let text = format!("{} is now an admin of {}.", who(&mut Names::new(&s.client), &id), group_label(&g));
            done(ctx, "group_promoted", json!({"group_id": g.id, "session_id": id, "delivered": delivered}), &text);
        }
        GroupCommand::Rename { group, name, timeout } => {
            let s = ctx.open(Use::Network)?;
            let g = resolve_group(&s.client, &group)?;
            require_admin(&g, "rename the group")?;
            let ((), delivered) = online(ctx, &s, timeout, |c| c.group_rename(&g.id, &name))?;
            let text = format!("Renamed {} to {name}.", group_label(&g));
            done(ctx, "group_renamed", json!({"group_id": g.id, "name": name, "delivered": delivered}), &text);
        }
        GroupCommand::Describe { group, text, timeout } => {
            let s = ctx.open(Use::Network)?;
            let g = resolve_group(&s.client, &group)?;
            require_admin(&g, "change the description")?;
            let ((), delivered) = online(ctx, &s, timeout, |c| c.group_set_description(&g.id, &text))?;
            let msg = format!("Set the description of {}.", group_label(&g));
            done(ctx, "group_described", json!({"group_id": g.id, "description": text, "delivered": delivered}), &msg);
        }
        GroupCommand::Leave { group, timeout } => {
            let s = ctx.open(Use::Network)?;
            let g = resolve_group(&s.client, &group)?;
            if g.state == GroupState::Left {
                return Err(CliError::invalid(format!("you already left {}", group_label(&g))));
            }
            // Only a member who joined has anyone to tell.
            let delivered = if g.state == GroupState::Joined {
                online(ctx, &s, timeout, |c| c.group_leave(&g.id))?.1
            } else {
                s.client.group_leave(&g.id)?;
                true
            };
            done(ctx, "group_left", json!({"group_id": g.id, "delivered": delivered}), &format!("Left {}.", group_label(&g)));
        }
        GroupCommand::Accept { group, offline, timeout } => {
            let s = ctx.open(if offline { Use::Local } else { Use::Network })?;
            let g = resolve_group(&s.client, &group)?;
            s.client.group_accept_invite(&g.id)?;
            let mut ready = false;
            if !offline {
                s.start()?;
                let deadline = Instant::now() + Duration::from_secs(timeout);
                s.wait_ready(ctx, Some(Duration::from_secs(timeout)), |_| {})?;
                // The first poll of the group brings its keys and member list, and queues our
                // answer to the admins; wait for both.
                while Instant::now() < deadline {
                    ctx.check_interrupted()?;
                    if has_keys(&group_by_id(&s.client, &g.id)?) && s.client.outbox_len()? == 0 {
                        ready = true;
                        break;
                    }
                    s.next_event(Duration::from_millis(100));
                }
                let _ = s.client.stop();
                if !ready {
                    eprintln!("session-cli: the group's keys have not arrived yet; `session-cli receive` fetches them");
                }
            }
            let now = group_by_id(&s.client, &g.id)?;
            let name = now.name.clone().filter(|n| !n.is_empty());
            done(ctx, "group_accepted", json!({"group_id": g.id, "name": name, "ready": ready}), &format!("Joined {}.", group_label(&now)));
        }
        GroupCommand::Decline { group } => {
            let s = ctx.open(Use::Local)?;
            let g = resolve_group(&s.client, &group)?;
            s.client.group_decline_invite(&g.id)?;
            done(ctx, "group_declined", json!({"group_id": g.id}), &format!("Declined the invite to {}.", group_label(&g)));
        }
    }
    Ok(())
}

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

fn req_list(p: &Params, k: &str) -> Result<Vec<String>> {
    let v = p.opt_str_list(k)?;
    if v.is_empty() {
        return Err(CliError::usage(format!("missing {k:?}: a Session ID, contact name or an array of them")));
    }
    Ok(v)
}

/// The group named by the `group` param, refused unless we are an admin.
fn admin_group(d: &DaemonCtx, p: &Params, what: &str) -> Result<GroupSummary> {
    let g = resolve_group(&d.session.client, &p.req_str("group")?)?;
    require_admin(&g, what)?;
    Ok(g)
}

pub fn rpc_group_create(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let ids = p.opt_str_list("members")?.iter().map(|m| resolve_peer(c, m)).collect::<Result<Vec<_>>>()?;
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let gid = c.create_group(&p.req_str("name")?, p.opt_str("description")?.as_deref(), &refs)?;
    to_value(&record_of(c, &gid)?)
}

pub fn rpc_groups(d: &DaemonCtx, _p: &Params) -> Result<Value> {
    to_value(&list_records(&d.session.client)?)
}

pub fn rpc_group(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    show_value(c, &resolve_group(c, &p.req_str("group")?)?)
}

pub fn rpc_group_invite(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let g = admin_group(d, p, "invite members")?;
    let ids = req_list(p, "members")?.iter().map(|m| resolve_peer(c, m)).collect::<Result<Vec<_>>>()?;
    c.group_invite(&g.id, &ids.iter().map(String::as_str).collect::<Vec<_>>())?;
    show_value(c, &group_by_id(c, &g.id)?)
}

pub fn rpc_group_remove(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let g = admin_group(d, p, "remove members")?;
    let ids = req_list(p, "members")?.iter().map(|m| resolve_member(c, &g.id, m)).collect::<Result<Vec<_>>>()?;
    c.group_remove(&g.id, &ids.iter().map(String::as_str).collect::<Vec<_>>())?;
    show_value(c, &group_by_id(c, &g.id)?)
}

pub fn rpc_group_promote(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let g = admin_group(d, p, "promote members")?;
    let id = resolve_member(c, &g.id, &p.req_str("member")?)?;
    c.group_promote(&g.id, &id)?;
    show_value(c, &group_by_id(c, &g.id)?)
}

pub fn rpc_group_rename(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let g = admin_group(d, p, "rename the group")?;
    c.group_rename(&g.id, &p.req_str("name")?)?;
    to_value(&record_of(c, &g.id)?)
}

pub fn rpc_group_describe(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let g = admin_group(d, p, "change the description")?;
    c.group_set_description(&g.id, &p.req_str("description")?)?;
    to_value(&record_of(c, &g.id)?)
}

pub fn rpc_group_leave(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let g = resolve_group(c, &p.req_str("group")?)?;
    c.group_leave(&g.id)?;
    to_value(&record_of(c, &g.id)?)
}

pub fn rpc_group_accept(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let g = resolve_group(c, &p.req_str("group")?)?;
    c.group_accept_invite(&g.id)?;
    if p.opt_bool("wait")?.unwrap_or(true) {
        let deadline = Instant::now() + Duration::from_secs(p.opt_i64("timeout")?.unwrap_or(30).clamp(0, 3600) as u64);
        while !has_keys(&group_by_id(c, &g.id)?) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    to_value(&record_of(c, &g.id)?)
}

pub fn rpc_group_decline(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let g = resolve_group(c, &p.req_str("group")?)?;
    c.group_decline_invite(&g.id)?;
    Ok(json!({"group_id": g.id}))
}
