//! The contact list our devices share (namespace 3, libsession `Contacts`).

use crate::config::fields::{entry_mut, get_int, get_str, remove_entry, set_flag, set_nonempty, set_positive};
use crate::config::user::{check_len, Contacts};
use crate::config::{ConfigValue, Dict};
use crate::error::Result;
use crate::identity::SessionId;

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
