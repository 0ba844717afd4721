//! Talking to the group swarm, and queueing group messages.

#[allow(unused_imports)]
use super::*;

// ---- network helpers -----------------------------------------------------------------------------

pub(super) async fn group_rpc(inner: &Inner, g: &Group, build: &(dyn Fn(&Signer, i64) -> Request + Sync)) -> Result<serde_json::Value> {
    let cred = g.cred.clone();
    let (_, body) = inner.network.swarm_rpc(&g.account, &|_, now| cred.with_signer(|s| build(s, now))).await?;
    Ok(body)
}

pub(super) async fn store(inner: &Inner, g: &Group, ns: i16, data: &[u8], ttl: i64) -> Result<String> {
    let acct = g.account;
    let body = group_rpc(inner, g, &|s, now| rpc::store(&acct, ns, data, ttl, now, Some(s))).await?;
    rpc::parse_store(&body)
}

/// Push whatever changed: the pending keys message, then info and members.
pub(super) async fn push_configs(inner: &Inner, g: &mut Group) -> Result<()> {
    if let Some(pending) = g.keys.pending_config().map(<[u8]>::to_vec) {
        let hash = store(inner, g, gc::NS_KEYS, &pending, CONFIG_TTL_MS).await?;
        let admin = g.require_admin()?.clone();
        let pk = g.pk;
        g.keys.load_message(&hash, &pending, inner.network.clock.now_ms(), &pk, KeysRole::Admin(&admin))?;
        g.info.set_keys(&g.keys, true)?;
        g.members.set_keys(&g.keys, true)?;
    }
    for ns in [gc::NS_INFO, gc::NS_MEMBERS] {
        let needs = if ns == gc::NS_INFO { g.info.config().needs_push() } else { g.members.config().needs_push() };
        if !needs {
            continue;
        }
        let push = if ns == gc::NS_INFO { g.info.config_mut().push()? } else { g.members.config_mut().push()? };
        let hash = store(inner, g, ns, &push.data, CONFIG_TTL_MS).await?;
        if ns == gc::NS_INFO {
            g.info.config_mut().confirm_pushed(push.seqno, &hash);
        } else {
            g.members.config_mut().confirm_pushed(push.seqno, &hash);
        }
        if !push.obsolete.is_empty() {
            // Superseded config messages: best effort, they expire anyway.
            let acct = g.account;
            let old = push.obsolete.clone();
            if let Err(e) = group_rpc(inner, g, &|s, _| rpc::delete(&acct, &old, s)).await {
                inner.log(LogLevel::Debug, || format!("deleting superseded config messages failed: {e}"));
            }
        }
    }
    g.save(inner)
}

pub(super) async fn set_subaccounts(inner: &Inner, g: &Group, members: &[SessionId], revoke: bool) -> Result<()> {
    let admin = g.require_admin()?;
    let tokens: Vec<[u8; 36]> = members.iter().map(|m| subaccount::make_token(admin, m, true, false)).collect::<Result<_>>()?;
    let acct = g.account;
    group_rpc(inner, g, &|s, now| rpc::revoke_subaccounts(&acct, &tokens, revoke, now, s)).await.map(drop)
}

/// Queue a group message (content) in the outbox: encrypted with the current group key, stored
/// once in the group swarm.
/// The outbox copy of a group message: `content` encrypted with the group's current key,
/// stored once in the group swarm's message namespace.
fn group_outbox_copy(inner: &Inner, g: &Group, content: &Content, sent_ts: i64) -> Result<OutboxCopy> {
    let key = g.keys.encryption_key().ok_or_else(|| Error::new(ErrorKind::NotRunning, "the group's keys have not arrived yet"))?;
    let data = group_message::encode_for_group(
        &inner.identity,
        &key,
        &content.encode_to_vec(),
        sent_ts as u64,
        &GroupMessageRandomness::random(),
    )?;
    Ok(OutboxCopy {
        destination: g.record.id.clone(),
        namespace: gc::NS_MESSAGES,
        data,
        ttl_ms: inner.config.message_ttl.as_millis() as i64,
        primary: true,
        deadline: local_now_ms() + inner.config.send_retry_window.as_millis() as i64,
    })
}

pub(super) fn queue_group_content(
    inner: &Inner,
    g: &Group,
    content: &Content,
    sent_ts: i64,
    message: Option<(&str, Vec<crate::store::AttachmentRecord>)>,
) -> Result<Option<i64>> {
    let copy = group_outbox_copy(inner, g, content, sent_ts)?;
    let id = match message {
        Some((body, attachments)) => Some(inner.store.insert_outgoing(&NewOutgoing {
            conversation: &g.record.id,
            kind: ConversationKind::Group,
            sender: &inner.session_id().to_hex(),
            body: if body.is_empty() { None } else { Some(body) },
            sent_ts,
            extra: None,
            copies: vec![copy],
            attachments,
        })?),
        None => {
            inner.store.enqueue(&copy)?;
            None
        }
    };
    inner.send_wakeup.notify_one();
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
pub(super) fn queue_direct(inner: &Inner, to: &SessionId, update: GroupUpdateMessage, sent_ts: i64) -> Result<()> {
    send::queue_control(inner, to, &control_content(update, sent_ts))
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
    inner: &Inner,
    group: &AccountId,
    dm: DataMessage,
    body: &str,
    attachments: Vec<crate::store::AttachmentRecord>,
) -> Result<i64> {
    let h = handle(inner, &group.to_hex())?;
    let g = lock_sync(&h)?;
    if g.record.state != GroupState::Joined {
        return Err(Error::new(ErrorKind::PermissionDenied, "you are not a member of this group"));
    }
    let ts = inner.next_sent_ts();
    let content = Content { data_message: Some(dm), sig_timestamp: Some(ts as u64), ..Default::default() };
    let id = queue_group_content(inner, &g, &content, ts, Some((body, attachments)))?.expect("a message row");
    inner.bus.emit(Event::MessageState { message_id: id, conversation: g.record.id.clone(), state: MessageState::Sending });
    inner.touch();
    Ok(id)
}

/// Whether we can send to this group now: joined, and its key has arrived.
pub(crate) fn ensure_can_send(inner: &Inner, group_id: &str) -> Result<()> {
    let h = handle(inner, group_id)?;
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
pub(crate) fn group_copy(inner: &Inner, group_id: &str, dm: DataMessage, sent_ts: i64) -> Result<OutboxCopy> {
    let h = handle(inner, group_id)?;
    let g = lock_sync(&h)?;
    let content = Content { data_message: Some(dm), sig_timestamp: Some(sent_ts as u64), ..Default::default() };
    group_outbox_copy(inner, &g, &content, sent_ts)
}

/// The credential to store to a group's swarm (the sender task's signer for 03 destinations).
pub(crate) async fn credential(inner: &Inner, group_id: &str) -> Result<Credential> {
    let h = handle(inner, group_id)?;
    let g = h.lock().await;
    Ok(g.cred.clone())
}
