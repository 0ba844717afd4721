//! The JSON objects of `--json` output and of daemon results and notifications. Field names are
//! stable and documented in the README ("JSON output"); every object printed on its own line has
//! a `type`. SDK types are converted here, so a change inside the SDK does not change them.

use serde::Serialize;
use session_sdk::client::{AttachmentInfo, AttachmentState, Contact, Conversation, ConversationKind, GroupState, Message, MessageState};
use session_sdk::client::{BackupInfo, Client, Event};
use session_sdk::client::{GroupChange, GroupMemberInfo, GroupSummary};
use std::collections::HashMap;

/// Whether an ID is a group's (`03…`) rather than a Session ID (`05…`).
pub fn is_group_id(id: &str) -> bool {
    id.starts_with("03")
}

/// A message (`"type": "message"`).
#[derive(Debug, Clone, Serialize)]
pub struct MessageRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// Local message id (for `history --before`, `mark-read`, `resend`).
    pub id: i64,
    /// The conversation: the peer's Session ID (or a group ID).
    pub conversation: String,
    /// Sender's Session ID (ours for outgoing messages).
    pub sender: String,
    /// The sender's nickname or display name, when known.
    pub sender_name: Option<String>,
    pub outgoing: bool,
    pub body: Option<String>,
    /// The sender's timestamp, milliseconds since the epoch.
    pub sent_at: i64,
    /// When this device stored it, milliseconds since the epoch.
    pub received_at: i64,
    /// `sending`, `sent`, `failed` or `received`.
    pub state: &'static str,
    pub read: bool,
    /// An incoming message from someone not yet accepted (a message request; never in groups).
    pub is_request: bool,
    /// Files attached to the message (empty for text).
    pub attachments: Vec<FileRecord>,
    /// The group's name for a message in a group (null in a one-to-one conversation, or while
    /// the group's name is unknown).
    pub group_name: Option<String>,
}

/// An attachment of a message (inside `message.attachments`).
#[derive(Debug, Clone, Serialize)]
pub struct FileRecord {
    /// Position in the message (for `download --index`).
    pub index: u32,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    /// Size in bytes.
    pub size: u64,
    pub voice_note: bool,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub caption: Option<String>,
    /// `pending_upload`, `uploaded`, `upload_failed` (outgoing); `remote`, `downloaded` (incoming).
    pub state: &'static str,
}

pub fn file_record(a: &AttachmentInfo) -> FileRecord {
    FileRecord {
        index: a.index,
        file_name: a.file_name.clone(),
        content_type: a.content_type.clone(),
        size: a.size,
        voice_note: a.voice_note,
        width: a.width,
        height: a.height,
        caption: a.caption.clone(),
        state: match a.state {
            AttachmentState::PendingUpload => "pending_upload",
            AttachmentState::Uploaded => "uploaded",
            AttachmentState::UploadFailed => "upload_failed",
            AttachmentState::Remote => "remote",
            AttachmentState::Downloaded => "downloaded",
        },
    }
}

/// A contact or a message request (`"type": "contact"` / `"request"`).
#[derive(Debug, Clone, Serialize)]
pub struct ContactRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub session_id: String,
    /// Nickname, else display name, else the Session ID.
    pub name: String,
    pub display_name: Option<String>,
    pub nickname: Option<String>,
    /// We accepted them.
    pub approved: bool,
    /// They accepted us (messaged us or accepted our request).
    pub approved_me: bool,
    pub blocked: bool,
    pub created_at: i64,
}

/// A conversation (`"type": "conversation"`).
#[derive(Debug, Clone, Serialize)]
pub struct ConversationRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub id: String,
    /// `direct` or `group`.
    pub kind: &'static str,
    pub name: String,
    pub unread: i64,
    pub is_request: bool,
    pub last_activity: i64,
    pub created_at: i64,
    pub last_message: Option<MessageRecord>,
}

/// A group (`"type": "group"`).
#[derive(Debug, Clone, Serialize)]
pub struct GroupRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The group ID (`03…`, 66 hex characters).
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// `invited`, `joined`, `kicked` (removed by an admin) or `left`.
    pub state: &'static str,
    pub is_admin: bool,
    /// Members in the group's member list (0 until an invited or new member has the group's keys).
    pub member_count: usize,
    /// Who invited us (null for groups we created).
    pub inviter: Option<String>,
}

/// A member of a group (`"type": "group_member"`).
#[derive(Debug, Clone, Serialize)]
pub struct GroupMemberRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub group_id: String,
    pub session_id: String,
    /// The name in the group's member list, else our contact name for them (null if neither).
    pub name: Option<String>,
    pub admin: bool,
    /// Invited, and the invite not accepted yet.
    pub invite_pending: bool,
    /// Marked for removal.
    pub removed: bool,
}

pub fn group_state_name(s: GroupState) -> &'static str {
    match s {
        GroupState::Invited => "invited",
        GroupState::Joined => "joined",
        GroupState::Kicked => "kicked",
        GroupState::Left => "left",
    }
}

pub fn group_record(g: &GroupSummary) -> GroupRecord {
    GroupRecord {
        ty: "group",
        id: g.id.clone(),
        name: g.name.clone().filter(|n| !n.is_empty()),
        description: g.description.clone().filter(|d| !d.is_empty()),
        state: group_state_name(g.state),
        is_admin: g.is_admin,
        member_count: g.member_count,
        inviter: g.inviter.clone(),
    }
}

pub fn group_change_name(c: GroupChange) -> &'static str {
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
        _ => "changed",
    }
}

pub fn state_name(s: MessageState) -> &'static str {
    s.as_str()
}

/// Names of contacts and groups, looked up once per command.
pub struct Names<'a> {
    client: &'a Client,
    me: String,
    cache: HashMap<String, Option<Contact>>,
    groups: Option<HashMap<String, GroupSummary>>,
    /// Names in the member lists of our groups (for senders who are not contacts).
    member_names: Option<HashMap<String, String>>,
}

impl<'a> Names<'a> {
    pub fn new(client: &'a Client) -> Names<'a> {
        Names { client, me: client.session_id().to_hex(), cache: HashMap::new(), groups: None, member_names: None }
    }

    /// Our own Session ID.
    pub fn me(&self) -> &str {
        &self.me
    }

    /// Forget what was looked up about groups (after a group changed).
    pub fn forget_groups(&mut self) {
        self.groups = None;
        self.member_names = None;
    }

    fn groups(&mut self) -> &HashMap<String, GroupSummary> {
        let client = self.client;
        self.groups.get_or_insert_with(|| client.groups().unwrap_or_default().into_iter().map(|g| (g.id.clone(), g)).collect())
    }

    /// A group as the client knows it now.
    pub fn group(&mut self, id: &str) -> Option<GroupSummary> {
        self.groups().get(id).cloned()
    }

    /// A group's name, if known.
    pub fn group_name(&mut self, id: &str) -> Option<String> {
        self.groups().get(id).and_then(|g| g.name.clone()).filter(|n| !n.is_empty())
    }

    fn member_name(&mut self, id: &str) -> Option<String> {
        if self.member_names.is_none() {
            let ids: Vec<String> = self.groups().keys().cloned().collect();
            let mut m = HashMap::new();
            for gid in ids {
                for mem in self.client.group_members(&gid).unwrap_or_default() {
                    if !mem.name.is_empty() {
                        m.entry(mem.session_id).or_insert(mem.name);
                    }
                }
            }
            self.member_names = Some(m);
        }
        self.member_names.as_ref().and_then(|m| m.get(id).cloned())
    }

    fn contact(&mut self, id: &str) -> Option<&Contact> {
        if !self.cache.contains_key(id) {
            let c = self.client.contact(id).ok().flatten();
            self.cache.insert(id.to_string(), c);
        }
        self.cache.get(id).and_then(|c| c.as_ref())
    }

    /// Nickname or display name of a Session ID, if known (our own display name for ours).
    pub fn name_of(&mut self, id: &str) -> Option<String> {
        if id == self.me {
            return self.client.display_name().ok().flatten();
        }
        if is_group_id(id) {
            return self.group_name(id);
        }
        self.contact(id).and_then(|c| c.nickname.clone().or_else(|| c.display_name.clone())).or_else(|| self.member_name(id))
    }

    /// The name of a conversation: the peer's or group's name, `Note to Self` for our own, else the ID.
    pub fn conversation_name(&mut self, id: &str) -> String {
        if id == self.me {
            return "Note to Self".into();
        }
        self.name_of(id).unwrap_or_else(|| id.to_string())
    }

    /// A group member, with our name for them when the member list has none.
    pub fn group_member(&mut self, group_id: &str, m: &GroupMemberInfo) -> GroupMemberRecord {
        let name = Some(m.name.clone()).filter(|n| !n.is_empty()).or_else(|| {
            if m.session_id == self.me {
                self.client.display_name().ok().flatten()
            } else {
                self.contact(&m.session_id).and_then(|c| c.nickname.clone().or_else(|| c.display_name.clone()))
            }
        });
        GroupMemberRecord {
            ty: "group_member",
            group_id: group_id.to_string(),
            session_id: m.session_id.clone(),
            name,
            admin: m.admin,
            invite_pending: m.invite_pending,
            removed: m.removed,
        }
    }

    /// Whether messages from `id` are message requests (not approved, not blocked, not us).
    pub fn is_request(&mut self, id: &str) -> bool {
        if id == self.me {
            return false;
        }
        match self.contact(id) {
            Some(c) => !c.approved && !c.blocked,
            None => true,
        }
    }

    pub fn message(&mut self, m: &Message) -> MessageRecord {
        let sender_name = self.name_of(&m.sender);
        let group = is_group_id(&m.conversation);
        let is_request = !m.outgoing && !group && self.is_request(&m.sender);
        let group_name = if group { self.group_name(&m.conversation) } else { None };
        MessageRecord {
            ty: "message",
            id: m.id,
            conversation: m.conversation.clone(),
            sender: m.sender.clone(),
            sender_name,
            outgoing: m.outgoing,
            body: m.body.clone(),
            sent_at: m.sent_ts,
            received_at: m.received_ts,
            state: state_name(m.state),
            read: m.read,
            is_request,
            attachments: m.attachments.iter().map(file_record).collect(),
            group_name,
        }
    }

    pub fn conversation(&mut self, c: &Conversation) -> ConversationRecord {
        let name = self.conversation_name(&c.id);
        ConversationRecord {
            ty: "conversation",
            id: c.id.clone(),
            kind: match c.kind {
                ConversationKind::Direct => "direct",
                ConversationKind::Group => "group",
            },
            name,
            unread: c.unread,
            is_request: c.is_request,
            last_activity: c.last_activity,
            created_at: c.created_at,
            last_message: c.last_message.as_ref().map(|m| self.message(m)),
        }
    }
}

pub fn contact_record(c: &Contact, ty: &'static str) -> ContactRecord {
    ContactRecord {
        ty,
        session_id: c.session_id.clone(),
        name: c.name().to_string(),
        display_name: c.display_name.clone(),
        nickname: c.nickname.clone(),
        approved: c.approved,
        approved_me: c.approved_me,
        blocked: c.blocked,
        created_at: c.created_at,
    }
}

/// A group invite (`"type": "group_invite"` in `receive`; kind `group_invite` in the daemon).
#[derive(Debug, Clone, Serialize)]
pub struct GroupInviteRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub group_id: String,
    pub name: Option<String>,
    pub inviter: Option<String>,
    /// Our name for the inviter, when known.
    pub inviter_name: Option<String>,
}

/// A group change (`"type": "group_update"` in `receive`; kind `group_update` in the daemon).
#[derive(Debug, Clone, Serialize)]
pub struct GroupUpdateRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub group_id: String,
    /// The group's name after the change.
    pub group_name: Option<String>,
    /// `created`, `joined`, `members_added`, `members_removed`, `member_left`, `promoted`,
    /// `renamed`, `description_changed`, `invite_accepted`, `kicked` (we were removed), `left`.
    pub change: &'static str,
    /// The members the change concerns (added, removed, promoted, who left or accepted).
    pub members: Vec<String>,
    /// Who made the change, when known.
    pub actor: Option<String>,
}

pub fn group_invite_record(names: &mut Names, group_id: &str, name: &str, inviter: Option<&str>) -> GroupInviteRecord {
    GroupInviteRecord {
        ty: "group_invite",
        group_id: group_id.to_string(),
        name: Some(name.to_string()).filter(|n| !n.is_empty()),
        inviter: inviter.map(str::to_string),
        inviter_name: inviter.and_then(|i| names.name_of(i)),
    }
}

/// A group change; `names` must know the group as it is after the change (a fresh [`Names`], or
/// one that [`Names::forget_groups`] since).
pub fn group_update_record(
    names: &mut Names,
    group_id: &str,
    change: GroupChange,
    members: &[String],
    actor: Option<&str>,
) -> GroupUpdateRecord {
    GroupUpdateRecord {
        ty: "group_update",
        group_id: group_id.to_string(),
        group_name: names.group_name(group_id),
        change: group_change_name(change),
        members: members.to_vec(),
        actor: actor.map(str::to_string),
    }
}

/// A backup and what it holds (`"type": "backup"` from `backup inspect`, `backup_created` from
/// `backup create`; `backup restore` adds the new profile's fields to these).
#[derive(Debug, Clone, Serialize)]
pub struct BackupRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The backup file, as given.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// The account's Session ID.
    pub session_id: String,
    /// When the backup was taken, milliseconds since the epoch.
    pub taken_at: i64,
    /// The SDK version that wrote it.
    pub sdk_version: String,
    pub messages: u64,
    pub conversations: u64,
    /// Contacts, message requests and blocked Session IDs.
    pub contacts: u64,
    pub groups: u64,
    /// Attachments of messages, downloaded or not.
    pub attachments: u64,
    /// Attachment files included (pending uploads and downloaded files).
    pub files: u64,
    /// Bytes of the database.
    pub database_bytes: u64,
    /// Bytes of the attachment files.
    pub file_bytes: u64,
}

pub fn backup_record(ty: &'static str, path: &std::path::Path, info: &BackupInfo) -> BackupRecord {
    BackupRecord {
        ty,
        path: path.display().to_string(),
        size: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        session_id: info.session_id.clone(),
        taken_at: info.created_at,
        sdk_version: info.sdk_version.clone(),
        messages: info.messages,
        conversations: info.conversations,
        contacts: info.contacts,
        groups: info.groups,
        attachments: info.attachments,
        files: info.files,
        database_bytes: info.database_bytes,
        file_bytes: info.file_bytes,
    }
}

/// A record as event params: its `type` becomes the `kind`.
fn as_event<T: Serialize>(r: &T) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        if let Some(t) = m.remove("type") {
            m.insert("kind".into(), t);
        }
    }
    v
}

/// An SDK event as a daemon notification's `params`: the SDK's `kind` tags, with messages in the [`MessageRecord`] shape. Kinds this version does not
/// know are passed through with their kind only.
pub fn event_json(names: &mut Names, e: &Event) -> serde_json::Value {
    use serde_json::json;
    match e {
        Event::GroupInvite { group_id, name, inviter } => as_event(&group_invite_record(names, group_id, name, Some(inviter))),
        Event::GroupUpdate { group_id, change, members, actor } => {
            as_event(&group_update_record(names, group_id, *change, members, actor.as_deref()))
        }
        Event::MessageReceived { message, is_request } => {
            let mut m = names.message(message);
            m.is_request = *is_request;
            json!({"kind": "message_received", "message": m, "is_request": is_request})
        }
        Event::MessageSynced { message } => json!({"kind": "message_synced", "message": names.message(message)}),
        Event::MessageState { message_id, conversation, state } => {
            json!({"kind": "message_state", "message_id": message_id, "conversation": conversation, "state": state_name(*state)})
        }
        Event::MessageRequest { session_id, message_id } => {
            json!({"kind": "message_request", "session_id": session_id, "message_id": message_id})
        }
        Event::ContactChanged { session_id } => json!({"kind": "contact_changed", "session_id": session_id}),
        Event::CaughtUp => json!({"kind": "caught_up"}),
        Event::ConversationRead { conversation, up_to_ts } => {
            json!({"kind": "conversation_read", "conversation": conversation, "up_to": up_to_ts})
        }
        Event::ProfileChanged { display_name } => json!({"kind": "profile_changed", "display_name": display_name}),
        Event::Connection { ready } => json!({"kind": "connection", "ready": ready}),
        Event::AttachmentProgress { message_id, index, upload, done, total } => {
            json!({"kind": "attachment_progress", "message_id": message_id, "index": index, "upload": upload, "done": done, "total": total})
        }
        Event::AttachmentDone { message_id, index, upload, path } => {
            json!({"kind": "attachment_done", "message_id": message_id, "index": index, "upload": upload, "path": path})
        }
        Event::AttachmentFailed { message_id, index, upload, error, error_kind, will_retry } => json!({
            "kind": "attachment_failed", "message_id": message_id, "index": index, "upload": upload, "error": error,
            "error_kind": error_kind, "will_retry": will_retry
        }),
        Event::BackupProgress { restore, done, total } => {
            json!({"kind": "backup_progress", "restore": restore, "done": done, "total": total})
        }
        Event::Log { level, message } => json!({"kind": "log", "level": level.as_str(), "message": message}),
        #[allow(unreachable_patterns)]
        other => json!({"kind": other.kind_name()}),
    }
}
