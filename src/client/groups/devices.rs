//! The same identity's other devices: they share the group list (user-groups config, synced by
//! `sync`), and what one device does to its groups the others follow: a group created, joined,
//! accepted or promoted elsewhere is joined here; one left or kicked elsewhere ends here.

use super::emit_update;
use crate::client::events::{Event, GroupChange, LogLevel};
use crate::client::group_state::{Credential, Group};
use crate::client::state::ClientState;
use crate::client::sync;
use crate::crypto::group_key::GroupAdminKey;
use crate::error::Result;
use crate::store::{GroupRecord, GroupState};

use super::invites::announce_joined;

/// Another device of ours created, joined, was invited to or was promoted in a group (the
/// user-groups config says so): do the same here. A new group starts with only its credential;
/// its keys, configs and messages come with the next poll of its swarm. Runs in the poller: a
/// group that an operation holds is left for the next cycle (never waited for).
pub(crate) fn joined_elsewhere(client: &ClientState, e: &crate::config::user::GroupEntry) -> Result<()> {
    let id = e.group_id.clone();
    let me = client.session_id().to_hex();
    if let Some(h) = client.groups.get(&id) {
        let Ok(mut g) = h.try_lock() else { return Ok(()) };
        if matches!(g.record.state, GroupState::Left | GroupState::Kicked) {
            // We left (or were removed) here; the list holding the group is stale: say so again.
            sync::group_changed(client, &id, Some(&g.record));
            return Ok(());
        }
        if let (Some(seed), None) = (&e.admin_seed, g.admin()) {
            let admin = GroupAdminKey::from_seed(seed);
            g.info.set_admin(&admin);
            g.members.set_admin(&admin);
            g.cred = Credential::Admin(admin);
            g.save(client)?;
            emit_update(client, &id, GroupChange::Promoted, vec![me.clone()], None);
        }
        if g.record.state == GroupState::Invited && !e.invited {
            // Accepted on the other device, which also answered the group.
            g.record.state = GroupState::Joined;
            g.save(client)?;
            drop(g);
            announce_joined(client, &id)?;
        }
        return Ok(());
    }
    if client.store.group(&id)?.is_some() {
        return Ok(()); // being created here right now (stored, not yet registered)
    }
    let state = if e.invited { GroupState::Invited } else { GroupState::Joined };
    let mut record = GroupRecord::new(id.clone(), state);
    record.name = e.name.clone();
    record.admin_seed = e.admin_seed.map(|s| s.to_vec());
    record.auth_data = e.auth_data.clone();
    if e.joined_at > 0 {
        record.created_at = e.joined_at * 1000;
    }
    let g = Group::load(&client.identity, record.clone())?;
    client.store.save_group(&record)?;
    client.groups.insert(id.clone(), g);
    if state == GroupState::Joined {
        return announce_joined(client, &id);
    }
    client.events.emit(Event::GroupInvite { group_id: id, name: e.name.clone().unwrap_or_default(), inviter: String::new() });
    client.activity.touch();
    client.wake.poller.notify_one();
    Ok(())
}

/// Another device of ours learnt that we were removed from the group (or that it was
/// destroyed): the same here, keeping history.
pub(crate) fn kicked_elsewhere(client: &ClientState, group_id: &str) -> Result<()> {
    ended_elsewhere(client, group_id, GroupState::Kicked, GroupChange::Kicked)
}

/// Another device of ours left the group (or declined its invite): stop polling it here too,
/// keeping its history.
pub(crate) fn left_elsewhere(client: &ClientState, group_id: &str) -> Result<()> {
    ended_elsewhere(client, group_id, GroupState::Left, GroupChange::Left)
}

fn ended_elsewhere(client: &ClientState, group_id: &str, state: GroupState, change: GroupChange) -> Result<()> {
    let Some(h) = client.groups.get(group_id) else { return Ok(()) };
    let Ok(mut g) = h.try_lock() else { return Ok(()) }; // busy: the next cycle reconciles it
    match g.record.state {
        GroupState::Joined => {
            g.record.state = state;
            g.save(client)?;
            drop(g);
            emit_update(client, group_id, change, vec![client.session_id().to_hex()], None);
        }
        GroupState::Invited => {
            drop(g);
            client.store.delete_group(group_id)?;
            client.groups.remove(group_id);
        }
        GroupState::Kicked | GroupState::Left => {}
    }
    Ok(())
}

/// Bring local groups and the merged group list into agreement, whatever happened between
/// merges (a failed apply, concurrent edits from two devices): an entry we do not have is
/// joined; one marked removed ends here as kicked; a group we are in that the list lacks was
/// left on another device. Leaving wins both ways: a group we left here that the list still
/// holds is taken out again (joined_elsewhere re-asserts it). Idempotent and cheap (local
/// only); a group busy with an operation is skipped until the next cycle.
pub(crate) fn reconcile(client: &ClientState) -> Result<()> {
    let entries = client.synced.group_entries();
    for (id, e) in &entries {
        if e.removed > 0 {
            kicked_elsewhere(client, id)?;
        } else if let Err(err) = joined_elsewhere(client, e) {
            client.events.log(LogLevel::Warn, || format!("joining group {id} as another device did failed: {err}"));
        }
    }
    for id in super::active_ids(client) {
        if !entries.contains_key(&id) {
            left_elsewhere(client, &id)?;
        }
    }
    Ok(())
}
