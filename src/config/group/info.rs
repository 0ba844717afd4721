//! The group info config (namespace 13, libsession `groups::Info`).

use crate::config::fields::{get_str, set_nonempty, set_positive};
// Used by the fields the client does not read yet (compiled for the tests and the testnet).
#[cfg(feature = "internals")]
use crate::config::fields::{get_int, get_pic, set_flag, set_pic};
use crate::config::group::keys::GroupKeys;
use crate::config::group::{group_signing_keys, too_long, DESCRIPTION_MAX_LENGTH, INFO_DOMAIN, NAME_MAX_LENGTH};
use crate::config::{Config, Dict};
use crate::crypto::group_key::GroupAdminKey;
use crate::error::Result;
#[cfg(feature = "internals")]
use crate::identity::{AccountId, IdPrefix};

/// The group info config (name, description, avatar, timers, destroyed flag).
#[derive(Clone)]
pub struct GroupInfo {
    config: Config,
    group_pk: [u8; 32],
}

impl GroupInfo {
    /// A new, empty info config; `admin` enables editing and signing.
    pub fn new(group_pk: &[u8; 32], admin: Option<&GroupAdminKey>) -> GroupInfo {
        GroupInfo { config: Config::new(INFO_DOMAIN, group_signing_keys(group_pk, admin)), group_pk: *group_pk }
    }
    /// Restore from [`Config::dump`].
    pub fn from_dump(group_pk: &[u8; 32], admin: Option<&GroupAdminKey>, dump: &[u8]) -> Result<GroupInfo> {
        Ok(GroupInfo { config: Config::from_dump(INFO_DOMAIN, group_signing_keys(group_pk, admin), dump)?, group_pk: *group_pk })
    }
    /// `03` + group key.
    #[cfg(feature = "internals")]
    pub fn group_id(&self) -> AccountId {
        AccountId::new(IdPrefix::Group, self.group_pk)
    }
    /// The underlying config (push, merge, confirm, dump, hashes).
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }
    /// Use the group's current keys (call after every keys change); `dirty` re-pushes under a new key.
    pub fn set_keys(&mut self, keys: &GroupKeys, dirty: bool) -> Result<()> {
        self.config.replace_keys(&keys.group_keys(), dirty)
    }
    /// Became admin (promotion): we can now sign and edit.
    pub fn set_admin(&mut self, admin: &GroupAdminKey) {
        self.config.set_signing_keys(group_signing_keys(&self.group_pk, Some(admin)));
    }

    fn d(&self) -> &Dict {
        self.config.data()
    }

    pub fn name(&self) -> Option<String> {
        get_str(self.d(), "n")
    }
    /// Set the name (≤ 100 bytes, else `TooLarge`); empty removes it.
    pub fn set_name(&mut self, name: &str) -> Result<()> {
        if name.len() > NAME_MAX_LENGTH {
            return Err(too_long("group name", NAME_MAX_LENGTH, name.len()));
        }
        self.config.modify(|d| set_nonempty(d, "n", name.as_bytes())).map(drop)
    }
    pub fn description(&self) -> Option<String> {
        get_str(self.d(), "o")
    }
    /// Set the description (≤ 2000 bytes, else `TooLarge`); empty removes it.
    pub fn set_description(&mut self, desc: &str) -> Result<()> {
        if desc.len() > DESCRIPTION_MAX_LENGTH {
            return Err(too_long("group description", DESCRIPTION_MAX_LENGTH, desc.len()));
        }
        self.config.modify(|d| set_nonempty(d, "o", desc.as_bytes())).map(drop)
    }
    /// Avatar (URL, 32-byte key).
    #[cfg(feature = "internals")]
    pub fn profile_pic(&self) -> Option<(String, [u8; 32])> {
        get_pic(self.d())
    }
    /// Set the avatar; `None` (or an empty URL) clears it.
    #[cfg(feature = "internals")]
    pub fn set_profile_pic(&mut self, pic: Option<(&str, &[u8; 32])>) -> Result<()> {
        self.config.modify(|d| set_pic(d, pic)).map(drop)
    }
    /// Creation time (unix seconds).
    #[cfg(feature = "internals")]
    pub fn created(&self) -> Option<i64> {
        get_int(self.d(), "c")
    }
    pub fn set_created(&mut self, unix_s: i64) -> Result<()> {
        self.config.modify(|d| set_positive(d, "c", unix_s)).map(drop)
    }
    /// Messages before this (unix seconds) are to be deleted.
    #[cfg(feature = "internals")]
    pub fn delete_before(&self) -> Option<i64> {
        get_int(self.d(), "d")
    }
    #[cfg(feature = "internals")]
    pub fn set_delete_before(&mut self, unix_s: i64) -> Result<()> {
        self.config.modify(|d| set_positive(d, "d", unix_s)).map(drop)
    }
    /// Attachments before this (unix seconds) are to be deleted.
    #[cfg(feature = "internals")]
    pub fn delete_attachments_before(&self) -> Option<i64> {
        get_int(self.d(), "D")
    }
    #[cfg(feature = "internals")]
    pub fn set_delete_attachments_before(&mut self, unix_s: i64) -> Result<()> {
        self.config.modify(|d| set_positive(d, "D", unix_s)).map(drop)
    }
    /// Disappearing-messages timer (seconds, delete after send); `None` = off.
    #[cfg(feature = "internals")]
    pub fn expiry_timer(&self) -> Option<i64> {
        get_int(self.d(), "E")
    }
    /// Set the timer; 0 turns it off.
    #[cfg(feature = "internals")]
    pub fn set_expiry_timer(&mut self, seconds: i64) -> Result<()> {
        self.config.modify(|d| set_positive(d, "E", seconds)).map(drop)
    }
    #[cfg(feature = "internals")]
    pub fn is_destroyed(&self) -> bool {
        get_int(self.d(), "!").is_some_and(|v| v > 0)
    }
    /// Mark the group destroyed (irreversible for clients).
    #[cfg(feature = "internals")]
    pub fn destroy_group(&mut self) -> Result<()> {
        self.config.modify(|d| set_flag(d, "!", true)).map(drop)
    }
}
