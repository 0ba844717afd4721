//! Messages: send, receive, conversations, history, mark-read, resend.

use crate::error::{CliError, Kind, Result};
use crate::home::{now_ms, Profile};
use crate::output::{human_size, Progress};
use crate::output::{local_time, one_line, Output};
use crate::records::{group_change_name, group_invite_record, group_update_record, MessageRecord, Names};
use crate::render::{done, message_line, short_id, who};
use crate::resolve::{can_queue, check_sendable, resolve_conversation, resolve_group};
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Session, Use};
use clap::Args;
use serde::Serialize;
use serde_json::{json, Value};
use session_sdk::client::{Client, Event, OutgoingFile};
use session_sdk::client::{GroupChange, GroupState, GroupSummary};
use session_sdk::client::{Message, MessageState};
use session_sdk::ErrorKind;
use std::collections::{BTreeSet, HashMap};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Recipients: Session IDs (66 hex characters starting with 05), group IDs (03…), or names
    /// of contacts or groups.
    #[arg(required_unless_present = "groups", value_name = "RECIPIENT")]
    pub recipients: Vec<String>,
    /// A group to send to (its ID or name); repeat for several.
    #[arg(short = 'g', long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    /// The text (with files: the caption of the first). Without -m and without files the text
    /// is read from standard input.
    #[arg(short, long, value_name = "TEXT")]
    pub message: Option<String>,
    /// Attach a file (at most 10 MB; repeat for several, each goes as its own message).
    #[arg(short = 'a', long = "attach", value_name = "FILE")]
    pub attach: Vec<std::path::PathBuf>,
    /// Give up waiting for the network's acknowledgement after this many seconds (the message
    /// stays queued and is sent the next time the profile is online).
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub timeout: u64,
}

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

#[derive(Debug, Args)]
pub struct PeerArg {
    /// A conversation: a Session ID or group ID, or a contact's or group's name.
    #[arg(value_name = "PEER")]
    pub peer: String,
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// A local message id (from history or receive).
    #[arg(value_name = "ID")]
    pub id: i64,
}

/// `"type": "sent"`: a message the network acknowledged (or `state` says how far it got).
#[derive(Debug, Serialize)]
pub struct SentRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub id: i64,
    pub to: String,
    pub state: &'static str,
    pub sent_at: i64,
    /// The attached file's name (null for text).
    pub file_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The message id (from receive or history).
    #[arg(value_name = "ID")]
    pub id: i64,
    /// Which attachment of the message.
    #[arg(long, default_value_t = 0)]
    pub index: u32,
    /// Where to save: a file, or a directory to save under the attachment's name (default: the
    /// current directory).
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<std::path::PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub timeout: u64,
}

fn read_body(arg: Option<String>) -> Result<String> {
    let body = match arg {
        Some(t) if t != "-" => t,
        _ => {
            if std::io::stdin().is_terminal() {
                eprintln!("Type the message, then Ctrl-D:");
            }
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| CliError::io("reading the message from standard input", e))?;
            s.trim_end_matches('\n').to_string()
        }
    };
    if body.trim().is_empty() {
        return Err(CliError::invalid("the message is empty"));
    }
    Ok(body)
}

/// Wait until message `id` leaves the `sending` state, handing events to `on_event`.
fn wait_sent(ctx: &Ctx, s: &Session, id: i64, deadline: Instant, mut on_event: impl FnMut(&Event)) -> Result<Message> {
    loop {
        let m = s.client.message(id)?;
        if m.state != MessageState::Sending {
            return Ok(m);
        }
        ctx.check_interrupted()?;
        if Instant::now() >= deadline {
            return Ok(m);
        }
        if let Some(e) = s.next_event(Duration::from_millis(50)) {
            on_event(&e);
        }
    }
}

/// Read the files to attach (refusing missing or oversized ones before anything is queued).
fn read_files(paths: &[std::path::PathBuf], caption: Option<String>) -> Result<Vec<OutgoingFile>> {
    let mut files = paths.iter().map(|p| OutgoingFile::from_path(p).map_err(CliError::from)).collect::<Result<Vec<_>>>()?;
    if let Some(first) = files.first_mut() {
        first.caption = caption;
    }
    Ok(files)
}

pub fn send(ctx: &Ctx, a: SendArgs) -> Result<()> {
    let s = ctx.open(Use::Network)?;
    let (body, files) = if a.attach.is_empty() {
        (Some(read_body(a.message)?), vec![])
    } else {
        let caption = match a.message {
            Some(m) if m == "-" => Some(read_body(None)?),
            other => other.filter(|m| !m.trim().is_empty()),
        };
        (None, read_files(&a.attach, caption)?)
    };
    // Resolve every recipient before queueing anything: a typo must not leave a partial send.
    let targets = resolve_targets(&s.client, &a.recipients, &a.groups)?;
    let mut queued = vec![];
    // A group joined moments ago has no keys yet: its messages are queued once the first poll
    // brought them.
    let mut later = vec![];
    for to in targets {
        if can_queue(&s.client, &to)? {
            queued.extend(queue(&s.client, &to, body.as_deref(), &files)?);
        } else {
            later.push(to);
        }
    }
    s.start()?;
    let deadline = Instant::now() + Duration::from_secs(a.timeout);
    s.wait_ready(ctx, Some(Duration::from_secs(a.timeout)), |_| {})?;
    for to in later {
        queued.extend(queue_when_ready(&s.client, &to, body.as_deref(), &files, deadline, || {
            ctx.check_interrupted()?;
            s.next_event(Duration::from_millis(100));
            Ok(())
        })?);
    }
    let mut names = Names::new(&s.client);
    let mut unsent = vec![];
    let mut progress = Progress::new(&ctx.out);
    for (to, id, file_name) in queued {
        let label = file_name.clone().unwrap_or_default();
        let m = wait_sent(ctx, &s, id, deadline, |e| {
            if let Event::AttachmentProgress { message_id, upload: true, done, total, .. } = e {
                if *message_id == id {
                    progress.update(&label, *done, *total);
                }
            }
        })?;
        progress.finish();
        let rec = SentRecord { ty: "sent", id, to: to.clone(), state: m.state.as_str(), sent_at: m.sent_ts, file_name: file_name.clone() };
        if ctx.out.json {
            ctx.out.record(&rec);
        } else {
            let who = names.name_of(&to).map(|n| format!("{n} ({})", short_id(&to))).unwrap_or(to.clone());
            let what = file_name.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
            match m.state {
                MessageState::Sent => ctx.out.line(format!("{}{what} to {who} (message {id})", ctx.out.green("Sent"))),
                _ => ctx.out.line(format!("{}{what} to {who} (message {id}): {}", ctx.out.yellow("Queued"), m.state.as_str())),
            }
        }
        match m.state {
            MessageState::Sent => {}
            MessageState::Failed => {
                return Err(CliError::sdk(ErrorKind::Network, format!("message {id} to {to} failed; `session-cli resend {id}` retries it")))
            }
            _ => unsent.push(id),
        }
    }
    if !unsent.is_empty() {
        let why = s.last_warning().map(|w| format!(" (last problem: {w})")).unwrap_or_default();
        return Err(CliError::sdk(
            ErrorKind::Timeout,
            format!(
                "no acknowledgement from the network within {}s for message(s) {unsent:?}{why}; they stay queued and are sent the next time this profile is online",
                a.timeout
            ),
        ));
    }
    let _ = s.client.stop();
    Ok(())
}

/// Resolve `send` recipients (conversations) and `--group` arguments; refuse groups we cannot
/// send to.
fn resolve_targets(client: &Client, recipients: &[String], group_args: &[String]) -> Result<Vec<String>> {
    let mut targets = recipients.iter().map(|r| resolve_conversation(client, r)).collect::<Result<Vec<_>>>()?;
    for g in group_args {
        targets.push(resolve_group(client, g)?.id);
    }
    for t in &targets {
        check_sendable(client, t)?;
    }
    Ok(targets)
}

/// Queue a text (`body`) or each of `files` to `to`: (recipient, message id, file name).
fn queue(client: &Client, to: &str, body: Option<&str>, files: &[OutgoingFile]) -> Result<Vec<(String, i64, Option<String>)>> {
    match body {
        Some(b) => Ok(vec![(to.to_string(), client.send_text(to, b)?, None)]),
        None => files.iter().map(|f| Ok((to.to_string(), client.send_file(to, f.clone())?, f.file_name.clone()))).collect(),
    }
}

/// Queue to a group once its keys are here (the running client's poll brings them); `wait`
/// lets the caller handle events and interruptions. NOT_RUNNING after the deadline.
fn queue_when_ready(
    client: &Client,
    to: &str,
    body: Option<&str>,
    files: &[OutgoingFile],
    deadline: Instant,
    mut wait: impl FnMut() -> Result<()>,
) -> Result<Vec<(String, i64, Option<String>)>> {
    loop {
        if can_queue(client, to)? {
            match queue(client, to, body, files) {
                Err(e) if e.kind == Kind::Sdk(ErrorKind::NotRunning) && Instant::now() < deadline => {}
                other => return other,
            }
        } else if Instant::now() >= deadline {
            return Err(CliError::sdk(ErrorKind::NotRunning, format!("the keys of group {to} have not arrived; nothing was sent to it")));
        }
        wait()?;
    }
}

/// Every incoming unread message, oldest first.
pub fn unread_messages(client: &Client) -> Result<Vec<Message>> {
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

// ---- group invites and changes in `receive` ------------------------------------------------

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

fn print_invite(ctx: &Ctx, names: &mut Names, group_id: &str, name: &str, inviter: Option<&str>) {
    if ctx.out.json {
        ctx.out.record(&group_invite_record(names, group_id, name, inviter));
    } else {
        ctx.out.line(invite_line(&ctx.out, names, group_id, Some(name), inviter));
    }
}

fn print_message(ctx: &Ctx, r: &MessageRecord) {
    if ctx.out.json {
        ctx.out.record(r);
    } else {
        ctx.out.line(message_line(&ctx.out, r));
    }
}

/// Poll interval of a one-shot `receive`: it runs for a few polls only.
const RECEIVE_POLL: Duration = Duration::from_millis(1000);

pub fn receive(ctx: &Ctx, a: ReceiveArgs) -> Result<()> {
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

pub fn conversations_records(client: &Client) -> Result<Vec<crate::records::ConversationRecord>> {
    let mut names = Names::new(client);
    Ok(client.conversations()?.iter().map(|c| names.conversation(c)).collect())
}

pub fn conversations(ctx: &Ctx) -> Result<()> {
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

/// One page of a conversation, oldest first.
pub fn history_records(client: &Client, peer: &str, before: i64, limit: u32) -> Result<Vec<MessageRecord>> {
    if limit == 0 || limit > 1000 {
        return Err(CliError::invalid("the page size is 1 to 1000 messages"));
    }
    let conv = resolve_conversation(client, peer)?;
    let mut names = Names::new(client);
    let mut page: Vec<MessageRecord> = client.history(&conv, before, limit)?.iter().map(|m| names.message(m)).collect();
    page.reverse();
    Ok(page)
}

pub fn history(ctx: &Ctx, a: HistoryArgs) -> Result<()> {
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

pub fn mark_read(ctx: &Ctx, a: PeerArg) -> Result<()> {
    let s = ctx.open(Use::Local)?;
    let conv = resolve_conversation(&s.client, &a.peer)?;
    let n = s.client.mark_read(&conv, 0)?;
    done(ctx, "marked_read", json!({"conversation": conv, "count": n}), &format!("Marked {n} message(s) read."));
    Ok(())
}

pub fn resend(ctx: &Ctx, a: IdArg) -> Result<()> {
    let s = ctx.open(Use::Network)?;
    s.client.resend(a.id)?;
    s.start()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    s.wait_ready(ctx, Some(Duration::from_secs(60)), |_| {})?;
    let m = wait_sent(ctx, &s, a.id, deadline, |_| {})?;
    let _ = s.client.stop();
    if m.state != MessageState::Sent {
        return Err(CliError::sdk(ErrorKind::Timeout, format!("message {} is still {}", a.id, m.state.as_str())));
    }
    done(ctx, "resent", json!({"id": a.id}), &format!("Resent message {}.", a.id));
    Ok(())
}

/// A file name safe to create: the last path component of the sender's name, without leading dots.
fn safe_file_name(name: Option<&str>, id: i64, index: u32) -> String {
    name.and_then(|n| std::path::Path::new(n).file_name())
        .map(|n| n.to_string_lossy().trim_start_matches('.').to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("attachment-{id}-{index}"))
}

/// `"type": "downloaded"`.
#[derive(Debug, Serialize)]
pub struct DownloadedRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub id: i64,
    pub index: u32,
    pub path: String,
    pub size: u64,
}

pub fn download(ctx: &Ctx, a: DownloadArgs) -> Result<()> {
    let s = ctx.open(Use::Network)?;
    let m = s.client.message(a.id)?;
    let att = m
        .attachments
        .iter()
        .find(|f| f.index == a.index)
        .ok_or_else(|| CliError::not_found(format!("message {} has no attachment {}", a.id, a.index)))?;
    let name = safe_file_name(att.file_name.as_deref(), a.id, a.index);
    let dest = match a.output {
        Some(p) if p.is_dir() => p.join(&name),
        Some(p) => p,
        None => std::path::PathBuf::from(&name),
    };
    if dest.exists() && !a.force {
        return Err(CliError::invalid(format!("{} exists; --force replaces it", dest.display())));
    }
    s.start()?;
    let deadline = Instant::now() + Duration::from_secs(a.timeout);
    s.wait_ready(ctx, Some(Duration::from_secs(a.timeout)), |_| {})?;
    s.client.start_download(a.id, a.index, Some(dest.clone()))?;
    let mut progress = Progress::new(&ctx.out);
    loop {
        ctx.check_interrupted()?;
        if Instant::now() >= deadline {
            let _ = s.client.cancel_transfer(a.id, a.index);
            return Err(CliError::sdk(ErrorKind::Timeout, format!("the download did not finish within {}s", a.timeout)));
        }
        match s.next_event(Duration::from_millis(100)) {
            Some(Event::AttachmentProgress { message_id, index, upload: false, done, total }) if message_id == a.id && index == a.index => {
                progress.update(&name, done, total)
            }
            Some(Event::AttachmentDone { message_id, index, upload: false, .. }) if message_id == a.id && index == a.index => break,
            Some(Event::AttachmentFailed { message_id, index, upload: false, error, .. }) if message_id == a.id && index == a.index => {
                return Err(CliError::sdk(ErrorKind::Network, format!("downloading attachment {} of message {}: {error}", a.index, a.id)));
            }
            _ => {}
        }
    }
    progress.finish();
    let _ = s.client.stop();
    let size = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(att.size);
    let rec = DownloadedRecord { ty: "downloaded", id: a.id, index: a.index, path: dest.display().to_string(), size };
    if ctx.out.json {
        ctx.out.record(&rec);
    } else {
        ctx.out.line(format!("Saved {} ({}) to {}", name, human_size(size), rec.path));
    }
    Ok(())
}

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

pub fn rpc_conversations(d: &DaemonCtx, _p: &Params) -> Result<Value> {
    to_value(&conversations_records(&d.session.client)?)
}

pub fn rpc_history(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let peer = p.req_str("peer")?;
    let limit = p.opt_u32("limit")?.unwrap_or(20);
    let before = p.opt_i64("before")?.unwrap_or(0);
    to_value(&history_records(&d.session.client, &peer, before, limit)?)
}

pub fn rpc_mark_read(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let conv = resolve_conversation(&d.session.client, &p.req_str("peer")?)?;
    let n = d.session.client.mark_read(&conv, p.opt_i64("up_to")?.unwrap_or(0))?;
    Ok(json!({"conversation": conv, "count": n}))
}

pub fn rpc_message(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let m = d.session.client.message(p.req_i64("id")?)?;
    to_value(&Names::new(&d.session.client).message(&m))
}

pub fn rpc_download(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let id = p.req_i64("id")?;
    let index = p.opt_u32("index")?.unwrap_or(0);
    let path = std::path::PathBuf::from(p.req_str("path")?);
    d.session.client.save_attachment(id, index, &path)?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    to_value(&DownloadedRecord { ty: "downloaded", id, index, path: path.display().to_string(), size })
}

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

pub fn rpc_resend(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let id = p.req_i64("id")?;
    d.session.client.resend(id)?;
    Ok(json!({"id": id}))
}

pub fn rpc_send(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let recipients = p.opt_str_list("to")?;
    let group_args = p.opt_str_list("group")?;
    if recipients.is_empty() && group_args.is_empty() {
        return Err(CliError::usage("missing \"to\" (a Session ID, group ID, name, or an array of them) or \"group\""));
    }
    let files: Vec<std::path::PathBuf> = match p.get("attachments") {
        None => vec![],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str().map(std::path::PathBuf::from).ok_or_else(|| CliError::usage("\"attachments\" must be an array of file paths"))
            })
            .collect::<Result<_>>()?,
        Some(_) => return Err(CliError::usage("\"attachments\" must be an array of file paths")),
    };
    let text = if files.is_empty() { Some(p.req_str("text")?) } else { p.opt_str("text")? };
    let files = read_files(&files, text.clone().filter(|t| !t.trim().is_empty()))?;
    let wait = p.opt_bool("wait")?.unwrap_or(false);
    let timeout = Duration::from_secs(p.opt_i64("timeout")?.unwrap_or(60).clamp(0, 3600) as u64);
    let client = &d.session.client;
    let targets = resolve_targets(client, &recipients, &group_args)?;
    let deadline = Instant::now() + timeout;
    let body = if files.is_empty() { Some(text.as_deref().unwrap_or_default()) } else { None };
    let mut ids = vec![];
    for to in targets {
        // The running client brings a just-joined group's keys with its next poll.
        ids.extend(queue_when_ready(client, &to, body, &files, deadline, || {
            std::thread::sleep(Duration::from_millis(100));
            Ok(())
        })?);
    }
    let mut out = vec![];
    for (to, id, file_name) in ids {
        let mut m = client.message(id)?;
        while wait && m.state == MessageState::Sending && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            m = client.message(id)?;
        }
        out.push(SentRecord { ty: "sent", id, to, state: m.state.as_str(), sent_at: m.sent_ts, file_name });
    }
    let single = |k: &str| p.get(k).is_some_and(Value::is_string);
    if out.len() == 1 && (single("to") || single("group")) && recipients.len() + group_args.len() == 1 {
        to_value(&out[0])
    } else {
        to_value(&out)
    }
}
