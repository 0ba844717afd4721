//! The groups our devices are in (namespace 5, libsession `UserGroups`).

use crate::config::fields::{entry_mut, get_int, get_str, remove_entry, set_flag, set_nonempty, set_positive};
use crate::config::user::{check_len, UserGroups};
use crate::config::{ConfigValue, Dict};
use crate::error::{Error, Result};

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
    crate::crypto::group_key::GroupAdminKey::from_seed(seed).group_id().as_bytes().as_slice() == key
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

    #[cfg(feature = "internals")]
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
