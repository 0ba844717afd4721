//! `ssdk_client`: a running Session client. Every function is a thin shim over `crate::client`.

use super::config::ssdk_config;
use super::event::{ssdk_event, ssdk_listener, HostListener};
use super::json::{self, ContactJson, ConversationJson, MessageJson};
use super::status::{guard, ssdk_status};
use super::util::{bytes_arg, c_string, handle, opt_str, out, str_arg, BytesOut};
use crate::client::{Client, LogLevel, Waited};
use crate::error::{Error, ErrorKind};
use std::ffi::c_char;
use std::time::Duration;

/// A Session client: one identity, its encrypted database, and its network tasks. Opaque.
/// Create with `ssdk_client_new`, run with `ssdk_client_start`, release with `ssdk_client_free`.
/// Every function taking a client may be called from any thread, concurrently, including from
/// inside a listener callback, except `ssdk_client_free`.
///
/// Shutdown sequence: `ssdk_client_stop` (optional: stops the network tasks, keeps the database
/// open; unsent messages stay queued), then `ssdk_client_free` from a thread that is not the
/// listener's, after every other thread has finished using the handle. `free` stops the client,
/// delivers nothing more to the listener, calls the listener's `destroy`, and closes the
/// database.
#[allow(non_camel_case_types)]
pub struct ssdk_client {
    pub(crate) inner: Client,
}

pub(crate) fn client<'a>(p: *const ssdk_client) -> crate::Result<&'a Client> {
    handle(p, "client").map(|c| &c.inner)
}

fn json_out(o: &mut *mut c_char, doc: crate::Result<String>) -> crate::Result<()> {
    *o = c_string(doc?)?;
    Ok(())
}

/// Open (or create) a client from `config` (copied; the caller still frees it): opens the
/// database in the configured directory with the PIN, loads or creates the identity. No network
/// activity until `ssdk_client_start`. `*out_client` is released with `ssdk_client_free`.
///
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_WRONG_PIN` (database untouched),
/// `SSDK_ERR_DATABASE`, `SSDK_ERR_IO`, `SSDK_ERR_INVALID_ARGUMENT` (the directory holds another
/// identity), `SSDK_ERR_INVALID_KEY`. Thread-safe.
#[no_mangle]
pub extern "C" fn ssdk_client_new(config: *const ssdk_config, out_client: *mut *mut ssdk_client) -> ssdk_status {
    guard(|| {
        let o = out(out_client, "out_client")?;
        let cfg = handle(config, "config")?;
        let c = Client::new(cfg.inner.clone())?;
        *o = Box::into_raw(Box::new(ssdk_client { inner: c }));
        Ok(())
    })
}

/// Start the network tasks: bootstrap, onion paths, sending queued messages, polling.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_BUSY` (already running), `SSDK_ERR_INTERNAL`.
#[no_mangle]
pub extern "C" fn ssdk_client_start(client_: *const ssdk_client) -> ssdk_status {
    guard(|| client(client_)?.start())
}

/// Stop the network tasks and wait for them (a few seconds at most). Queued messages stay in
/// the database. A stopped client can be started again; stopping twice is fine.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_client_stop(client_: *const ssdk_client) -> ssdk_status {
    guard(|| client(client_)?.stop())
}

/// Stop and release a client (see the shutdown sequence on `ssdk_client`). NULL is a no-op.
/// Must not be called from inside a listener callback.
#[no_mangle]
pub extern "C" fn ssdk_client_free(client_: *mut ssdk_client) {
    if !client_.is_null() {
        // SAFETY: `client_` is not NULL and, per the header, came from ssdk_client_new (Box::into_raw) and
        // is freed once, outside a listener callback, after every other thread stopped using it: this
        // call owns it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(unsafe { Box::from_raw(client_) })));
    }
}

/// The client's Session ID. `*out_session_id`: release with `ssdk_string_free`.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_client_session_id(client_: *const ssdk_client, out_session_id: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_session_id, "out_session_id")?;
        *o = c_string(client(client_)?.session_id().to_hex())?;
        Ok(())
    })
}

/// The client's recovery phrase (secret). `*out_phrase`: release with `ssdk_string_free`.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_client_mnemonic(client_: *const ssdk_client, out_phrase: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_phrase, "out_phrase")?;
        *o = c_string(client(client_)?.mnemonic())?;
        Ok(())
    })
}

/// Queue a text message (UTF-8, 1 byte to 64 KiB) to the Session ID `to`, or to a group when
/// `to` is a group ID ("03…", see `ssdk_client_group_create`). It is written to the
/// database before any network call and delivered by the running client, which reports
/// `SSDK_EVENT_MESSAGE_STATE` events (sending, then sent or failed). Works while stopped: the
/// message goes out after the next start. `*out_message_id` (may be NULL) receives the local id.
///
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_SESSION_ID`,
/// `SSDK_ERR_INVALID_ARGUMENT` (empty text), `SSDK_ERR_TOO_LARGE`, `SSDK_ERR_BLOCKED`,
/// `SSDK_ERR_DATABASE`.
#[no_mangle]
pub extern "C" fn ssdk_client_send_text(
    client_: *const ssdk_client,
    to: *const c_char,
    text: *const c_char,
    out_message_id: *mut i64,
) -> ssdk_status {
    guard(|| {
        let c = client(client_)?;
        let id = c.send_text(str_arg(to, "to")?, str_arg(text, "text")?)?;
        if !out_message_id.is_null() {
            // SAFETY: not NULL (checked above); the header allows NULL or a writable int64_t, and storing a
            // plain integer neither reads nor drops the old value.
            unsafe { *out_message_id = id };
        }
        Ok(())
    })
}

/// Put a failed outgoing message back in the outbox. Errors: `SSDK_ERR_NULL_ARGUMENT`,
/// `SSDK_ERR_NOT_FOUND`, `SSDK_ERR_INVALID_ARGUMENT` (not a failed outgoing message).
#[no_mangle]
pub extern "C" fn ssdk_client_resend(client_: *const ssdk_client, message_id: i64) -> ssdk_status {
    guard(|| client(client_)?.resend(message_id))
}

/// Wait up to `timeout_ms` for the next event (pull mode). On `SSDK_OK`, `*out_event` is an
/// event the caller releases with `ssdk_event_free`. Returns `SSDK_ERR_TIMEOUT` when none came
/// (always while a listener is installed; events flow here again once it is removed), and
/// `SSDK_ERR_CANCELLED` when `ssdk_client_interrupt_wait` woke it. Call it from a thread you own.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_TIMEOUT`, `SSDK_ERR_CANCELLED`.
#[no_mangle]
pub extern "C" fn ssdk_client_next_event(client_: *const ssdk_client, timeout_ms: u32, out_event: *mut *mut ssdk_event) -> ssdk_status {
    guard(|| {
        let o = out(out_event, "out_event")?;
        let c = client(client_)?;
        match c.wait_event(Duration::from_millis(timeout_ms as u64)) {
            Waited::Event(e) => {
                *o = Box::into_raw(Box::new(ssdk_event::from_event(&e)));
                Ok(())
            }
            Waited::Timeout => Err(Error::new(ErrorKind::Timeout, format!("no event within {timeout_ms} ms"))),
            Waited::Interrupted => Err(Error::new(ErrorKind::Cancelled, "the wait was interrupted by ssdk_client_interrupt_wait")),
        }
    })
}

/// Wake every thread now blocked in `ssdk_client_next_event` on this client: each returns
/// `SSDK_ERR_CANCELLED` at once. Waits that start afterwards are not affected. Safe from any
/// thread, including a signal-handling or shutdown thread, while others wait.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_client_interrupt_wait(client_: *const ssdk_client) -> ssdk_status {
    guard(|| {
        client(client_)?.interrupt_wait();
        Ok(())
    })
}

/// Install a listener (push mode): events, including any still queued for pull, are delivered
/// to `listener.on_event` on one SDK-owned thread, never concurrently. A listener with a NULL
/// `on_event` removes the current one. The previous listener's `destroy` is called (on the SDK's
/// thread) when it is replaced. May be called from inside a callback.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_client_set_listener(client_: *const ssdk_client, listener: ssdk_listener) -> ssdk_status {
    let mut pending = HostListener::new(&listener);
    let st = guard(|| {
        let c = client(client_)?;
        match pending.take() {
            Some(mut l) => c.set_listener(Some(Box::new(move |e| l.call(e)))),
            None => c.set_listener(None),
        }
        Ok(())
    });
    // On error the listener was not taken: its destroy runs now, as documented for replacement.
    drop(pending);
    st
}

/// Change the minimum level of log events. Errors: `SSDK_ERR_NULL_ARGUMENT`,
/// `SSDK_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_client_set_log_level(client_: *const ssdk_client, level: i32) -> ssdk_status {
    guard(|| {
        let l = LogLevel::from_i32(level).ok_or_else(|| Error::invalid_argument(format!("unknown log level {level}")))?;
        client(client_)?.set_log_level(l);
        Ok(())
    })
}

/// Whether onion paths are ready: writes 1 (ready) or 0 to `*out_ready`.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_client_connection_ready(client_: *const ssdk_client, out_ready: *mut i32) -> ssdk_status {
    guard(|| {
        let o = out(out_ready, "out_ready")?;
        *o = (client(client_)?.connection_state() == crate::client::ConnectionState::Ready) as i32;
        Ok(())
    })
}

// ---- contacts and requests ---------------------------------------------------------------

/// Approved contacts as a JSON array of objects {session_id, display_name, nickname, approved,
/// approved_me, blocked, profile_picture, created_at}. `*out_json`: release with
/// `ssdk_string_free`. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_DATABASE`. Each entry is a
/// `contact` document (docs/abi-json.md).
#[no_mangle]
pub extern "C" fn ssdk_client_contacts_json(client_: *const ssdk_client, out_json: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_json, "out_json")?;
        json_out(o, json::array::<_, ContactJson>(&client(client_)?.contacts()?))
    })
}

/// Pending message requests, as a JSON array shaped like `ssdk_client_contacts_json`.
#[no_mangle]
pub extern "C" fn ssdk_client_requests_json(client_: *const ssdk_client, out_json: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_json, "out_json")?;
        json_out(o, json::array::<_, ContactJson>(&client(client_)?.requests()?))
    })
}

/// Blocked Session IDs, as a JSON array shaped like `ssdk_client_contacts_json`.
#[no_mangle]
pub extern "C" fn ssdk_client_blocked_json(client_: *const ssdk_client, out_json: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_json, "out_json")?;
        json_out(o, json::array::<_, ContactJson>(&client(client_)?.blocked()?))
    })
}

/// Add (or approve) a contact, with an optional nickname (NULL for none).
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_SESSION_ID`,
/// `SSDK_ERR_INVALID_ARGUMENT` (own ID, nickname length).
#[no_mangle]
pub extern "C" fn ssdk_client_add_contact(client_: *const ssdk_client, session_id: *const c_char, nickname: *const c_char) -> ssdk_status {
    guard(|| {
        let nick = if nickname.is_null() { None } else { Some(str_arg(nickname, "nickname")?) };
        client(client_)?.add_contact(str_arg(session_id, "session_id")?, nick)
    })
}

/// Set (or with NULL clear) a contact's nickname. Errors: as `ssdk_client_add_contact`, plus
/// `SSDK_ERR_NOT_FOUND`.
#[no_mangle]
pub extern "C" fn ssdk_client_set_nickname(client_: *const ssdk_client, session_id: *const c_char, nickname: *const c_char) -> ssdk_status {
    guard(|| {
        let nick = if nickname.is_null() { None } else { Some(str_arg(nickname, "nickname")?) };
        client(client_)?.set_nickname(str_arg(session_id, "session_id")?, nick)
    })
}

/// Forget a contact (the conversation stays). Errors: `SSDK_ERR_NULL_ARGUMENT`,
/// `SSDK_ERR_INVALID_SESSION_ID`, `SSDK_ERR_NOT_FOUND`.
#[no_mangle]
pub extern "C" fn ssdk_client_remove_contact(client_: *const ssdk_client, session_id: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.remove_contact(str_arg(session_id, "session_id")?))
}

/// Accept a message request without replying: the sender becomes a contact and is notified (a
/// message-request response, as Session apps send). Errors: `SSDK_ERR_NULL_ARGUMENT`,
/// `SSDK_ERR_INVALID_SESSION_ID`, `SSDK_ERR_NOT_FOUND`, `SSDK_ERR_BLOCKED`.
#[no_mangle]
pub extern "C" fn ssdk_client_accept_request(client_: *const ssdk_client, session_id: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.accept_request(str_arg(session_id, "session_id")?))
}

/// Decline a message request: its conversation is deleted and the sender forgotten.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_SESSION_ID`, `SSDK_ERR_NOT_FOUND`,
/// `SSDK_ERR_INVALID_ARGUMENT` (an approved contact, not a request).
#[no_mangle]
pub extern "C" fn ssdk_client_decline_request(client_: *const ssdk_client, session_id: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.decline_request(str_arg(session_id, "session_id")?))
}

/// Block a Session ID: its messages are dropped and sending to it is refused. Blocking a pending
/// request also deletes it. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_SESSION_ID`,
/// `SSDK_ERR_INVALID_ARGUMENT` (own ID).
#[no_mangle]
pub extern "C" fn ssdk_client_block(client_: *const ssdk_client, session_id: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.block(str_arg(session_id, "session_id")?))
}

/// Unblock a Session ID. Errors: as `ssdk_client_block`.
#[no_mangle]
pub extern "C" fn ssdk_client_unblock(client_: *const ssdk_client, session_id: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.unblock(str_arg(session_id, "session_id")?))
}

/// Our display name (as set here or, synced, on another device of this identity), or NULL in
/// `*out_name` when none is set. `*out_name`: release with `ssdk_string_free`. Errors:
/// `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_DATABASE`.
#[no_mangle]
pub extern "C" fn ssdk_client_display_name(client_: *const ssdk_client, out_name: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_name, "out_name")?;
        *o = match client(client_)?.display_name()? {
            Some(n) => c_string(n)?,
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// Set our profile picture from `len` bytes of an image (up to 10 MB; JPEG metadata removed
/// unless disabled in the config): encrypted under a fresh key, uploaded through an onion
/// request, then sent with our messages and synced to our other devices. `data` NULL with `len`
/// 0 removes it. Blocks on the upload. Errors: `SSDK_ERR_NULL_ARGUMENT`,
/// `SSDK_ERR_INVALID_ARGUMENT` (an empty image), `SSDK_ERR_TOO_LARGE`, `SSDK_ERR_MALFORMED` (a
/// JPEG that cannot be parsed), `SSDK_ERR_NETWORK`, `SSDK_ERR_TIMEOUT`, `SSDK_ERR_UNSUPPORTED`
/// (no AES-GCM on this CPU), `SSDK_ERR_BUSY` (called on an async runtime thread).
#[no_mangle]
pub extern "C" fn ssdk_client_set_profile_picture(client_: *const ssdk_client, data: *const u8, len: usize) -> ssdk_status {
    guard(|| {
        let c = client(client_)?;
        let image = if data.is_null() && len == 0 { None } else { Some(bytes_arg(data, len, "data")?) };
        c.set_profile_picture(image)
    })
}

/// Download and decrypt a profile picture: ours when `session_id` is NULL, else a contact's as
/// their latest message announced it. On `SSDK_OK`, `*out_data`/`*out_len` hold the image
/// (release with `ssdk_bytes_free`), or NULL/0 when there is no picture. Blocks on the
/// download. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_SESSION_ID`,
/// `SSDK_ERR_DECRYPTION_FAILED`, `SSDK_ERR_NOT_FOUND` (expired on the server),
/// `SSDK_ERR_NETWORK`, `SSDK_ERR_TIMEOUT`.
#[no_mangle]
pub extern "C" fn ssdk_client_profile_picture(
    client_: *const ssdk_client,
    session_id: *const c_char,
    out_data: *mut *mut u8,
    out_len: *mut usize,
) -> ssdk_status {
    guard(|| {
        let o = BytesOut::new(out_data, out_len)?;
        o.set(client(client_)?.profile_picture(opt_str(session_id, "session_id")?)?);
        Ok(())
    })
}

/// Set the display name sent with messages (1–100 bytes); other devices of this identity take
/// it too. Errors: `SSDK_ERR_NULL_ARGUMENT`,
/// `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn ssdk_client_set_display_name(client_: *const ssdk_client, name: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.set_display_name(str_arg(name, "name")?))
}

// ---- conversations and history -------------------------------------------------------------

/// Conversations by most recent activity, as a JSON array of {id, kind, created_at,
/// last_activity, unread, is_request, last_message}. `*out_json`: release with
/// `ssdk_string_free`. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_DATABASE`. Each entry is a
/// `conversation` document (docs/abi-json.md).
#[no_mangle]
pub extern "C" fn ssdk_client_conversations_json(client_: *const ssdk_client, out_json: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_json, "out_json")?;
        json_out(o, json::array::<_, ConversationJson>(&client(client_)?.conversations()?))
    })
}

/// A page of a conversation's messages, newest first: at most `limit` (1–1000) messages older
/// than `before_id` (0 = from the newest; ordered by the sender's time). JSON array of {id,
/// conversation, outgoing, sender, body, sent_ts, received_ts, state, read, server_hash, extra,
/// attachments}; `attachments` lists {index, file_name, content_type, size, voice_note, width,
/// height, caption, url, state ("pending_upload", "uploaded", "upload_failed", "remote",
/// "downloaded")}. Page on by passing the last id. `*out_json`: release with `ssdk_string_free`.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_ARGUMENT` (limit).
/// Each entry is a `message` document (docs/abi-json.md).
#[no_mangle]
pub extern "C" fn ssdk_client_history_json(
    client_: *const ssdk_client,
    conversation: *const c_char,
    before_id: i64,
    limit: u32,
    out_json: *mut *mut c_char,
) -> ssdk_status {
    guard(|| {
        let o = out(out_json, "out_json")?;
        if limit == 0 || limit > 1000 {
            return Err(Error::invalid_argument("limit must be 1 to 1000"));
        }
        json_out(o, json::array::<_, MessageJson>(&client(client_)?.history(str_arg(conversation, "conversation")?, before_id, limit)?))
    })
}

/// One message as a JSON object (shape as in `ssdk_client_history_json`).
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_NOT_FOUND`.
#[no_mangle]
pub extern "C" fn ssdk_client_message_json(client_: *const ssdk_client, message_id: i64, out_json: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_json, "out_json")?;
        json_out(o, json::to_string(&MessageJson::from(&client(client_)?.message(message_id)?)))
    })
}

/// Mark a conversation's incoming messages read, up to `up_to_id` (0 = all). `*out_count` (may
/// be NULL) receives how many changed. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`.
#[no_mangle]
pub extern "C" fn ssdk_client_mark_read(
    client_: *const ssdk_client,
    conversation: *const c_char,
    up_to_id: i64,
    out_count: *mut u32,
) -> ssdk_status {
    guard(|| {
        let n = client(client_)?.mark_read(str_arg(conversation, "conversation")?, up_to_id)?;
        if !out_count.is_null() {
            // SAFETY: not NULL (checked above); the header allows NULL or a writable uint32_t.
            unsafe { *out_count = n as u32 };
        }
        Ok(())
    })
}

/// Delete a conversation and its messages from this device only.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_NOT_FOUND`.
#[no_mangle]
pub extern "C" fn ssdk_client_delete_conversation(client_: *const ssdk_client, conversation: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.delete_conversation(str_arg(conversation, "conversation")?))
}

/// Delete one message from this device only. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_NOT_FOUND`.
#[no_mangle]
pub extern "C" fn ssdk_client_delete_message(client_: *const ssdk_client, message_id: i64) -> ssdk_status {
    guard(|| client(client_)?.delete_message(message_id))
}

// ---- attachments ----------------------------------------------------------------------------

/// The largest attachment the SDK sends: 10 000 000 bytes (the twin of the protocol constant).
#[no_mangle]
pub extern "C" fn ssdk_max_attachment_size() -> u64 {
    crate::client::MAX_ATTACHMENT_SIZE as u64
}

/// Queue the file at `path` (at most 10 MB) for `to` (a Session ID or a group ID), with an
/// optional caption (NULL for none).
/// The file is read and encrypted now (JPEG metadata removed unless disabled in the config),
/// uploaded through an onion request by the running client with `SSDK_EVENT_ATTACHMENT_PROGRESS`
/// events, and the message is sent only once the upload succeeded (failed uploads are retried
/// and reported with `SSDK_EVENT_ATTACHMENT_FAILED`). `*out_message_id` (may be NULL) receives
/// the local message id; its attachment has index 0.
///
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_SESSION_ID`,
/// `SSDK_ERR_TOO_LARGE` (over 10 MB: refused before any upload), `SSDK_ERR_IO`,
/// `SSDK_ERR_INVALID_ARGUMENT` (empty file), `SSDK_ERR_MALFORMED` (a JPEG that cannot be parsed
/// for metadata removal), `SSDK_ERR_BLOCKED`.
#[no_mangle]
pub extern "C" fn ssdk_client_send_file(
    client_: *const ssdk_client,
    to: *const c_char,
    path: *const c_char,
    caption: *const c_char,
    out_message_id: *mut i64,
) -> ssdk_status {
    guard(|| {
        let c = client(client_)?;
        let id = c.send_file_path(str_arg(to, "to")?, std::path::Path::new(str_arg(path, "path")?), opt_str(caption, "caption")?)?;
        if !out_message_id.is_null() {
            // SAFETY: not NULL (checked above); the header allows NULL or a writable int64_t.
            unsafe { *out_message_id = id };
        }
        Ok(())
    })
}

/// As `ssdk_client_send_file`, from memory: `data`/`len` (copied), an optional file name and
/// content type (NULL for none; a JPEG is recognised by its bytes), an optional caption.
/// Errors: as `ssdk_client_send_file`, without `SSDK_ERR_IO`.
#[no_mangle]
pub extern "C" fn ssdk_client_send_file_bytes(
    client_: *const ssdk_client,
    to: *const c_char,
    data: *const u8,
    len: usize,
    file_name: *const c_char,
    content_type: *const c_char,
    caption: *const c_char,
    out_message_id: *mut i64,
) -> ssdk_status {
    guard(|| {
        let c = client(client_)?;
        let file = crate::client::OutgoingFile {
            data: super::util::bytes_arg(data, len, "data")?.to_vec(),
            file_name: opt_str(file_name, "file_name")?.map(str::to_owned),
            content_type: opt_str(content_type, "content_type")?.map(str::to_owned),
            caption: opt_str(caption, "caption")?.map(str::to_owned),
            voice_note: false,
        };
        let id = c.send_file(str_arg(to, "to")?, file)?;
        if !out_message_id.is_null() {
            // SAFETY: not NULL (checked above); the header allows NULL or a writable int64_t.
            unsafe { *out_message_id = id };
        }
        Ok(())
    })
}

/// Start downloading attachment `index` of message `message_id` in the background: progress
/// events, then `SSDK_EVENT_ATTACHMENT_DONE` (the file, verified and decrypted, written to
/// `dest_path` if not NULL — through a temporary file renamed on success, so nothing partial
/// appears) or `SSDK_EVENT_ATTACHMENT_FAILED`. The verified encrypted blob is cached in the data
/// directory. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_NOT_FOUND`.
#[no_mangle]
pub extern "C" fn ssdk_client_download_attachment(
    client_: *const ssdk_client,
    message_id: i64,
    index: u32,
    dest_path: *const c_char,
) -> ssdk_status {
    guard(|| {
        let dest = opt_str(dest_path, "dest_path")?.map(std::path::PathBuf::from);
        client(client_)?.start_download(message_id, index, dest)
    })
}

/// Download, verify and decrypt an attachment, blocking until done (from a thread of yours, not
/// a listener callback if you need events meanwhile). `*out_data`/`*out_len` receive the file,
/// released with `ssdk_bytes_free`. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_NOT_FOUND`
/// (unknown attachment, or expired on the server), `SSDK_ERR_DECRYPTION_FAILED` (wrong digest,
/// truncated or tampered), `SSDK_ERR_NETWORK`, `SSDK_ERR_TIMEOUT`, `SSDK_ERR_CANCELLED`.
#[no_mangle]
pub extern "C" fn ssdk_client_attachment_bytes(
    client_: *const ssdk_client,
    message_id: i64,
    index: u32,
    out_data: *mut *mut u8,
    out_len: *mut usize,
) -> ssdk_status {
    guard(|| {
        let o = BytesOut::new(out_data, out_len)?;
        o.set(Some(client(client_)?.download_attachment(message_id, index)?));
        Ok(())
    })
}

/// Cancel an upload (its message becomes failed and the encrypted copy is deleted) or a download
/// in progress. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_NOT_FOUND` (nothing in progress).
#[no_mangle]
pub extern "C" fn ssdk_client_cancel_transfer(client_: *const ssdk_client, message_id: i64, index: u32) -> ssdk_status {
    guard(|| client(client_)?.cancel_transfer(message_id, index))
}
