//! Attachments: files are encrypted on this device, uploaded to the file server through an onion
//! request, and sent as a message carrying the link, key and digest. A message with attachments
//! enters the outbox only once every upload succeeded. Downloads are verified (digest, MAC,
//! size) before anything is handed over or cached.

use super::events::{Event, LogLevel};
use super::outbox::{approve_recipient, message_copies, retry_delay};
use super::own_profile::profiled;
use super::pointers::pointer;
use super::state::ClientState;
use super::{groups, runtime};
use crate::crypto::attachment;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::SessionId;
use crate::net::file_server;
use crate::net::network::{Direction, Transfer};
use crate::store::{AttachmentRecord, AttachmentState, ConversationKind, MessageState, NewOutgoing};
use crate::wire::proto::DataMessage;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A file to send.
#[derive(Debug, Clone, Default)]
pub struct OutgoingFile {
    /// The file's bytes (at most `MAX_ATTACHMENT_SIZE`).
    pub data: Vec<u8>,
    /// The name the recipient sees.
    pub file_name: Option<String>,
    /// MIME type; guessed from the extension by `from_path`, and detected for JPEG.
    pub content_type: Option<String>,
    /// Shown with the attachment (the message body).
    pub caption: Option<String>,
    /// Send as a voice message.
    pub voice_note: bool,
}

impl OutgoingFile {
    /// Read a file from disk, refusing files over the 10 MB limit before reading them.
    pub fn from_path(path: &Path) -> Result<OutgoingFile> {
        let meta = std::fs::metadata(path).map_err(|e| Error::new(ErrorKind::Io, format!("{}: {e}", path.display())))?;
        if meta.len() > attachment::MAX_ATTACHMENT_SIZE as u64 {
            return Err(too_large(meta.len()));
        }
        let data = std::fs::read(path).map_err(|e| Error::new(ErrorKind::Io, format!("{}: {e}", path.display())))?;
        Ok(OutgoingFile {
            data,
            file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
            content_type: guess_content_type(path),
            ..Default::default()
        })
    }
}

fn too_large(n: u64) -> Error {
    Error::new(ErrorKind::TooLarge, format!("attachments are at most {} bytes (10 MB); this file is {n}", attachment::MAX_ATTACHMENT_SIZE))
}

fn guess_content_type(path: &Path) -> Option<String> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(
        match ext.as_str() {
            "jpg" | "jpeg" => "image/jpeg",
            "png" => "image/png",
            "gif" => "image/gif",
            "webp" => "image/webp",
            "mp4" => "video/mp4",
            "mp3" => "audio/mpeg",
            "m4a" => "audio/mp4",
            "ogg" | "oga" => "audio/ogg",
            "pdf" => "application/pdf",
            "txt" => "text/plain",
            _ => "application/octet-stream",
        }
        .to_string(),
    )
}

/// Where attachment blobs live: pending uploads (`up-*.bin`) and verified downloads
/// (`dl-<message>-<index>.bin`), both encrypted.
pub(crate) fn attachments_dir(client: &ClientState) -> Result<PathBuf> {
    let d = client.config.data_dir.join("attachments");
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

fn write_synced(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("part");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Queue a file message: encrypt (after removing JPEG metadata unless disabled), keep the
/// encrypted blob on disk and the message in the database, then let the uploader take over.
pub(crate) fn send_file(client: &ClientState, to: &str, file: OutgoingFile) -> Result<i64> {
    let group = to.starts_with("03");
    let to_hex = if group {
        crate::identity::AccountId::parse_with(to, crate::identity::IdPrefix::Group)?.to_hex()
    } else {
        SessionId::parse(to)?.to_hex()
    };
    if file.data.len() > attachment::MAX_ATTACHMENT_SIZE {
        return Err(too_large(file.data.len() as u64));
    }
    if file.data.is_empty() {
        return Err(Error::invalid_argument("the file is empty"));
    }
    if group {
        groups::ensure_can_send(client, &to_hex)?;
    } else if client.store.contact(&to_hex)?.is_some_and(|c| c.blocked) {
        return Err(Error::new(ErrorKind::Blocked, format!("{to_hex} is blocked; unblock to send")));
    }
    let is_jpeg = crate::media::jpeg::is_jpeg(&file.data);
    let data = crate::media::jpeg::strip_metadata_if(file.data, client.config.strip_jpeg_metadata)?;
    let (width, height) = if is_jpeg {
        img_parts::jpeg::Jpeg::from_bytes(bytes::Bytes::copy_from_slice(&data))
            .ok()
            .and_then(|j| j.dimensions())
            .map_or((None, None), |(w, h)| (Some(w as u32), Some(h as u32)))
    } else {
        (None, None)
    };
    let enc = attachment::encrypt(&data)?;
    let blob_path = attachments_dir(client)?.join(format!("up-{}.bin", hex::encode(crate::sodium::random_array::<12>())));
    write_synced(&blob_path, &enc.blob)?;
    let content_type = file.content_type.or_else(|| is_jpeg.then(|| "image/jpeg".to_string()));
    let sent_ts = client.next_sent_ts();
    let me = client.session_id().to_hex();
    let record = AttachmentRecord {
        message_id: 0,
        info: crate::store::AttachmentInfo {
            index: 0,
            file_name: file.file_name,
            content_type,
            size: enc.size as u64,
            voice_note: file.voice_note,
            width,
            height,
            caption: None,
            url: None,
            state: AttachmentState::PendingUpload,
        },
        key: Some(enc.key.to_vec()),
        digest: Some(enc.digest.to_vec()),
        blob_path: Some(blob_path.to_string_lossy().into_owned()),
        attempts: 0,
        deadline: crate::clock::local_now_ms() + client.config.send_retry_window.as_millis() as i64,
    };
    let id = client.store.insert_outgoing(&NewOutgoing {
        conversation: &to_hex,
        kind: if group { ConversationKind::Group } else { ConversationKind::Direct },
        sender: &me,
        body: file.caption.as_deref(),
        sent_ts,
        extra: None,
        copies: vec![],
        attachments: vec![record],
    })?;
    if !group {
        approve_recipient(client, &to_hex)?;
    }
    client.events.emit(Event::MessageState { message_id: id, conversation: to_hex, state: MessageState::Sending });
    client.activity.touch();
    client.wake.uploader.notify_one();
    Ok(id)
}

/// Progress events, at most four a second per transfer (plus the final one).
fn progress_reporter(client: Arc<ClientState>, message_id: i64, index: u32, upload: bool) -> impl Fn(Direction, u64, u64) + Send + Sync {
    let last = Mutex::new(None::<Instant>);
    move |dir, done, total| {
        if (dir == Direction::Up) != upload {
            return;
        }
        let mut l = last.lock().expect("progress lock");
        let due = l.is_none_or(|t| t.elapsed() >= Duration::from_millis(250)) || done >= total;
        if due {
            *l = Some(Instant::now());
            client.events.emit(Event::AttachmentProgress { message_id, index, upload, done, total });
        }
    }
}

/// Cancel an upload or download in progress. An upload's message becomes failed; a download
/// reports `Cancelled`. Returns `NotFound` when nothing is in progress for it.
pub(crate) fn cancel(client: &ClientState, message_id: i64, index: u32) -> Result<()> {
    let mut found = false;
    for upload in [true, false] {
        found |= client.transfers.cancel((message_id, index, upload));
    }
    // An upload waiting for its next attempt is cancelled in the database.
    if !found {
        if let Ok(a) = client.store.attachment(message_id, index) {
            if a.info.state == AttachmentState::PendingUpload {
                abandon_upload(client, &a, "cancelled", ErrorKind::Cancelled, true)?;
                found = true;
            }
        }
    }
    if found {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::NotFound, format!("no transfer in progress for attachment {index} of message {message_id}")))
    }
}

fn abandon_upload(client: &ClientState, a: &AttachmentRecord, why: &str, kind: ErrorKind, cancelled: bool) -> Result<()> {
    client.store.upload_abandoned(a.message_id, a.info.index, why, cancelled)?;
    if cancelled {
        if let Some(p) = &a.blob_path {
            client.blobs.remove(Path::new(p));
        }
    }
    let conversation = client.store.message(a.message_id)?.map(|m| m.conversation).unwrap_or_default();
    client.events.emit(Event::AttachmentFailed {
        message_id: a.message_id,
        index: a.info.index,
        upload: true,
        error: why.to_string(),
        error_kind: kind.name().to_string(),
        will_retry: false,
    });
    client.events.emit(Event::MessageState { message_id: a.message_id, conversation, state: MessageState::Failed });
    Ok(())
}

/// One upload attempt of a due attachment (run by the uploader task).
pub(crate) async fn upload_one(client: Arc<ClientState>, a: AttachmentRecord) {
    let key = (a.message_id, a.info.index, true);
    let cancel = client.transfers.register(key);
    let cancel_seen = cancel.clone();
    let result = async {
        let path = a.blob_path.clone().ok_or_else(|| Error::internal("pending upload without a blob"))?;
        let blob = tokio::fs::read(&path).await.map_err(|e| Error::new(ErrorKind::Io, format!("{path}: {e}")))?;
        let report = progress_reporter(client.clone(), a.message_id, a.info.index, true);
        let transfer = Transfer { progress: Some(Arc::new(report)), cancel: Some(cancel) };
        file_server::upload(&client.network, blob, &transfer).await
    }
    .await;
    client.transfers.unregister(key);
    // A cancel that raced with a failing attempt still cancels (rather than being retried).
    let result = match result {
        Err(e) if *cancel_seen.borrow() && e.kind() != ErrorKind::Cancelled => {
            Err(Error::new(ErrorKind::Cancelled, format!("cancelled ({e})")))
        }
        r => r,
    };
    match result {
        Ok(up) => {
            // Read the message first: the callback below runs inside the store's transaction.
            let profiled = profiled(&client.store).unwrap_or_default();
            let queued = client.store.require_message(a.message_id).and_then(|m| {
                client.store.upload_done(a.message_id, a.info.index, &up.url, |all| {
                    let dm = DataMessage { body: m.body.clone(), attachments: all.iter().map(pointer).collect(), ..profiled };
                    if m.conversation.starts_with("03") {
                        Ok(vec![groups::group_copy(&client, &m.conversation, dm, m.sent_ts)?])
                    } else {
                        message_copies(&client, &SessionId::parse(&m.conversation)?, dm, m.sent_ts)
                    }
                })
            });
            if let Some(p) = &a.blob_path {
                client.blobs.remove(Path::new(p));
            }
            match queued {
                Ok(q) => {
                    client.events.emit(Event::AttachmentDone { message_id: a.message_id, index: a.info.index, upload: true, path: None });
                    client.events.log(LogLevel::Info, || format!("uploaded attachment {} of message {}", a.info.index, a.message_id));
                    if q {
                        client.wake.sender.notify_one();
                    }
                }
                Err(e) => client.events.log(LogLevel::Error, || format!("recording the upload of message {} failed: {e}", a.message_id)),
            }
        }
        Err(e) if e.kind() == ErrorKind::Cancelled => {
            if let Err(e2) = abandon_upload(&client, &a, "cancelled", ErrorKind::Cancelled, true) {
                client.events.log(LogLevel::Error, || format!("cancelling upload: {e2}"));
            }
        }
        Err(e) => {
            let next = crate::clock::local_now_ms() + retry_delay(a.attempts);
            let permanent = matches!(e.kind(), ErrorKind::TooLarge | ErrorKind::Io);
            if permanent || next > a.deadline {
                if let Err(e2) = abandon_upload(&client, &a, &e.to_string(), e.kind(), false) {
                    client.events.log(LogLevel::Error, || format!("abandoning upload: {e2}"));
                }
            } else {
                let _ = client.store.upload_failed_attempt(a.message_id, a.info.index, &e.to_string(), next);
                client.events.emit(Event::AttachmentFailed {
                    message_id: a.message_id,
                    index: a.info.index,
                    upload: true,
                    error: e.to_string(),
                    error_kind: e.kind().name().to_string(),
                    will_retry: true,
                });
                client.events.log(LogLevel::Warn, || format!("upload of message {} failed, retrying: {e}", a.message_id));
            }
        }
    }
}

/// Fetch, verify and decrypt an attachment (the verified encrypted blob is cached in the data
/// directory, so a second download needs no network).
pub(crate) async fn fetch(client: &Arc<ClientState>, message_id: i64, index: u32) -> Result<Vec<u8>> {
    let a = client.store.attachment(message_id, index)?;
    let key = a.key.clone().ok_or_else(|| Error::invalid_argument("this attachment has no key (it is not downloadable)"))?;
    let url = a.info.url.clone().ok_or_else(|| Error::new(ErrorKind::NotFound, "this attachment was never uploaded"))?;
    let cache = attachments_dir(client)?.join(format!("dl-{message_id}-{index}.bin"));
    let size = (a.info.size > 0).then_some(a.info.size as usize);
    if let Ok(blob) = tokio::fs::read(&cache).await {
        if let Ok(plain) = attachment::decrypt(&blob, &key, a.digest.as_deref(), size) {
            return Ok(plain);
        }
        let _ = std::fs::remove_file(&cache);
    }
    let location = file_server::locate(&url, client.network.config())?;
    let tkey = (message_id, index, false);
    let cancel = client.transfers.register(tkey);
    let report = progress_reporter(client.clone(), message_id, index, false);
    let blob =
        file_server::download(&client.network, &location, &Transfer { progress: Some(Arc::new(report)), cancel: Some(cancel) }).await;
    client.transfers.unregister(tkey);
    let blob = blob?;
    if blob.len() > attachment::MAX_ENCRYPTED_SIZE {
        return Err(Error::new(ErrorKind::TooLarge, "the downloaded file exceeds the attachment limit"));
    }
    let plain = attachment::decrypt(&blob, &key, a.digest.as_deref(), size)?;
    write_synced(&cache, &blob)?;
    client.store.set_attachment_state(message_id, index, AttachmentState::Downloaded)?;
    Ok(plain)
}

/// Download in the background; progress, then done (with `dest` written atomically) or failed.
pub(crate) fn start_download(client: &Arc<ClientState>, message_id: i64, index: u32, dest: Option<PathBuf>) -> Result<()> {
    client.store.attachment(message_id, index)?;
    let rt = runtime::runtime()?;
    let client = client.clone();
    rt.spawn(async move {
        let r = async {
            let plain = fetch(&client, message_id, index).await?;
            if let Some(d) = &dest {
                write_synced(d, &plain)?;
            }
            Ok::<_, Error>(())
        }
        .await;
        match r {
            Ok(()) => client.events.emit(Event::AttachmentDone {
                message_id,
                index,
                upload: false,
                path: dest.map(|d| d.to_string_lossy().into_owned()),
            }),
            Err(e) => client.events.emit(Event::AttachmentFailed {
                message_id,
                index,
                upload: false,
                error: e.to_string(),
                error_kind: e.kind().name().to_string(),
                will_retry: false,
            }),
        }
    });
    Ok(())
}

/// Write an attachment's plaintext to `dest` (via a temporary file renamed on success, so a
/// failed or partial download never appears complete).
pub(crate) fn save_to(dest: &Path, data: &[u8]) -> Result<()> {
    write_synced(dest, data)
}
