//! Polling a group swarm and applying what arrives.

use super::admin::remove_locked;
use super::emit_update;
use super::network::{control_content, push_configs, queue_group_content};
use crate::client::events::{Event, GroupChange, LogLevel};
use crate::client::group_state::{Group, GroupHandle};
use crate::client::state::ClientState;
use crate::client::{pointers, runtime};
use crate::config::group::keys_message::KeysRole;
use crate::config::group::{self as gc};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::SessionId;
use crate::store::{ConversationKind, GroupState};
use crate::wire::group_message::{self};
use crate::wire::proto::{
    group_update_info_change_message, group_update_member_change_message, GroupUpdateInviteResponseMessage, GroupUpdateMessage,
};
use crate::wire::rpc::{self, Request};
use std::collections::HashMap;
use std::sync::Arc;

// ---- polling --------------------------------------------------------------------------------------

/// The namespaces polled, in request order; keys (12) are processed first.
pub(super) const POLLED: [i16; 5] = [gc::NS_REVOKED_RETRIEVABLE, gc::NS_MESSAGES, gc::NS_INFO, gc::NS_MEMBERS, gc::NS_KEYS];

/// Poll one group: one batch request for every namespace, then keys, configs, messages and
/// kicked notices in that order.
pub(crate) async fn poll(client: &Arc<ClientState>, h: &GroupHandle) -> Result<()> {
    // Take what the request needs, then release the group while the request is in flight.
    let (acct, gid, cred) = {
        let g = h.lock().await;
        if g.record.state != GroupState::Joined {
            return Ok(());
        }
        (g.account, g.record.id.clone(), g.cred.clone())
    };
    let store_ref = &client.store;
    let (node, body) = client
        .network
        .swarm_rpc(&acct, &|node, now| {
            let reqs: Vec<Request> = POLLED
                .iter()
                .map(|ns| {
                    let last = store_ref.last_hash(&gid, *ns, &node.ed25519_hex()).ok().flatten();
                    cred.with_signer(|s| rpc::retrieve(&acct, *ns, last.as_deref(), now, s))
                })
                .collect();
            rpc::batch(&reqs)
        })
        .await?;
    let results = rpc::parse_batch(&body)?;
    let mut g = h.lock().await;
    if g.record.state != GroupState::Joined {
        return Ok(());
    }
    let mut by_ns: HashMap<i16, Vec<rpc::Retrieved>> = HashMap::new();
    for (ns, (code, body)) in POLLED.iter().zip(results) {
        if code == 200 {
            if let Ok((msgs, _, _)) = rpc::parse_retrieve(&body) {
                by_ns.insert(*ns, msgs);
            }
        } else if code == 401 && *ns == gc::NS_MESSAGES {
            client.events.log(LogLevel::Debug, || format!("group {gid}: retrieve refused (401); our access may have been revoked"));
        }
    }
    let node_hex = node.ed25519_hex();
    let remember = |ns: i16, msgs: &[rpc::Retrieved]| {
        if let Some(last) = msgs.last() {
            let _ = client.store.set_last_hash(&gid, ns, &node_hex, &last.hash);
        }
    };
    let role_admin = g.admin().cloned();
    let had_key = g.keys.encryption_key().is_some();
    let pk = g.pk;
    // Keys first: configs and messages may need the new key.
    let mut keys_changed = false;
    if let Some(msgs) = by_ns.get(&gc::NS_KEYS) {
        for m in msgs {
            let role = match &role_admin {
                Some(a) => KeysRole::Admin(a),
                None => KeysRole::Member(&client.identity),
            };
            match g.keys.load_message(&m.hash, &m.data, m.timestamp, &pk, role) {
                Ok(changed) => keys_changed |= changed,
                Err(e) => client.events.log(LogLevel::Warn, || format!("group {gid}: rejected a keys message: {e}")),
            }
        }
        remember(gc::NS_KEYS, msgs);
    }
    if (keys_changed || g.info.config().keys().is_empty()) && !g.keys.group_keys().is_empty() {
        let keys = g.keys.clone();
        g.info.set_keys(&keys, false)?;
        g.members.set_keys(&keys, false)?;
    }
    if !had_key && g.keys.encryption_key().is_some() && g.admin().is_none() {
        emit_update(client, &gid, GroupChange::Ready, vec![], None);
    }
    let me = client.session_id();
    let desc_before = g.info.description();
    for ns in [gc::NS_INFO, gc::NS_MEMBERS] {
        if let Some(msgs) = by_ns.get(&ns) {
            if !msgs.is_empty() && !g.info.config().keys().is_empty() {
                let batch: Vec<(String, Vec<u8>)> = msgs.iter().map(|m| (m.hash.clone(), m.data.clone())).collect();
                let r = if ns == gc::NS_INFO { g.info.config_mut().merge(&batch) } else { g.members.config_mut().merge(&batch) };
                if let Err(e) = r {
                    client.events.log(LogLevel::Warn, || format!("group {gid}: config merge failed: {e}"));
                }
            }
            remember(ns, msgs);
        }
    }
    // Renames are announced by the admin's signed InfoChange message (with its author); the
    // description has no such message, so its config change is the announcement.
    if g.info.description() != desc_before && desc_before.is_some() {
        emit_update(client, &gid, GroupChange::DescriptionChanged, vec![], None);
    }
    // Messages.
    if let Some(msgs) = by_ns.get(&gc::NS_MESSAGES) {
        let keys = g.keys.group_keys();
        for m in msgs {
            if client.store.seen(&m.hash)? {
                continue;
            }
            if let Err(e) = apply_group_message(client, &mut g, &keys, m) {
                if e.kind() == ErrorKind::Database {
                    return Err(e);
                }
                client.events.log(LogLevel::Warn, || format!("group {gid}: skipped message {}: {e}", m.hash));
            }
            client.store.mark_seen(&m.hash, m.expiration)?;
        }
        remember(gc::NS_MESSAGES, msgs);
    }
    // Kicked notices.
    let mut kicked = false;
    if let Some(msgs) = by_ns.get(&gc::NS_REVOKED_RETRIEVABLE) {
        for m in msgs {
            if group_message::is_kicked(&client.identity, &pk, &m.data, g.keys.current_generation()).unwrap_or(false) {
                kicked = true;
            }
        }
        remember(gc::NS_REVOKED_RETRIEVABLE, msgs);
    }
    if kicked && g.admin().is_none() {
        g.record.state = GroupState::Kicked;
        emit_update(client, &gid, GroupChange::Kicked, vec![me.to_hex()], None);
    }
    // Admins push what this poll changed (accepted invites) once.
    if g.admin().is_some() && (g.members.config().needs_push() || g.info.config().needs_push()) {
        if let Err(e) = push_configs(client, &mut g).await {
            client.events.log(LogLevel::Warn, || format!("group {gid}: pushing configs failed: {e}"));
        }
    }
    // An accepted invite owes the group a response once we hold its key.
    if g.record.pending_response && g.record.state == GroupState::Joined && g.keys.encryption_key().is_some() {
        let ts = client.next_sent_ts();
        let update =
            GroupUpdateMessage { invite_response: Some(GroupUpdateInviteResponseMessage { is_approved: true }), ..Default::default() };
        queue_group_content(client, &g, &control_content(update, ts), ts, None)?;
        g.record.pending_response = false;
    }
    g.save(client)?;
    Ok(())
}

pub(super) fn apply_group_message(client: &Arc<ClientState>, g: &mut Group, keys: &[[u8; 32]], m: &rpc::Retrieved) -> Result<()> {
    let d = group_message::decode_group_message(keys, &m.data)?;
    let gid = g.record.id.clone();
    let sender = d.sender.to_hex();
    let me = client.session_id().to_hex();
    let sent_ts = d.content.sig_timestamp.map(|t| t as i64).unwrap_or(d.envelope.timestamp as i64);
    let Some(dm) = d.content.data_message.as_ref() else { return Ok(()) };
    if let Some(u) = &dm.group_update_message {
        return apply_group_update(client, g, &d.sender, d.envelope.timestamp, u);
    }
    // Admins record members' display names from the profiles their messages carry.
    if let (Some(_), Some(name)) = (g.admin(), dm.profile.as_ref().and_then(|p| p.display_name.clone())) {
        if let Some(mut mm) = g.members.get(&d.sender) {
            if mm.name.is_empty() && !name.is_empty() && name.len() <= gc::MEMBER_NAME_MAX_LENGTH {
                mm.name = name;
                g.members.set(&mm)?;
            }
        }
    }
    let attachments = pointers::records_from(dm);
    let outgoing = sender == me;
    let id = client.store.insert_incoming(
        &gid,
        ConversationKind::Group,
        &sender,
        outgoing,
        dm.body.as_deref(),
        sent_ts,
        Some(&m.hash),
        None,
        &attachments,
    )?;
    if let Some(id) = id {
        client.activity.touch();
        let message = client.store.require_message(id)?;
        if outgoing {
            client.events.emit(Event::MessageSynced { message });
        } else {
            client.events.emit(Event::MessageReceived { message, is_request: false });
        }
    }
    Ok(())
}

pub(super) fn apply_group_update(
    client: &Arc<ClientState>,
    g: &mut Group,
    sender: &SessionId,
    env_ts: u64,
    u: &GroupUpdateMessage,
) -> Result<()> {
    let gid = g.record.id.clone();
    let pk = g.pk;
    let actor = Some(sender.to_hex());
    if let Some(c) = &u.info_change_message {
        group_message::verify_admin_signature(&pk, &group_message::info_change_signed_bytes(c.r#type, env_ts), &c.admin_signature)?;
        if c.r#type == group_update_info_change_message::Type::Name as i32 && sender.to_hex() != client.session_id().to_hex() {
            emit_update(client, &gid, GroupChange::Renamed, vec![], actor);
        }
        return Ok(());
    }
    if let Some(c) = &u.member_change_message {
        group_message::verify_admin_signature(&pk, &group_message::member_change_signed_bytes(c.r#type, env_ts), &c.admin_signature)?;
        let change = match group_update_member_change_message::Type::try_from(c.r#type) {
            Ok(group_update_member_change_message::Type::Added) => GroupChange::MembersAdded,
            Ok(group_update_member_change_message::Type::Removed) => GroupChange::MembersRemoved,
            Ok(group_update_member_change_message::Type::Promoted) => GroupChange::Promoted,
            Err(_) => return Err(Error::malformed("unknown member change type")),
        };
        let me = client.session_id().to_hex();
        // Our own changes were announced when we made them; our own promotion when its seed came.
        let own_promotion = change == GroupChange::Promoted && c.member_session_ids.contains(&me);
        if sender.to_hex() != me && !own_promotion {
            emit_update(client, &gid, change, c.member_session_ids.clone(), actor);
        }
        return Ok(());
    }
    if u.member_left_message.is_some() {
        emit_update(client, &gid, GroupChange::MemberLeft, vec![sender.to_hex()], actor);
        // Admins remove whoever left and rotate keys.
        if let Some(admin) = g.admin().cloned() {
            if g.members.get(sender).is_some() {
                let client2 = client.clone();
                let gone = *sender;
                let gid2 = gid.clone();
                let rt = runtime::runtime()?;
                rt.spawn(async move {
                    if let Some(h) = client2.groups.get(&gid2) {
                        let mut g = h.lock().await;
                        if let Err(e) = remove_locked(&client2, &mut g, &admin, &[gone], true).await {
                            client2.events.log(LogLevel::Warn, || format!("removing a member who left failed: {e}"));
                        }
                    }
                });
            }
        }
        return Ok(());
    }
    if let Some(r) = &u.invite_response {
        if r.is_approved {
            if let Some(mut m) = g.members.get(sender) {
                if g.admin().is_some() && m.invite_pending() {
                    // Recorded now, pushed once at the end of this poll.
                    m.invite_status = 0;
                    g.members.set(&m)?;
                }
            }
            emit_update(client, &gid, GroupChange::InviteAccepted, vec![sender.to_hex()], actor);
        }
        return Ok(());
    }
    Ok(())
}
