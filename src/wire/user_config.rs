//! The configs a Session identity shares between its devices (config-sync.md): the user profile
//! (namespace 2) and the contact list (namespace 3), as typed views over [`Config`] with
//! libsession-util's keys and value rules. Both are unsigned and encrypted with the identity's
//! Ed25519 seed as key base, so every device restored from the recovery phrase can read them.
//!
//! Keys this module does not know (set by newer clients) are kept untouched: edits change only
//! the fields they name.

use super::config_fields::{entry_mut, get_int, get_pic, get_str, remove_entry, set_flag, set_nonempty, set_pic, set_positive};
use super::config_message::{Config, ConfigValue, Dict, SigningKeys};
use super::proto::{envelope, shared_config_message, Content, Envelope, SharedConfigMessage};
use crate::crypto::session_protocol;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{Identity, SessionId};
use prost::Message as _;

/// Own swarm namespaces of the user configs.
pub const NS_USER_PROFILE: i16 = 2;
pub const NS_CONTACTS: i16 = 3;
pub const NS_CONVO_INFO_VOLATILE: i16 = 4;
pub const NS_USER_GROUPS: i16 = 5;
/// Encryption domains.
pub const USER_PROFILE_DOMAIN: &str = "UserProfile";
pub const CONTACTS_DOMAIN: &str = "Contacts";
pub const USER_GROUPS_DOMAIN: &str = "UserGroups";
pub const CONVO_INFO_VOLATILE_DOMAIN: &str = "ConvoInfoVolatile";
/// A read mark older than this is not recorded (unless it moves an existing one back).
pub const READ_MARK_MAX_AGE_MS: i64 = 30 * 24 * 3600 * 1000;
/// 1:1 read marks older than this, with nothing unread, are pruned when pushing.
pub const READ_MARK_PRUNE_MS: i64 = 45 * 24 * 3600 * 1000;
/// TTL of a pushed user config (30 days; kept alive by re-pushing on change).
pub const USER_CONFIG_TTL_MS: i64 = 30 * 24 * 3600 * 1000;
/// Longest display name or nickname, in bytes.
pub const NAME_MAX_LENGTH: usize = 100;

fn new_config(domain: &str, identity: &Identity, dump: Option<&[u8]>) -> Result<Config> {
    let mut c = match dump {
        Some(d) => Config::from_dump(domain, SigningKeys::none(), d)?,
        None => Config::new(domain, SigningKeys::none()),
    };
    c.replace_keys(&[*identity.seed()], false)?;
    Ok(c)
}

fn check_len(what: &str, v: &str) -> Result<()> {
    if v.len() > NAME_MAX_LENGTH {
        return Err(Error::new(ErrorKind::TooLarge, format!("{what} is {} bytes; the limit is {NAME_MAX_LENGTH}", v.len())));
    }
    Ok(())
}

/// A typed view over one user config: the struct, its constructor (empty, or from a
/// [`Config::dump`]) and access to the underlying config (push, merge, confirm, dump).
macro_rules! user_config_view {
    ($(#[$doc:meta])* $name:ident, $domain:expr) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            config: Config,
        }

        impl $name {
            /// An empty config for `identity`, or one restored from [`Config::dump`].
            pub fn new(identity: &Identity, dump: Option<&[u8]>) -> Result<$name> {
                Ok($name { config: new_config($domain, identity, dump)? })
            }
            pub fn config(&self) -> &Config {
                &self.config
            }
            pub fn config_mut(&mut self) -> &mut Config {
                &mut self.config
            }
        }
    };
}

user_config_view!(
    /// Our own profile as our devices share it: display name and avatar.
    UserProfile,
    USER_PROFILE_DOMAIN
);
user_config_view!(
    /// The contact list our devices share.
    Contacts,
    CONTACTS_DOMAIN
);
user_config_view!(
    /// Read marks of 1:1 conversations (`1`) and groups (`g`), keyed by the 33-byte ID.
    ConvoInfoVolatile,
    CONVO_INFO_VOLATILE_DOMAIN
);
user_config_view!(
    /// The groups our devices are in.
    UserGroups,
    USER_GROUPS_DOMAIN
);

// ---- legacy wrapping ---------------------------------------------------------------------------

/// Wrap a pushed user config as libsession does for older clients (config-sync.md §2):
/// `Content{sharedConfigMessage}` ‖ 0x80, sealed deterministically to ourselves, in an
/// `Envelope{SESSION_MESSAGE, timestamp 1}` inside a `WebSocketMessage` request.
pub fn wrap_legacy(identity: &Identity, kind: shared_config_message::Kind, seqno: i64, data: &[u8]) -> Result<Vec<u8>> {
    let content = Content {
        shared_config_message: Some(SharedConfigMessage { kind: kind as i32, seqno, data: data.to_vec() }),
        ..Default::default()
    };
    let mut plain = content.encode_to_vec();
    plain.push(0x80);
    let sealed = session_protocol::encrypt_for_recipient_deterministic(identity, &identity.session_id(), &plain)?;
    let env = Envelope { r#type: envelope::Type::SessionMessage as i32, timestamp: 1, content: Some(sealed), ..Default::default() };
    Ok(super::envelope::wrap_websocket(env.encode_to_vec()))
}

/// The config ciphertext inside a legacy-wrapped push, if `stored` is one sealed by this identity
/// (a client bug once wrapped twice: both layers are removed). `None` for a raw config message.
pub fn unwrap_legacy(identity: &Identity, stored: &[u8]) -> Option<Vec<u8>> {
    let mut data = unwrap_once(identity, stored)?;
    if let Some(inner) = unwrap_once(identity, &data) {
        data = inner;
    }
    Some(data)
}

fn unwrap_once(identity: &Identity, stored: &[u8]) -> Option<Vec<u8>> {
    let env = super::envelope::unwrap(stored).ok()?;
    let opened = session_protocol::decrypt_incoming(identity, env.content.as_deref()?).ok()?;
    if opened.sender != identity.session_id() {
        return None;
    }
    let content = Content::decode(super::padding::unpad(&opened.plaintext)).ok()?;
    content.shared_config_message.map(|m| m.data)
}

// ---- user profile ------------------------------------------------------------------------------

impl UserProfile {
    pub fn name(&self) -> Option<String> {
        get_str(self.config.data(), "n")
    }
    /// Set (or with `""` clear) the display name. A change also records `now_s` (unix seconds)
    /// as the profile's update time `t`, as newer libsession does; 0 records none. Returns
    /// whether anything changed.
    pub fn set_name(&mut self, name: &str, now_s: i64) -> Result<bool> {
        check_len("the display name", name)?;
        if self.name().as_deref().unwrap_or("") == name {
            return Ok(false);
        }
        self.config.modify(|d| {
            set_nonempty(d, "n", name.as_bytes());
            set_positive(d, "t", now_s);
        })
    }
    /// Avatar download URL and its 32-byte key.
    pub fn profile_pic(&self) -> Option<(String, [u8; 32])> {
        get_pic(self.config.data())
    }
    /// Set or clear the avatar; records `now_s` like [`UserProfile::set_name`].
    pub fn set_profile_pic(&mut self, pic: Option<(&str, &[u8; 32])>, now_s: i64) -> Result<bool> {
        if self.profile_pic().as_ref().map(|(u, k)| (u.as_str(), k)) == pic.filter(|(u, _)| !u.is_empty()) {
            return Ok(false);
        }
        self.config.modify(|d| {
            set_pic(d, pic);
            set_positive(d, "t", now_s);
        })
    }
    /// When the profile last changed (unix seconds; the later of `t` and `T`), if recorded.
    pub fn updated(&self) -> Option<i64> {
        let d = self.config.data();
        get_int(d, "t").max(get_int(d, "T")).filter(|t| *t > 0)
    }
    /// Note-to-Self priority: -1 hidden, 0 normal, above 0 pinned.
    pub fn nts_priority(&self) -> i64 {
        get_int(self.config.data(), "+").unwrap_or(0)
    }
    pub fn set_nts_priority(&mut self, priority: i64) -> Result<bool> {
        self.config.modify(|d| {
            if priority == 0 {
                d.remove(&b"+"[..]);
            } else {
                d.insert(b"+".to_vec(), ConfigValue::int(priority));
            }
        })
    }
}

// ---- contacts ----------------------------------------------------------------------------------

/// One contact as the contacts config holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactInfo {
    /// `05…` Session ID (hex).
    pub session_id: String,
    /// The name they chose.
    pub name: Option<String>,
    /// The name we gave them.
    pub nickname: Option<String>,
    /// We accepted them (not a message request).
    pub approved: bool,
    /// They accepted us (or messaged us).
    pub approved_me: bool,
    pub blocked: bool,
    /// When we first knew them, unix seconds (0 = unknown).
    pub created: i64,
}

fn contact_key(session_id: &str) -> Result<Vec<u8>> {
    Ok(SessionId::parse(session_id)?.as_bytes().to_vec())
}

fn contact_from(key: &[u8], d: &Dict) -> Option<ContactInfo> {
    if key.len() != 33 || key[0] != 0x05 {
        return None;
    }
    Some(ContactInfo {
        session_id: hex::encode(key),
        name: get_str(d, "n"),
        nickname: get_str(d, "N"),
        approved: get_int(d, "a") == Some(1),
        approved_me: get_int(d, "A") == Some(1),
        blocked: get_int(d, "b") == Some(1),
        created: get_int(d, "j").unwrap_or(0),
    })
}

impl Contacts {
    /// Every contact, in Session ID order. Entries with a malformed key are skipped.
    pub fn all(&self) -> Vec<ContactInfo> {
        let Some(c) = self.config.data().get(&b"c"[..]).and_then(ConfigValue::as_dict) else { return vec![] };
        c.iter().filter_map(|(k, v)| contact_from(k, v.as_dict()?)).collect()
    }

    pub fn get(&self, session_id: &str) -> Result<Option<ContactInfo>> {
        let key = contact_key(session_id)?;
        let c = self.config.data().get(&b"c"[..]).and_then(ConfigValue::as_dict);
        Ok(c.and_then(|c| c.get(&key)).and_then(ConfigValue::as_dict).and_then(|d| contact_from(&key, d)))
    }

    /// Add or update a contact; fields the config has that [`ContactInfo`] does not model (avatar,
    /// priority, mute, disappearing timer) are kept. Returns whether anything changed.
    pub fn set(&mut self, info: &ContactInfo) -> Result<bool> {
        let key = contact_key(&info.session_id)?;
        let name = info.name.as_deref().unwrap_or("");
        let nickname = info.nickname.as_deref().unwrap_or("");
        check_len("a contact name", name)?;
        check_len("a nickname", nickname)?;
        self.config.modify(|d| {
            let e = entry_mut(d, b"c", &key);
            // The name is always written, even empty, so an entry never prunes away.
            e.insert(b"n".to_vec(), ConfigValue::bytes(name.as_bytes()));
            set_nonempty(e, "N", nickname.as_bytes());
            set_flag(e, "a", info.approved);
            set_flag(e, "A", info.approved_me);
            set_flag(e, "b", info.blocked);
            set_positive(e, "j", info.created);
        })
    }

    /// Remove a contact. Returns whether it was there.
    pub fn erase(&mut self, session_id: &str) -> Result<bool> {
        let key = contact_key(session_id)?;
        self.config.modify(|d| remove_entry(d, b"c", &key))
    }
}

// ---- read state (convo info volatile) ----------------------------------------------------------

/// How far a conversation has been read, as our devices share it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadState {
    /// `05…` Session ID or `03…` group ID (hex).
    pub conversation: String,
    /// Messages sent up to this time (unix ms) have been read.
    pub last_read_ms: i64,
    /// Marked unread by hand.
    pub unread: bool,
}

fn convo_section(id: &[u8]) -> Option<&'static [u8]> {
    match (id.len(), id.first()) {
        (33, Some(0x05)) => Some(b"1"),
        (33, Some(0x03)) => Some(b"g"),
        _ => None,
    }
}

fn convo_key(conversation: &str) -> Result<(Vec<u8>, &'static [u8])> {
    let acct = crate::identity::AccountId::parse_any(conversation)?;
    let key = acct.as_bytes().to_vec();
    let section =
        convo_section(&key).ok_or_else(|| Error::invalid_argument(format!("{conversation} is not a 1:1 or group conversation")))?;
    Ok((key, section))
}

impl ConvoInfoVolatile {
    /// Every 1:1 and group read mark. Keys that are not a 33-byte ID of the section's kind are
    /// skipped.
    pub fn all(&self) -> Vec<ReadState> {
        let mut v = vec![];
        for section in [&b"1"[..], &b"g"[..]] {
            let Some(d) = self.config.data().get(section).and_then(ConfigValue::as_dict) else { continue };
            for (k, e) in d {
                let Some(e) = e.as_dict() else { continue };
                if convo_section(k) != Some(section) {
                    continue;
                }
                v.push(ReadState {
                    conversation: hex::encode(k),
                    last_read_ms: get_int(e, "r").unwrap_or(0),
                    unread: get_int(e, "u") == Some(1),
                });
            }
        }
        v
    }

    pub fn get(&self, conversation: &str) -> Result<Option<ReadState>> {
        let (key, section) = convo_key(conversation)?;
        let e = self.config.data().get(section).and_then(ConfigValue::as_dict).and_then(|d| d.get(&key)).and_then(ConfigValue::as_dict);
        Ok(e.map(|e| ReadState {
            conversation: hex::encode(&key),
            last_read_ms: get_int(e, "r").unwrap_or(0),
            unread: get_int(e, "u") == Some(1),
        }))
    }

    /// Record a read mark with libsession's rule: a mark older than the stored one is written
    /// (a deliberate reset); otherwise only a mark from the last 30 days is.
    pub fn set(&mut self, state: &ReadState, now_ms: i64) -> Result<bool> {
        let (key, section) = convo_key(&state.conversation)?;
        self.config.modify(|d| {
            let e = entry_mut(d, section, &key);
            let stored = get_int(e, "r");
            if stored.is_some_and(|r| state.last_read_ms < r) || state.last_read_ms > now_ms - READ_MARK_MAX_AGE_MS {
                e.insert(b"r".to_vec(), ConfigValue::int(state.last_read_ms));
            }
            set_flag(e, "u", state.unread);
        })
    }

    /// Drop 1:1 marks with nothing unread that are older than 45 days (groups are kept), as
    /// libsession does before every push.
    pub fn prune(&mut self, now_ms: i64) -> Result<bool> {
        let cutoff = now_ms - READ_MARK_PRUNE_MS;
        self.config.modify(|d| {
            if let Some(ConfigValue::Dict(one)) = d.get_mut(&b"1"[..]) {
                one.retain(|_, e| e.as_dict().is_none_or(|e| get_int(e, "u") == Some(1) || get_int(e, "r").unwrap_or(0) >= cutoff));
            }
        })
    }
}

// ---- user groups -------------------------------------------------------------------------------

/// One group (v2, `03…`) as the user-groups config lists it: enough for another device of ours
/// to join it (the admin seed, or our member auth data) before its own configs arrive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupEntry {
    /// `03…` group ID (hex).
    pub group_id: String,
    /// The group's name as known when joining (its info config has the current one).
    pub name: Option<String>,
    /// The group's Ed25519 seed when we are an admin.
    pub admin_seed: Option<[u8; 32]>,
    /// Our 100-byte member auth data when we are not.
    pub auth_data: Option<Vec<u8>>,
    /// Invited, not accepted yet.
    pub invited: bool,
    /// 0 = member; 1 = we were removed; 2 = the group was destroyed.
    pub removed: i64,
    /// When we joined, unix seconds (0 = unknown).
    pub joined_at: i64,
}

/// Entries are keyed by the 33-byte group ID (0x03 ‖ key), as libsession's code writes them.
fn group_key(group_id: &str) -> Result<Vec<u8>> {
    Ok(crate::identity::AccountId::parse_with(group_id, crate::identity::IdPrefix::Group)?.as_bytes().to_vec())
}

fn seed_matches(seed: &[u8; 32], key: &[u8]) -> bool {
    crate::crypto::group_keys::GroupAdminKey::from_seed(seed).group_id().as_bytes().as_slice() == key
}

fn group_from(key: &[u8], d: &Dict) -> Option<GroupEntry> {
    if key.len() != 33 || key[0] != 0x03 {
        return None;
    }
    // A seed that is not 32 bytes, or not this group's, is ignored (as libsession does).
    let seed = d.get(&b"K"[..]).and_then(ConfigValue::as_bytes).and_then(|k| <[u8; 32]>::try_from(k).ok()).filter(|s| seed_matches(s, key));
    let auth = d.get(&b"s"[..]).and_then(ConfigValue::as_bytes).filter(|a| a.len() == 100).map(<[u8]>::to_vec);
    Some(GroupEntry {
        group_id: hex::encode(key),
        name: get_str(d, "n"),
        admin_seed: seed,
        auth_data: auth,
        invited: get_int(d, "i") == Some(1),
        removed: get_int(d, "r").unwrap_or(0),
        joined_at: get_int(d, "j").unwrap_or(0),
    })
}

impl UserGroups {
    /// Every v2 group, in key order. Entries with a malformed key, or with neither an admin seed
    /// nor auth data that are not marked removed, are skipped (nothing could join them).
    pub fn all(&self) -> Vec<GroupEntry> {
        let Some(g) = self.config.data().get(&b"g"[..]).and_then(ConfigValue::as_dict) else { return vec![] };
        g.iter()
            .filter_map(|(k, v)| group_from(k, v.as_dict()?))
            .filter(|e| e.admin_seed.is_some() || e.auth_data.is_some() || e.removed > 0)
            .collect()
    }

    /// Mark a group as one we were removed from (1) or that was destroyed (2), forgetting its
    /// credentials, as libsession's mark_kicked / mark_destroyed do. Returns whether anything
    /// changed.
    pub fn mark_removed(&mut self, group_id: &str, status: i64) -> Result<bool> {
        let key = group_key(group_id)?;
        if !(1..=2).contains(&status) {
            return Err(Error::invalid_argument("a removal status is 1 (kicked) or 2 (destroyed)"));
        }
        self.config.modify(|d| {
            let g = entry_mut(d, b"g", &key);
            g.insert(b"K".to_vec(), ConfigValue::bytes(Vec::new()));
            g.remove(&b"s"[..]);
            // Destroyed stays destroyed.
            if get_int(g, "r") != Some(2) {
                g.insert(b"r".to_vec(), ConfigValue::int(status));
            }
        })
    }

    pub fn get(&self, group_id: &str) -> Result<Option<GroupEntry>> {
        let key = group_key(group_id)?;
        let g = self.config.data().get(&b"g"[..]).and_then(ConfigValue::as_dict);
        Ok(g.and_then(|g| g.get(&key)).and_then(ConfigValue::as_dict).and_then(|d| group_from(&key, d)))
    }

    /// Add or update a group; fields this type does not model (priority, mute, notify) are kept.
    /// An admin seed that is not this group's key is refused.
    pub fn set(&mut self, e: &GroupEntry) -> Result<bool> {
        let key = group_key(&e.group_id)?;
        if let Some(seed) = &e.admin_seed {
            if !seed_matches(seed, &key) {
                return Err(Error::invalid_argument("the admin seed does not belong to this group"));
            }
        }
        if e.admin_seed.is_none() && e.auth_data.as_ref().is_none_or(|a| a.len() != 100) {
            return Err(Error::invalid_argument("a group entry needs the admin seed or 100 bytes of auth data"));
        }
        let name = e.name.as_deref().unwrap_or("");
        check_len("a group name", name)?;
        self.config.modify(|d| {
            let g = entry_mut(d, b"g", &key);
            // K is always written: the seed, or empty when we are not an admin (which also keeps
            // the entry from pruning away); s only in the second case, as libsession does.
            match &e.admin_seed {
                Some(seed) => {
                    g.insert(b"K".to_vec(), ConfigValue::bytes(&seed[..]));
                }
                None => {
                    g.insert(b"K".to_vec(), ConfigValue::bytes(Vec::new()));
                    set_nonempty(g, "s", e.auth_data.as_deref().unwrap_or_default());
                }
            }
            set_nonempty(g, "n", name.as_bytes());
            set_flag(g, "i", e.invited);
            set_positive(g, "r", e.removed);
            set_positive(g, "j", e.joined_at);
        })
    }

    /// Remove a group. Returns whether it was there.
    pub fn erase(&mut self, group_id: &str) -> Result<bool> {
        let key = group_key(group_id)?;
        self.config.modify(|d| remove_entry(d, b"g", &key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(b: u8) -> Identity {
        Identity::from_seed(&[b; 32]).unwrap()
    }

    #[test]
    fn profile_round_trips_between_two_devices_of_one_identity() {
        let (a, b) = (ident(1), ident(1));
        let mut dev1 = UserProfile::new(&a, None).unwrap();
        assert_eq!(dev1.name(), None);
        assert!(dev1.set_name("Kallie", 1_700_000_000).unwrap());
        assert!(!dev1.set_name("Kallie", 1_700_000_999).unwrap(), "an unchanged name is not a change");
        let key = [7u8; 32];
        dev1.set_profile_pic(Some(("http://example.org/omg-pic-123.bmp", &key)), 1_700_000_001).unwrap();
        let push = dev1.config_mut().push().unwrap();
        assert_eq!(push.seqno, 1);
        dev1.config_mut().confirm_pushed(push.seqno, "hash1");
        assert!(!dev1.config().needs_push());

        let mut dev2 = UserProfile::new(&b, None).unwrap();
        dev2.config_mut().merge(&[("hash1".into(), push.data.clone())]).unwrap();
        assert_eq!(dev2.name().as_deref(), Some("Kallie"));
        assert_eq!(dev2.profile_pic(), Some(("http://example.org/omg-pic-123.bmp".into(), key)));
        assert_eq!(dev2.config().seqno(), 1);
        assert_eq!(dev2.updated(), Some(1_700_000_001));
        assert!(!dev2.config().needs_push(), "adopting a single message needs no push");

        // Another identity cannot read it.
        let mut other = UserProfile::new(&ident(2), None).unwrap();
        assert!(other.config_mut().merge(&[("hash1".into(), push.data)]).unwrap().is_empty());
        assert_eq!(other.name(), None);

        assert!(matches!(dev2.set_name(&"x".repeat(101), 0), Err(e) if e.kind() == ErrorKind::TooLarge));
        // Dumps keep the state.
        let dump = dev2.config_mut().dump();
        let restored = UserProfile::new(&b, Some(&dump)).unwrap();
        assert_eq!(restored.name().as_deref(), Some("Kallie"));
    }

    // Literal vectors from libsession-util tests/test_config_userprofile.cpp: the seed
    // 0123456789abcdef0123456789abcdef (16 bytes, zero-extended), the wrapped push of an empty
    // profile, and the raw encrypted seqno-1 push after setting name, avatar and priority.
    const SEED16: &str = "0123456789abcdef0123456789abcdef";
    const EMPTY_PUSH_WRAPPED: &str = "080112ab030a0012001aa20308062801429b0326ec9746282053eb119228e6c36012966e7d2642163169ba3998af44ca65f967768dd78ee80fffab6f809f6cef49c73a36c82a89622ff0de2ceee06b8c638e2c876fa9047f449dbe24b1fc89281a264fe90abdeffcdd44f797bd4572a6c5ae8d88bf372c3c717943ebd570222206fabf0ee9f3c6756f5d71a32616b1df53d12887961f5c129207a79622ccc1a4bba976886d9a6ddf0fe5d570e5075d01ecd627f656e95f27b4c40d5661b5664cedd3e568206effa1308b0ccd663ca61a6d39c0731891804a8cf5edcf8b98eaa5580c3d436e22156e38455e403869700956c3c1dd0b4470b663e75c98c5b859b53ccef6559215d8049f755be9c2d6b3f4a310f97c496fc392f65b6431dd87788ac61074fd8cd409702e1b839b3f774d38cf8b28f0226c4efa5220ac6ae060793e36e7ef278d42d042f15b21291f3bb29e3158f09d154b93f83fd8a319811a26cb5240d90cbb360fafec0b7eff4c676ae598540813d062dc9468365c73b4cfa2ffd02d48cdcd8f0c71324c6d0a60346a7a0e50af3be64684b37f9e6c831115bf112ddd18acde08eaec376f0872a3952000";
    const PUSH1_ENCRYPTED: &str = "9693a69686da3055f1ecdfb239c3bf8e746951a36d888c2fb7c02e856a5c2091b24e39a7e1af828f1fa09fe8bf7d274afde0a0847ba143c43ffb8722301b5ae32e2f078b9a5e19097403336e50b18c84aade446cd2823b011f97d6ad2116a53feb814efecc086bc172d31f4214b4d7c630b63bbe575b08682d146da44915063a07a78556ab5eff4f67f6aa26211e8d330b53d28567a931028c393709a325425de7486ccde24416a7fd4a8ba5fa73899c65f4276dfaddd5b2100adcf0f793104fb235b31ce32ec656056009a9ebf58d45d7d696b74e0c7ff0499c4d23204976f19561dc0dba6dc53a2497d28ce03498ea49bf122762d7bc1d6d9c02f6d54f8384";
    const PIC_URL: &str = "http://example.org/omg-pic-123.bmp";
    const PIC_KEY: &[u8; 32] = b"secret78901234567890123456789012";
    const HASH0: &str = "ea173b57beca8af18c3519a7bbf69c3e7a05d1c049fa9558341d8ebb48b0c965";

    fn reference_identity() -> Identity {
        Identity::from_seed(&hex::decode(SEED16).unwrap()).unwrap()
    }

    fn kallie(now_s: i64) -> UserProfile {
        let mut p = UserProfile::new(&reference_identity(), None).unwrap();
        p.set_name("Kallie", now_s).unwrap();
        p.set_profile_pic(Some((PIC_URL, PIC_KEY)), now_s).unwrap();
        p.set_nts_priority(9).unwrap();
        p
    }

    #[test]
    fn empty_profile_push_matches_libsession_byte_for_byte() {
        let id = reference_identity();
        let mut p = UserProfile::new(&id, None).unwrap();
        let push = p.config_mut().push().unwrap();
        assert_eq!(push.seqno, 0);
        assert_eq!(push.data.len(), 256);
        let wrapped = wrap_legacy(&id, shared_config_message::Kind::UserProfile, push.seqno, &push.data).unwrap();
        assert_eq!(hex::encode(&wrapped), EMPTY_PUSH_WRAPPED);
        assert_eq!(wrapped.len(), 256 + 176);
        assert_eq!(unwrap_legacy(&id, &wrapped), Some(push.data.clone()));
        assert_eq!(unwrap_legacy(&id, &push.data), None, "a raw config message is not wrapped");
        assert_eq!(unwrap_legacy(&ident(9), &wrapped), None, "another identity cannot unwrap it");
    }

    #[test]
    fn profile_edit_push_matches_libsession_and_merges() {
        // Without the update time (libsession before `t`), the push is the reference ciphertext.
        let mut p = kallie(0);
        let push = p.config_mut().push().unwrap();
        assert_eq!(push.seqno, 1);
        assert_eq!(hex::encode(&push.data), PUSH1_ENCRYPTED);
        // Newer libsession records `t`; its test expects exactly this plaintext for t = 123.
        let mut p = kallie(123);
        let push = p.config_mut().push().unwrap();
        let plain =
            crate::wire::config_message::decode_from_storage(&push.data, &[*reference_identity().seed()], USER_PROFILE_DOMAIN).unwrap();
        let expected = [
            format!("d1:#i1e1:&d1:+i9e1:n6:Kallie1:p34:{PIC_URL}1:q32:secret789012345678901234567890121:ti123ee1:<lli0e32:").as_bytes(),
            &hex::decode(HASH0).unwrap(),
            b"deee1:=d1:+0:1:n0:1:p0:1:q0:1:t0:ee",
        ]
        .concat();
        assert_eq!(plain, expected);
        // The reference push, wrapped or not, merges into a fresh device.
        let id = reference_identity();
        for data in [
            hex::decode(PUSH1_ENCRYPTED).unwrap(),
            wrap_legacy(&id, shared_config_message::Kind::UserProfile, 1, &hex::decode(PUSH1_ENCRYPTED).unwrap()).unwrap(),
        ] {
            let mut q = UserProfile::new(&id, None).unwrap();
            let raw = unwrap_legacy(&id, &data).unwrap_or(data);
            assert_eq!(q.config_mut().merge(&[("fakehash1".into(), raw)]).unwrap(), vec!["fakehash1".to_string()]);
            assert_eq!(q.name().as_deref(), Some("Kallie"));
            assert_eq!(q.profile_pic(), Some((PIC_URL.to_string(), *PIC_KEY)));
            assert_eq!(q.nts_priority(), 9);
            assert_eq!(q.updated(), None);
        }
    }

    #[test]
    fn contacts_merge_concurrent_edits_from_two_devices() {
        let id = ident(3);
        let alice = format!("05{}", "a1".repeat(32));
        let bob = format!("05{}", "b2".repeat(32));
        let mut d1 = Contacts::new(&id, None).unwrap();
        let info = ContactInfo {
            session_id: alice.clone(),
            name: Some("Alice".into()),
            approved: true,
            created: 1_700_000_000,
            ..Default::default()
        };
        assert!(d1.set(&info).unwrap());
        assert!(!d1.set(&info).unwrap());
        let p1 = d1.config_mut().push().unwrap();
        d1.config_mut().confirm_pushed(p1.seqno, "h1");

        let mut d2 = Contacts::new(&id, None).unwrap();
        d2.config_mut().merge(&[("h1".into(), p1.data.clone())]).unwrap();
        assert_eq!(d2.get(&alice).unwrap(), Some(info.clone()));

        // Concurrent edits: device 1 blocks bob, device 2 nicknames alice.
        d1.set(&ContactInfo { session_id: bob.clone(), blocked: true, ..Default::default() }).unwrap();
        let p2 = d1.config_mut().push().unwrap();
        d1.config_mut().confirm_pushed(p2.seqno, "h2");
        d2.set(&ContactInfo { nickname: Some("Al".into()), ..info.clone() }).unwrap();
        let p3 = d2.config_mut().push().unwrap();
        d2.config_mut().confirm_pushed(p3.seqno, "h3");
        assert_eq!((p2.seqno, p3.seqno), (2, 2));

        // Each merges the other's message; both end with the same data.
        d1.config_mut().merge(&[("h3".into(), p3.data.clone())]).unwrap();
        d2.config_mut().merge(&[("h2".into(), p2.data.clone())]).unwrap();
        assert_eq!(d1.all(), d2.all());
        assert_eq!(d1.config().seqno(), 3);
        let all = d1.all();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].nickname.as_deref(), Some("Al"));
        assert!(all[1].blocked && !all[1].approved && all[1].name.is_none());

        assert!(d1.erase(&bob).unwrap());
        assert!(!d1.erase(&bob).unwrap());
        assert_eq!(d1.all().len(), 1);
        assert!(d1.get("not an id").is_err());
    }

    #[test]
    fn user_groups_carry_admin_seeds_and_member_auth_between_devices() {
        let id = ident(5);
        let admin = crate::crypto::group_keys::GroupAdminKey::from_seed(&[0x44; 32]);
        let gid = admin.group_id().to_hex();
        let other = crate::crypto::group_keys::GroupAdminKey::from_seed(&[0x45; 32]).group_id().to_hex();
        let mut d1 = UserGroups::new(&id, None).unwrap();
        let as_admin = GroupEntry {
            group_id: gid.clone(),
            name: Some("Hikers".into()),
            admin_seed: Some([0x44; 32]),
            joined_at: 1_700_000_000,
            ..Default::default()
        };
        assert!(d1.set(&as_admin).unwrap());
        let as_member = GroupEntry { group_id: other.clone(), auth_data: Some(vec![7; 100]), invited: true, ..Default::default() };
        assert!(d1.set(&as_member).unwrap());
        // A seed of another group, or no credential at all, is refused.
        assert!(d1.set(&GroupEntry { admin_seed: Some([0x45; 32]), ..as_admin.clone() }).is_err());
        assert!(d1.set(&GroupEntry { group_id: other.clone(), ..Default::default() }).is_err());
        let raw = d1.config().data().get(&b"g"[..]).and_then(ConfigValue::as_dict).unwrap();
        assert!(raw.keys().all(|k| k.len() == 33 && k[0] == 0x03), "entries are keyed by the 33-byte group ID");
        let member_raw = raw.get(&hex::decode(&other).unwrap()).and_then(ConfigValue::as_dict).unwrap();
        assert_eq!(member_raw.get(&b"K"[..]).and_then(ConfigValue::as_bytes), Some(&[][..]), "K is written empty for a member");
        assert!(member_raw.get(&b"n"[..]).is_none(), "an empty name is not written");
        let p = d1.config_mut().push().unwrap();
        let mut d2 = UserGroups::new(&id, None).unwrap();
        d2.config_mut().merge(&[("h".into(), p.data)]).unwrap();
        assert_eq!(d2.get(&gid).unwrap(), Some(as_admin));
        assert_eq!(d2.get(&other).unwrap(), Some(as_member));
        assert_eq!(d2.all().len(), 2);
        // Kicked: credentials gone, the entry stays with r = 1.
        assert!(d2.mark_removed(&other, 1).unwrap());
        let kicked = d2.get(&other).unwrap().unwrap();
        assert_eq!((kicked.removed, kicked.auth_data, kicked.admin_seed), (1, None, None));
        assert_eq!(d2.all().len(), 2);
        assert!(d2.erase(&other).unwrap());
        assert_eq!(d2.all().len(), 1);
    }

    #[test]
    fn read_marks_follow_libsession_rules() {
        let id = ident(6);
        let now = 1_800_000_000_000;
        let day = 24 * 3600 * 1000;
        let peer = format!("05{}", "d4".repeat(32));
        let group = crate::crypto::group_keys::GroupAdminKey::from_seed(&[0x46; 32]).group_id().to_hex();
        let mut c = ConvoInfoVolatile::new(&id, None).unwrap();
        assert!(c.set(&ReadState { conversation: peer.clone(), last_read_ms: now - day, unread: false }, now).unwrap());
        assert!(c.set(&ReadState { conversation: group.clone(), last_read_ms: now - 50 * day, unread: true }, now).unwrap());
        // Too old to record (the group entry keeps only its unread flag) ...
        assert_eq!(c.get(&group).unwrap().unwrap(), ReadState { conversation: group.clone(), last_read_ms: 0, unread: true });
        // ... but moving a mark back is a reset and is written.
        c.set(&ReadState { conversation: peer.clone(), last_read_ms: now - 2 * day, unread: false }, now).unwrap();
        assert_eq!(c.get(&peer).unwrap().unwrap().last_read_ms, now - 2 * day);
        let raw = c.config().data().get(&b"1"[..]).and_then(ConfigValue::as_dict).unwrap();
        assert!(raw.keys().all(|k| k.len() == 33 && k[0] == 0x05));
        // A device merging the push sees the same marks; pruning drops stale 1:1 marks only.
        let p = c.config_mut().push().unwrap();
        let mut other = ConvoInfoVolatile::new(&id, None).unwrap();
        other.config_mut().merge(&[("h".into(), p.data)]).unwrap();
        assert_eq!(other.all(), c.all());
        assert!(!other.prune(now).unwrap());
        assert!(other.prune(now + 60 * day).unwrap());
        assert_eq!(other.all().len(), 1, "the group's mark is never pruned");
        assert!(c.get("not an id").is_err());
    }

    #[test]
    fn unknown_fields_survive_an_edit() {
        let id = ident(4);
        let alice = format!("05{}", "c3".repeat(32));
        let mut c = Contacts::new(&id, None).unwrap();
        c.set(&ContactInfo { session_id: alice.clone(), approved: true, ..Default::default() }).unwrap();
        c.config_mut()
            .modify(|d| {
                if let Some(ConfigValue::Dict(cs)) = d.get_mut(&b"c"[..]) {
                    if let Some(ConfigValue::Dict(e)) = cs.values_mut().next() {
                        e.insert(b"+".to_vec(), ConfigValue::int(5));
                    }
                }
            })
            .unwrap();
        c.set(&ContactInfo { session_id: alice.clone(), approved: true, blocked: true, ..Default::default() }).unwrap();
        let cs = c.config().data().get(&b"c"[..]).and_then(ConfigValue::as_dict).unwrap();
        let e = cs.values().next().and_then(ConfigValue::as_dict).unwrap();
        assert_eq!(e.get(&b"+"[..]).and_then(ConfigValue::as_int), Some(5));
        assert_eq!(e.get(&b"b"[..]).and_then(ConfigValue::as_int), Some(1));
    }
}
