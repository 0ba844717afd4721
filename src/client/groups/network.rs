//! Talking to the group swarm, and queueing group messages.

use super::{handle, CONFIG_TTL_MS};
use crate::client::events::{Event, LogLevel};
use crate::client::group_state::{lock_sync, Credential, Group};
use crate::client::outbox;
use crate::client::state::ClientState;
use crate::clock::local_now_ms;
use crate::config::group::keys_message::KeysRole;
use crate::config::group::{self as gc};
use crate::crypto::group_key::GroupAdminKey;
use crate::crypto::signer::Signer;
use crate::crypto::subaccount::{self};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{AccountId, SessionId};
use crate::store::{ConversationKind, GroupState, MessageState, NewOutgoing, OutboxCopy};
use crate::wire::group_message::{self, GroupMessageRandomness};
use crate::wire::proto::{
    group_update_member_change_message, Content, DataMessage, GroupUpdateInviteMessage, GroupUpdateMemberChangeMessage, GroupUpdateMessage,
};
use crate::wire::rpc::{self, Request};
use prost::Message as _;

// ---- network helpers -----------------------------------------------------------------------------

pub(super) async fn group_rpc(
    client: &ClientState,
    g: &Group,
    build: &(dyn Fn(&Signer, i64) -> Request + Sync),
) -> Result<serde_json::Value> {
    let cred = g.cred.clone();
    let (_, body) = client.network.swarm_rpc(&g.account, &|_, now| cred.with_signer(|s| build(s, now))).await?;
    Ok(body)
}

pub(super) async fn store(client: &ClientState, g: &Group, ns: i16, data: &[u8], ttl: i64) -> Result<String> {
    let acct = g.account;
    let body = group_rpc(client, g, &|s, now| rpc::store(&acct, ns, data, ttl, now, Some(s))).await?;
    rpc::parse_store(&body)
}

/// Push whatever changed: the pending keys message, then info and members.
pub(super) async fn push_configs(client: &ClientState, g: &mut Group) -> Result<()> {
    if let Some(pending) = g.keys.pending_config().map(<[u8]>::to_vec) {
        let hash = store(client, g, gc::NS_KEYS, &pending, CONFIG_TTL_MS).await?;
        let admin = g.require_admin()?.clone();
        let pk = g.pk;
        g.keys.load_message(&hash, &pending, client.network.clock.now_ms(), &pk, KeysRole::Admin(&admin))?;
        g.info.set_keys(&g.keys, true)?;
        g.members.set_keys(&g.keys, true)?;
    }
    for ns in [gc::NS_INFO, gc::NS_MEMBERS] {
        let needs = if ns == gc::NS_INFO { g.info.config().needs_push() } else { g.members.config().needs_push() };
        if !needs {
            continue;
        }
        let push = if ns == gc::NS_INFO { g.info.config_mut().push()? } else { g.members.config_mut().push()? };
        let hash = store(client, g, ns, &push.data, CONFIG_TTL_MS).await?;
        if ns == gc::NS_INFO {
            g.info.config_mut().confirm_pushed(push.seqno, &hash);
        } else {
            g.members.config_mut().confirm_pushed(push.seqno, &hash);
        }
        if !push.obsolete.is_empty() {
            // Superseded config messages: best effort, they expire anyway.
            let acct = g.account;
            let old = push.obsolete.clone();
            if let Err(e) = group_rpc(client, g, &|s, _| rpc::delete(&acct, &old, s)).await {
                client.events.log(LogLevel::Debug, || format!("deleting superseded config messages failed: {e}"));
            }
        }
    }
    g.save(client)
}

pub(super) async fn set_subaccounts(client: &ClientState, g: &Group, members: &[SessionId], revoke: bool) -> Result<()> {
    let admin = g.require_admin()?;
    let tokens: Vec<[u8; 36]> = members.iter().map(|m| subaccount::make_token(admin, m, true, false)).collect::<Result<_>>()?;
    let acct = g.account;
    group_rpc(client, g, &|s, now| rpc::revoke_subaccounts(&acct, &tokens, revoke, now, s)).await.map(drop)
}

/// Queue a group message (content) in the outbox: encrypted with the current group key, stored
/// once in the group swarm.
/// The outbox copy of a group message: `content` encrypted with the group's current key,
/// stored once in the group swarm's message namespace.
fn group_outbox_copy(client: &ClientState, g: &Group, content: &Content, sent_ts: i64) -> Result<OutboxCopy> {
    let key = g.keys.encryption_key().ok_or_else(|| Error::new(ErrorKind::NotRunning, "the group's keys have not arrived yet"))?;
    let data = group_message::encode_for_group(
        &client.identity,
        &key,
        &content.encode_to_vec(),
        sent_ts as u64,
        &GroupMessageRandomness::random(),
    )?;
    Ok(OutboxCopy {
        destination: g.record.id.clone(),
        namespace: gc::NS_MESSAGES,
        data,
        ttl_ms: client.config.message_ttl.as_millis() as i64,
        primary: true,
        deadline: local_now_ms() + client.config.send_retry_window.as_millis() as i64,
    })
}

pub(super) fn queue_group_content(
    client: &ClientState,
    g: &Group,
    content: &Content,
    sent_ts: i64,
    message: Option<(&str, Vec<crate::store::AttachmentRecord>)>,
) -> Result<Option<i64>> {
    let copy = group_outbox_copy(client, g, content, sent_ts)?;
    let id = match message {
        Some((body, attachments)) => Some(client.store.insert_outgoing(&NewOutgoing {
            conversation: &g.record.id,
            kind: ConversationKind::Group,
            sender: &client.session_id().to_hex(),
            body: if body.is_empty() { None } else { Some(body) },
            sent_ts,
            extra: None,
            copies: vec![copy],
            attachments,
        })?),
        None => {
            client.store.enqueue(&copy)?;
            None
        }
    };
    client.wake.sender.notify_one();
    Ok(id)
}

pub(super) fn control_content(update: GroupUpdateMessage, sent_ts: i64) -> Content {
    Content {
        data_message: Some(DataMessage { group_update_message: Some(update), ..Default::default() }),
        sig_timestamp: Some(sent_ts as u64),
        ..Default::default()
    }
}

/// A 1:1 control message (invite, promotion) through the outbox.
pub(super) fn queue_direct(client: &ClientState, to: &SessionId, update: GroupUpdateMessage, sent_ts: i64) -> Result<()> {
    outbox::queue_control(client, to, &control_content(update, sent_ts))
}

pub(super) fn parse_members(list: &[&str]) -> Result<Vec<SessionId>> {
    let mut v: Vec<SessionId> = list.iter().map(|s| SessionId::parse(s)).collect::<Result<_>>()?;
    v.sort();
    v.dedup();
    Ok(v)
}

pub(super) fn invite_update(admin: &GroupAdminKey, g: &Group, member: &SessionId, sent_ts: i64) -> Result<GroupUpdateMessage> {
    let auth = subaccount::make_auth_data(admin, member, true, false)?;
    let sig = group_message::admin_sign(admin, &group_message::invite_signed_bytes(member, sent_ts as u64));
    Ok(GroupUpdateMessage {
        invite_message: Some(GroupUpdateInviteMessage {
            group_session_id: g.record.id.clone(),
            name: g.info.name().unwrap_or_default(),
            member_auth_data: auth.to_vec(),
            admin_signature: sig.to_vec(),
        }),
        ..Default::default()
    })
}

pub(super) fn member_change(
    admin: &GroupAdminKey,
    kind: group_update_member_change_message::Type,
    members: &[SessionId],
    sent_ts: i64,
) -> GroupUpdateMessage {
    let sig = group_message::admin_sign(admin, &group_message::member_change_signed_bytes(kind as i32, sent_ts as u64));
    GroupUpdateMessage {
        member_change_message: Some(GroupUpdateMemberChangeMessage {
            r#type: kind as i32,
            member_session_ids: members.iter().map(SessionId::to_hex).collect(),
            history_shared: Some(false),
            admin_signature: sig.to_vec(),
        }),
        ..Default::default()
    }
}

// ---- messages -----------------------------------------------------------------------------------

/// Queue a data message (text or with uploaded attachments) to a group.
pub(crate) fn send_data(
    client: &ClientState,
    group: &AccountId,
    dm: DataMessage,
    body: &str,
    attachments: Vec<crate::store::AttachmentRecord>,
) -> Result<i64> {
    let h = handle(client, &group.to_hex())?;
    let g = lock_sync(&h)?;
    if g.record.state != GroupState::Joined {
        return Err(Error::new(ErrorKind::PermissionDenied, "you are not a member of this group"));
    }
    let ts = client.next_sent_ts();
    let content = Content { data_message: Some(dm), sig_timestamp: Some(ts as u64), ..Default::default() };
    let id = queue_group_content(client, &g, &content, ts, Some((body, attachments)))?.expect("a message row");
    client.events.emit(Event::MessageState { message_id: id, conversation: g.record.id.clone(), state: MessageState::Sending });
    client.activity.touch();
    Ok(id)
}

/// Whether we can send to this group now: joined, and its key has arrived.
pub(crate) fn ensure_can_send(client: &ClientState, group_id: &str) -> Result<()> {
    let h = handle(client, group_id)?;
    let g = lock_sync(&h)?;
    if g.record.state != GroupState::Joined {
        return Err(Error::new(ErrorKind::PermissionDenied, "you are not a member of this group"));
    }
    if g.keys.encryption_key().is_none() {
        return Err(Error::new(ErrorKind::NotRunning, "the group's keys have not arrived yet (wait for its Ready update)"));
    }
    Ok(())
}

/// Group message content for an upload that finished (attachments message to a group).
pub(crate) fn group_copy(client: &ClientState, group_id: &str, dm: DataMessage, sent_ts: i64) -> Result<OutboxCopy> {
    let h = handle(client, group_id)?;
    let g = lock_sync(&h)?;
    let content = Content { data_message: Some(dm), sig_timestamp: Some(sent_ts as u64), ..Default::default() };
    group_outbox_copy(client, &g, &content, sent_ts)
}

/// The credential to store to a group's swarm (the sender task's signer for 03 destinations).
pub(crate) async fn credential(client: &ClientState, group_id: &str) -> Result<Credential> {
    let h = handle(client, group_id)?;
    let g = h.lock().await;
    Ok(g.cred.clone())
}
