//! `send`: a text or files to people and groups, waiting for the network's acknowledgement;
//! `resend`: a failed message again.

use super::IdArg;
use crate::error::{CliError, Kind, Result};
use crate::output::Progress;
use crate::records::Names;
use crate::render::{done, short_id};
use crate::resolve::{can_queue, check_sendable, resolve_conversation, resolve_group};
use crate::rpc::{to_value, DaemonCtx, Params};
use crate::session::{Ctx, Session, Use};
use clap::Args;
use serde::Serialize;
use serde_json::{json, Value};
use session_sdk::client::{Client, Event, OutgoingFile};
use session_sdk::client::{Message, MessageState};
use session_sdk::ErrorKind;
use std::io::{IsTerminal, Read};
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

/// Read the files to attach (refusing missing or oversized ones before anything is queued).
fn read_files(paths: &[std::path::PathBuf], caption: Option<String>) -> Result<Vec<OutgoingFile>> {
    let mut files = paths.iter().map(|p| OutgoingFile::from_path(p).map_err(CliError::from)).collect::<Result<Vec<_>>>()?;
    if let Some(first) = files.first_mut() {
        first.caption = caption;
    }
    Ok(files)
}

pub fn run(ctx: &Ctx, a: SendArgs) -> Result<()> {
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

// ---- JSON-RPC (listed in daemon/methods.rs) -------------------------------------------------

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

pub fn rpc_resend(d: &DaemonCtx, p: &Params) -> Result<Value> {
    let id = p.req_i64("id")?;
    d.session.client.resend(id)?;
    Ok(json!({"id": id}))
}
