//! `ssdk_event`: an event with typed accessors and a JSON rendering; `ssdk_listener` callbacks.

use crate::client::MessageState;
use crate::client::{Event, LogLevel};
use std::ffi::{c_char, c_void, CString};
use std::ptr;

/// Kinds of events. Stable numbers.
#[repr(i32)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ssdk_event_type {
    /// A message arrived and is stored. Accessors: message id, conversation, sender, text,
    /// timestamp, is_request.
    SSDK_EVENT_MESSAGE_RECEIVED = 1,
    /// A message this identity sent from another device is now stored here. Same accessors.
    SSDK_EVENT_MESSAGE_SYNCED = 2,
    /// An outgoing message changed delivery state. Accessors: message id, conversation, state.
    SSDK_EVENT_MESSAGE_STATE = 3,
    /// A new message request from an unapproved sender. Accessors: sender, message id.
    SSDK_EVENT_MESSAGE_REQUEST = 4,
    /// A contact's profile, approval or block state changed. Accessor: sender (the contact).
    SSDK_EVENT_CONTACT_CHANGED = 5,
    /// Onion paths became ready (state 1) or were all lost (state 0).
    SSDK_EVENT_CONNECTION = 6,
    /// A log line. Accessors: text, state (the `ssdk_log_level`).
    SSDK_EVENT_LOG = 7,
    /// Attachment bytes moved (a few reports a second, and the last). Accessors: message id,
    /// attachment index, is_upload, bytes done, bytes total.
    SSDK_EVENT_ATTACHMENT_PROGRESS = 8,
    /// An upload finished, or a download was verified. Accessors: message id, attachment index,
    /// is_upload, text (the destination path of a download started with one; else NULL).
    SSDK_EVENT_ATTACHMENT_DONE = 9,
    /// A transfer failed. Accessors: message id, attachment index, is_upload, text (the error),
    /// state (1 if an upload will be retried, else 0); the JSON has `error_kind` (the status
    /// name without its prefix, e.g. "DECRYPTION_FAILED").
    SSDK_EVENT_ATTACHMENT_FAILED = 10,
    /// An invite to a group. Accessors: conversation (the group ID), sender (the inviter; an
    /// empty string when the invite reached another device of this identity and was synced
    /// here), text (the group name).
    SSDK_EVENT_GROUP_INVITE = 11,
    /// A group changed. Accessors: conversation (the group ID), sender (who did it, or NULL),
    /// text (the change: "created", "joined", "members_added", "members_removed", "member_left",
    /// "promoted", "renamed", "description_changed", "invite_accepted", "kicked", "left", "ready"
    /// (we joined and the group's key arrived: messages can be sent));
    /// the members concerned are in the JSON.
    SSDK_EVENT_GROUP_UPDATE = 12,
    /// Our own profile (display name or picture) changed on another device of this identity
    /// (multi-device sync) and now applies here. Accessor: text (the display name, or NULL).
    SSDK_EVENT_PROFILE_CHANGED = 13,
    /// Once per start: every swarm the client polls has answered and everything waiting there
    /// has been delivered (as the events before this one). No accessors.
    SSDK_EVENT_CAUGHT_UP = 14,
    /// Another device of this identity read a conversation; its messages sent up to the
    /// event's timestamp are now read here too. Accessors: conversation, timestamp (ms).
    SSDK_EVENT_CONVERSATION_READ = 15,
    /// A backup being written (`ssdk_client_backup_create`) moved on (a few reports a second,
    /// and the last). Accessors: bytes done, bytes total.
    SSDK_EVENT_BACKUP_PROGRESS = 16,
}

/// Delivery states of outgoing messages (and `SSDK_MESSAGE_RECEIVED` for incoming ones).
#[repr(i32)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ssdk_message_state {
    /// In the outbox: not yet stored by the recipient's swarm; retried until the retry window
    /// (`ssdk_config_set_send_retry_window`) ends.
    SSDK_MESSAGE_SENDING = 0,
    /// Stored by the recipient's swarm.
    SSDK_MESSAGE_SENT = 1,
    /// Not stored within the retry window; `ssdk_client_resend` puts it back in the outbox.
    SSDK_MESSAGE_FAILED = 2,
    /// An incoming message (never the state of an outgoing one).
    SSDK_MESSAGE_RECEIVED = 3,
}

/// Log levels for `ssdk_config_set_log_level` and `SSDK_EVENT_LOG`.
#[repr(i32)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ssdk_log_level {
    /// Routine detail for diagnosis (a message from a blocked sender dropped, a control message
    /// ignored).
    SSDK_LOG_DEBUG = 0,
    /// Normal operation worth noting (an attachment uploaded, a message unsent by its sender).
    SSDK_LOG_INFO = 1,
    /// Something failed and was skipped or will be retried (an undecryptable message, a failed
    /// node-list refresh).
    SSDK_LOG_WARN = 2,
    /// A failure the SDK could not work around (the outbox could not be read or updated).
    SSDK_LOG_ERROR = 3,
    /// Only as a minimum level: no log events at all; no event has this level.
    SSDK_LOG_OFF = 4,
}

/// An event. Opaque. From `ssdk_client_next_event` it is owned by the caller (release with
/// `ssdk_event_free`); in a listener callback it is borrowed for the callback's duration. Strings
/// returned by the accessors live as long as the event.
#[allow(non_camel_case_types)]
pub struct ssdk_event {
    pub(crate) kind: ssdk_event_type,
    pub(crate) json: CString,
    pub(crate) conversation: Option<CString>,
    pub(crate) sender: Option<CString>,
    pub(crate) text: Option<CString>,
    pub(crate) message_id: i64,
    pub(crate) timestamp: i64,
    pub(crate) state: i32,
    pub(crate) is_request: bool,
    pub(crate) index: u32,
    pub(crate) upload: bool,
    pub(crate) done: u64,
    pub(crate) total: u64,
}

fn cs(s: &str) -> Option<CString> {
    CString::new(s.replace('\0', " ")).ok()
}

impl ssdk_event {
    pub(crate) fn from_event(e: &Event) -> ssdk_event {
        let mut ev = ssdk_event {
            kind: ssdk_event_type::SSDK_EVENT_LOG,
            json: super::json::to_string(&super::json::EventJson::from(e)).ok().and_then(|j| cs(&j)).unwrap_or_default(),
            conversation: None,
            sender: None,
            text: None,
            message_id: 0,
            timestamp: 0,
            state: 0,
            is_request: false,
            index: 0,
            upload: false,
            done: 0,
            total: 0,
        };
        match e {
            Event::MessageReceived { message, is_request } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_MESSAGE_RECEIVED;
                ev.is_request = *is_request;
                ev.fill_message(message);
            }
            Event::MessageSynced { message } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_MESSAGE_SYNCED;
                ev.fill_message(message);
            }
            Event::MessageState { message_id, conversation, state } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_MESSAGE_STATE;
                ev.message_id = *message_id;
                ev.conversation = cs(conversation);
                ev.state = *state as i32;
            }
            Event::MessageRequest { session_id, message_id } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_MESSAGE_REQUEST;
                ev.sender = cs(session_id);
                ev.conversation = cs(session_id);
                ev.message_id = *message_id;
                ev.is_request = true;
            }
            Event::ContactChanged { session_id } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_CONTACT_CHANGED;
                ev.sender = cs(session_id);
            }
            Event::CaughtUp => ev.kind = ssdk_event_type::SSDK_EVENT_CAUGHT_UP,
            Event::ConversationRead { conversation, up_to_ts } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_CONVERSATION_READ;
                ev.conversation = cs(conversation);
                ev.timestamp = *up_to_ts;
            }
            Event::ProfileChanged { display_name } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_PROFILE_CHANGED;
                ev.text = display_name.as_deref().and_then(cs);
            }
            Event::Connection { ready } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_CONNECTION;
                ev.state = *ready as i32;
            }
            Event::AttachmentProgress { message_id, index, upload, done, total } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_ATTACHMENT_PROGRESS;
                (ev.message_id, ev.index, ev.upload, ev.done, ev.total) = (*message_id, *index, *upload, *done, *total);
            }
            Event::AttachmentDone { message_id, index, upload, path } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_ATTACHMENT_DONE;
                (ev.message_id, ev.index, ev.upload) = (*message_id, *index, *upload);
                ev.text = path.as_deref().and_then(cs);
            }
            Event::AttachmentFailed { message_id, index, upload, error, will_retry, .. } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_ATTACHMENT_FAILED;
                (ev.message_id, ev.index, ev.upload, ev.state) = (*message_id, *index, *upload, *will_retry as i32);
                ev.text = cs(error);
            }
            Event::GroupInvite { group_id, name, inviter } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_GROUP_INVITE;
                ev.conversation = cs(group_id);
                ev.sender = cs(inviter);
                ev.text = cs(name);
            }
            Event::GroupUpdate { group_id, change, actor, .. } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_GROUP_UPDATE;
                ev.conversation = cs(group_id);
                ev.sender = actor.as_deref().and_then(cs);
                ev.text = cs(super::json::group_change(*change));
            }
            Event::BackupProgress { restore, done, total } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_BACKUP_PROGRESS;
                (ev.done, ev.total, ev.state) = (*done, *total, *restore as i32);
            }
            Event::Log { level, message } => {
                ev.kind = ssdk_event_type::SSDK_EVENT_LOG;
                ev.text = cs(message);
                ev.state = *level as i32;
            }
        }
        ev
    }

    fn fill_message(&mut self, m: &crate::client::Message) {
        self.message_id = m.id;
        self.conversation = cs(&m.conversation);
        self.sender = cs(&m.sender);
        self.text = m.body.as_deref().and_then(cs);
        self.timestamp = m.sent_ts;
        self.state = m.state as i32;
    }
}

const _: () = {
    assert!(MessageState::Sending as i32 == ssdk_message_state::SSDK_MESSAGE_SENDING as i32);
    assert!(MessageState::Received as i32 == ssdk_message_state::SSDK_MESSAGE_RECEIVED as i32);
    assert!(LogLevel::Off as i32 == ssdk_log_level::SSDK_LOG_OFF as i32);
};

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

fn with_event<T>(e: *const ssdk_event, fallback: T, f: impl FnOnce(&ssdk_event) -> T) -> T {
    if e.is_null() {
        return fallback;
    }
    // SAFETY: `e` is not NULL (checked above); per the header it is an event from
    // ssdk_client_next_event not yet freed, or the one lent to a listener callback for its duration.
    // The accessors' `f` only copy fields or return pointers into the event, which the header
    // documents as valid only while the event is.
    f(unsafe { &*e })
}

/// The event's kind (an `ssdk_event_type`), or 0 for NULL.
#[no_mangle]
pub extern "C" fn ssdk_event_kind(event: *const ssdk_event) -> i32 {
    with_event(event, 0, |e| e.kind as i32)
}

/// The whole event as a JSON object with a "kind" field ("message_received", "message_synced",
/// "message_state", "message_request", "contact_changed", "profile_changed", "caught_up", "conversation_read", "connection", "log",
/// "attachment_progress", "attachment_done", "attachment_failed", "group_invite",
/// "group_update") and the kind's
/// fields. Borrowed: valid while the event is. NULL for a NULL event. Every kind's fields are
/// described in docs/abi-json.md (`event`).
#[no_mangle]
pub extern "C" fn ssdk_event_json(event: *const ssdk_event) -> *const c_char {
    with_event(event, ptr::null(), |e| e.json.as_ptr())
}

/// The local message id (message events), or 0.
#[no_mangle]
pub extern "C" fn ssdk_event_message_id(event: *const ssdk_event) -> i64 {
    with_event(event, 0, |e| e.message_id)
}

/// The conversation (peer Session ID) of a message event, or NULL. Borrowed.
#[no_mangle]
pub extern "C" fn ssdk_event_conversation(event: *const ssdk_event) -> *const c_char {
    with_event(event, ptr::null(), |e| opt_ptr(&e.conversation))
}

/// The sender of a message event, the requester, or the changed contact; else NULL. Borrowed.
#[no_mangle]
pub extern "C" fn ssdk_event_sender(event: *const ssdk_event) -> *const c_char {
    with_event(event, ptr::null(), |e| opt_ptr(&e.sender))
}

/// The message text, or the log line; NULL when there is none. Borrowed.
#[no_mangle]
pub extern "C" fn ssdk_event_text(event: *const ssdk_event) -> *const c_char {
    with_event(event, ptr::null(), |e| opt_ptr(&e.text))
}

/// The sender's timestamp of a message event, or the read-up-to time of a conversation-read
/// event (ms since the epoch); else 0.
#[no_mangle]
pub extern "C" fn ssdk_event_timestamp(event: *const ssdk_event) -> i64 {
    with_event(event, 0, |e| e.timestamp)
}

/// `ssdk_message_state` for message events, 1/0 for connection events, `ssdk_log_level` for log
/// events; 0 otherwise.
#[no_mangle]
pub extern "C" fn ssdk_event_state(event: *const ssdk_event) -> i32 {
    with_event(event, 0, |e| e.state)
}

/// Whether a received message is a message request (its sender is not approved).
#[no_mangle]
pub extern "C" fn ssdk_event_is_request(event: *const ssdk_event) -> bool {
    with_event(event, false, |e| e.is_request)
}

/// The attachment index of an attachment event (0 otherwise).
#[no_mangle]
pub extern "C" fn ssdk_event_attachment_index(event: *const ssdk_event) -> u32 {
    with_event(event, 0, |e| e.index)
}

/// Whether an attachment event concerns an upload (true) or a download (false).
#[no_mangle]
pub extern "C" fn ssdk_event_is_upload(event: *const ssdk_event) -> bool {
    with_event(event, false, |e| e.upload)
}

/// Bytes transferred so far (`SSDK_EVENT_ATTACHMENT_PROGRESS`), else 0.
#[no_mangle]
pub extern "C" fn ssdk_event_bytes_done(event: *const ssdk_event) -> u64 {
    with_event(event, 0, |e| e.done)
}

/// Total bytes of the transfer (`SSDK_EVENT_ATTACHMENT_PROGRESS`), else 0.
#[no_mangle]
pub extern "C" fn ssdk_event_bytes_total(event: *const ssdk_event) -> u64 {
    with_event(event, 0, |e| e.total)
}

/// Release an event returned by `ssdk_client_next_event`. NULL is a no-op. Never free an event
/// received in a listener callback.
#[no_mangle]
pub extern "C" fn ssdk_event_free(event: *mut ssdk_event) {
    if !event.is_null() {
        // SAFETY: `event` is not NULL and, per the header, came from ssdk_client_next_event
        // (Box::into_raw) and is freed once; events lent to a listener callback are never passed here.
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(event) }));
    }
}

/// A host listener: `on_event(ctx, event)` is called for every event on one SDK-owned thread,
/// never concurrently; the event is borrowed for the call. `destroy(ctx)`, if not NULL, is
/// called exactly once when the listener is replaced or removed or the client is freed.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct ssdk_listener {
    /// Passed back to both callbacks; the SDK never dereferences it.
    pub ctx: *mut c_void,
    /// Called for each event; NULL in `ssdk_client_set_listener` removes the listener.
    pub on_event: Option<extern "C" fn(ctx: *mut c_void, event: *const ssdk_event)>,
    /// Called once when the listener is replaced or removed or the client is freed; may be NULL.
    pub destroy: Option<extern "C" fn(ctx: *mut c_void)>,
}

pub(crate) struct HostListener {
    ctx: *mut c_void,
    on_event: extern "C" fn(*mut c_void, *const ssdk_event),
    destroy: Option<extern "C" fn(*mut c_void)>,
}

// SAFETY: a HostListener holds only `ctx`, which the SDK never dereferences, and two `extern "C"`
// fn pointers. The header documents that on_event runs on an SDK-owned thread and destroy when
// the listener is replaced or removed or the client is freed, so a host installing a listener
// accepts `ctx` being used from threads other than its own. It is not Sync, so only one thread
// at a time ever calls through it.
unsafe impl Send for HostListener {}

impl HostListener {
    pub(crate) fn new(l: &ssdk_listener) -> Option<HostListener> {
        l.on_event.map(|on_event| HostListener { ctx: l.ctx, on_event, destroy: l.destroy })
    }
    pub(crate) fn call(&mut self, e: &Event) {
        let ev = ssdk_event::from_event(e);
        (self.on_event)(self.ctx, &ev);
    }
}

impl Drop for HostListener {
    fn drop(&mut self) {
        if let Some(d) = self.destroy {
            d(self.ctx);
        }
    }
}
