//! Groups (closed groups, IDs starting with 03, up to 100 members): create, list, show, invite,
//! remove, promote, rename, describe, leave, accept and decline an invite.
//!
//! A GROUP argument is a group ID or the name of exactly one group (groups you left or were
//! removed from only count when no active group has the name). Changes to a group (create,
//! invite, remove, promote, rename, describe, leave) go online: they start the client, wait for
//! the network, make the change in the group's swarm, then wait until what they queued (invites,
//! notices to the group) has left the outbox. Changes only an admin may make are refused before
//! going online when this profile is not an admin (PERMISSION_DENIED, exit code 11).

use super::messages::short_id;
use super::{done, resolve_peer};
use crate::error::{CliError, Result};
use crate::home::Profile;
use crate::output::{local_time, Output};
use crate::records::{group_record, GroupRecord, Names};
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Session, Use};
use clap::Subcommand;
use serde_json::{json, Value};
use session_sdk::client::Client;
use session_sdk::client::GroupState;
use session_sdk::client::{GroupChange, GroupSummary};
use session_sdk::identity::{AccountId, IdPrefix};
use session_sdk::ErrorKind;
use std::collections::BTreeSet;
use std::path::PathBuf;
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

// ---- resolving ----------------------------------------------------------------------------------

/// The normalised (lower-case) ID if `arg` is a well-formed group ID.
pub fn parse_group_id(arg: &str) -> Option<String> {
    AccountId::parse_with(arg.trim(), IdPrefix::Group).ok().map(|a| a.to_hex())
}

/// `id` if this profile knows the group or has a conversation with it; NOT_FOUND otherwise.
pub fn known_group_id(client: &Client, id: &str) -> Result<String> {
    if client.groups()?.iter().any(|g| g.id == id) || client.conversations()?.iter().any(|c| c.id == id) {
        Ok(id.to_string())
    } else {
        Err(CliError::not_found(format!("no group {id}")))
    }
}

fn active(g: &GroupSummary) -> bool {
    matches!(g.state, GroupState::Joined | GroupState::Invited)
}

fn named<'a>(groups: &'a [GroupSummary], name: &str) -> Vec<&'a GroupSummary> {
    let all: Vec<&GroupSummary> =
        groups.iter().filter(|g| g.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name.trim()))).collect();
    let live: Vec<&GroupSummary> = all.iter().copied().filter(|g| active(g)).collect();
    if all.len() > 1 && live.len() == 1 {
        live
    } else {
        all
    }
}

/// IDs of the groups called `name` (case-insensitive; an active group wins over ones left).
pub fn groups_named(client: &Client, name: &str) -> Result<Vec<String>> {
    Ok(named(&client.groups()?, name).into_iter().map(|g| g.id.clone()).collect())
}

/// A group by ID or unique name. NOT_FOUND when there is none.
pub fn resolve_group(client: &Client, arg: &str) -> Result<GroupSummary> {
    let groups = client.groups()?;
    if let Some(id) = parse_group_id(arg) {
        return groups.into_iter().find(|g| g.id == id).ok_or_else(|| CliError::not_found(format!("no group {id}")));
    }
    let found = named(&groups, arg);
    match found.len() {
        1 => Ok(found[0].clone()),
        0 => Err(CliError::not_found(format!("{:?} is neither a group ID nor the name of a group", arg.trim()))),
        n => Err(CliError::invalid(format!("{:?} names {n} groups; use the group ID", arg.trim()))),
    }
}

/// A member: a Session ID, a contact's name, or a name in the group's member list.
pub fn resolve_member(client: &Client, group_id: &str, arg: &str) -> Result<String> {
    let contact_err = match resolve_peer(client, arg) {
        Ok(id) => return Ok(id),
        Err(e) => e,
    };
    let members = client.group_members(group_id)?;
    let found: Vec<_> = members.iter().filter(|m| !m.name.is_empty() && m.name.eq_ignore_ascii_case(arg.trim())).collect();
    match found.len() {
        1 => Ok(found[0].session_id.clone()),
        0 => Err(contact_err),
        n => Err(CliError::invalid(format!("{:?} names {n} members; use the Session ID", arg.trim()))),
    }
}

/// `Name (03ab…1234)`, or the ID of a group without a name.
pub fn label(g: &GroupSummary) -> String {
    match g.name.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => format!("{n} ({})", short_id(&g.id)),
        None => g.id.clone(),
    }
}

/// Refuse (PERMISSION_DENIED) unless we are a member of the group.
pub fn require_member(g: &GroupSummary) -> Result<()> {
    let why = match g.state {
        GroupState::Joined => return Ok(()),
        GroupState::Invited => format!("you are invited to {} but have not joined; `session-cli group accept {}` first", label(g), g.id),
        GroupState::Kicked => format!("you were removed from {}", label(g)),
        GroupState::Left => format!("you left {}", label(g)),
    };
    Err(CliError::sdk(ErrorKind::PermissionDenied, why))
}

/// Refuse (PERMISSION_DENIED) unless we are an admin of the group.
fn require_admin(g: &GroupSummary, what: &str) -> Result<()> {
    require_member(g)?;
    if !g.is_admin {
        return Err(CliError::sdk(ErrorKind::PermissionDenied, format!("only an admin of {} can {what}", label(g))));
    }
    Ok(())
}

/// Whether a group we joined has its keys (its member list has arrived; ours is never empty).
pub fn has_keys(g: &GroupSummary) -> bool {
    g.state == GroupState::Joined && g.member_count > 0
}

fn summary(client: &Client, id: &str) -> Result<GroupSummary> {
    client.groups()?.into_iter().find(|g| g.id == id).ok_or_else(|| CliError::not_found(format!("no group {id}")))
}

pub fn record_of(client: &Client, id: &str) -> Result<GroupRecord> {
    Ok(group_record(&summary(client, id)?))
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

fn who(names: &mut Names, id: &str) -> String {
    match names.name_of(id) {
        Some(n) => format!("{n} ({})", short_id(id)),
        None => id.to_string(),
    }
}

fn who_list(names: &mut Names, ids: &[String]) -> String {
    ids.iter().map(|id| who(names, id)).collect::<Vec<_>>().join(", ")
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
            let text = format!("Invited {} to {}.", who_list(&mut names, &ids), label(&g));
            done(ctx, "group_invited", json!({"group_id": g.id, "members": ids, "delivered": delivered}), &text);
        }
        GroupCommand::Remove { group, members, timeout } => {
            let s = ctx.open(Use::Network)?;
            let g = resolve_group(&s.client, &group)?;
            require_admin(&g, "remove members")?;
            let ids = members.iter().map(|m| resolve_member(&s.client, &g.id, m)).collect::<Result<Vec<_>>>()?;
            let mut names = Names::new(&s.client);
            let text = format!("Removed {} from {}.", who_list(&mut names, &ids), label(&g));
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
            let text = format!("{} is now an admin of {}.", who(&mut Names::new(&s.client), &id), label(&g));
            done(ctx, "group_promoted", json!({"group_id": g.id, "session_id": id, "delivered": delivered}), &text);
        }
        GroupCommand::Rename { group, name, timeout } => {
            let s = ctx.open(Use::Network)?;
            let g = resolve_group(&s.client, &group)?;
            require_admin(&g, "rename the group")?;
            let ((), delivered) = online(ctx, &s, timeout, |c| c.group_rename(&g.id, &name))?;
            let text = format!("Renamed {} to {name}.", label(&g));
            done(ctx, "group_renamed", json!({"group_id": g.id, "name": name, "delivered": delivered}), &text);
        }
        GroupCommand::Describe { group, text, timeout } => {
            let s = ctx.open(Use::Network)?;
            let g = resolve_group(&s.client, &group)?;
            require_admin(&g, "change the description")?;
            let ((), delivered) = online(ctx, &s, timeout, |c| c.group_set_description(&g.id, &text))?;
            let msg = format!("Set the description of {}.", label(&g));
            done(ctx, "group_described", json!({"group_id": g.id, "description": text, "delivered": delivered}), &msg);
        }
        GroupCommand::Leave { group, timeout } => {
            let s = ctx.open(Use::Network)?;
            let g = resolve_group(&s.client, &group)?;
            if g.state == GroupState::Left {
                return Err(CliError::invalid(format!("you already left {}", label(&g))));
            }
            // Only a member who joined has anyone to tell.
            let delivered = if g.state == GroupState::Joined {
                online(ctx, &s, timeout, |c| c.group_leave(&g.id))?.1
            } else {
                s.client.group_leave(&g.id)?;
                true
            };
            done(ctx, "group_left", json!({"group_id": g.id, "delivered": delivered}), &format!("Left {}.", label(&g)));
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
                    if has_keys(&summary(&s.client, &g.id)?) && s.client.outbox_len()? == 0 {
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
            let now = summary(&s.client, &g.id)?;
            let name = now.name.clone().filter(|n| !n.is_empty());
            done(ctx, "group_accepted", json!({"group_id": g.id, "name": name, "ready": ready}), &format!("Joined {}.", label(&now)));
        }
        GroupCommand::Decline { group } => {
            let s = ctx.open(Use::Local)?;
            let g = resolve_group(&s.client, &group)?;
            s.client.group_decline_invite(&g.id)?;
            done(ctx, "group_declined", json!({"group_id": g.id}), &format!("Declined the invite to {}.", label(&g)));
        }
    }
    Ok(())
}

// ---- events in `receive` --------------------------------------------------------------------------

/// Invites `receive` has printed, so that each is printed once (`announced-invites.json` in the
/// profile's directory; only invites still pending are kept).
pub struct Announced {
    path: PathBuf,
    ids: BTreeSet<String>,
}

impl Announced {
    pub fn load(profile: &Profile) -> Announced {
        let path = profile.dir.join("announced-invites.json");
        let ids = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        Announced { path, ids }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Remember `id`, keeping only the invites still pending (best effort: a failure to write
    /// only means the invite may be printed again).
    pub fn insert(&mut self, id: &str, pending: &[String]) {
        self.ids.insert(id.to_string());
        self.ids.retain(|i| i == id || pending.contains(i));
        let tmp = self.path.with_extension("json.tmp");
        if let Ok(b) = serde_json::to_vec(&self.ids) {
            if std::fs::write(&tmp, b).is_ok() {
                let _ = std::fs::rename(&tmp, &self.path);
            }
        }
    }
}

/// IDs of the groups with a pending invite.
pub fn pending_invites(client: &Client) -> Result<Vec<GroupSummary>> {
    Ok(client.groups()?.into_iter().filter(|g| g.state == GroupState::Invited).collect())
}

/// An invite as a line for people.
pub fn invite_line(out: &Output, names: &mut Names, group_id: &str, name: Option<&str>, inviter: Option<&str>) -> String {
    let group = match name.filter(|n| !n.is_empty()) {
        Some(n) => format!("{} ({})", out.bold(n), short_id(group_id)),
        None => out.bold(group_id),
    };
    let from = inviter.map(|i| who(names, i)).unwrap_or_else(|| "someone".into());
    format!(
        "{}  {} {from} invited you to {group}; accept with `session-cli group accept {group_id}`",
        out.dim(&local_time(now_ms())),
        out.yellow("[invite]")
    )
}

/// A group change as a line for people.
pub fn update_line(
    out: &Output,
    names: &mut Names,
    group_id: &str,
    change: GroupChange,
    members: &[String],
    actor: Option<&str>,
) -> String {
    let me = names.me().to_string();
    let mut person = |id: &str| if id == me { "you".to_string() } else { who(names, id) };
    let actor_s = actor.map(&mut person).unwrap_or_else(|| "an admin".into());
    let list = members.iter().map(|m| person(m)).collect::<Vec<_>>().join(", ");
    let what = match change {
        GroupChange::Created => format!("{actor_s} created the group"),
        GroupChange::Joined => "you joined".into(),
        GroupChange::MembersAdded => format!("{actor_s} added {list}"),
        GroupChange::MembersRemoved => format!("{actor_s} removed {list}"),
        GroupChange::MemberLeft => format!("{list} left"),
        GroupChange::Promoted => format!("{actor_s} made {list} an admin"),
        GroupChange::Renamed => format!("{actor_s} renamed the group"),
        GroupChange::DescriptionChanged => format!("{actor_s} changed the description"),
        GroupChange::InviteAccepted => format!("{list} accepted the invite"),
        GroupChange::Kicked => "you were removed from the group".into(),
        GroupChange::Left => "you left the group".into(),
        GroupChange::Ready => "the group's keys arrived; you can send to it".into(),
        _ => "changed".into(),
    };
    let group = match names.group_name(group_id) {
        Some(n) => format!("{} ({})", out.bold(&n), short_id(group_id)),
        None => out.bold(group_id),
    };
    format!("{}  {} {group}: {what}", out.dim(&local_time(now_ms())), out.cyan("[group]"))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
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
    show_value(c, &summary(c, &g.id)?)
}

pub fn rpc_group_remove(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let g = admin_group(d, p, "remove members")?;
    let ids = req_list(p, "members")?.iter().map(|m| resolve_member(c, &g.id, m)).collect::<Result<Vec<_>>>()?;
    c.group_remove(&g.id, &ids.iter().map(String::as_str).collect::<Vec<_>>())?;
    show_value(c, &summary(c, &g.id)?)
}

pub fn rpc_group_promote(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let c = &d.session.client;
    let g = admin_group(d, p, "promote members")?;
    let id = resolve_member(c, &g.id, &p.req_str("member")?)?;
    c.group_promote(&g.id, &id)?;
    show_value(c, &summary(c, &g.id)?)
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
        while !has_keys(&summary(c, &g.id)?) && Instant::now() < deadline {
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

/// Refuse unless a `send` to `id` can go out: a group must be one we joined.
pub fn check_sendable(client: &Client, id: &str) -> Result<()> {
    if crate::records::is_group_id(id) {
        require_member(&summary(client, id)?)?;
    }
    Ok(())
}

/// Whether a message to `id` can be queued now (a group needs its keys; see [`has_keys`]).
pub fn can_queue(client: &Client, id: &str) -> Result<bool> {
    if !crate::records::is_group_id(id) {
        return Ok(true);
    }
    Ok(has_keys(&summary(client, id)?))
}
