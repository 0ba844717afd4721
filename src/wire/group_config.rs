//! Groups v2 info (namespace 13) and members (namespace 14) configs (groups.md §6): typed views
//! over [`Config`] with libsession-util's keys and value rules (`groups::Info`, `groups::Members`).
//!
//! Both are encrypted with the group keys ([`GroupKeys::group_keys`], newest first) and must be
//! signed by the group key: admins (holding the seed) sign, members only verify and cannot edit.

use super::config_fields::{entry_mut, get_int, get_pic, get_str, remove_entry, set_flag, set_nonempty, set_pic, set_positive};
use super::config_message::{Config, ConfigValue, Dict, SigningKeys};
use crate::crypto::group_keys::{GroupAdminKey, GroupKeys};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{AccountId, IdPrefix, SessionId};

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

/// Invite/promotion status values (`I`, `P`): absent = accepted.
pub const STATUS_SENT: i64 = 1;
pub const STATUS_FAILED: i64 = 2;
pub const STATUS_NOT_SENT: i64 = 3;
/// Removal status values (`R`).
pub const REMOVED_MEMBER: i64 = 1;
pub const REMOVED_MEMBER_AND_MESSAGES: i64 = 2;

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

// ---- info ----------------------------------------------------------------------------------

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
    pub fn profile_pic(&self) -> Option<(String, [u8; 32])> {
        get_pic(self.d())
    }
    /// Set the avatar; `None` (or an empty URL) clears it.
    pub fn set_profile_pic(&mut self, pic: Option<(&str, &[u8; 32])>) -> Result<()> {
        self.config.modify(|d| set_pic(d, pic)).map(drop)
    }
    /// Creation time (unix seconds).
    pub fn created(&self) -> Option<i64> {
        get_int(self.d(), "c")
    }
    pub fn set_created(&mut self, unix_s: i64) -> Result<()> {
        self.config.modify(|d| set_positive(d, "c", unix_s)).map(drop)
    }
    /// Messages before this (unix seconds) are to be deleted.
    pub fn delete_before(&self) -> Option<i64> {
        get_int(self.d(), "d")
    }
    pub fn set_delete_before(&mut self, unix_s: i64) -> Result<()> {
        self.config.modify(|d| set_positive(d, "d", unix_s)).map(drop)
    }
    /// Attachments before this (unix seconds) are to be deleted.
    pub fn delete_attachments_before(&self) -> Option<i64> {
        get_int(self.d(), "D")
    }
    pub fn set_delete_attachments_before(&mut self, unix_s: i64) -> Result<()> {
        self.config.modify(|d| set_positive(d, "D", unix_s)).map(drop)
    }
    /// Disappearing-messages timer (seconds, delete after send); `None` = off.
    pub fn expiry_timer(&self) -> Option<i64> {
        get_int(self.d(), "E")
    }
    /// Set the timer; 0 turns it off.
    pub fn set_expiry_timer(&mut self, seconds: i64) -> Result<()> {
        self.config.modify(|d| set_positive(d, "E", seconds)).map(drop)
    }
    pub fn is_destroyed(&self) -> bool {
        get_int(self.d(), "!").is_some_and(|v| v > 0)
    }
    /// Mark the group destroyed (irreversible for clients).
    pub fn destroy_group(&mut self) -> Result<()> {
        self.config.modify(|d| set_flag(d, "!", true)).map(drop)
    }
}

// ---- members -------------------------------------------------------------------------------

/// One group member as the members config records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub session_id: SessionId,
    /// Display name (≤ 100 bytes; may be empty).
    pub name: String,
    /// Avatar (URL, 32-byte key).
    pub profile_pic: Option<(String, [u8; 32])>,
    pub admin: bool,
    /// 0 = accepted, else [`STATUS_SENT`] / [`STATUS_FAILED`] / [`STATUS_NOT_SENT`] (admins: 0).
    pub invite_status: i64,
    /// Promotion status, same values.
    pub promotion_status: i64,
    /// 0, [`REMOVED_MEMBER`] or [`REMOVED_MEMBER_AND_MESSAGES`] (pending removal).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::group_keys::KeysRole;
    use crate::identity::Identity;

    struct Admin {
        key: GroupAdminKey,
        keys: GroupKeys,
        info: GroupInfo,
        members: GroupMembers,
    }

    fn new_group(n_members: usize) -> (Admin, Vec<Identity>) {
        let key = GroupAdminKey::generate();
        let me = Identity::generate();
        let others: Vec<Identity> = (0..n_members).map(|_| Identity::generate()).collect();
        let mut members = GroupMembers::new(key.public_key(), Some(&key));
        let mut m = Member::new(me.session_id());
        m.admin = true;
        m.name = "Admin".into();
        members.set(&m).unwrap();
        for o in &others {
            members.set(&Member::new(o.session_id())).unwrap();
        }
        let mut info = GroupInfo::new(key.public_key(), Some(&key));
        info.set_name("Test group").unwrap();
        info.set_created(1_700_000_000).unwrap();
        let mut keys = GroupKeys::new();
        let r = keys.rekey(&key, &members.session_ids()).unwrap();
        keys.load_message("k0", &r, 1_000, key.public_key(), KeysRole::Admin(&key)).unwrap();
        info.set_keys(&keys, true).unwrap();
        members.set_keys(&keys, true).unwrap();
        (Admin { key, keys, info, members }, others)
    }

    #[test]
    fn info_fields_and_limits() {
        let (mut a, _) = new_group(0);
        let info = &mut a.info;
        assert_eq!(info.name().as_deref(), Some("Test group"));
        assert_eq!(info.set_name(&"x".repeat(101)).unwrap_err().kind(), ErrorKind::TooLarge);
        info.set_name(&"é".repeat(50)).unwrap();
        assert_eq!(info.set_description(&"y".repeat(2001)).unwrap_err().kind(), ErrorKind::TooLarge);
        info.set_description("about").unwrap();
        info.set_expiry_timer(3600).unwrap();
        info.set_delete_before(10).unwrap();
        info.set_delete_attachments_before(11).unwrap();
        info.set_profile_pic(Some(("http://x/y", &[1u8; 32]))).unwrap();
        assert_eq!(info.description().as_deref(), Some("about"));
        assert_eq!(info.expiry_timer(), Some(3600));
        assert_eq!(info.delete_before(), Some(10));
        assert_eq!(info.delete_attachments_before(), Some(11));
        assert_eq!(info.created(), Some(1_700_000_000));
        assert_eq!(info.profile_pic(), Some(("http://x/y".to_string(), [1u8; 32])));
        info.set_expiry_timer(0).unwrap();
        assert_eq!(info.expiry_timer(), None);
        info.set_profile_pic(None).unwrap();
        assert_eq!(info.profile_pic(), None);
        assert!(!info.is_destroyed());
        info.destroy_group().unwrap();
        assert!(info.is_destroyed());
        assert_eq!(info.group_id().prefix(), IdPrefix::Group);
    }

    #[test]
    fn member_records_and_the_limit() {
        let (mut a, others) = new_group(98);
        assert_eq!(a.members.len(), 99);
        let extra = Identity::generate().session_id();
        a.members.set(&Member::new(extra)).unwrap();
        assert_eq!(a.members.len(), CLOSED_GROUP_SIZE_LIMIT);
        let e = a.members.set(&Member::new(Identity::generate().session_id())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::GroupFull);
        // Updating an existing member at the limit is fine.
        let mut m = a.members.get(&others[0].session_id()).unwrap();
        assert_eq!(m.invite_status, STATUS_NOT_SENT);
        m.invite_status = STATUS_SENT;
        m.supplement = true;
        m.name = "Bob".into();
        a.members.set(&m).unwrap();
        assert_eq!(a.members.get(&others[0].session_id()).unwrap(), m);
        // Accepting clears I; supplement only shows while the invite is pending.
        m.invite_status = 0;
        a.members.set(&m).unwrap();
        let got = a.members.get(&others[0].session_id()).unwrap();
        assert_eq!((got.invite_status, got.supplement), (0, false));
        // Admins have no invite status; promotion status is kept.
        m.admin = true;
        m.invite_status = STATUS_SENT;
        m.promotion_status = STATUS_SENT;
        a.members.set(&m).unwrap();
        let got = a.members.get(&others[0].session_id()).unwrap();
        assert_eq!((got.admin, got.invite_status, got.promotion_status), (true, 0, STATUS_SENT));
        let mut long = Member::new(extra);
        long.name = "n".repeat(101);
        assert_eq!(a.members.set(&long).unwrap_err().kind(), ErrorKind::TooLarge);
        // Erase frees a slot; sorted IDs.
        assert!(a.members.erase(&extra).unwrap());
        assert!(!a.members.erase(&extra).unwrap());
        a.members.set(&Member::new(Identity::generate().session_id())).unwrap();
        let ids = a.members.session_ids();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ids.len(), 100);
    }

    #[test]
    fn admin_to_member_sync_forgery_and_removal() {
        let (mut a, others) = new_group(2);
        let (bob, carol) = (&others[0], &others[1]);
        let pk = *a.key.public_key();
        // Push keys, info and members as the admin would.
        let info_push = a.info.config_mut().push().unwrap();
        let mem_push = a.members.config_mut().push().unwrap();
        a.info.config_mut().confirm_pushed(info_push.seqno, "i1");
        a.members.config_mut().confirm_pushed(mem_push.seqno, "m1");
        let r0 = a.keys.pending_config().map(<[u8]>::to_vec);
        assert!(r0.is_none(), "the admin already loaded its rekey back");

        // Bob: keys first, then info/members.
        let mut bob_keys = GroupKeys::new();
        let k0 = crate::crypto::group_keys::build_rekey(&a.key, &a.members.session_ids(), 0).unwrap().0;
        assert!(bob_keys.load_message("k0", &k0, 1_000, &pk, KeysRole::Member(bob)).unwrap());
        let mut bob_info = GroupInfo::new(&pk, None);
        let mut bob_members = GroupMembers::new(&pk, None);
        bob_info.set_keys(&bob_keys, false).unwrap();
        bob_members.set_keys(&bob_keys, false).unwrap();
        assert_eq!(bob_info.config_mut().merge(&[("i1".into(), info_push.data.clone())]).unwrap(), vec!["i1".to_string()]);
        bob_members.config_mut().merge(&[("m1".into(), mem_push.data.clone())]).unwrap();
        assert_eq!(bob_info.name().as_deref(), Some("Test group"));
        assert_eq!(bob_members.len(), 3);
        // Bob cannot edit, and a message he forges with his own "group" key is ignored by Carol.
        assert_eq!(bob_info.set_name("Bob's").unwrap_err().kind(), ErrorKind::PermissionDenied);
        let fake = GroupAdminKey::generate();
        let mut forged = GroupInfo::new(&pk, Some(&fake));
        forged.set_keys(&bob_keys, false).unwrap();
        forged.set_name("Hijacked").unwrap();
        let forged_push = forged.config_mut().push().unwrap();
        let mut carol_keys = GroupKeys::new();
        carol_keys.load_message("k0", &k0, 1_000, &pk, KeysRole::Member(carol)).unwrap();
        let mut carol_info = GroupInfo::new(&pk, None);
        carol_info.set_keys(&carol_keys, false).unwrap();
        let got = carol_info.config_mut().merge(&[("i1".into(), info_push.data.clone()), ("f".into(), forged_push.data)]).unwrap();
        assert_eq!(got, vec!["i1".to_string()]);
        assert_eq!(carol_info.name().as_deref(), Some("Test group"));

        // Remove Carol: erase, rekey, re-push under the new key. Carol cannot read it.
        a.members.erase(&carol.session_id()).unwrap();
        let r1 = a.keys.rekey(&a.key, &a.members.session_ids()).unwrap();
        a.info.set_keys(&a.keys, true).unwrap();
        a.members.set_keys(&a.keys, true).unwrap();
        a.info.set_name("Renamed").unwrap();
        let info2 = a.info.config_mut().push().unwrap();
        carol_keys.load_message("k1", &r1, 2_000, &pk, KeysRole::Member(carol)).unwrap();
        carol_info.set_keys(&carol_keys, false).unwrap();
        assert!(carol_info.config_mut().merge(&[("i2".into(), info2.data.clone())]).unwrap().is_empty());
        assert_eq!(carol_info.name().as_deref(), Some("Test group"));
        bob_keys.load_message("k1", &r1, 2_000, &pk, KeysRole::Member(bob)).unwrap();
        bob_info.set_keys(&bob_keys, false).unwrap();
        bob_info.config_mut().merge(&[("i2".into(), info2.data)]).unwrap();
        assert_eq!(bob_info.name().as_deref(), Some("Renamed"));

        // Promotion: Bob gets the seed and can edit.
        let seed_holder = GroupAdminKey::from_seed(a.key.seed());
        bob_info.set_admin(&seed_holder);
        bob_info.set_description("now admin").unwrap();
        assert!(bob_info.config().needs_push());
    }

    #[test]
    fn dumps_round_trip() {
        let (mut a, _) = new_group(3);
        let d = a.members.config_mut().dump();
        let back = GroupMembers::from_dump(a.key.public_key(), Some(&a.key), &d).unwrap();
        assert_eq!(back.members(), a.members.members());
        let d = a.info.config_mut().dump();
        let back = GroupInfo::from_dump(a.key.public_key(), None, &d).unwrap();
        assert_eq!(back.name(), a.info.name());
        assert!(GroupInfo::from_dump(a.key.public_key(), None, b"junk").is_err());
    }
}
