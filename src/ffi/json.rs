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
#[path = "json_tests.rs"]
mod tests;
