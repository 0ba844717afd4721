//! The JSON objects of `--json` output and of daemon results and notifications. Field names are
//! stable and documented in the README ("JSON output"); every object printed on its own line has
//! a `type`. SDK types are converted here, so a change inside the SDK does not change them.

use serde::Serialize;
use session_sdk::client::{Client, Event};
use session_sdk::store::{AttachmentInfo, AttachmentState, Contact, Conversation, ConversationKind, Message, MessageState};
use std::collections::HashMap;

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
    /// An incoming message from someone not yet accepted (a message request).
    pub is_request: bool,
    /// Files attached to the message (empty for text).
    pub attachments: Vec<FileRecord>,
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

pub fn state_name(s: MessageState) -> &'static str {
    s.as_str()
}

/// Names of contacts, looked up once per command.
pub struct Names<'a> {
    client: &'a Client,
    me: String,
    cache: HashMap<String, Option<Contact>>,
}

impl<'a> Names<'a> {
    pub fn new(client: &'a Client) -> Names<'a> {
        Names { client, me: client.session_id().to_hex(), cache: HashMap::new() }
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
        self.contact(id).and_then(|c| c.nickname.clone().or_else(|| c.display_name.clone()))
    }

    /// The name of a conversation: the peer's name, `Note to Self` for our own, else the ID.
    pub fn conversation_name(&mut self, id: &str) -> String {
        if id == self.me {
            return "Note to Self".into();
        }
        self.name_of(id).unwrap_or_else(|| id.to_string())
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
        let is_request = !m.outgoing && self.is_request(&m.sender);
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

/// An SDK event as a daemon notification's `params` (and `receive --json --events` line): the
/// SDK's `kind` tags, with messages in the [`MessageRecord`] shape. Kinds this version does not
/// know are passed through as the SDK serialises them.
pub fn event_json(names: &mut Names, e: &Event) -> serde_json::Value {
    use serde_json::json;
    match e {
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
        Event::Connection { ready } => json!({"kind": "connection", "ready": ready}),
        Event::AttachmentProgress { message_id, index, upload, done, total } => {
            json!({"kind": "attachment_progress", "message_id": message_id, "index": index, "upload": upload, "done": done, "total": total})
        }
        Event::AttachmentDone { message_id, index, upload, path } => {
            json!({"kind": "attachment_done", "message_id": message_id, "index": index, "upload": upload, "path": path})
        }
        Event::AttachmentFailed { message_id, index, upload, error, will_retry } => json!({
            "kind": "attachment_failed", "message_id": message_id, "index": index, "upload": upload, "error": error, "will_retry": will_retry
        }),
        Event::Log { level, message } => json!({"kind": "log", "level": level, "message": message}),
        #[allow(unreachable_patterns)]
        other => serde_json::to_value(other).unwrap_or_else(|_| json!({"kind": "unknown"})),
    }
}
