//! Multi-device sync through the user configs in our own swarm (config-sync.md): profile (2),
//! contacts (3), read marks (4) and the group list (5). Local changes edit the configs and wake
//! the poller, which merges what our other devices pushed, applies their changes to the
//! database, and then pushes ours. Config state survives restarts as libsession-style dumps in
//! the database. (The group list is applied by `groups::devices`, which reads it from here.)

use super::events::{Event, LogLevel};
use super::own_profile::{self, META_DISPLAY_NAME};
use super::state::ClientState;
use super::user_configs::{group_entry, info_from, save, shared, UserConfigs};
use crate::config::user::{self as uc, ContactInfo, ReadState};
use crate::crypto::signer::Signer;
use crate::error::Result;
use crate::store::{GroupRecord, GroupState};
use crate::wire::proto::shared_config_message::Kind;
use crate::wire::rpc::{self, Retrieved};
use std::collections::BTreeMap;
use std::sync::MutexGuard;

/// The user config namespaces the poller retrieves.
pub(crate) const POLLED: [i16; 4] = [uc::NS_USER_PROFILE, uc::NS_CONTACTS, uc::NS_CONVO_INFO_VOLATILE, uc::NS_USER_GROUPS];

/// When the current config messages' expiries were last extended (ms, network clock).
const KEEPALIVE_AT: &str = "config_keepalive_ms";
/// How often an unchanged config's messages are given a fresh 30 days.
const KEEPALIVE_EVERY_MS: i64 = 24 * 3600 * 1000;

fn lock(client: &ClientState) -> MutexGuard<'_, UserConfigs> {
    client.synced.lock()
}

/// Our display name or avatar changed here: record them in the profile config and push soon.
pub(crate) fn profile_changed(client: &ClientState) -> Result<()> {
    let name = client.store.meta_get_string(META_DISPLAY_NAME)?.unwrap_or_default();
    let avatar = own_profile::own_avatar(&client.store)?;
    let now_s = client.network.clock.now_ms() / 1000;
    let mut c = lock(client);
    let name_changed = c.profile.set_name(&name, now_s)?;
    let pic_changed = c.profile.set_profile_pic(avatar.as_ref().map(|(u, k)| (u.as_str(), k)), now_s)?;
    if name_changed || pic_changed {
        save(&client.store, &mut c)?;
        client.wake.poller.notify_one();
    }
    Ok(())
}

/// A contact changed here: mirror it into the contacts config (or take it out), push soon, and
/// tell the host. A failure to update the config is logged; the local change stands.
pub(crate) fn contact_changed(client: &ClientState, session_id: &str) {
    if let Err(e) = mirror_contact(client, session_id) {
        client.events.log(LogLevel::Warn, || format!("updating the synced contact list for {session_id} failed: {e}"));
    }
    client.events.emit(Event::ContactChanged { session_id: session_id.to_string() });
}

fn mirror_contact(client: &ClientState, session_id: &str) -> Result<()> {
    if session_id == client.session_id().to_hex() || !session_id.starts_with("05") {
        return Ok(());
    }
    let local = client.store.contact(session_id)?;
    let mut c = lock(client);
    let changed = match local.filter(shared) {
        Some(contact) => {
            let created = c.contacts.get(session_id)?.map(|i| i.created).filter(|t| *t > 0).unwrap_or(contact.created_at / 1000);
            c.contacts.set(&info_from(&contact, created))?
        }
        None => c.contacts.erase(session_id)?,
    };
    if changed {
        save(&client.store, &mut c)?;
        client.wake.poller.notify_one();
    }
    Ok(())
}

/// Messages of `conversation` up to `up_to_id` were marked read here: move its shared read
/// mark forward (never back) and push soon.
pub(crate) fn read_changed(client: &ClientState, conversation: &str, up_to_id: i64) -> Result<()> {
    let Some(ts) = client.store.last_sent_ts(conversation, up_to_id)? else { return Ok(()) };
    let mut c = lock(client);
    let current = c.convos.get(conversation)?;
    if current.as_ref().is_some_and(|r| r.last_read_ms >= ts && !r.unread) {
        return Ok(());
    }
    let state = ReadState { conversation: conversation.to_string(), last_read_ms: ts, unread: false };
    if c.convos.set(&state, client.network.clock.now_ms())? {
        save(&client.store, &mut c)?;
        client.wake.poller.notify_one();
    }
    Ok(())
}

/// A group's record changed here (created, invited, joined, promoted, left, kicked, declined
/// when `rec` is `None`): mirror it into the user-groups config and push soon. Failures are
/// logged; the local change stands.
pub(crate) fn group_changed(client: &ClientState, group_id: &str, rec: Option<&GroupRecord>) {
    let r = (|| -> Result<()> {
        let mut c = lock(client);
        let changed = match (rec.and_then(group_entry), rec.map(|r| r.state)) {
            (Some(e), _) => c.groups.set(&e)?,
            (None, Some(GroupState::Kicked)) => c.groups.mark_removed(group_id, 1)?,
            (None, _) => c.groups.erase(group_id)?,
        };
        if changed {
            save(&client.store, &mut c)?;
            client.wake.poller.notify_one();
        }
        Ok(())
    })();
    if let Err(e) = r {
        client.events.log(LogLevel::Warn, || format!("updating the synced group list for {group_id} failed: {e}"));
    }
}

/// Merge config messages retrieved from namespace `ns` and apply what changed to the database.
pub(crate) fn merge_retrieved(client: &ClientState, ns: i16, msgs: &[Retrieved]) -> Result<()> {
    if msgs.is_empty() {
        return Ok(());
    }
    let batch: Vec<(String, Vec<u8>)> =
        msgs.iter().map(|m| (m.hash.clone(), uc::unwrap_legacy(&client.identity, &m.data).unwrap_or_else(|| m.data.clone()))).collect();
    match ns {
        uc::NS_USER_PROFILE => {
            let (before, after) = merge_with(client, ns, &batch, |c| (c.profile.name(), c.profile.profile_pic()))?;
            if after != before {
                apply_profile(client, before, after)?;
            }
        }
        uc::NS_CONTACTS => {
            let (before, after) = merge_with(client, ns, &batch, |c| keyed(c.contacts.all(), |i| &i.session_id))?;
            apply_contacts(client, &before, &after)?;
        }
        uc::NS_CONVO_INFO_VOLATILE => {
            let (before, after) = merge_with(client, ns, &batch, |c| keyed(c.convos.all(), |r| &r.conversation))?;
            // Read on another device: read here too (a mark never un-reads anything).
            for r in after.values().filter(|r| before.get(&r.conversation) != Some(*r) && r.last_read_ms > 0) {
                if client.store.mark_read_until_ts(&r.conversation, r.last_read_ms)? > 0 {
                    client.events.emit(Event::ConversationRead { conversation: r.conversation.clone(), up_to_ts: r.last_read_ms });
                }
            }
        }
        // The group list is applied by reconcile_groups, which the poller runs every cycle.
        _ => {
            merge_with(client, ns, &batch, |_| ())?;
        }
    }
    Ok(())
}

/// Merge `batch` into the config of namespace `ns` and save it, returning what `view` saw of
/// the configs before and after.
fn merge_with<T>(client: &ClientState, ns: i16, batch: &[(String, Vec<u8>)], view: impl Fn(&UserConfigs) -> T) -> Result<(T, T)> {
    let mut c = lock(client);
    let before = view(&c);
    let accepted = c.config_mut(ns).merge(batch)?;
    if accepted.len() < batch.len() {
        client.events.log(LogLevel::Debug, || format!("{} config messages in namespace {ns} did not open", batch.len() - accepted.len()));
    }
    let after = view(&c);
    save(&client.store, &mut c)?;
    Ok((before, after))
}

fn keyed<T>(items: Vec<T>, key: impl Fn(&T) -> &String) -> BTreeMap<String, T> {
    items.into_iter().map(|i| (key(&i).clone(), i)).collect()
}

type ProfileView = (Option<String>, Option<(String, [u8; 32])>);

/// Our name or picture changed on another device: take them here and tell the host.
fn apply_profile(client: &ClientState, (name_before, pic_before): ProfileView, (name, pic): ProfileView) -> Result<()> {
    if name != name_before {
        if let Some(n) = name.as_deref().filter(|n| !n.is_empty()) {
            own_profile::store_display_name(&client.store, n)?;
        }
    }
    if pic != pic_before {
        own_profile::store_own_avatar(&client.store, pic.as_ref().map(|(u, k)| (u.as_str(), k)))?;
    }
    let display_name = client.store.meta_get_string(META_DISPLAY_NAME)?;
    client.events.emit(Event::ProfileChanged { display_name });
    Ok(())
}

/// Apply contact changes made on another device: new and changed entries are written, and an
/// entry that left the list removes a contact we had accepted or blocked.
fn apply_contacts(client: &ClientState, before: &BTreeMap<String, ContactInfo>, after: &BTreeMap<String, ContactInfo>) -> Result<()> {
    let me = client.session_id().to_hex();
    for (id, info) in after {
        if before.get(id) == Some(info) || *id == me {
            continue;
        }
        let store = &client.store;
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
        client.events.emit(Event::ContactChanged { session_id: id.clone() });
    }
    for id in before.keys().filter(|id| !after.contains_key(*id)) {
        if client.store.contact(id)?.is_some_and(|c| shared(&c)) {
            client.store.remove_contact(id)?;
            client.events.emit(Event::ContactChanged { session_id: id.clone() });
        }
    }
    Ok(())
}

/// Give the current config messages a fresh 30 days once a day, so configs that have not changed
/// for a month are still there for a device restored later (pushing a change renews them too).
pub(crate) async fn keep_alive(client: &ClientState) -> Result<()> {
    let now = client.network.clock.now_ms();
    let last = client.store.meta_get_string(KEEPALIVE_AT)?.and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    if now - last < KEEPALIVE_EVERY_MS {
        return Ok(());
    }
    let hashes: Vec<String> = {
        let c = lock(client);
        [c.profile.config(), c.contacts.config(), c.convos.config(), c.groups.config()].iter().flat_map(|c| c.current_hashes()).collect()
    };
    if !hashes.is_empty() {
        let me = client.session_id().account();
        let identity = client.identity.clone();
        let expiry = now + uc::USER_CONFIG_TTL_MS;
        client.network.swarm_rpc(&me, &|_, _| rpc::expire_extend(&me, &hashes, expiry, &Signer::User(&identity))).await?;
        client.events.log(LogLevel::Debug, || format!("extended {} config messages to {expiry}", hashes.len()));
    }
    client.store.meta_set(KEEPALIVE_AT, now.to_string().as_bytes())
}

/// Push every config with changes: stored in our swarm (wrapped as libsession wraps), confirmed,
/// and the messages it supersedes deleted. Runs in the poller after merging.
pub(crate) async fn push_pending(client: &ClientState) -> Result<()> {
    for ns in POLLED {
        let push = {
            let mut c = lock(client);
            // Stale read marks go just before a push, as libsession prunes in push().
            if ns == uc::NS_CONVO_INFO_VOLATILE && c.convos.config().needs_push() {
                c.convos.prune(client.network.clock.now_ms())?;
            }
            let config = c.config_mut(ns);
            if !config.needs_push() {
                continue;
            }
            let p = config.push()?;
            save(&client.store, &mut c)?;
            p
        };
        let kind = match ns {
            uc::NS_USER_PROFILE => Kind::UserProfile,
            uc::NS_CONTACTS => Kind::Contacts,
            uc::NS_CONVO_INFO_VOLATILE => Kind::ConvoInfoVolatile,
            _ => Kind::UserGroups,
        };
        let data = uc::wrap_legacy(&client.identity, kind, push.seqno, &push.data)?;
        let me = client.session_id().account();
        let identity = client.identity.clone();
        let (_, body) = client
            .network
            .swarm_rpc(&me, &|_, now| rpc::store(&me, ns, &data, uc::USER_CONFIG_TTL_MS, now, Some(&Signer::User(&identity))))
            .await?;
        let hash = rpc::parse_store(&body)?;
        {
            let mut c = lock(client);
            c.config_mut(ns).confirm_pushed(push.seqno, &hash);
            save(&client.store, &mut c)?;
        }
        client.events.log(LogLevel::Debug, || format!("pushed config namespace {ns} seqno {} as {hash}", push.seqno));
        if !push.obsolete.is_empty() {
            // Superseded config messages: best effort, they expire anyway.
            if let Err(e) = client.network.swarm_rpc(&me, &|_, _| rpc::delete(&me, &push.obsolete, &Signer::User(&identity))).await {
                client.events.log(LogLevel::Debug, || format!("deleting superseded config messages failed: {e}"));
            }
        }
    }
    Ok(())
}
