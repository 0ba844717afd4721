//! The configs a Session identity shares between its devices (config-sync.md): the user profile
//! (namespace 2) and the contact list (namespace 3), as typed views over [`Config`] with
//! libsession-util's keys and value rules. Both are unsigned and encrypted with the identity's
//! Ed25519 seed as key base, so every device restored from the recovery phrase can read them.
//!
//! Keys this module does not know (set by newer clients) are kept untouched: edits change only
//! the fields they name.

use super::config_fields::{get_int, get_pic, get_str, set_flag, set_nonempty, set_pic, set_positive};
use super::config_message::{Config, ConfigValue, Dict, SigningKeys};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{Identity, SessionId};

/// Own swarm namespaces of the user configs.
pub const NS_USER_PROFILE: i16 = 2;
pub const NS_CONTACTS: i16 = 3;
/// Encryption domains.
pub const USER_PROFILE_DOMAIN: &str = "UserProfile";
pub const CONTACTS_DOMAIN: &str = "Contacts";
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

// ---- user profile ------------------------------------------------------------------------------

/// Our own profile as our devices share it: display name and avatar.
#[derive(Clone)]
pub struct UserProfile {
    config: Config,
}

impl UserProfile {
    /// An empty profile config for `identity`, or one restored from [`Config::dump`].
    pub fn new(identity: &Identity, dump: Option<&[u8]>) -> Result<UserProfile> {
        Ok(UserProfile { config: new_config(USER_PROFILE_DOMAIN, identity, dump)? })
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }
    pub fn name(&self) -> Option<String> {
        get_str(self.config.data(), "n")
    }
    /// Set (or with `""` clear) the display name. Returns whether anything changed.
    pub fn set_name(&mut self, name: &str) -> Result<bool> {
        check_len("the display name", name)?;
        self.config.modify(|d| set_nonempty(d, "n", name.as_bytes()))
    }
    /// Avatar download URL and its 32-byte key.
    pub fn profile_pic(&self) -> Option<(String, [u8; 32])> {
        get_pic(self.config.data())
    }
    pub fn set_profile_pic(&mut self, pic: Option<(&str, &[u8; 32])>) -> Result<bool> {
        self.config.modify(|d| set_pic(d, pic))
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

/// The contact list our devices share.
#[derive(Clone)]
pub struct Contacts {
    config: Config,
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
    /// An empty contacts config for `identity`, or one restored from [`Config::dump`].
    pub fn new(identity: &Identity, dump: Option<&[u8]>) -> Result<Contacts> {
        Ok(Contacts { config: new_config(CONTACTS_DOMAIN, identity, dump)? })
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

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
            let contacts = d.entry(b"c".to_vec()).or_insert_with(|| ConfigValue::Dict(Dict::new()));
            let ConfigValue::Dict(contacts) = contacts else { return };
            let entry = contacts.entry(key).or_insert_with(|| ConfigValue::Dict(Dict::new()));
            if !matches!(entry, ConfigValue::Dict(_)) {
                *entry = ConfigValue::Dict(Dict::new());
            }
            let ConfigValue::Dict(e) = entry else { return };
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
        self.config.modify(|d| {
            if let Some(ConfigValue::Dict(c)) = d.get_mut(&b"c"[..]) {
                c.remove(&key);
            }
        })
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
        assert!(dev1.set_name("Kallie").unwrap());
        assert!(!dev1.set_name("Kallie").unwrap(), "an unchanged name is not a change");
        let key = [7u8; 32];
        dev1.set_profile_pic(Some(("http://example.org/omg-pic-123.bmp", &key))).unwrap();
        let push = dev1.config_mut().push().unwrap();
        assert_eq!(push.seqno, 1);
        dev1.config_mut().confirm_pushed(push.seqno, "hash1");
        assert!(!dev1.config().needs_push());

        let mut dev2 = UserProfile::new(&b, None).unwrap();
        dev2.config_mut().merge(&[("hash1".into(), push.data.clone())]).unwrap();
        assert_eq!(dev2.name().as_deref(), Some("Kallie"));
        assert_eq!(dev2.profile_pic(), Some(("http://example.org/omg-pic-123.bmp".into(), key)));
        assert_eq!(dev2.config().seqno(), 1);
        assert!(!dev2.config().needs_push(), "adopting a single message needs no push");

        // Another identity cannot read it.
        let mut other = UserProfile::new(&ident(2), None).unwrap();
        assert!(other.config_mut().merge(&[("hash1".into(), push.data)]).unwrap().is_empty());
        assert_eq!(other.name(), None);

        assert!(matches!(dev2.set_name(&"x".repeat(101)), Err(e) if e.kind() == ErrorKind::TooLarge));
        // Dumps keep the state.
        let dump = dev2.config_mut().dump();
        let restored = UserProfile::new(&b, Some(&dump)).unwrap();
        assert_eq!(restored.name().as_deref(), Some("Kallie"));
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
