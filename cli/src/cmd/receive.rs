//! `receive`: print the messages, group invites and group changes not printed yet, until caught
//! up with the network (or, with `--follow`, until Ctrl-C).

use crate::error::{CliError, Kind, Result};
use crate::home::{now_ms, Profile};
use crate::output::{local_time, Output};
use crate::records::{group_change_name, group_invite_record, group_update_record, MessageRecord, Names};
use crate::render::{message_line, short_id, who};
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Use};
use clap::Args;
use serde_json::Value;
use session_sdk::client::Message;
use session_sdk::client::{Client, Event};
use session_sdk::client::{GroupChange, GroupState, GroupSummary};
use session_sdk::ErrorKind;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct ReceiveArgs {
    /// Keep running and print messages as they arrive, until Ctrl-C.
    #[arg(short, long)]
    pub follow: bool,
    /// Stop after this many seconds even when not caught up (exit code 8).
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub timeout: u64,
    /// Leave printed messages unread.
    #[arg(long)]
    pub no_mark_read: bool,
}

/// Poll interval of a one-shot `receive`: it runs for a few polls only.
const RECEIVE_POLL: Duration = Duration::from_millis(1000);

/// Every incoming unread message, oldest first.
fn unread_messages(client: &Client) -> Result<Vec<Message>> {
    let mut out = vec![];
    for c in client.conversations()? {
        if c.unread <= 0 {
            continue;
        }
        let mut found = 0;
        let mut before = 0;
        loop {
            let page = client.history(&c.id, before, 200)?;
            let Some(last) = page.last() else { break };
            before = last.id;
            for m in page {
                if !m.outgoing && !m.read {
                    found += 1;
                    out.push(m);
                }
            }
            if found >= c.unread {
                break;
            }
        }
    }
    out.sort_by_key(|m| (m.received_ts, m.id));
    Ok(out)
}

fn print_message(ctx: &Ctx, r: &MessageRecord) {
    if ctx.out.json {
        ctx.out.record(r);
    } else {
        ctx.out.line(message_line(&ctx.out, r));
    }
}

fn print_invite(ctx: &Ctx, names: &mut Names, group_id: &str, name: &str, inviter: Option<&str>) {
    if ctx.out.json {
        ctx.out.record(&group_invite_record(names, group_id, name, inviter));
    } else {
        ctx.out.line(invite_line(&ctx.out, names, group_id, Some(name), inviter));
    }
}

pub fn run(ctx: &Ctx, a: ReceiveArgs) -> Result<()> {
    let s = if a.follow { ctx.open(Use::Network)? } else { ctx.open_polling(Use::Network, RECEIVE_POLL)? };
    let mut names = Names::new(&s.client);
    let mark = !a.no_mark_read;
    let mut printed = 0usize;
    // First what earlier runs (send, network, ...) stored but nobody has printed yet: messages,
    // and group invites not printed before.
    for m in unread_messages(&s.client)? {
        printed += 1;
        print_message(ctx, &names.message(&m));
        if mark {
            s.client.mark_read(&m.conversation, m.id)?;
        }
    }
    let mut announced = Announced::load(&s.profile);
    let pending = |c: &Client| -> Result<Vec<String>> { Ok(pending_invites(c)?.into_iter().map(|g| g.id).collect()) };
    for g in pending_invites(&s.client)? {
        if !announced.contains(&g.id) {
            printed += 1;
            print_invite(ctx, &mut names, &g.id, g.name.as_deref().unwrap_or(""), g.inviter.as_deref());
            announced.insert(&g.id, &pending(&s.client)?);
        }
    }
    let mut info_seen: HashMap<(String, &'static str), Option<String>> = HashMap::new();
    let mut handle = |e: &Event| -> Result<bool> {
        match e {
            Event::GroupInvite { group_id, name, inviter } => {
                names.forget_groups();
                print_invite(ctx, &mut names, group_id, name, Some(inviter));
                announced.insert(group_id, &pending(&s.client)?);
                printed += 1;
                Ok(true)
            }
            Event::GroupUpdate { group_id, change, members, actor } => {
                names.forget_groups();
                // The SDK reports a rename, a new description or a promotion twice (from the
                // group's configs or the 1:1 promotion, and from the admin's notice): print a
                // change once per new value.
                let value = match change {
                    GroupChange::Renamed => Some(names.group(group_id).and_then(|g| g.name)),
                    GroupChange::DescriptionChanged => Some(names.group(group_id).and_then(|g| g.description)),
                    GroupChange::Promoted => Some(Some(members.join(","))),
                    _ => None,
                };
                if let Some(v) = value {
                    if info_seen.insert((group_id.clone(), group_change_name(*change)), v.clone()) == Some(v) {
                        return Ok(true);
                    }
                }
                if ctx.out.json {
                    ctx.out.record(&group_update_record(&mut names, group_id, *change, members, actor.as_deref()));
                } else {
                    ctx.out.line(update_line(&ctx.out, &mut names, group_id, *change, members, actor.as_deref()));
                }
                printed += 1;
                Ok(true)
            }
            Event::MessageReceived { message, is_request } => {
                let mut r = names.message(message);
                r.is_request = *is_request;
                print_message(ctx, &r);
                printed += 1;
                if mark {
                    s.client.mark_read(&message.conversation, message.id)?;
                }
                Ok(true)
            }
            Event::MessageSynced { message } => {
                print_message(ctx, &names.message(message));
                printed += 1;
                Ok(true)
            }
            Event::Connection { ready } if a.follow && !ctx.out.json => {
                eprintln!("session-cli: {}", if *ready { "connected" } else { "connection lost; reconnecting" });
                Ok(false)
            }
            _ => Ok(false),
        }
    };
    s.start()?;
    let timeout = Duration::from_secs(a.timeout);
    let mut early = Ok(());
    s.wait_ready(ctx, (!a.follow).then_some(timeout), |e| {
        if let Err(err) = handle(e) {
            early = Err(err);
        }
    })?;
    early?;
    // Caught up: the SDK does not report finished polls, so count the onion requests it makes.
    // The poller is sequential: one request for our swarm, then one per joined group. Once it
    // has started two more rounds after the last message arrived (and one request more, to
    // cover a swarm lookup), a whole poll has come back with nothing new.
    let requests = || s.client.network_status().onion_requests;
    let joined = s.client.groups()?.iter().filter(|g| g.state == session_sdk::client::GroupState::Joined).count() as u64;
    let round = 1 + joined;
    let deadline = Instant::now() + timeout;
    let mut baseline = requests();
    loop {
        if ctx.interrupted() {
            if a.follow {
                break;
            }
            return Err(CliError::new(Kind::Interrupted, "interrupted"));
        }
        let seen = requests();
        let mut got = false;
        while let Some(e) = s.next_event(Duration::from_millis(if got { 0 } else { 100 })) {
            got |= handle(&e)?;
        }
        if got {
            baseline = requests();
            continue;
        }
        if a.follow {
            continue;
        }
        if seen > baseline + 2 * round {
            break;
        }
        if Instant::now() >= deadline {
            let _ = s.client.stop();
            return Err(CliError::sdk(ErrorKind::Timeout, format!("not caught up with the network after {}s", a.timeout)));
        }
    }
    let _ = s.client.stop();
    if printed == 0 && !ctx.out.json && !a.follow {
        ctx.out.line("No new messages.");
    }
    Ok(())
}

// ---- group invites and changes ------------------------------------------------------------------

/// Invites `receive` has printed, so that each is printed once (`announced-invites.json` in the
/// profile's directory; only invites still pending are kept).
struct Announced {
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
fn pending_invites(client: &Client) -> Result<Vec<GroupSummary>> {
    Ok(client.groups()?.into_iter().filter(|g| g.state == GroupState::Invited).collect())
}

/// An invite as a line for people.
fn invite_line(out: &Output, names: &mut Names, group_id: &str, name: Option<&str>, inviter: Option<&str>) -> String {
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
fn update_line(out: &Output, names: &mut Names, group_id: &str, change: GroupChange, members: &[String], actor: Option<&str>) -> String {
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

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

pub fn rpc_receive(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let mark = p.opt_bool("mark_read")?.unwrap_or(true);
    let client = &d.session.client;
    let mut names = Names::new(client);
    let list = unread_messages(client)?;
    if mark {
        for m in &list {
            client.mark_read(&m.conversation, m.id)?;
        }
    }
    to_value(&list.iter().map(|m| names.message(m)).collect::<Vec<_>>())
}
