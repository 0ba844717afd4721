//! Invites and promotions that arrive 1:1.

#[allow(unused_imports)]
use super::*;

// ---- invites ------------------------------------------------------------------------------------

/// An invite arrived 1:1: check the admin signature and our auth data, remember the group as
/// invited (auto-accepted for bots).
pub(crate) fn receive_invite(inner: &Arc<Inner>, from: &SessionId, sent_ts: i64, inv: &GroupUpdateInviteMessage) -> Result<()> {
    let account = AccountId::parse_with(&inv.group_session_id, IdPrefix::Group)?;
    let pk = account.key();
    let me = inner.session_id();
    group_message::verify_admin_signature(&pk, &group_message::invite_signed_bytes(&me, sent_ts as u64), &inv.admin_signature)?;
    subaccount::verify_auth_data(&pk, &inner.identity, &inv.member_auth_data, true, false)?;
    let id = account.to_hex();
    if let Some(existing) = inner.groups.get(&id) {
        // Re-invited after leaving or being removed: start over as a member.
        // The poller must not block on a group an operation holds: a busy group is an active one.
        let Ok(g) = existing.try_lock() else { return Ok(()) };
        if g.record.state == GroupState::Joined || g.record.state == GroupState::Invited {
            return Ok(());
        }
    }
    let mut record = GroupRecord::new(id.clone(), GroupState::Invited);
    record.name = Some(inv.name.clone()).filter(|n| !n.is_empty());
    record.auth_data = Some(inv.member_auth_data.clone());
    record.inviter = Some(from.to_hex());
    inner.store.save_group(&record)?;
    crate::client::config_sync::group_changed(inner, &id, Some(&record));
    let g = Group::load(inner, record)?;
    inner.groups.insert(id.clone(), g);
    inner.bus.emit(Event::GroupInvite { group_id: id.clone(), name: inv.name.clone(), inviter: from.to_hex() });
    if inner.config.auto_accept_requests {
        set_joined(inner, &id)?;
    }
    Ok(())
}

pub(super) fn set_joined(inner: &Inner, group_id: &str) -> Result<()> {
    let mut rec = inner.store.group(group_id)?.ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no group {group_id}")))?;
    rec.state = GroupState::Joined;
    rec.pending_response = true;
    inner.store.save_group(&rec)?;
    crate::client::config_sync::group_changed(inner, group_id, Some(&rec));
    if let Some(h) = inner.groups.get(group_id) {
        let mut g = lock_sync(&h)?;
        g.record.state = GroupState::Joined;
        g.record.pending_response = true;
    }
    announce_joined(inner, group_id)
}

/// We are in the group now (here or on another device): its conversation exists, the host
/// hears of it, and the poller starts on its swarm at once.
fn announce_joined(inner: &Inner, group_id: &str) -> Result<()> {
    inner.store.ensure_conversation(group_id, ConversationKind::Group)?;
    emit_update(inner, group_id, GroupChange::Joined, vec![inner.session_id().to_hex()], None);
    inner.touch();
    inner.poll_wakeup.notify_one();
    Ok(())
}

pub(crate) fn accept_invite(inner: &Arc<Inner>, group_id: &str) -> Result<()> {
    let h = handle(inner, group_id)?;
    {
        let g = lock_sync(&h)?;
        if g.record.state != GroupState::Invited {
            return Err(Error::invalid_argument(format!("{group_id} has no pending invite")));
        }
    }
    set_joined(inner, group_id)
}

pub(crate) fn decline_invite(inner: &Arc<Inner>, group_id: &str) -> Result<()> {
    let h = handle(inner, group_id)?;
    let g = lock_sync(&h)?;
    if g.record.state != GroupState::Invited {
        return Err(Error::invalid_argument(format!("{group_id} has no pending invite")));
    }
    drop(g);
    // Out of the synced list first, so that no merge in between brings it back.
    crate::client::config_sync::group_changed(inner, group_id, None);
    inner.store.delete_group(group_id)?;
    inner.groups.remove(group_id);
    Ok(())
}

// ---- the same identity's other devices ----------------------------------------------------------

/// Another device of ours created, joined, was invited to or was promoted in a group (the
/// user-groups config says so): do the same here. A new group starts with only its credential;
/// its keys, configs and messages come with the next poll of its swarm. Runs in the poller: a
/// group that an operation holds is left for the next cycle (never waited for).
pub(crate) fn joined_elsewhere(inner: &Inner, e: &crate::config::user::GroupEntry) -> Result<()> {
    let id = e.group_id.clone();
    let me = inner.session_id().to_hex();
    if let Some(h) = inner.groups.get(&id) {
        let Ok(mut g) = h.try_lock() else { return Ok(()) };
        if matches!(g.record.state, GroupState::Left | GroupState::Kicked) {
            // We left (or were removed) here; the list holding the group is stale: say so again.
            crate::client::config_sync::group_changed(inner, &id, Some(&g.record));
            return Ok(());
        }
        if let (Some(seed), None) = (&e.admin_seed, g.admin()) {
            let admin = GroupAdminKey::from_seed(seed);
            g.info.set_admin(&admin);
            g.members.set_admin(&admin);
            g.cred = Credential::Admin(admin);
            g.save(inner)?;
            emit_update(inner, &id, GroupChange::Promoted, vec![me.clone()], None);
        }
        if g.record.state == GroupState::Invited && !e.invited {
            // Accepted on the other device, which also answered the group.
            g.record.state = GroupState::Joined;
            g.save(inner)?;
            drop(g);
            announce_joined(inner, &id)?;
        }
        return Ok(());
    }
    if inner.store.group(&id)?.is_some() {
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
    let g = Group::load(inner, record.clone())?;
    inner.store.save_group(&record)?;
    inner.groups.insert(id.clone(), g);
    if state == GroupState::Joined {
        return announce_joined(inner, &id);
    }
    inner.bus.emit(Event::GroupInvite { group_id: id, name: e.name.clone().unwrap_or_default(), inviter: String::new() });
    inner.touch();
    inner.poll_wakeup.notify_one();
    Ok(())
}

/// Another device of ours learnt that we were removed from the group (or that it was
/// destroyed): the same here, keeping history.
pub(crate) fn kicked_elsewhere(inner: &Inner, group_id: &str) -> Result<()> {
    ended_elsewhere(inner, group_id, GroupState::Kicked, GroupChange::Kicked)
}

/// Another device of ours left the group (or declined its invite): stop polling it here too,
/// keeping its history.
pub(crate) fn left_elsewhere(inner: &Inner, group_id: &str) -> Result<()> {
    ended_elsewhere(inner, group_id, GroupState::Left, GroupChange::Left)
}

fn ended_elsewhere(inner: &Inner, group_id: &str, state: GroupState, change: GroupChange) -> Result<()> {
    let Some(h) = inner.groups.get(group_id) else { return Ok(()) };
    let Ok(mut g) = h.try_lock() else { return Ok(()) }; // busy: the next cycle reconciles it
    match g.record.state {
        GroupState::Joined => {
            g.record.state = state;
            g.save(inner)?;
            drop(g);
            emit_update(inner, group_id, change, vec![inner.session_id().to_hex()], None);
        }
        GroupState::Invited => {
            drop(g);
            inner.store.delete_group(group_id)?;
            inner.groups.remove(group_id);
        }
        GroupState::Kicked | GroupState::Left => {}
    }
    Ok(())
}

/// A promotion arrived 1:1: the seed must be the group's key.
pub(crate) fn receive_promotion(inner: &Arc<Inner>, from: &SessionId, p: &GroupUpdatePromoteMessage) -> Result<()> {
    let seed: [u8; 32] = p.group_identity_seed.as_slice().try_into().map_err(|_| Error::malformed("promotion seed is not 32 bytes"))?;
    let admin = GroupAdminKey::from_seed(&seed);
    let id = admin.group_id().to_hex();
    let h = inner.groups.get(&id).ok_or_else(|| Error::new(ErrorKind::NotFound, "promoted in a group we do not know"))?;
    let rt = crate::client::runtime::runtime()?;
    let inner2 = inner.clone();
    let promoter = from.to_hex();
    rt.spawn(async move {
        let mut g = h.lock().await;
        g.info.set_admin(&admin);
        g.members.set_admin(&admin);
        g.cred = Credential::Admin(admin);
        if let Err(e) = g.save(&inner2) {
            inner2.log(LogLevel::Error, || format!("saving promotion failed: {e}"));
        }
        let me = inner2.session_id().to_hex();
        emit_update(&inner2, &id, GroupChange::Promoted, vec![me], Some(promoter));
    });
    Ok(())
}
