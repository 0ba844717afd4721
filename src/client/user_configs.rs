//! The four user configs (profile, contacts, read marks, group list) as this client holds them:
//! loaded from their dumps in the database (or seeded from it the first time), saved after every
//! change, behind one lock. What changes them, and when they travel, is `sync`'s part.

use super::own_profile::META_DISPLAY_NAME;
use crate::config::user::{self as uc, ContactInfo, Contacts, ConvoInfoVolatile, GroupEntry, UserGroups, UserProfile};
use crate::config::Config;
use crate::error::Result;
use crate::identity::Identity;
use crate::store::{Contact, GroupRecord, GroupState, Store};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

const DUMP_PROFILE: &str = "config_dump_user_profile";
const DUMP_CONTACTS: &str = "config_dump_contacts";
const DUMP_GROUPS: &str = "config_dump_user_groups";
const DUMP_CONVOS: &str = "config_dump_convo_info_volatile";
/// The four user configs, behind the lock every reader and writer takes.
pub(crate) struct SyncedConfigs(Mutex<UserConfigs>);

impl SyncedConfigs {
    /// Load the configs from their dumps (see [`load`]).
    pub(crate) fn load(store: &Store, identity: &Identity) -> Result<SyncedConfigs> {
        load(store, identity).map(SyncedConfigs)
    }

    /// The groups the synced list holds, by ID.
    pub(crate) fn group_entries(&self) -> BTreeMap<String, GroupEntry> {
        self.lock().groups.all().into_iter().map(|g| (g.group_id.clone(), g)).collect()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, UserConfigs> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The four configs.
pub(crate) struct UserConfigs {
    pub profile: UserProfile,
    pub contacts: Contacts,
    pub groups: UserGroups,
    pub convos: ConvoInfoVolatile,
}

impl UserConfigs {
    pub(crate) fn config_mut(&mut self, ns: i16) -> &mut Config {
        match ns {
            uc::NS_USER_PROFILE => self.profile.config_mut(),
            uc::NS_CONTACTS => self.contacts.config_mut(),
            uc::NS_CONVO_INFO_VOLATILE => self.convos.config_mut(),
            _ => self.groups.config_mut(),
        }
    }
}

/// The user-groups entry for a group we are in or invited to; `None` once we left (the entry is
/// then taken out, and our other devices leave too). Kicked groups are marked, not removed.
pub(crate) fn group_entry(rec: &GroupRecord) -> Option<GroupEntry> {
    if !matches!(rec.state, GroupState::Joined | GroupState::Invited) {
        return None;
    }
    let admin_seed = rec.admin_seed.as_deref().and_then(|s| <[u8; 32]>::try_from(s).ok());
    Some(GroupEntry {
        group_id: rec.id.clone(),
        name: rec.name.clone(),
        admin_seed,
        auth_data: if admin_seed.is_some() { None } else { rec.auth_data.clone() },
        invited: rec.state == GroupState::Invited,
        removed: 0,
        joined_at: rec.created_at / 1000,
    })
}

/// Whether a contact belongs in the shared list: someone we accepted or blocked. Pending
/// requests stay on the device that received them.
pub(crate) fn shared(c: &Contact) -> bool {
    c.approved || c.blocked
}

pub(crate) fn info_from(c: &Contact, created_s: i64) -> ContactInfo {
    ContactInfo {
        session_id: c.session_id.clone(),
        name: c.display_name.clone(),
        nickname: c.nickname.clone(),
        approved: c.approved,
        approved_me: c.approved_me,
        blocked: c.blocked,
        created: created_s,
    }
}

/// Load the configs from their dumps; the first time, start them from what the database holds
/// (a client that predates sync, or a new one given a display name), so it is pushed.
fn load(store: &Store, identity: &Identity) -> Result<Mutex<UserConfigs>> {
    let profile_dump = store.meta_get(DUMP_PROFILE)?;
    let contacts_dump = store.meta_get(DUMP_CONTACTS)?;
    let groups_dump = store.meta_get(DUMP_GROUPS)?;
    let mut profile = UserProfile::new(identity, profile_dump.as_deref())?;
    let mut contacts = Contacts::new(identity, contacts_dump.as_deref())?;
    let mut groups = UserGroups::new(identity, groups_dump.as_deref())?;
    let convos = ConvoInfoVolatile::new(identity, store.meta_get(DUMP_CONVOS)?.as_deref())?;
    // Seeding is best effort: a row the config cannot hold is left out rather than keeping the
    // client from opening.
    if groups_dump.is_none() {
        for e in store.groups()?.iter().filter_map(group_entry) {
            let _ = groups.set(&e);
        }
    }
    if profile_dump.is_none() {
        if let Some(name) = store.meta_get_string(META_DISPLAY_NAME)? {
            let _ = profile.set_name(&name, crate::clock::local_now_ms() / 1000);
        }
    }
    if contacts_dump.is_none() {
        for c in store.contacts()?.iter().chain(store.blocked_contacts()?.iter()) {
            let _ = contacts.set(&info_from(c, c.created_at / 1000));
        }
    }
    let mut configs = UserConfigs { profile, contacts, groups, convos };
    save(store, &mut configs)?;
    Ok(Mutex::new(configs))
}

pub(crate) fn save(store: &Store, configs: &mut UserConfigs) -> Result<()> {
    if configs.profile.config().needs_dump() {
        store.meta_set(DUMP_PROFILE, &configs.profile.config_mut().dump())?;
    }
    if configs.contacts.config().needs_dump() {
        store.meta_set(DUMP_CONTACTS, &configs.contacts.config_mut().dump())?;
    }
    if configs.groups.config().needs_dump() {
        store.meta_set(DUMP_GROUPS, &configs.groups.config_mut().dump())?;
    }
    if configs.convos.config().needs_dump() {
        store.meta_set(DUMP_CONVOS, &configs.convos.config_mut().dump())?;
    }
    Ok(())
}
