//! Terminal rendering shared by several commands: message lines, short IDs, names of people and
//! groups, and the `done` report of a change. What only one command prints stays in its module;
//! the primitives (colours, tables, times) are in [`crate::output`].

use crate::output::{human_size, local_time, one_line, Output};
use crate::records::{is_group_id, MessageRecord, Names};
use crate::session::Ctx;
use serde_json::Value;
use session_sdk::client::GroupSummary;

/// Report a change: `{"type":"done","action":...,<fields>}` with `--json`, else `text`.
pub fn done(ctx: &Ctx, action: &str, fields: Value, text: &str) {
    if ctx.out.json {
        let mut obj = serde_json::Map::new();
        obj.insert("type".into(), "done".into());
        obj.insert("action".into(), action.into());
        if let Value::Object(m) = fields {
            obj.extend(m);
        }
        ctx.out.record(&Value::Object(obj));
    } else {
        ctx.out.line(text);
    }
}

/// A long ID shortened for people: `05abcdef…1234`.
pub fn short_id(id: &str) -> String {
    if id.len() > 14 {
        format!("{}…{}", &id[..8], &id[id.len() - 4..])
    } else {
        id.to_string()
    }
}

/// One message as a line for people.
pub fn message_line(out: &Output, r: &MessageRecord) -> String {
    let who = if r.outgoing {
        out.cyan("me")
    } else {
        match &r.sender_name {
            Some(n) => format!("{} ({})", out.bold(n), short_id(&r.sender)),
            None => out.bold(&r.sender),
        }
    };
    let group = r.group_name.clone().unwrap_or_else(|| short_id(&r.conversation));
    let to = match (r.outgoing, is_group_id(&r.conversation)) {
        (true, false) => format!(" → {}", short_id(&r.conversation)),
        (true, true) => format!(" → {}", out.bold(&group)),
        (false, true) => format!(" in {}", out.bold(&group)),
        (false, false) => String::new(),
    };
    let mark = match (r.is_request, r.state) {
        (true, _) => format!(" {}", out.yellow("[request]")),
        (_, "sending") => format!(" {}", out.dim("[sending]")),
        (_, "failed") => format!(" {}", out.red("[failed]")),
        _ => String::new(),
    };
    let files: String = r
        .attachments
        .iter()
        .map(|f| format!("  [file #{}: {}, {}]", f.index, f.file_name.as_deref().unwrap_or("unnamed"), human_size(f.size)))
        .collect();
    format!(
        "{}  {}{}{}  {}{}",
        out.dim(&local_time(r.sent_at)),
        who,
        to,
        mark,
        one_line(r.body.as_deref().unwrap_or(""), 2000),
        out.cyan(&files)
    )
}

/// `Name (03ab…1234)`, or the ID of a group without a name.
pub fn group_label(g: &GroupSummary) -> String {
    match g.name.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => format!("{n} ({})", short_id(&g.id)),
        None => g.id.clone(),
    }
}

/// `Name (05ab…1234)` of a Session ID (or group ID) whose name is known, else the ID.
pub fn who(names: &mut Names, id: &str) -> String {
    match names.name_of(id) {
        Some(n) => format!("{n} ({})", short_id(id)),
        None => id.to_string(),
    }
}

/// [`who`] of each, comma-separated.
pub fn who_list(names: &mut Names, ids: &[String]) -> String {
    ids.iter().map(|id| who(names, id)).collect::<Vec<_>>().join(", ")
}
