//! Attachments of messages: what the host sees (name, type, size, state) and what the SDK
//! keeps to itself (URL, key, digest, the encrypted blob waiting for upload).

use super::Store;
use crate::clock::local_now_ms as now_ms;
use crate::error::{Error, ErrorKind, Result};
use rusqlite::{params, OptionalExtension, Row, Transaction};

/// Where an attachment is in its life. Stable numbers (C ABI `ssdk_attachment_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentState {
    /// Outgoing, encrypted on disk, waiting for (or in) upload.
    PendingUpload = 0,
    /// Outgoing, on the file server.
    Uploaded = 1,
    /// Outgoing, the upload was given up or cancelled.
    UploadFailed = 2,
    /// Incoming, not downloaded yet.
    Remote = 3,
    /// Incoming, downloaded and verified at least once.
    Downloaded = 4,
}

impl AttachmentState {
    fn from_i64(v: i64) -> AttachmentState {
        match v {
            0 => AttachmentState::PendingUpload,
            1 => AttachmentState::Uploaded,
            2 => AttachmentState::UploadFailed,
            4 => AttachmentState::Downloaded,
            _ => AttachmentState::Remote,
        }
    }
}

/// The host-visible description of an attachment (no key material).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// Position in its message.
    pub index: u32,
    /// The file's name as sent.
    pub file_name: Option<String>,
    /// Its MIME type as sent.
    pub content_type: Option<String>,
    /// Plaintext size in bytes.
    pub size: u64,
    /// Sent as a voice message.
    pub voice_note: bool,
    /// Image or video width, when sent.
    pub width: Option<u32>,
    /// Image or video height, when sent.
    pub height: Option<u32>,
    /// The attachment's own caption.
    pub caption: Option<String>,
    /// The file server URL (the file id is its last segment); `None` before upload.
    pub url: Option<String>,
    /// Where it is in its life (upload or download).
    pub state: AttachmentState,
}

/// Everything stored about an attachment, including its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub message_id: i64,
    pub info: AttachmentInfo,
    pub key: Option<Vec<u8>>,
    pub digest: Option<Vec<u8>>,
    pub blob_path: Option<String>,
    pub attempts: i64,
    pub deadline: i64,
}

const COLS: &str =
    "message_id, idx, file_name, content_type, size, flags, width, height, caption, url, key, digest, state, blob_path, attempts, deadline";

fn row(r: &Row) -> rusqlite::Result<AttachmentRecord> {
    let flags: i64 = r.get(5)?;
    Ok(AttachmentRecord {
        message_id: r.get(0)?,
        info: AttachmentInfo {
            index: r.get(1)?,
            file_name: r.get(2)?,
            content_type: r.get(3)?,
            size: r.get::<_, i64>(4)? as u64,
            voice_note: flags & 1 != 0,
            width: r.get(6)?,
            height: r.get(7)?,
            caption: r.get(8)?,
            url: r.get(9)?,
            state: AttachmentState::from_i64(r.get(12)?),
        },
        key: r.get(10)?,
        digest: r.get(11)?,
        blob_path: r.get(13)?,
        attempts: r.get(14)?,
        deadline: r.get(15)?,
    })
}

pub(super) fn insert_tx(tx: &Transaction, a: &AttachmentRecord) -> rusqlite::Result<()> {
    let i = &a.info;
    tx.execute(
        &format!("INSERT INTO attachments ({COLS}, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 0)"),
        params![
            a.message_id, i.index, i.file_name, i.content_type, i.size as i64, i.voice_note as i64, i.width, i.height, i.caption,
            i.url, a.key, a.digest, i.state as i64, a.blob_path, a.attempts, a.deadline
        ],
    )
    .map(drop)
}

impl Store {
    pub fn attachments(&self, message_id: i64) -> Result<Vec<AttachmentRecord>> {
        self.with(|c| {
            let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM attachments WHERE message_id = ?1 ORDER BY idx"))?;
            let v = st.query_map([message_id], row)?.collect();
            v
        })
    }

    pub fn attachment(&self, message_id: i64, index: u32) -> Result<AttachmentRecord> {
        self.with(|c| {
            c.query_row(&format!("SELECT {COLS} FROM attachments WHERE message_id = ?1 AND idx = ?2"), params![message_id, index], row)
                .optional()
        })?
        .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("message {message_id} has no attachment {index}")))
    }

    /// Outgoing attachments whose upload is due.
    pub fn uploads_due(&self, now: i64, limit: u32) -> Result<Vec<AttachmentRecord>> {
        self.with(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {COLS} FROM attachments WHERE state = 0 AND next_attempt_at <= ?1 ORDER BY next_attempt_at, message_id LIMIT ?2"
            ))?;
            let v = st.query_map(params![now, limit], row)?.collect();
            v
        })
    }

    pub fn next_upload_due(&self) -> Result<Option<i64>> {
        self.with(|c| c.query_row("SELECT MIN(next_attempt_at) FROM attachments WHERE state = 0", [], |r| r.get(0)))
    }

    pub fn upload_failed_attempt(&self, message_id: i64, index: u32, error: &str, next: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE attachments SET attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4 WHERE message_id = ?1 AND idx = ?2",
                params![message_id, index, error, next],
            )
            .map(drop)
        })
    }

    /// Give up an upload (deadline passed or cancelled): the attachment and its message fail.
    /// The encrypted blob is kept for a resend unless `forget_blob` (the caller deletes it).
    pub fn upload_abandoned(&self, message_id: i64, index: u32, error: &str, forget_blob: bool) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE attachments SET state = ?3, last_error = ?4, blob_path = CASE WHEN ?5 THEN NULL ELSE blob_path END
                 WHERE message_id = ?1 AND idx = ?2",
                params![message_id, index, AttachmentState::UploadFailed as i64, error, forget_blob],
            )?;
            tx.execute(
                "UPDATE messages SET state = ?2 WHERE id = ?1 AND state = ?3",
                params![message_id, super::MessageState::Failed as i64, super::MessageState::Sending as i64],
            )?;
            tx.commit()
        })
    }

    /// An upload succeeded. When it was the message's last pending upload, `then` builds the
    /// message's outbox copies from every attachment record, and they are queued in the same
    /// transaction. Returns whether the message was queued.
    pub fn upload_done(
        &self,
        message_id: i64,
        index: u32,
        url: &str,
        then: impl FnOnce(&[AttachmentRecord]) -> Result<Vec<super::OutboxCopy>>,
    ) -> Result<bool> {
        let mut conn = self.conn.lock().map_err(|_| Error::internal("database lock poisoned"))?;
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE attachments SET state = ?3, url = ?4, blob_path = NULL, last_error = NULL WHERE message_id = ?1 AND idx = ?2",
            params![message_id, index, AttachmentState::Uploaded as i64, url],
        )?;
        let all: Vec<AttachmentRecord> = {
            let mut st = tx.prepare(&format!("SELECT {COLS} FROM attachments WHERE message_id = ?1 ORDER BY idx"))?;
            let v = st.query_map([message_id], row)?.collect::<rusqlite::Result<_>>()?;
            v
        };
        if all.iter().any(|a| a.info.state != AttachmentState::Uploaded) {
            tx.commit()?;
            return Ok(false);
        }
        let copies = then(&all)?;
        let now = now_ms();
        for copy in &copies {
            super::outbox::insert_tx(&tx, Some(message_id), copy, now)?;
        }
        tx.commit()?;
        Ok(true)
    }

    pub fn set_attachment_state(&self, message_id: i64, index: u32, state: AttachmentState) -> Result<()> {
        self.with(|c| {
            c.execute("UPDATE attachments SET state = ?3 WHERE message_id = ?1 AND idx = ?2", params![message_id, index, state as i64])
                .map(drop)
        })
    }

    /// Reset a failed upload so it is tried again (resend of a message with attachments).
    pub fn retry_uploads(&self, message_id: i64, deadline: i64) -> Result<usize> {
        self.with(|c| {
            c.execute(
                "UPDATE attachments SET state = 0, attempts = 0, next_attempt_at = 0, deadline = ?2 WHERE message_id = ?1 AND state = 2 AND blob_path IS NOT NULL",
                params![message_id, deadline],
            )
        })
    }
}
