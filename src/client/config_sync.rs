//! Multi-device sync through the user configs in our own swarm (config-sync.md): profile (2),
//! contacts (3), read marks (4) and the group list (5). Local changes edit the configs and wake
//! the poller, which merges what our other devices pushed, applies their changes to the
//! database, and then pushes ours. Config state survives restarts as libsession-style dumps in
//! the database.

use super::{Event, Inner, LogLevel, META_DISPLAY_NAME};
use crate::config::user::{self as uc, ContactInfo, Contacts, ConvoInfoVolatile, GroupEntry, ReadState, UserGroups, UserProfile};
use crate::config::Config;
use crate::crypto::signer::Signer;
use crate::error::Result;
use crate::identity::Identity;
use crate::store::{Contact, Store};
use crate::store::{GroupRecord, GroupState};
use crate::wire::proto::shared_config_message::Kind;
use crate::wire::rpc::{self, Retrieved};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// The user config namespaces the poller retrieves.
pub(crate) const POLLED: [i16; 4] = [uc::NS_USER_PROFILE, uc::NS_CONTACTS, uc::NS_CONVO_INFO_VOLATILE, uc::NS_USER_GROUPS];

const DUMP_PROFILE: &str = "config_dump_user_profile";
const DUMP_CONTACTS: &str = "config_dump_contacts";
const DUMP_GROUPS: &str = "config_dump_user_groups";
const DUMP_CONVOS: &str = "config_dump_convo_info_volatile";
/// When the current config messages' expiries were last extended (ms, network clock).
const KEEPALIVE_AT: &str = "config_keepalive_ms";
/// How often an unchanged config's messages are given a fresh 30 days.
const KEEPALIVE_EVERY_MS: i64 = 24 * 3600 * 1000;

pub(crate) struct UserConfigs {
    pub profile: UserProfile,
    pub contacts: Contacts,
    pub groups: UserGroups,
    pub convos: ConvoInfoVolatile,
}

impl UserConfigs {
    fn config_mut(&mut self, ns: i16) -> &mut Config {
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
fn group_entry(rec: &GroupRecord) -> Option<GroupEntry> {
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
fn shared(c: &Contact) -> bool {
    c.approved || c.blocked
}

fn info_from(c: &Contact, created_s: i64) -> ContactInfo {
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
pub(crate) fn load(store: &Store, identity: &Identity) -> Result<Mutex<UserConfigs>> {
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

fn lock(inner: &Inner) -> MutexGuard<'_, UserConfigs> {
    inner.user_configs.lock().unwrap_or_else(|p| p.into_inner())
}

fn save(store: &Store, configs: &mut UserConfigs) -> Result<()> {
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

/// Our display name or avatar changed here: record them in the profile config and push soon.
pub(crate) fn profile_changed(inner: &Inner) -> Result<()> {
    let name = inner.store.meta_get_string(META_DISPLAY_NAME)?.unwrap_or_default();
    let avatar = super::contacts::own_avatar(&inner.store)?;
    let now_s = inner.network.clock.now_ms() / 1000;
    let mut c = lock(inner);
    let name_changed = c.profile.set_name(&name, now_s)?;
    let pic_changed = c.profile.set_profile_pic(avatar.as_ref().map(|(u, k)| (u.as_str(), k)), now_s)?;
    if name_changed || pic_changed {
        save(&inner.store, &mut c)?;
        inner.poll_wakeup.notify_one();
    }
    Ok(())
}

/// A contact changed here: mirror it into the contacts config (or take it out), push soon, and
/// tell the host. A failure to update the config is logged; the local change stands.
pub(crate) fn contact_changed(inner: &Inner, session_id: &str) {
    if let Err(e) = mirror_contact(inner, session_id) {
        inner.log(LogLevel::Warn, || format!("updating the synced contact list for {session_id} failed: {e}"));
    }
    inner.bus.emit(Event::ContactChanged { session_id: session_id.to_string() });
}

fn mirror_contact(inner: &Inner, session_id: &str) -> Result<()> {
    if session_id == inner.session_id().to_hex() || !session_id.starts_with("05") {
        return Ok(());
    }
    let local = inner.store.contact(session_id)?;
    let mut c = lock(inner);
    let changed = match local.filter(shared) {
        Some(contact) => {
            let created = c.contacts.get(session_id)?.map(|i| i.created).filter(|t| *t > 0).unwrap_or(contact.created_at / 1000);
            c.contacts.set(&info_from(&contact, created))?
        }
        None => c.contacts.erase(session_id)?,
    };
    if changed {
        save(&inner.store, &mut c)?;
        inner.poll_wakeup.notify_one();
    }
    Ok(())
}

/// Messages of `conversation` up to `up_to_id` were marked read here: move its shared read
/// mark forward (never back) and push soon.
pub(crate) fn read_changed(inner: &Inner, conversation: &str, up_to_id: i64) -> Result<()> {
    let Some(ts) = inner.store.last_sent_ts(conversation, up_to_id)? else { return Ok(()) };
    let mut c = lock(inner);
    let current = c.convos.get(conversation)?;
    if current.as_ref().is_some_and(|r| r.last_read_ms >= ts && !r.unread) {
        return Ok(());
    }
    let state = ReadState { conversation: conversation.to_string(), last_read_ms: ts, unread: false };
    if c.convos.set(&state, inner.network.clock.now_ms())? {
        save(&inner.store, &mut c)?;
        inner.poll_wakeup.notify_one();
    }
    Ok(())
}

/// A group's record changed here (created, invited, joined, promoted, left, kicked, declined
/// when `rec` is `None`): mirror it into the user-groups config and push soon. Failures are
/// logged; the local change stands.
pub(crate) fn group_changed(inner: &Inner, group_id: &str, rec: Option<&GroupRecord>) {
    let r = (|| -> Result<()> {
        let mut c = lock(inner);
        let changed = match (rec.and_then(group_entry), rec.map(|r| r.state)) {
            (Some(e), _) => c.groups.set(&e)?,
            (None, Some(GroupState::Kicked)) => c.groups.mark_removed(group_id, 1)?,
            (None, _) => c.groups.erase(group_id)?,
        };
        if changed {
            save(&inner.store, &mut c)?;
            inner.poll_wakeup.notify_one();
        }
        Ok(())
    })();
    if let Err(e) = r {
        inner.log(LogLevel::Warn, || format!("updating the synced group list for {group_id} failed: {e}"));
    }
}

/// Merge config messages retrieved from namespace `ns` and apply what changed to the database.
pub(crate) fn merge_retrieved(inner: &Inner, ns: i16, msgs: &[Retrieved]) -> Result<()> {
    if msgs.is_empty() {
        return Ok(());
    }
    let batch: Vec<(String, Vec<u8>)> =
        msgs.iter().map(|m| (m.hash.clone(), uc::unwrap_legacy(&inner.identity, &m.data).unwrap_or_else(|| m.data.clone()))).collect();
    match ns {
        uc::NS_USER_PROFILE => {
            let (before, after) = merge_with(inner, ns, &batch, |c| (c.profile.name(), c.profile.profile_pic()))?;
            if after != before {
                apply_profile(inner, before, after)?;
            }
        }
        uc::NS_CONTACTS => {
            let (before, after) = merge_with(inner, ns, &batch, |c| keyed(c.contacts.all(), |i| &i.session_id))?;
            apply_contacts(inner, &before, &after)?;
        }
        uc::NS_CONVO_INFO_VOLATILE => {
            let (before, after) = merge_with(inner, ns, &batch, |c| keyed(c.convos.all(), |r| &r.conversation))?;
            // Read on another device: read here too (a mark never un-reads anything).
            for r in after.values().filter(|r| before.get(&r.conversation) != Some(*r) && r.last_read_ms > 0) {
                if inner.store.mark_read_until_ts(&r.conversation, r.last_read_ms)? > 0 {
                    inner.bus.emit(Event::ConversationRead { conversation: r.conversation.clone(), up_to_ts: r.last_read_ms });
                }
            }
        }
        // The group list is applied by reconcile_groups, which the poller runs every cycle.
        _ => {
            merge_with(inner, ns, &batch, |_| ())?;
        }
    }
    Ok(())
}

/// Merge `batch` into the config of namespace `ns` and save it, returning what `view` saw of
/// the configs before and after.
fn merge_with<T>(inner: &Inner, ns: i16, batch: &[(String, Vec<u8>)], view: impl Fn(&UserConfigs) -> T) -> Result<(T, T)> {
    let mut c = lock(inner);
    let before = view(&c);
    let accepted = c.config_mut(ns).merge(batch)?;
    if accepted.len() < batch.len() {
        inner.log(LogLevel::Debug, || format!("{} config messages in namespace {ns} did not open", batch.len() - accepted.len()));
    }
    let after = view(&c);
    save(&inner.store, &mut c)?;
    Ok((before, after))
}

fn keyed<T>(items: Vec<T>, key: impl Fn(&T) -> &String) -> BTreeMap<String, T> {
    items.into_iter().map(|i| (key(&i).clone(), i)).collect()
}

type ProfileView = (Option<String>, Option<(String, [u8; 32])>);

/// Our name or picture changed on another device: take them here and tell the host.
fn apply_profile(inner: &Inner, (name_before, pic_before): ProfileView, (name, pic): ProfileView) -> Result<()> {
    if name != name_before {
        if let Some(n) = name.as_deref().filter(|n| !n.is_empty()) {
            super::contacts::store_display_name(&inner.store, n)?;
        }
    }
    if pic != pic_before {
        super::contacts::store_own_avatar(&inner.store, pic.as_ref().map(|(u, k)| (u.as_str(), k)))?;
    }
    let display_name = inner.store.meta_get_string(META_DISPLAY_NAME)?;
    inner.bus.emit(Event::ProfileChanged { display_name });
    Ok(())
}

/// Bring local groups and the merged group list into agreement, whatever happened between
/// merges (a failed apply, concurrent edits from two devices): an entry we do not have is
/// joined; one marked removed ends here as kicked; a group we are in that the list lacks was
/// left on another device. Leaving wins both ways: a group we left here that the list still
/// holds is taken out again (joined_elsewhere re-asserts it). Idempotent and cheap (local
/// only); a group busy with an operation is skipped until the next cycle.
pub(crate) fn reconcile_groups(inner: &Inner) -> Result<()> {
    let entries: BTreeMap<String, GroupEntry> = lock(inner).groups.all().into_iter().map(|g| (g.group_id.clone(), g)).collect();
    for (id, e) in &entries {
        if e.removed > 0 {
            super::groups::kicked_elsewhere(inner, id)?;
        } else if let Err(err) = super::groups::joined_elsewhere(inner, e) {
            inner.log(LogLevel::Warn, || format!("joining group {id} as another device did failed: {err}"));
        }
    }
    for id in super::groups::active_ids(inner) {
        if !entries.contains_key(&id) {
            super::groups::left_elsewhere(inner, &id)?;
        }
    }
    Ok(())
}

/// Apply contact changes made on another device: new and changed entries are written, and an
/// entry that left the list removes a contact we had accepted or blocked.
fn apply_contacts(inner: &Inner, before: &BTreeMap<String, ContactInfo>, after: &BTreeMap<String, ContactInfo>) -> Result<()> {
    let me = inner.session_id().to_hex();
    for (id, info) in after {
        if before.get(id) == Some(info) || *id == me {
            continue;
        }
        let store = &inner.store;
        let was_request = store.contact(id)?.is_some_and(|c| !c.approved);
        store.set_approved(id, info.approved)?;
        store.set_blocked(id, info.blocked)?;
        if info.approved_me {
            store.set_approved_me(id, true)?;
        }
        store.set_nickname(id, info.nickname.as_deref())?;
        if let Some(name) = &info.name {
            store.update_profile(id, Some(name), None, None, 0)?;
        }
        if info.blocked && was_request {
            store.delete_conversation(id)?;
        }
        inner.bus.emit(Event::ContactChanged { session_id: id.clone() });
    }
    for id in before.keys().filter(|id| !after.contains_key(*id)) {
        if inner.store.contact(id)?.is_some_and(|c| shared(&c)) {
            inner.store.remove_contact(id)?;
            inner.bus.emit(Event::ContactChanged { session_id: id.clone() });
        }
    }
    Ok(())
}

/// Give the current config messages a fresh 30 days once a day, so configs that have not changed
/// for a month are still there for a device restored later (pushing a change renews them too).
pub(crate) async fn keep_alive(inner: &Inner) -> Result<()> {
    let now = inner.network.clock.now_ms();
    let last = inner.store.meta_get_string(KEEPALIVE_AT)?.and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    if now - last < KEEPALIVE_EVERY_MS {
        return Ok(());
    }
    let hashes: Vec<String> = {
        let c = lock(inner);
        [c.profile.config(), c.contacts.config(), c.convos.config(), c.groups.config()].iter().flat_map(|c| c.current_hashes()).collect()
    };
    if !hashes.is_empty() {
        let me = inner.session_id().account();
        let identity = inner.identity.clone();
        let expiry = now + uc::USER_CONFIG_TTL_MS;
        inner.network.swarm_rpc(&me, &|_, _| rpc::expire_extend(&me, &hashes, expiry, &Signer::User(&identity))).await?;
        inner.log(LogLevel::Debug, || format!("extended {} config messages to {expiry}", hashes.len()));
    }
    inner.store.meta_set(KEEPALIVE_AT, now.to_string().as_bytes())
}

/// Push every config with changes: stored in our swarm (wrapped as libsession wraps), confirmed,
/// and the messages it supersedes deleted. Runs in the poller after merging.
pub(crate) async fn push_pending(inner: &Inner) -> Result<()> {
    for ns in POLLED {
        let push = {
            let mut c = lock(inner);
            // Stale read marks go just before a push, as libsession prunes in push().
            if ns == uc::NS_CONVO_INFO_VOLATILE && c.convos.config().needs_push() {
                c.convos.prune(inner.network.clock.now_ms())?;
            }
            let config = c.config_mut(ns);
            if !config.needs_push() {
                continue;
            }
            let p = config.push()?;
            save(&inner.store, &mut c)?;
            p
        };
        let kind = match ns {
            uc::NS_USER_PROFILE => Kind::UserProfile,
            uc::NS_CONTACTS => Kind::Contacts,
            uc::NS_CONVO_INFO_VOLATILE => Kind::ConvoInfoVolatile,
            _ => Kind::UserGroups,
        };
        let data = uc::wrap_legacy(&inner.identity, kind, push.seqno, &push.data)?;
        let me = inner.session_id().account();
        let identity = inner.identity.clone();
        let (_, body) = inner
            .network
            .swarm_rpc(&me, &|_, now| rpc::store(&me, ns, &data, uc::USER_CONFIG_TTL_MS, now, Some(&Signer::User(&identity))))
            .await?;
        let hash = rpc::parse_store(&body)?;
        {
            let mut c = lock(inner);
            c.config_mut(ns).confirm_pushed(push.seqno, &hash);
            save(&inner.store, &mut c)?;
        }
        inner.log(LogLevel::Debug, || format!("pushed config namespace {ns} seqno {} as {hash}", push.seqno));
        if !push.obsolete.is_empty() {
            // Superseded config messages: best effort, they expire anyway.
            if let Err(e) = inner.network.swarm_rpc(&me, &|_, _| rpc::delete(&me, &push.obsolete, &Signer::User(&identity))).await {
                inner.log(LogLevel::Debug, || format!("deleting superseded config messages failed: {e}"));
            }
        }
    }
    Ok(())
}
