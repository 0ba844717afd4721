//! Admin operations: create, invite, remove (with key rotation), promote, rename, describe; and leaving.

use super::network::{
    control_content, invite_update, member_change, parse_members, push_configs, queue_direct, queue_group_content, set_subaccounts, store,
};
use super::{emit_update, handle, CONFIG_TTL_MS};
use crate::client::events::GroupChange;
use crate::client::group_state::{Credential, Group};
use crate::client::state::ClientState;
use crate::clock::local_now_ms;
use crate::config::group::keys::GroupKeys;
use crate::config::group::{self as gc, GroupInfo, GroupMembers, Member, CLOSED_GROUP_SIZE_LIMIT};
use crate::crypto::group_key::GroupAdminKey;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::SessionId;
use crate::store::{ConversationKind, GroupRecord, GroupState};
use crate::wire::group_message::{self, GroupMessageRandomness};
use crate::wire::proto::{
    group_update_info_change_message, group_update_member_change_message, GroupUpdateInfoChangeMessage, GroupUpdateMemberLeftMessage,
    GroupUpdateMessage, GroupUpdatePromoteMessage,
};
use prost::Message as _;
use std::sync::Arc;

/// The display name we know for a Session ID (from their messages), for the members config.
fn known_name(client: &ClientState, id: &SessionId) -> String {
    client
        .store
        .contact(&id.to_hex())
        .ok()
        .flatten()
        .and_then(|c| c.display_name)
        .filter(|n| n.len() <= gc::MEMBER_NAME_MAX_LENGTH)
        .unwrap_or_default()
}

// ---- admin operations ------------------------------------------------------------------------------

/// Create a group with us as admin and invite `members`.
pub(crate) async fn create(client: &Arc<ClientState>, name: &str, description: Option<&str>, members: &[&str]) -> Result<String> {
    let invitees = parse_members(members)?;
    let me = client.session_id();
    let invitees: Vec<SessionId> = invitees.into_iter().filter(|m| *m != me).collect();
    if invitees.len() + 1 > CLOSED_GROUP_SIZE_LIMIT {
        return Err(Error::new(ErrorKind::GroupFull, format!("a group holds at most {CLOSED_GROUP_SIZE_LIMIT} members")));
    }
    let admin = GroupAdminKey::generate();
    let id = admin.group_id().to_hex();
    let pk = *admin.public_key();
    let mut record = GroupRecord::new(id.clone(), GroupState::Joined);
    record.name = Some(name.to_string());
    record.admin_seed = Some(admin.seed().to_vec());
    let mut g = Group {
        record,
        account: admin.group_id(),
        pk,
        cred: Credential::Admin(admin.clone()),
        keys: GroupKeys::new(),
        info: GroupInfo::new(&pk, Some(&admin)),
        members: GroupMembers::new(&pk, Some(&admin)),
    };
    g.info.set_name(name)?;
    if let Some(d) = description {
        g.info.set_description(d)?;
    }
    g.info.set_created(local_now_ms() / 1000)?;
    let mut me_member = Member::new(me);
    me_member.admin = true;
    me_member.invite_status = 0;
    me_member.name = crate::client::own_profile::display_name(&client.store)?.unwrap_or_default();
    g.members.set(&me_member)?;
    for m in &invitees {
        let mut mm = Member::new(*m);
        mm.invite_status = gc::STATUS_SENT;
        mm.name = known_name(client, m);
        g.members.set(&mm)?;
    }
    let ids = g.members.session_ids();
    g.keys.rekey(&admin, &ids)?;
    g.info.set_keys(&g.keys, true)?;
    g.members.set_keys(&g.keys, true)?;
    push_configs(client, &mut g).await?;
    client.store.ensure_conversation(&id, ConversationKind::Group)?;
    let ts = client.next_sent_ts();
    for m in &invitees {
        queue_direct(client, m, invite_update(&admin, &g, m, ts)?, ts)?;
    }
    g.save(client)?;
    client.groups.insert(id.clone(), g);
    emit_update(client, &id, GroupChange::Created, invitees.iter().map(SessionId::to_hex).collect(), Some(me.to_hex()));
    client.activity.touch();
    client.wake.poller.notify_one();
    Ok(id)
}

pub(crate) async fn invite(client: &Arc<ClientState>, group_id: &str, members: &[&str]) -> Result<()> {
    let h = handle(client, group_id)?;
    let mut g = h.lock().await;
    let admin = g.require_admin()?.clone();
    let new: Vec<SessionId> = parse_members(members)?.into_iter().filter(|m| g.members.get(m).is_none()).collect();
    if new.is_empty() {
        return Ok(());
    }
    if g.members.len() + new.len() > CLOSED_GROUP_SIZE_LIMIT {
        return Err(Error::new(ErrorKind::GroupFull, format!("a group holds at most {CLOSED_GROUP_SIZE_LIMIT} members")));
    }
    for m in &new {
        let mut mm = Member::new(*m);
        mm.invite_status = gc::STATUS_SENT;
        mm.name = known_name(client, m);
        g.members.set(&mm)?;
    }
    // A re-added member's old token may be revoked: lift that first.
    set_subaccounts(client, &g, &new, false).await?;
    // New members get a fresh key (they read from now on, not history).
    let ids = g.members.session_ids();
    g.keys.rekey(&admin, &ids)?;
    push_configs(client, &mut g).await?;
    let ts = client.next_sent_ts();
    for m in &new {
        queue_direct(client, m, invite_update(&admin, &g, m, ts)?, ts)?;
    }
    queue_group_content(
        client,
        &g,
        &control_content(member_change(&admin, group_update_member_change_message::Type::Added, &new, ts), ts),
        ts,
        None,
    )?;
    g.save(client)?;
    emit_update(
        client,
        group_id,
        GroupChange::MembersAdded,
        new.iter().map(SessionId::to_hex).collect(),
        Some(client.session_id().to_hex()),
    );
    Ok(())
}

/// Remove members: kicked notice, token revocation, then a rekey without them (so they cannot
/// read anything sent afterwards), pushed before the announcement.
pub(crate) async fn remove(client: &Arc<ClientState>, group_id: &str, members: &[&str]) -> Result<()> {
    let h = handle(client, group_id)?;
    let mut g = h.lock().await;
    let admin = g.require_admin()?.clone();
    let me = client.session_id();
    let gone: Vec<SessionId> = parse_members(members)?.into_iter().filter(|m| g.members.get(m).is_some() && *m != me).collect();
    if gone.is_empty() {
        return Err(Error::new(ErrorKind::NotFound, "none of these Session IDs is a member of the group"));
    }
    remove_locked(client, &mut g, &admin, &gone, true).await?;
    emit_update(client, group_id, GroupChange::MembersRemoved, gone.iter().map(SessionId::to_hex).collect(), Some(me.to_hex()));
    Ok(())
}

pub(super) async fn remove_locked(
    client: &Arc<ClientState>,
    g: &mut Group,
    admin: &GroupAdminKey,
    gone: &[SessionId],
    announce: bool,
) -> Result<()> {
    let notice = group_message::build_kicked_notice(admin, gone, g.keys.current_generation(), &crate::sodium::random_array())?;
    store(client, g, gc::NS_REVOKED_RETRIEVABLE, &notice, CONFIG_TTL_MS).await?;
    set_subaccounts(client, g, gone, true).await?;
    for m in gone {
        g.members.erase(m)?;
    }
    let ids = g.members.session_ids();
    g.keys.rekey(admin, &ids)?;
    push_configs(client, g).await?;
    if announce {
        let ts = client.next_sent_ts();
        queue_group_content(
            client,
            g,
            &control_content(member_change(admin, group_update_member_change_message::Type::Removed, gone, ts), ts),
            ts,
            None,
        )?;
    }
    g.save(client)
}

pub(crate) async fn promote(client: &Arc<ClientState>, group_id: &str, member: &str) -> Result<()> {
    let h = handle(client, group_id)?;
    let mut g = h.lock().await;
    let admin = g.require_admin()?.clone();
    let sid = SessionId::parse(member)?;
    let mut m = g.members.get(&sid).ok_or_else(|| Error::new(ErrorKind::NotFound, format!("{member} is not a member")))?;
    m.admin = true;
    m.promotion_status = 0;
    m.invite_status = 0;
    g.members.set(&m)?;
    push_configs(client, &mut g).await?;
    let ts = client.next_sent_ts();
    let promote = GroupUpdateMessage {
        promote_message: Some(GroupUpdatePromoteMessage {
            group_identity_seed: admin.seed().to_vec(),
            name: g.info.name().unwrap_or_default(),
        }),
        ..Default::default()
    };
    queue_direct(client, &sid, promote, ts)?;
    queue_group_content(
        client,
        &g,
        &control_content(member_change(&admin, group_update_member_change_message::Type::Promoted, &[sid], ts), ts),
        ts,
        None,
    )?;
    g.save(client)?;
    emit_update(client, group_id, GroupChange::Promoted, vec![sid.to_hex()], Some(client.session_id().to_hex()));
    Ok(())
}

pub(crate) async fn rename(client: &Arc<ClientState>, group_id: &str, name: &str) -> Result<()> {
    let h = handle(client, group_id)?;
    let mut g = h.lock().await;
    let admin = g.require_admin()?.clone();
    g.info.set_name(name)?;
    push_configs(client, &mut g).await?;
    let ts = client.next_sent_ts();
    let kind = group_update_info_change_message::Type::Name;
    let sig = group_message::admin_sign(&admin, &group_message::info_change_signed_bytes(kind as i32, ts as u64));
    let update = GroupUpdateMessage {
        info_change_message: Some(GroupUpdateInfoChangeMessage {
            r#type: kind as i32,
            updated_name: Some(name.to_string()),
            updated_expiration: None,
            admin_signature: sig.to_vec(),
        }),
        ..Default::default()
    };
    queue_group_content(client, &g, &control_content(update, ts), ts, None)?;
    g.save(client)?;
    emit_update(client, group_id, GroupChange::Renamed, vec![], Some(client.session_id().to_hex()));
    Ok(())
}

pub(crate) async fn set_description(client: &Arc<ClientState>, group_id: &str, description: &str) -> Result<()> {
    let h = handle(client, group_id)?;
    let mut g = h.lock().await;
    g.require_admin()?;
    g.info.set_description(description)?;
    push_configs(client, &mut g).await?;
    g.save(client)?;
    emit_update(client, group_id, GroupChange::DescriptionChanged, vec![], Some(client.session_id().to_hex()));
    Ok(())
}

/// Leave: tell the group (an admin then removes us and rotates keys) and stop polling it.
pub(crate) async fn leave(client: &Arc<ClientState>, group_id: &str) -> Result<()> {
    let h = handle(client, group_id)?;
    let mut g = h.lock().await;
    if g.record.state == GroupState::Joined && g.keys.encryption_key().is_some() {
        let ts = client.next_sent_ts();
        let update = GroupUpdateMessage { member_left_message: Some(GroupUpdateMemberLeftMessage {}), ..Default::default() };
        // Sent directly (not queued): once we stop, nothing would send it.
        let key = g.keys.encryption_key().expect("checked");
        let data = group_message::encode_for_group(
            &client.identity,
            &key,
            &control_content(update, ts).encode_to_vec(),
            ts as u64,
            &GroupMessageRandomness::random(),
        )?;
        match store(client, &g, gc::NS_MESSAGES, &data, client.config.message_ttl.as_millis() as i64).await {
            Ok(_) => {}
            // Already removed (our access is revoked): there is nobody left to tell.
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {}
            Err(e) => return Err(e),
        }
    }
    g.record.state = GroupState::Left;
    g.save(client)?;
    drop(g);
    emit_update(client, group_id, GroupChange::Left, vec![client.session_id().to_hex()], Some(client.session_id().to_hex()));
    Ok(())
}
