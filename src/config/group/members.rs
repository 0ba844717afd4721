//! The group members config (namespace 14, libsession `groups::Members`).

use crate::config::fields::{entry_mut, get_int, get_pic, remove_entry, set_flag, set_pic, set_positive};
use crate::config::group::keys::GroupKeys;
use crate::config::group::*;
use crate::config::{Config, ConfigValue, Dict};
use crate::crypto::group_key::GroupAdminKey;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{AccountId, IdPrefix, SessionId};

/// One group member as the members config records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub session_id: SessionId,
    /// Display name (≤ 100 bytes; may be empty).
    pub name: String,
    /// Avatar (URL, 32-byte key).
    pub profile_pic: Option<(String, [u8; 32])>,
    pub admin: bool,
    /// 0 = accepted, else [`STATUS_SENT`], 2 (failed) or [`STATUS_NOT_SENT`] (admins: 0).
    pub invite_status: i64,
    /// Promotion status, same values.
    pub promotion_status: i64,
    /// 0, or pending removal: 1 (the member) or 2 (the member and their messages).
    pub removed_status: i64,
    /// The invite included history (key supplement) rather than a rekey.
    pub supplement: bool,
}

impl Member {
    /// A new member record: not admin, invite not yet sent.
    pub fn new(session_id: SessionId) -> Member {
        Member {
            session_id,
            name: String::new(),
            profile_pic: None,
            admin: false,
            invite_status: STATUS_NOT_SENT,
            promotion_status: 0,
            removed_status: 0,
            supplement: false,
        }
    }

    fn load(session_id: SessionId, d: &Dict) -> Member {
        let admin = get_int(d, "A").unwrap_or(0) != 0;
        let invite_status = if admin { 0 } else { get_int(d, "I").unwrap_or(0) };
        let promotion_status = get_int(d, "P").unwrap_or(0);
        let supplement = invite_status > 0 && !(admin || promotion_status > 0) && get_int(d, "s").unwrap_or(0) != 0;
        Member {
            session_id,
            name: d.get(&b"n"[..]).and_then(ConfigValue::as_bytes).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default(),
            profile_pic: get_pic(d),
            admin,
            invite_status,
            promotion_status,
            removed_status: get_int(d, "R").unwrap_or(0),
            supplement,
        }
    }

    fn store(&self, d: &mut Dict) {
        // The name is always present (even empty) so the entry never prunes away.
        d.insert(b"n".to_vec(), ConfigValue::bytes(self.name.as_bytes()));
        set_pic(d, self.profile_pic.as_ref().map(|(u, k)| (u.as_str(), k)));
        set_flag(d, "A", self.admin);
        set_positive(d, "P", self.promotion_status);
        set_positive(d, "I", if self.admin { 0 } else { self.invite_status });
        set_flag(d, "s", self.supplement);
        set_positive(d, "R", self.removed_status);
    }

    /// Invited, not yet accepted.
    pub fn invite_pending(&self) -> bool {
        !self.admin && self.invite_status > 0
    }
    /// Marked for removal.
    pub fn is_removed(&self) -> bool {
        self.removed_status > 0
    }
}

/// The group members config.
#[derive(Clone)]
pub struct GroupMembers {
    config: Config,
    group_pk: [u8; 32],
}

impl GroupMembers {
    pub fn new(group_pk: &[u8; 32], admin: Option<&GroupAdminKey>) -> GroupMembers {
        GroupMembers { config: Config::new(MEMBERS_DOMAIN, group_signing_keys(group_pk, admin)), group_pk: *group_pk }
    }
    pub fn from_dump(group_pk: &[u8; 32], admin: Option<&GroupAdminKey>, dump: &[u8]) -> Result<GroupMembers> {
        Ok(GroupMembers { config: Config::from_dump(MEMBERS_DOMAIN, group_signing_keys(group_pk, admin), dump)?, group_pk: *group_pk })
    }
    #[cfg(feature = "internals")]
    pub fn group_id(&self) -> AccountId {
        AccountId::new(IdPrefix::Group, self.group_pk)
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }
    pub fn set_keys(&mut self, keys: &GroupKeys, dirty: bool) -> Result<()> {
        self.config.replace_keys(&keys.group_keys(), dirty)
    }
    pub fn set_admin(&mut self, admin: &GroupAdminKey) {
        self.config.set_signing_keys(group_signing_keys(&self.group_pk, Some(admin)));
    }

    fn members_dict(&self) -> Option<&Dict> {
        self.config.data().get(&b"m"[..]).and_then(ConfigValue::as_dict)
    }

    /// Number of member entries.
    pub fn len(&self) -> usize {
        self.members_dict().map_or(0, |m| m.len())
    }
    #[cfg(feature = "internals")]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, session_id: &SessionId) -> Option<Member> {
        let d = self.members_dict()?.get(&session_id.as_bytes()[..])?.as_dict()?;
        Some(Member::load(*session_id, d))
    }

    /// All members in Session ID order (entries that are not valid 05 IDs with a dict are skipped).
    pub fn members(&self) -> Vec<Member> {
        let Some(m) = self.members_dict() else { return vec![] };
        m.iter()
            .filter_map(|(k, v)| {
                let id = AccountId::from_bytes(k).ok().filter(|a| a.prefix() == IdPrefix::Standard)?;
                Some(Member::load(SessionId::from_x25519(id.key()), v.as_dict()?))
            })
            .collect()
    }

    /// Session IDs of all members (what a rekey encrypts for).
    pub fn session_ids(&self) -> Vec<SessionId> {
        self.members().into_iter().map(|m| m.session_id).collect()
    }

    /// Add or update a member. A new member beyond [`CLOSED_GROUP_SIZE_LIMIT`] → `GroupFull`; a
    /// name over 100 bytes → `TooLarge`; non-admins → `PermissionDenied`.
    pub fn set(&mut self, member: &Member) -> Result<()> {
        if member.name.len() > MEMBER_NAME_MAX_LENGTH {
            return Err(too_long("member name", MEMBER_NAME_MAX_LENGTH, member.name.len()));
        }
        let key = member.session_id.as_bytes().to_vec();
        let exists = self.members_dict().is_some_and(|m| m.contains_key(&key));
        if !exists && self.len() >= CLOSED_GROUP_SIZE_LIMIT {
            return Err(Error::new(ErrorKind::GroupFull, format!("the group already has {CLOSED_GROUP_SIZE_LIMIT} members")));
        }
        self.config.modify(|d| member.store(entry_mut(d, b"m", &key))).map(drop)
    }

    /// Remove a member; returns whether it was there.
    pub fn erase(&mut self, session_id: &SessionId) -> Result<bool> {
        let key = session_id.as_bytes().to_vec();
        if !self.members_dict().is_some_and(|m| m.contains_key(&key)) {
            return Ok(false);
        }
        self.config.modify(|d| {
            remove_entry(d, b"m", &key);
        })?;
        Ok(true)
    }
}
