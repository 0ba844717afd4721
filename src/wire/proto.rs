//! Session's protobuf messages (proto2, package `SessionProtos`/`signalservice`), declared with
//! prost derive. Field numbers follow session-desktop `protos/SignalService.proto` (2026) and
//! libsession's `SessionProtos.proto`; see ../shared/protocol/session-protocol.md §4.
//!
//! proto2 `required` fields are plain values here but prost does not enforce their presence on
//! decode, so receivers validate what they use.

#![allow(clippy::derive_partial_eq_without_eq)]

use prost::Message;

// ---- transport wrappers -------------------------------------------------------------------

#[derive(Clone, PartialEq, Message)]
pub struct WebSocketRequestMessage {
    #[prost(string, optional, tag = "1")]
    pub verb: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub path: Option<String>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub body: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "4")]
    pub request_id: Option<u64>,
    #[prost(string, repeated, tag = "5")]
    pub headers: Vec<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct WebSocketResponseMessage {
    #[prost(uint64, optional, tag = "1")]
    pub request_id: Option<u64>,
    #[prost(uint32, optional, tag = "2")]
    pub status: Option<u32>,
    #[prost(string, optional, tag = "3")]
    pub message: Option<String>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub body: Option<Vec<u8>>,
    #[prost(string, repeated, tag = "5")]
    pub headers: Vec<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct WebSocketMessage {
    #[prost(enumeration = "web_socket_message::Type", optional, tag = "1")]
    pub r#type: Option<i32>,
    #[prost(message, optional, tag = "2")]
    pub request: Option<WebSocketRequestMessage>,
    #[prost(message, optional, tag = "3")]
    pub response: Option<WebSocketResponseMessage>,
}

pub mod web_socket_message {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        Unknown = 0,
        Request = 1,
        Response = 2,
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct Envelope {
    #[prost(enumeration = "envelope::Type", required, tag = "1")]
    pub r#type: i32,
    #[prost(string, optional, tag = "2")]
    pub source: Option<String>,
    #[prost(uint64, required, tag = "5")]
    pub timestamp: u64,
    #[prost(uint32, optional, tag = "7")]
    pub source_device: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "8")]
    pub content: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "10")]
    pub server_timestamp: Option<u64>,
    #[prost(bytes = "vec", optional, tag = "11")]
    pub pro_sig: Option<Vec<u8>>,
}

pub mod envelope {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        SessionMessage = 6,
        ClosedGroupMessage = 7,
    }
}

// ---- content ---------------------------------------------------------------------------------

#[derive(Clone, PartialEq, Message)]
pub struct Content {
    #[prost(message, optional, tag = "1")]
    pub data_message: Option<DataMessage>,
    #[prost(message, optional, tag = "3")]
    pub call_message: Option<CallMessage>,
    #[prost(message, optional, tag = "5")]
    pub receipt_message: Option<ReceiptMessage>,
    #[prost(message, optional, tag = "6")]
    pub typing_message: Option<TypingMessage>,
    #[prost(message, optional, tag = "8")]
    pub data_extraction_notification: Option<DataExtractionNotification>,
    #[prost(message, optional, tag = "9")]
    pub unsend_request: Option<UnsendRequest>,
    #[prost(message, optional, tag = "10")]
    pub message_request_response: Option<MessageRequestResponse>,
    #[prost(message, optional, tag = "11")]
    pub shared_config_message: Option<SharedConfigMessage>,
    #[prost(enumeration = "content::ExpirationType", optional, tag = "12")]
    pub expiration_type: Option<i32>,
    #[prost(uint32, optional, tag = "13")]
    pub expiration_timer: Option<u32>,
    #[prost(uint64, optional, tag = "15")]
    pub sig_timestamp: Option<u64>,
    #[prost(bytes = "vec", optional, tag = "17")]
    pub pro_sig_for_community_message_only: Option<Vec<u8>>,
}

pub mod content {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum ExpirationType {
        Unknown = 0,
        DeleteAfterRead = 1,
        DeleteAfterSend = 2,
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct DataMessage {
    #[prost(string, optional, tag = "1")]
    pub body: Option<String>,
    #[prost(message, repeated, tag = "2")]
    pub attachments: Vec<AttachmentPointer>,
    #[prost(uint32, optional, tag = "4")]
    pub flags: Option<u32>,
    #[prost(uint32, optional, tag = "5")]
    pub expire_timer: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "6")]
    pub profile_key: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "7")]
    pub timestamp: Option<u64>,
    #[prost(message, optional, tag = "8")]
    pub quote: Option<data_message::Quote>,
    #[prost(message, repeated, tag = "10")]
    pub preview: Vec<data_message::Preview>,
    #[prost(message, optional, tag = "11")]
    pub reaction: Option<data_message::Reaction>,
    #[prost(message, optional, tag = "101")]
    pub profile: Option<LokiProfile>,
    #[prost(message, optional, tag = "102")]
    pub open_group_invitation: Option<data_message::OpenGroupInvitation>,
    #[prost(string, optional, tag = "105")]
    pub sync_target: Option<String>,
    #[prost(bool, optional, tag = "106")]
    pub blocks_community_message_requests: Option<bool>,
    #[prost(message, optional, tag = "120")]
    pub group_update_message: Option<GroupUpdateMessage>,
}

pub mod data_message {
    use super::AttachmentPointer;

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Quote {
        /// The quoted message's sent timestamp (ms).
        #[prost(uint64, required, tag = "1")]
        pub id: u64,
        /// The quoted message's author (Session ID).
        #[prost(string, required, tag = "2")]
        pub author: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Preview {
        #[prost(string, required, tag = "1")]
        pub url: String,
        #[prost(string, optional, tag = "2")]
        pub title: Option<String>,
        #[prost(message, optional, tag = "3")]
        pub image: Option<AttachmentPointer>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Reaction {
        #[prost(uint64, required, tag = "1")]
        pub id: u64,
        #[prost(string, required, tag = "2")]
        pub author: String,
        #[prost(string, optional, tag = "3")]
        pub emoji: Option<String>,
        #[prost(enumeration = "reaction::Action", required, tag = "4")]
        pub action: i32,
    }

    pub mod reaction {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
        #[repr(i32)]
        pub enum Action {
            React = 0,
            Remove = 1,
        }
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct OpenGroupInvitation {
        #[prost(string, required, tag = "1")]
        pub url: String,
        #[prost(string, required, tag = "3")]
        pub name: String,
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct LokiProfile {
    #[prost(string, optional, tag = "1")]
    pub display_name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub profile_picture: Option<String>,
    #[prost(uint64, optional, tag = "3")]
    pub last_profile_update_seconds: Option<u64>,
}

#[derive(Clone, PartialEq, Message)]
pub struct AttachmentPointer {
    #[prost(fixed64, required, tag = "1")]
    pub deprecated_id: u64,
    #[prost(string, optional, tag = "2")]
    pub content_type: Option<String>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub key: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "4")]
    pub size: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "6")]
    pub digest: Option<Vec<u8>>,
    #[prost(string, optional, tag = "7")]
    pub file_name: Option<String>,
    #[prost(uint32, optional, tag = "8")]
    pub flags: Option<u32>,
    #[prost(uint32, optional, tag = "9")]
    pub width: Option<u32>,
    #[prost(uint32, optional, tag = "10")]
    pub height: Option<u32>,
    #[prost(string, optional, tag = "11")]
    pub caption: Option<String>,
    #[prost(string, optional, tag = "101")]
    pub url: Option<String>,
}

/// `AttachmentPointer.flags` bit for voice notes.
pub const ATTACHMENT_FLAG_VOICE_MESSAGE: u32 = 1;

#[derive(Clone, PartialEq, Message)]
pub struct TypingMessage {
    #[prost(uint64, required, tag = "1")]
    pub timestamp: u64,
    #[prost(enumeration = "typing_message::Action", required, tag = "2")]
    pub action: i32,
}

pub mod typing_message {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Action {
        Started = 0,
        Stopped = 1,
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct ReceiptMessage {
    #[prost(enumeration = "receipt_message::Type", required, tag = "1")]
    pub r#type: i32,
    #[prost(uint64, repeated, packed = "false", tag = "2")]
    pub timestamp: Vec<u64>,
}

pub mod receipt_message {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        Delivery = 0,
        Read = 1,
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct UnsendRequest {
    #[prost(uint64, required, tag = "1")]
    pub timestamp: u64,
    #[prost(string, required, tag = "2")]
    pub author: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct MessageRequestResponse {
    #[prost(bool, required, tag = "1")]
    pub is_approved: bool,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub profile_key: Option<Vec<u8>>,
    #[prost(message, optional, tag = "3")]
    pub profile: Option<LokiProfile>,
}

#[derive(Clone, PartialEq, Message)]
pub struct DataExtractionNotification {
    #[prost(enumeration = "data_extraction_notification::Type", required, tag = "1")]
    pub r#type: i32,
    #[prost(uint64, optional, tag = "2")]
    pub timestamp: Option<u64>,
}

pub mod data_extraction_notification {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        Screenshot = 1,
        MediaSaved = 2,
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct CallMessage {
    #[prost(enumeration = "call_message::Type", required, tag = "1")]
    pub r#type: i32,
    #[prost(string, repeated, tag = "2")]
    pub sdps: Vec<String>,
    #[prost(uint32, repeated, packed = "false", tag = "3")]
    pub sdp_m_line_indexes: Vec<u32>,
    #[prost(string, repeated, tag = "4")]
    pub sdp_mids: Vec<String>,
    #[prost(string, required, tag = "5")]
    pub uuid: String,
}

pub mod call_message {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        PreOffer = 6,
        Offer = 1,
        Answer = 2,
        ProvisionalAnswer = 3,
        IceCandidates = 4,
        EndCall = 5,
    }
}

/// Legacy config wrapper (Content field 11), read for compatibility.
#[derive(Clone, PartialEq, Message)]
pub struct SharedConfigMessage {
    #[prost(enumeration = "shared_config_message::Kind", required, tag = "1")]
    pub kind: i32,
    #[prost(int64, required, tag = "2")]
    pub seqno: i64,
    #[prost(bytes = "vec", required, tag = "3")]
    pub data: Vec<u8>,
}

pub mod shared_config_message {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Kind {
        UserProfile = 1,
        Contacts = 2,
        ConvoInfoVolatile = 3,
        UserGroups = 4,
    }
}

// ---- groups v2 control messages (DataMessage field 120) --------------------------------------

#[derive(Clone, PartialEq, Message)]
pub struct GroupUpdateMessage {
    #[prost(message, optional, tag = "1")]
    pub invite_message: Option<GroupUpdateInviteMessage>,
    #[prost(message, optional, tag = "2")]
    pub info_change_message: Option<GroupUpdateInfoChangeMessage>,
    #[prost(message, optional, tag = "3")]
    pub member_change_message: Option<GroupUpdateMemberChangeMessage>,
    #[prost(message, optional, tag = "4")]
    pub promote_message: Option<GroupUpdatePromoteMessage>,
    #[prost(message, optional, tag = "5")]
    pub member_left_message: Option<GroupUpdateMemberLeftMessage>,
    #[prost(message, optional, tag = "6")]
    pub invite_response: Option<GroupUpdateInviteResponseMessage>,
    #[prost(message, optional, tag = "7")]
    pub delete_member_content: Option<GroupUpdateDeleteMemberContentMessage>,
    #[prost(message, optional, tag = "8")]
    pub member_left_notification_message: Option<GroupUpdateMemberLeftNotificationMessage>,
}

#[derive(Clone, PartialEq, Message)]
pub struct GroupUpdateInviteMessage {
    /// `03` + group Ed25519 key, hex.
    #[prost(string, required, tag = "1")]
    pub group_session_id: String,
    #[prost(string, required, tag = "2")]
    pub name: String,
    /// 100 bytes: subaccount auth data.
    #[prost(bytes = "vec", required, tag = "3")]
    pub member_auth_data: Vec<u8>,
    #[prost(bytes = "vec", required, tag = "4")]
    pub admin_signature: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct GroupUpdateInfoChangeMessage {
    #[prost(enumeration = "group_update_info_change_message::Type", required, tag = "1")]
    pub r#type: i32,
    #[prost(string, optional, tag = "2")]
    pub updated_name: Option<String>,
    #[prost(uint32, optional, tag = "3")]
    pub updated_expiration: Option<u32>,
    #[prost(bytes = "vec", required, tag = "4")]
    pub admin_signature: Vec<u8>,
}

pub mod group_update_info_change_message {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        Name = 1,
        Avatar = 2,
        DisappearingMessages = 3,
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct GroupUpdateMemberChangeMessage {
    #[prost(enumeration = "group_update_member_change_message::Type", required, tag = "1")]
    pub r#type: i32,
    #[prost(string, repeated, tag = "2")]
    pub member_session_ids: Vec<String>,
    #[prost(bool, optional, tag = "3")]
    pub history_shared: Option<bool>,
    #[prost(bytes = "vec", required, tag = "4")]
    pub admin_signature: Vec<u8>,
}

pub mod group_update_member_change_message {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        Added = 1,
        Removed = 2,
        Promoted = 3,
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct GroupUpdatePromoteMessage {
    #[prost(bytes = "vec", required, tag = "1")]
    pub group_identity_seed: Vec<u8>,
    #[prost(string, required, tag = "2")]
    pub name: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct GroupUpdateMemberLeftMessage {}

#[derive(Clone, PartialEq, Message)]
pub struct GroupUpdateInviteResponseMessage {
    #[prost(bool, required, tag = "1")]
    pub is_approved: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct GroupUpdateDeleteMemberContentMessage {
    #[prost(string, repeated, tag = "1")]
    pub member_session_ids: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub message_hashes: Vec<String>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub admin_signature: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, Message)]
pub struct GroupUpdateMemberLeftNotificationMessage {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-encoded bytes pin the field numbers and wire types: tag = (field << 3) | wire type.
    #[test]
    fn field_numbers_match_the_reference_proto() {
        let env = Envelope {
            r#type: envelope::Type::SessionMessage as i32,
            source: None,
            timestamp: 1,
            source_device: Some(1),
            content: Some(vec![0xaa]),
            server_timestamp: None,
            pro_sig: None,
        };
        // 08 06 | 28 01 | 38 01 | 42 01 aa
        assert_eq!(env.encode_to_vec(), [0x08, 0x06, 0x28, 0x01, 0x38, 0x01, 0x42, 0x01, 0xaa]);

        let dm = DataMessage {
            body: Some("h".into()),
            profile: Some(LokiProfile { display_name: Some("n".into()), ..Default::default() }),
            sync_target: Some("s".into()),
            group_update_message: Some(GroupUpdateMessage::default()),
            ..Default::default()
        };
        // 0a 01 'h' | field 101 LEN: (101<<3|2)=810 = aa 06, len 3: 0a 01 'n' | 105: ca 06 01 's' | 120: c2 07 00
        assert_eq!(dm.encode_to_vec(), [0x0a, 0x01, b'h', 0xaa, 0x06, 0x03, 0x0a, 0x01, b'n', 0xca, 0x06, 0x01, b's', 0xc2, 0x07, 0x00]);

        let ap = AttachmentPointer { deprecated_id: 0, url: Some("u".into()), ..Default::default() };
        // fixed64 field 1: 09 + 8 bytes | 101 string: aa 06 01 'u'
        assert_eq!(ap.encode_to_vec(), [0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0x06, 0x01, b'u']);

        let c = Content { expiration_timer: Some(5), sig_timestamp: Some(7), ..Default::default() };
        assert_eq!(c.encode_to_vec(), [0x68, 0x05, 0x78, 0x07]);

        let r = ReceiptMessage { r#type: 1, timestamp: vec![3, 4] };
        assert_eq!(r.encode_to_vec(), [0x08, 0x01, 0x10, 0x03, 0x10, 0x04]);
    }
}
