//! The JSON documents of the C ABI (`ssdk_client_*_json`, `ssdk_event_json`): types of their
//! own, converted from the client's types field by field, so that nothing inside the SDK (a
//! database column, a Rust field) changes what a C, Python or Go caller parses.
//!
//! Every document is described in docs/abi-json.md (fields, types, optionality); the tests at
//! the bottom fail when a document and its description disagree. Fields are only ever added.

use crate::client::{
    AttachmentInfo, AttachmentState, BackupInfo, Contact, Conversation, ConversationKind, Event, GroupChange, GroupMemberInfo, GroupState,
    GroupSummary, Message, MessageState,
};
use serde::Serialize;

/// `contact`: an entry of `ssdk_client_contacts_json`, `_requests_json`, `_blocked_json`.
#[derive(Serialize)]
pub(crate) struct ContactJson<'a> {
    session_id: &'a str,
    display_name: Option<&'a str>,
    nickname: Option<&'a str>,
    approved: bool,
    approved_me: bool,
    blocked: bool,
    profile_picture: Option<&'a str>,
    created_at: i64,
}

impl<'a> From<&'a Contact> for ContactJson<'a> {
    fn from(c: &'a Contact) -> Self {
        ContactJson {
            session_id: &c.session_id,
            display_name: c.display_name.as_deref(),
            nickname: c.nickname.as_deref(),
            approved: c.approved,
            approved_me: c.approved_me,
            blocked: c.blocked,
            profile_picture: c.profile_picture.as_deref(),
            created_at: c.created_at,
        }
    }
}

fn message_state(s: MessageState) -> &'static str {
    match s {
        MessageState::Sending => "sending",
        MessageState::Sent => "sent",
        MessageState::Failed => "failed",
        MessageState::Received => "received",
    }
}

fn attachment_state(s: AttachmentState) -> &'static str {
    match s {
        AttachmentState::PendingUpload => "pending_upload",
        AttachmentState::Uploaded => "uploaded",
        AttachmentState::UploadFailed => "upload_failed",
        AttachmentState::Remote => "remote",
        AttachmentState::Downloaded => "downloaded",
    }
}

fn conversation_kind(k: ConversationKind) -> &'static str {
    match k {
        ConversationKind::Direct => "direct",
        ConversationKind::Group => "group",
    }
}

fn group_state(s: GroupState) -> &'static str {
    match s {
        GroupState::Invited => "invited",
        GroupState::Joined => "joined",
        GroupState::Kicked => "kicked",
        GroupState::Left => "left",
    }
}

/// The name of a group change, as `SSDK_EVENT_GROUP_UPDATE`'s text and JSON give it.
pub(crate) fn group_change(c: GroupChange) -> &'static str {
    match c {
        GroupChange::Created => "created",
        GroupChange::Joined => "joined",
        GroupChange::MembersAdded => "members_added",
        GroupChange::MembersRemoved => "members_removed",
        GroupChange::MemberLeft => "member_left",
        GroupChange::Promoted => "promoted",
        GroupChange::Renamed => "renamed",
        GroupChange::DescriptionChanged => "description_changed",
        GroupChange::InviteAccepted => "invite_accepted",
        GroupChange::Kicked => "kicked",
        GroupChange::Left => "left",
        GroupChange::Ready => "ready",
    }
}

/// `attachment`: an entry of a message's `attachments`.
#[derive(Serialize)]
pub(crate) struct AttachmentJson<'a> {
    index: u32,
    file_name: Option<&'a str>,
    content_type: Option<&'a str>,
    size: u64,
    voice_note: bool,
    width: Option<u32>,
    height: Option<u32>,
    caption: Option<&'a str>,
    url: Option<&'a str>,
    state: &'static str,
}

impl<'a> From<&'a AttachmentInfo> for AttachmentJson<'a> {
    fn from(a: &'a AttachmentInfo) -> Self {
        AttachmentJson {
            index: a.index,
            file_name: a.file_name.as_deref(),
            content_type: a.content_type.as_deref(),
            size: a.size,
            voice_note: a.voice_note,
            width: a.width,
            height: a.height,
            caption: a.caption.as_deref(),
            url: a.url.as_deref(),
            state: attachment_state(a.state),
        }
    }
}

/// `message`: `ssdk_client_message_json`, entries of `ssdk_client_history_json`, a
/// conversation's `last_message`, and the `message` of message events.
#[derive(Serialize)]
pub(crate) struct MessageJson<'a> {
    id: i64,
    conversation: &'a str,
    outgoing: bool,
    sender: &'a str,
    body: Option<&'a str>,
    sent_ts: i64,
    received_ts: i64,
    state: &'static str,
    read: bool,
    server_hash: Option<&'a str>,
    extra: Option<&'a str>,
    attachments: Vec<AttachmentJson<'a>>,
}

impl<'a> From<&'a Message> for MessageJson<'a> {
    fn from(m: &'a Message) -> Self {
        MessageJson {
            id: m.id,
            conversation: &m.conversation,
            outgoing: m.outgoing,
            sender: &m.sender,
            body: m.body.as_deref(),
            sent_ts: m.sent_ts,
            received_ts: m.received_ts,
            state: message_state(m.state),
            read: m.read,
            server_hash: m.server_hash.as_deref(),
            extra: m.extra.as_deref(),
            attachments: m.attachments.iter().map(AttachmentJson::from).collect(),
        }
    }
}

/// `conversation`: an entry of `ssdk_client_conversations_json`.
#[derive(Serialize)]
pub(crate) struct ConversationJson<'a> {
    id: &'a str,
    kind: &'static str,
    created_at: i64,
    last_activity: i64,
    unread: i64,
    is_request: bool,
    last_message: Option<MessageJson<'a>>,
}

impl<'a> From<&'a Conversation> for ConversationJson<'a> {
    fn from(c: &'a Conversation) -> Self {
        ConversationJson {
            id: &c.id,
            kind: conversation_kind(c.kind),
            created_at: c.created_at,
            last_activity: c.last_activity,
            unread: c.unread,
            is_request: c.is_request,
            last_message: c.last_message.as_ref().map(MessageJson::from),
        }
    }
}

/// `group`: an entry of `ssdk_client_groups_json`.
#[derive(Serialize)]
pub(crate) struct GroupJson<'a> {
    id: &'a str,
    name: Option<&'a str>,
    description: Option<&'a str>,
    state: &'static str,
    is_admin: bool,
    member_count: usize,
    inviter: Option<&'a str>,
}

impl<'a> From<&'a GroupSummary> for GroupJson<'a> {
    fn from(g: &'a GroupSummary) -> Self {
        GroupJson {
            id: &g.id,
            name: g.name.as_deref(),
            description: g.description.as_deref(),
            state: group_state(g.state),
            is_admin: g.is_admin,
            member_count: g.member_count,
            inviter: g.inviter.as_deref(),
        }
    }
}

/// `group_member`: an entry of `ssdk_client_group_members_json`.
#[derive(Serialize)]
pub(crate) struct GroupMemberJson<'a> {
    session_id: &'a str,
    name: &'a str,
    admin: bool,
    invite_pending: bool,
    removed: bool,
}

impl<'a> From<&'a GroupMemberInfo> for GroupMemberJson<'a> {
    fn from(m: &'a GroupMemberInfo) -> Self {
        GroupMemberJson { session_id: &m.session_id, name: &m.name, admin: m.admin, invite_pending: m.invite_pending, removed: m.removed }
    }
}

/// `event`: `ssdk_event_json`, one object per event with a `kind` tag.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum EventJson<'a> {
    MessageReceived { message: MessageJson<'a>, is_request: bool },
    MessageSynced { message: MessageJson<'a> },
    MessageState { message_id: i64, conversation: &'a str, state: &'static str },
    MessageRequest { session_id: &'a str, message_id: i64 },
    ContactChanged { session_id: &'a str },
    CaughtUp,
    ConversationRead { conversation: &'a str, up_to_ts: i64 },
    ProfileChanged { display_name: Option<&'a str> },
    Connection { ready: bool },
    AttachmentProgress { message_id: i64, index: u32, upload: bool, done: u64, total: u64 },
    AttachmentDone { message_id: i64, index: u32, upload: bool, path: Option<&'a str> },
    AttachmentFailed { message_id: i64, index: u32, upload: bool, error: &'a str, error_kind: &'a str, will_retry: bool },
    GroupInvite { group_id: &'a str, name: &'a str, inviter: &'a str },
    GroupUpdate { group_id: &'a str, change: &'static str, members: &'a [String], actor: Option<&'a str> },
    BackupProgress { restore: bool, done: u64, total: u64 },
    Log { level: &'static str, message: &'a str },
}

impl<'a> From<&'a Event> for EventJson<'a> {
    fn from(e: &'a Event) -> Self {
        match e {
            Event::MessageReceived { message, is_request } => {
                EventJson::MessageReceived { message: message.into(), is_request: *is_request }
            }
            Event::MessageSynced { message } => EventJson::MessageSynced { message: message.into() },
            Event::MessageState { message_id, conversation, state } => {
                EventJson::MessageState { message_id: *message_id, conversation, state: message_state(*state) }
            }
            Event::MessageRequest { session_id, message_id } => EventJson::MessageRequest { session_id, message_id: *message_id },
            Event::ContactChanged { session_id } => EventJson::ContactChanged { session_id },
            Event::CaughtUp => EventJson::CaughtUp,
            Event::ConversationRead { conversation, up_to_ts } => EventJson::ConversationRead { conversation, up_to_ts: *up_to_ts },
            Event::ProfileChanged { display_name } => EventJson::ProfileChanged { display_name: display_name.as_deref() },
            Event::Connection { ready } => EventJson::Connection { ready: *ready },
            Event::AttachmentProgress { message_id, index, upload, done, total } => {
                EventJson::AttachmentProgress { message_id: *message_id, index: *index, upload: *upload, done: *done, total: *total }
            }
            Event::AttachmentDone { message_id, index, upload, path } => {
                EventJson::AttachmentDone { message_id: *message_id, index: *index, upload: *upload, path: path.as_deref() }
            }
            Event::AttachmentFailed { message_id, index, upload, error, error_kind, will_retry } => EventJson::AttachmentFailed {
                message_id: *message_id,
                index: *index,
                upload: *upload,
                error,
                error_kind,
                will_retry: *will_retry,
            },
            Event::GroupInvite { group_id, name, inviter } => EventJson::GroupInvite { group_id, name, inviter },
            Event::GroupUpdate { group_id, change, members, actor } => {
                EventJson::GroupUpdate { group_id, change: group_change(*change), members, actor: actor.as_deref() }
            }
            Event::BackupProgress { restore, done, total } => EventJson::BackupProgress { restore: *restore, done: *done, total: *total },
            Event::Log { level, message } => EventJson::Log { level: level.as_str(), message },
        }
    }
}

/// `backup_info`: what `ssdk_client_backup_create`, `ssdk_backup_restore` and
/// `ssdk_backup_inspect` say about a backup.
#[derive(Serialize)]
pub(crate) struct BackupInfoJson<'a> {
    session_id: &'a str,
    created_at: i64,
    sdk_version: &'a str,
    messages: u64,
    conversations: u64,
    contacts: u64,
    groups: u64,
    attachments: u64,
    files: u64,
    database_bytes: u64,
    file_bytes: u64,
}

impl<'a> From<&'a BackupInfo> for BackupInfoJson<'a> {
    fn from(b: &'a BackupInfo) -> Self {
        BackupInfoJson {
            session_id: &b.session_id,
            created_at: b.created_at,
            sdk_version: &b.sdk_version,
            messages: b.messages,
            conversations: b.conversations,
            contacts: b.contacts,
            groups: b.groups,
            attachments: b.attachments,
            files: b.files,
            database_bytes: b.database_bytes,
            file_bytes: b.file_bytes,
        }
    }
}

/// A JSON array of `T` documents made from `items`.
pub(crate) fn array<'a, S: 'a, T: Serialize + From<&'a S>>(items: &'a [S]) -> crate::Result<String> {
    let docs: Vec<T> = items.iter().map(T::from).collect();
    to_string(&docs)
}

/// One document as a JSON string.
pub(crate) fn to_string<T: Serialize + ?Sized>(doc: &T) -> crate::Result<String> {
    serde_json::to_string(doc).map_err(|e| crate::Error::internal(format!("JSON: {e}")))
}

#[cfg(test)]
mod tests {
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
}
