//! Invites and promotions that arrive 1:1.

use super::{emit_update, handle};
use crate::client::events::{Event, GroupChange, LogLevel};
use crate::client::group_state::{lock_sync, Credential, Group};
use crate::client::state::ClientState;
use crate::client::{runtime, sync};
use crate::crypto::group_key::GroupAdminKey;
use crate::crypto::subaccount::{self};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{AccountId, IdPrefix, SessionId};
use crate::store::{ConversationKind, GroupRecord, GroupState};
use crate::wire::group_message::{self};
use crate::wire::proto::{GroupUpdateInviteMessage, GroupUpdatePromoteMessage};
use std::sync::Arc;

// ---- invites ------------------------------------------------------------------------------------

/// An invite arrived 1:1: check the admin signature and our auth data, remember the group as
/// invited (auto-accepted for bots).
pub(crate) fn receive_invite(client: &Arc<ClientState>, from: &SessionId, sent_ts: i64, inv: &GroupUpdateInviteMessage) -> Result<()> {
    let account = AccountId::parse_with(&inv.group_session_id, IdPrefix::Group)?;
    let pk = account.key();
    let me = client.session_id();
    group_message::verify_admin_signature(&pk, &group_message::invite_signed_bytes(&me, sent_ts as u64), &inv.admin_signature)?;
    subaccount::verify_auth_data(&pk, &client.identity, &inv.member_auth_data, true, false)?;
    let id = account.to_hex();
    if let Some(existing) = client.groups.get(&id) {
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
    client.store.save_group(&record)?;
    sync::group_changed(client, &id, Some(&record));
    let g = Group::load(&client.identity, record)?;
    client.groups.insert(id.clone(), g);
    client.events.emit(Event::GroupInvite { group_id: id.clone(), name: inv.name.clone(), inviter: from.to_hex() });
    if client.config.auto_accept_requests {
        set_joined(client, &id)?;
    }
    Ok(())
}

pub(super) fn set_joined(client: &ClientState, group_id: &str) -> Result<()> {
    let mut rec = client.store.group(group_id)?.ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no group {group_id}")))?;
    rec.state = GroupState::Joined;
    rec.pending_response = true;
    client.store.save_group(&rec)?;
    sync::group_changed(client, group_id, Some(&rec));
    if let Some(h) = client.groups.get(group_id) {
        let mut g = lock_sync(&h)?;
        g.record.state = GroupState::Joined;
        g.record.pending_response = true;
    }
    announce_joined(client, group_id)
}

/// We are in the group now (here or on another device): its conversation exists, the host
/// hears of it, and the poller starts on its swarm at once.
pub(super) fn announce_joined(client: &ClientState, group_id: &str) -> Result<()> {
    client.store.ensure_conversation(group_id, ConversationKind::Group)?;
    emit_update(client, group_id, GroupChange::Joined, vec![client.session_id().to_hex()], None);
    client.activity.touch();
    client.wake.poller.notify_one();
    Ok(())
}

pub(crate) fn accept_invite(client: &Arc<ClientState>, group_id: &str) -> Result<()> {
    let h = handle(client, group_id)?;
    {
        let g = lock_sync(&h)?;
        if g.record.state != GroupState::Invited {
            return Err(Error::invalid_argument(format!("{group_id} has no pending invite")));
        }
    }
    set_joined(client, group_id)
}

pub(crate) fn decline_invite(client: &Arc<ClientState>, group_id: &str) -> Result<()> {
    let h = handle(client, group_id)?;
    let g = lock_sync(&h)?;
    if g.record.state != GroupState::Invited {
        return Err(Error::invalid_argument(format!("{group_id} has no pending invite")));
    }
    drop(g);
    // Out of the synced list first, so that no merge in between brings it back.
    sync::group_changed(client, group_id, None);
    client.store.delete_group(group_id)?;
    client.groups.remove(group_id);
    Ok(())
}

/// A promotion arrived 1:1: the seed must be the group's key.
pub(crate) fn receive_promotion(client: &Arc<ClientState>, from: &SessionId, p: &GroupUpdatePromoteMessage) -> Result<()> {
    let seed: [u8; 32] = p.group_identity_seed.as_slice().try_into().map_err(|_| Error::malformed("promotion seed is not 32 bytes"))?;
    let admin = GroupAdminKey::from_seed(&seed);
    let id = admin.group_id().to_hex();
    let h = client.groups.get(&id).ok_or_else(|| Error::new(ErrorKind::NotFound, "promoted in a group we do not know"))?;
    let rt = runtime::runtime()?;
    let client2 = client.clone();
    let promoter = from.to_hex();
    rt.spawn(async move {
        let mut g = h.lock().await;
        g.info.set_admin(&admin);
        g.members.set_admin(&admin);
        g.cred = Credential::Admin(admin);
        if let Err(e) = g.save(&client2) {
            client2.events.log(LogLevel::Error, || format!("saving promotion failed: {e}"));
        }
        let me = client2.session_id().to_hex();
        emit_update(&client2, &id, GroupChange::Promoted, vec![me], Some(promoter));
    });
    Ok(())
}
