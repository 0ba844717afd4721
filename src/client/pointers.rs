//! Attachments as messages carry them (`AttachmentPointer`: URL, key, digest, name, type,
//! size) and as the database keeps them (`AttachmentRecord`), converted both ways. Pure.

use crate::store::{AttachmentInfo, AttachmentRecord, AttachmentState};
use crate::wire::proto::{AttachmentPointer, DataMessage, ATTACHMENT_FLAG_VOICE_MESSAGE};

/// The protobuf pointer for an uploaded attachment.
pub(crate) fn pointer(a: &AttachmentRecord) -> AttachmentPointer {
    let i = &a.info;
    let url = i.url.clone().unwrap_or_default();
    AttachmentPointer {
        deprecated_id: url.rsplit('/').next().and_then(|id| id.parse().ok()).unwrap_or(0),
        content_type: i.content_type.clone(),
        key: a.key.clone(),
        size: Some(i.size as u32),
        digest: a.digest.clone(),
        file_name: i.file_name.clone(),
        flags: i.voice_note.then_some(ATTACHMENT_FLAG_VOICE_MESSAGE),
        width: i.width,
        height: i.height,
        caption: i.caption.clone(),
        url: Some(url),
    }
}

/// Incoming pointers become attachment records (state Remote).
pub(crate) fn records_from(dm: &DataMessage) -> Vec<AttachmentRecord> {
    dm.attachments
        .iter()
        .enumerate()
        .map(|(i, p)| AttachmentRecord {
            message_id: 0,
            info: AttachmentInfo {
                index: i as u32,
                file_name: p.file_name.clone().filter(|n| !n.is_empty()),
                content_type: p.content_type.clone().filter(|t| !t.is_empty()),
                size: p.size.unwrap_or(0) as u64,
                voice_note: p.flags.unwrap_or(0) & ATTACHMENT_FLAG_VOICE_MESSAGE != 0,
                width: p.width,
                height: p.height,
                caption: p.caption.clone(),
                url: p.url.clone(),
                state: AttachmentState::Remote,
            },
            key: p.key.clone(),
            digest: p.digest.clone(),
            blob_path: None,
            attempts: 0,
            deadline: 0,
        })
        .collect()
}
