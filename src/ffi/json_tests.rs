//! Each document, fully populated and with every optional field empty, checked against its
//! table in docs/abi-json.md: the same field names, and every value of the documented type.

use super::*;
use crate::client::LogLevel;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const DOC: &str = include_str!("../../docs/abi-json.md");

/// Field → type, per document (`## name` or, for events, `### event: kind`).
fn documented() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in DOC.lines() {
        if let Some(h) = line.strip_prefix("### ").or_else(|| line.strip_prefix("## ")) {
            current = h.strip_prefix('`').and_then(|h| h.split('`').next()).map(str::to_owned);
            continue;
        }
        let (Some(doc), Some(row)) = (&current, line.strip_prefix("| `")) else { continue };
        let mut cells = row.split(" | ");
        let field = cells.next().unwrap().trim_end_matches('`');
        let ty = cells.next().unwrap_or_else(|| panic!("{doc}.{field}: no type")).trim();
        out.entry(doc.clone()).or_default().insert(field.to_string(), ty.to_string());
    }
    out
}

/// Whether `v` is of documented type `ty`: integer, boolean, string, one of "a", "b", …,
/// array of T, a document name, each optionally followed by " or null".
fn check(docs: &BTreeMap<String, BTreeMap<String, String>>, path: &str, ty: &str, v: &Value) {
    if let Some(inner) = ty.strip_suffix(" or null") {
        if !v.is_null() {
            check(docs, path, inner, v);
        }
        return;
    }
    match ty {
        "integer" => assert!(v.is_i64() || v.is_u64(), "{path}: {v} is not an integer"),
        "boolean" => assert!(v.is_boolean(), "{path}: {v} is not a boolean"),
        "string" => assert!(v.is_string(), "{path}: {v} is not a string"),
        _ if ty.starts_with("one of ") => {
            let allowed: Vec<&str> = ty["one of ".len()..].split(", ").map(|s| s.trim_matches('"')).collect();
            assert!(v.as_str().is_some_and(|s| allowed.contains(&s)), "{path}: {v} is not one of {allowed:?}");
        }
        _ if ty.starts_with("array of ") => {
            let items = v.as_array().unwrap_or_else(|| panic!("{path}: {v} is not an array"));
            assert!(!items.is_empty(), "{path}: the sample must fill arrays so their items are checked");
            for (i, item) in items.iter().enumerate() {
                check(docs, &format!("{path}[{i}]"), &ty["array of ".len()..], item);
            }
        }
        name => check_doc(docs, path, name, v),
    }
}

fn check_doc(docs: &BTreeMap<String, BTreeMap<String, String>>, path: &str, name: &str, v: &Value) {
    let fields = docs.get(name).unwrap_or_else(|| panic!("{path}: type `{name}` is not documented"));
    let obj = v.as_object().unwrap_or_else(|| panic!("{path}: {v} is not an object"));
    let have: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
    let want: BTreeSet<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(have, want, "{path}: fields of `{name}` differ from docs/abi-json.md");
    for (field, ty) in fields {
        check(docs, &format!("{path}.{field}"), ty, &obj[field]);
    }
}

fn json<T: Serialize>(doc: &T) -> Value {
    serde_json::from_str(&to_string(doc).unwrap()).unwrap()
}

const ID: &str = "05aa";

fn attachment(full: bool, state: AttachmentState) -> AttachmentInfo {
    let s = |v: &str| full.then(|| v.to_string());
    AttachmentInfo {
        index: 0,
        file_name: s("a.jpg"),
        content_type: s("image/jpeg"),
        size: 10,
        voice_note: false,
        width: full.then_some(4),
        height: full.then_some(3),
        caption: s("c"),
        url: s("http://f/file/1"),
        state,
    }
}

fn message(full: bool, state: MessageState) -> Message {
    Message {
        id: 1,
        conversation: ID.into(),
        outgoing: true,
        sender: ID.into(),
        body: full.then(|| "hi".into()),
        sent_ts: 1,
        received_ts: 2,
        state,
        read: false,
        server_hash: full.then(|| "h".into()),
        extra: full.then(|| "{}".into()),
        attachments: vec![attachment(full, AttachmentState::Remote)],
    }
}

fn contact(full: bool) -> Contact {
    let s = |v: &str| full.then(|| v.to_string());
    Contact {
        session_id: ID.into(),
        display_name: s("A"),
        nickname: s("a"),
        approved: true,
        approved_me: false,
        blocked: false,
        profile_picture: s("http://f/file/2"),
        created_at: 3,
    }
}

fn group(full: bool, state: GroupState) -> GroupSummary {
    GroupSummary {
        id: "03bb".into(),
        name: full.then(|| "g".into()),
        description: full.then(|| "d".into()),
        state,
        is_admin: true,
        member_count: 2,
        inviter: full.then(|| ID.into()),
    }
}

fn events(full: bool) -> Vec<Event> {
    let s = |v: &str| full.then(|| v.to_string());
    let all = vec![
        Event::MessageReceived { message: message(full, MessageState::Received), is_request: true },
        Event::MessageSynced { message: message(full, MessageState::Sent) },
        Event::MessageState { message_id: 1, conversation: ID.into(), state: MessageState::Sent },
        Event::MessageRequest { session_id: ID.into(), message_id: 1 },
        Event::ContactChanged { session_id: ID.into() },
        Event::CaughtUp,
        Event::ConversationRead { conversation: ID.into(), up_to_ts: 5 },
        Event::ProfileChanged { display_name: s("A") },
        Event::Connection { ready: true },
        Event::AttachmentProgress { message_id: 1, index: 0, upload: true, done: 1, total: 2 },
        Event::AttachmentDone { message_id: 1, index: 0, upload: false, path: s("/tmp/x") },
        Event::AttachmentFailed {
            message_id: 1,
            index: 0,
            upload: true,
            error: "e".into(),
            error_kind: "NETWORK".into(),
            will_retry: true,
        },
        Event::GroupInvite { group_id: "03bb".into(), name: "g".into(), inviter: ID.into() },
        Event::GroupUpdate { group_id: "03bb".into(), change: GroupChange::Renamed, members: vec![ID.into()], actor: s(ID) },
        Event::BackupProgress { restore: false, done: 1, total: 2 },
        Event::Log { level: LogLevel::Warn, message: "m".into() },
    ];
    // Adding an event kind breaks this match: add a sample above and a table to the doc.
    for e in &all {
        match e {
            Event::MessageReceived { .. }
            | Event::MessageSynced { .. }
            | Event::MessageState { .. }
            | Event::MessageRequest { .. }
            | Event::ContactChanged { .. }
            | Event::CaughtUp
            | Event::ConversationRead { .. }
            | Event::ProfileChanged { .. }
            | Event::Connection { .. }
            | Event::AttachmentProgress { .. }
            | Event::AttachmentDone { .. }
            | Event::AttachmentFailed { .. }
            | Event::GroupInvite { .. }
            | Event::GroupUpdate { .. }
            | Event::BackupProgress { .. }
            | Event::Log { .. } => {}
        }
    }
    all
}

#[test]
fn every_document_matches_its_description() {
    let docs = documented();
    for full in [true, false] {
        check_doc(&docs, "contact", "contact", &json(&ContactJson::from(&contact(full))));
        check_doc(
            &docs,
            "group_member",
            "group_member",
            &json(&GroupMemberJson::from(&GroupMemberInfo {
                session_id: ID.into(),
                name: String::new(),
                admin: false,
                invite_pending: true,
                removed: false,
            })),
        );
        let c = Conversation {
            id: ID.into(),
            kind: ConversationKind::Direct,
            created_at: 1,
            last_activity: 2,
            unread: 0,
            is_request: false,
            last_message: full.then(|| message(full, MessageState::Sent)),
        };
        check_doc(&docs, "conversation", "conversation", &json(&ConversationJson::from(&c)));
    }
    let b = BackupInfo {
        session_id: ID.into(),
        created_at: 1,
        sdk_version: "0.1.0".into(),
        messages: 2,
        conversations: 1,
        contacts: 1,
        groups: 0,
        attachments: 1,
        files: 1,
        database_bytes: 4096,
        file_bytes: 10,
    };
    check_doc(&docs, "backup_info", "backup_info", &json(&BackupInfoJson::from(&b)));
}

#[test]
fn every_state_and_enum_value_is_documented() {
    let docs = documented();
    for state in [MessageState::Sending, MessageState::Sent, MessageState::Failed, MessageState::Received] {
        for full in [true, false] {
            check_doc(&docs, "message", "message", &json(&MessageJson::from(&message(full, state))));
        }
    }
    for state in [
        AttachmentState::PendingUpload,
        AttachmentState::Uploaded,
        AttachmentState::UploadFailed,
        AttachmentState::Remote,
        AttachmentState::Downloaded,
    ] {
        for full in [true, false] {
            check_doc(&docs, "attachment", "attachment", &json(&AttachmentJson::from(&attachment(full, state))));
        }
    }
    for state in [GroupState::Invited, GroupState::Joined, GroupState::Kicked, GroupState::Left] {
        for full in [true, false] {
            check_doc(&docs, "group", "group", &json(&GroupJson::from(&group(full, state))));
        }
    }
    let changes = [
        GroupChange::Created,
        GroupChange::Joined,
        GroupChange::MembersAdded,
        GroupChange::MembersRemoved,
        GroupChange::MemberLeft,
        GroupChange::Promoted,
        GroupChange::Renamed,
        GroupChange::DescriptionChanged,
        GroupChange::InviteAccepted,
        GroupChange::Kicked,
        GroupChange::Left,
        GroupChange::Ready,
    ];
    for change in changes {
        let e = Event::GroupUpdate { group_id: "03bb".into(), change, members: vec![ID.into()], actor: None };
        check_doc(&docs, "event", "event: group_update", &json(&EventJson::from(&e)));
    }
    for level in [LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error, LogLevel::Off] {
        let e = Event::Log { level, message: "m".into() };
        check_doc(&docs, "event", "event: log", &json(&EventJson::from(&e)));
    }
}

#[test]
fn every_event_kind_is_documented_and_every_documented_kind_exists() {
    let docs = documented();
    let mut seen = BTreeSet::new();
    for full in [true, false] {
        for e in events(full) {
            let v = json(&EventJson::from(&e));
            let kind = v["kind"].as_str().expect("kind").to_string();
            check_doc(&docs, &kind, &format!("event: {kind}"), &v);
            seen.insert(format!("event: {kind}"));
        }
    }
    let documented: BTreeSet<String> = docs.keys().filter(|k| k.starts_with("event: ")).cloned().collect();
    assert_eq!(seen, documented, "event kinds in code and in docs/abi-json.md");
}

#[test]
fn arrays_are_documents_in_order() {
    let cs = [contact(true), contact(false)];
    let v: Value = serde_json::from_str(&array::<Contact, ContactJson>(&cs).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["nickname"], "a");
    assert!(v[1]["nickname"].is_null());
}
