//! A group's configs (groups v2, groups.md §3 and §6): its keys (namespace 12, [`keys`] and
//! [`keys_message`]), info (13, [`info`]) and members (14, [`members`]); the latter two are typed
//! views over [`crate::config::Config`] with libsession-util's keys and value rules (`groups::Info`, `groups::Members`).
//!
//! Both are encrypted with the group keys ([`GroupKeys::group_keys`], newest first) and must be
//! signed by the group key: admins (holding the seed) sign, members only verify and cannot edit.

pub mod info;
pub mod keys;
pub mod keys_message;
pub mod members;
#[cfg(test)]
mod tests;

pub use info::GroupInfo;
pub use members::{GroupMembers, Member};

use crate::config::SigningKeys;
use crate::crypto::group_key::GroupAdminKey;
use crate::error::{Error, ErrorKind};

/// Most members a group may have (client limit).
pub const CLOSED_GROUP_SIZE_LIMIT: usize = 100;
/// Longest group name, in bytes.
pub const NAME_MAX_LENGTH: usize = 100;
/// Longest group description, in bytes.
pub const DESCRIPTION_MAX_LENGTH: usize = 2000;
/// Longest member name, in bytes.
pub const MEMBER_NAME_MAX_LENGTH: usize = 100;

/// Encryption domain of the info config.
pub const INFO_DOMAIN: &str = "groups::Info";
/// Encryption domain of the members config.
pub const MEMBERS_DOMAIN: &str = "groups::Members";

/// Group swarm namespaces.
pub const NS_MESSAGES: i16 = 11;
pub const NS_KEYS: i16 = 12;
pub const NS_INFO: i16 = 13;
pub const NS_MEMBERS: i16 = 14;
/// Kicked notices; retrievable with a revoked subaccount token.
pub const NS_REVOKED_RETRIEVABLE: i16 = -11;

/// Invite/promotion status (`I`, `P`; absent = accepted, 2 = failed): sent.
pub const STATUS_SENT: i64 = 1;
/// Invite/promotion status: not sent yet.
pub const STATUS_NOT_SENT: i64 = 3;

/// Signing keys for a group config: verify with the group key; sign too when admin.
pub fn group_signing_keys(group_pk: &[u8; 32], admin: Option<&GroupAdminKey>) -> SigningKeys {
    match admin {
        Some(a) => SigningKeys::admin(*a.secret_key()),
        None => SigningKeys::verify_only(*group_pk),
    }
}

fn too_long(what: &str, max: usize, len: usize) -> Error {
    Error::new(ErrorKind::TooLarge, format!("{what} is {len} bytes; the limit is {max}"))
}
