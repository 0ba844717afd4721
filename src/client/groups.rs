//! Groups v2 (03 IDs) on the client: create, invite, accept, remove, leave, promote, rename;
//! group messages stored once in the group's swarm; polling of the group namespaces; keys
//! rotated on removal. Group state is the libsession-compatible keys, info and members configs
//! (crypto::group_keys, wire::group_config), dumped to the database after every change.

use super::{send, Event, Inner, LogLevel};
use crate::crypto::group_keys::{GroupAdminKey, GroupKeys, KeysRole};
use crate::crypto::group_message::{self, GroupMessageRandomness};
use crate::crypto::subaccount::{self, SubaccountSigner};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{AccountId, IdPrefix, SessionId};
use crate::net::clock::local_now_ms;
use crate::store::{ConversationKind, GroupRecord, GroupState, MessageState, NewOutgoing, OutboxCopy};
use crate::wire::group_config::{self as gc, GroupInfo, GroupMembers, Member, CLOSED_GROUP_SIZE_LIMIT};
use crate::wire::proto::{
    group_update_info_change_message, group_update_member_change_message, Content, DataMessage, GroupUpdateInfoChangeMessage,
    GroupUpdateInviteMessage, GroupUpdateInviteResponseMessage, GroupUpdateMemberChangeMessage, GroupUpdateMemberLeftMessage,
    GroupUpdateMessage, GroupUpdatePromoteMessage,
};
use crate::wire::rpc::{self, Request, Signer};
use prost::Message as _;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex as AsyncMutex;

/// Config messages live 30 days in the group swarm; messages 14.
const CONFIG_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// What changed in a group (the `change` of a `GroupUpdate` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupChange {
    Created,
    Joined,
    MembersAdded,
    MembersRemoved,
    MemberLeft,
    Promoted,
    Renamed,
    DescriptionChanged,
    InviteAccepted,
    Kicked,
    Left,
}

/// A group as the host sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub state: GroupState,
    pub is_admin: bool,
    pub member_count: usize,
    pub inviter: Option<String>,
}

/// One member as the host sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupMemberInfo {
    pub session_id: String,
    pub name: String,
    pub admin: bool,
    /// The invite was sent but not accepted yet.
    pub invite_pending: bool,
    pub removed: bool,
}

/// How we authenticate to the group's swarm.
#[derive(Clone)]
pub(crate) enum Credential {
    Admin(GroupAdminKey),
    Member(SubaccountSigner),
}

impl Credential {
    pub(crate) fn with_signer<R>(&self, f: impl FnOnce(&Signer<'_>) -> R) -> R {
        match self {
            Credential::Admin(k) => f(&Signer::GroupAdmin { secret_key: k.secret_key() }),
            Credential::Member(s) => s.with_rpc_signer(f),
        }
    }
}

/// A group's live state.
pub(crate) struct Group {
    pub record: GroupRecord,
    pub account: AccountId,
    pub pk: [u8; 32],
    pub cred: Credential,
    pub keys: GroupKeys,
    pub info: GroupInfo,
    pub members: GroupMembers,
}

pub(crate) type GroupHandle = Arc<AsyncMutex<Group>>;

impl Group {
    fn admin(&self) -> Option<&GroupAdminKey> {
        match &self.cred {
            Credential::Admin(k) => Some(k),
            Credential::Member(_) => None,
        }
    }

    fn require_admin(&self) -> Result<&GroupAdminKey> {
        self.admin().ok_or_else(|| Error::new(ErrorKind::PermissionDenied, "only a group admin can do this"))
    }

    fn load(inner: &Inner, record: GroupRecord) -> Result<Group> {
        let account = AccountId::parse_with(&record.id, IdPrefix::Group)?;
        let pk = account.key();
        let cred = match (&record.admin_seed, &record.auth_data) {
            (Some(seed), _) => {
                let seed: [u8; 32] = seed.as_slice().try_into().map_err(|_| Error::internal("stored group seed is not 32 bytes"))?;
                Credential::Admin(GroupAdminKey::from_seed(&seed))
            }
            (None, Some(auth)) => Credential::Member(SubaccountSigner::new(&inner.identity, auth)?),
            (None, None) => return Err(Error::internal("a group without credentials")),
        };
        let admin = match &cred {
            Credential::Admin(k) => Some(k),
            Credential::Member(_) => None,
        };
        let keys = match &record.keys_dump {
            Some(d) => GroupKeys::from_dump(d)?,
            None => GroupKeys::new(),
        };
        let mut info = match &record.info_dump {
            Some(d) => GroupInfo::from_dump(&pk, admin, d)?,
            None => GroupInfo::new(&pk, admin),
        };
        let mut members = match &record.members_dump {
            Some(d) => GroupMembers::from_dump(&pk, admin, d)?,
            None => GroupMembers::new(&pk, admin),
        };
        if !keys.group_keys().is_empty() {
            info.set_keys(&keys, false)?;
            members.set_keys(&keys, false)?;
        }
        Ok(Group { record, account, pk, cred, keys, info, members })
    }

    /// Persist the configs and credentials.
    fn save(&mut self, inner: &Inner) -> Result<()> {
        self.record.keys_dump = Some(self.keys.dump());
        self.record.info_dump = Some(self.info.config_mut().dump());
        self.record.members_dump = Some(self.members.config_mut().dump());
        if let Some(n) = self.info.name() {
            self.record.name = Some(n);
        }
        if let Credential::Admin(k) = &self.cred {
            self.record.admin_seed = Some(k.seed().to_vec());
        }
        inner.store.save_group(&self.record)
    }

    fn summary(&self) -> GroupSummary {
        GroupSummary {
            id: self.record.id.clone(),
            name: self.info.name().or_else(|| self.record.name.clone()),
            description: self.info.description(),
            state: self.record.state,
            is_admin: self.admin().is_some(),
            member_count: self.members.len(),
            inviter: self.record.inviter.clone(),
        }
    }

    fn member_infos(&self) -> Vec<GroupMemberInfo> {
        self.members
            .members()
            .into_iter()
            .map(|m| GroupMemberInfo {
                session_id: m.session_id.to_hex(),
                name: m.name.clone(),
                admin: m.admin,
                invite_pending: m.invite_pending(),
                removed: m.is_removed(),
            })
            .collect()
    }
}

// ---- registry ----------------------------------------------------------------------------------

/// The loaded groups of a client.
#[derive(Default)]
pub(crate) struct Groups {
    map: std::sync::Mutex<HashMap<String, GroupHandle>>,
}

impl Groups {
    pub fn get(&self, id: &str) -> Option<GroupHandle> {
        self.map.lock().expect("groups lock").get(id).cloned()
    }
    pub fn insert(&self, id: String, g: Group) -> GroupHandle {
        let h = Arc::new(AsyncMutex::new(g));
        self.map.lock().expect("groups lock").insert(id, h.clone());
        h
    }
    pub fn remove(&self, id: &str) {
        self.map.lock().expect("groups lock").remove(id);
    }
    pub fn all(&self) -> Vec<GroupHandle> {
        self.map.lock().expect("groups lock").values().cloned().collect()
    }
}

/// Load every stored group (at client start).
pub(crate) fn load_all(inner: &Inner) -> Result<()> {
    for rec in inner.store.groups()? {
        let id = rec.id.clone();
        match Group::load(inner, rec) {
            Ok(g) => {
                inner.groups.insert(id, g);
            }
            Err(e) => inner.log(LogLevel::Error, || format!("group {id} could not be loaded: {e}")),
        }
    }
    Ok(())
}

/// Lock a group from synchronous code (host threads), waiting while an operation or a poll
/// holds it.
fn lock_sync(h: &GroupHandle) -> Result<tokio::sync::MutexGuard<'_, Group>> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Ok(g) = h.try_lock() {
            return Ok(g);
        }
        if std::time::Instant::now() > deadline {
            return Err(Error::new(ErrorKind::Busy, "the group is busy with another operation; try again"));
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

fn handle(inner: &Inner, group_id: &str) -> Result<GroupHandle> {
    AccountId::parse_with(group_id, IdPrefix::Group)?;
    inner.groups.get(&group_id.to_ascii_lowercase()).ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no group {group_id}")))
}

fn emit_update(inner: &Inner, group_id: &str, change: GroupChange, members: Vec<String>, actor: Option<String>) {
    inner.bus.emit(Event::GroupUpdate { group_id: group_id.to_string(), change, members, actor });
}

// ---- network helpers -----------------------------------------------------------------------------

async fn group_rpc(inner: &Inner, g: &Group, build: &(dyn Fn(&Signer, i64) -> Request + Sync)) -> Result<serde_json::Value> {
    let cred = g.cred.clone();
    let (_, body) = inner.network.swarm_rpc(&g.account, &|_, now| cred.with_signer(|s| build(s, now))).await?;
    Ok(body)
}

async fn store(inner: &Inner, g: &Group, ns: i16, data: &[u8], ttl: i64) -> Result<String> {
    let acct = g.account;
    let body = group_rpc(inner, g, &|s, now| rpc::store(&acct, ns, data, ttl, now, Some(s))).await?;
    rpc::parse_store(&body)
}

/// Push whatever changed: the pending keys message, then info and members.
async fn push_configs(inner: &Inner, g: &mut Group) -> Result<()> {
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

async fn set_subaccounts(inner: &Inner, g: &Group, members: &[SessionId], revoke: bool) -> Result<()> {
    let admin = g.require_admin()?;
    let tokens: Vec<[u8; 36]> = members.iter().map(|m| subaccount::make_token(admin, m, true, false)).collect::<Result<_>>()?;
    let acct = g.account;
    group_rpc(inner, g, &|s, now| rpc::revoke_subaccounts(&acct, &tokens, revoke, now, s)).await.map(drop)
}

/// Queue a group message (content) in the outbox: encrypted with the current group key, stored
/// once in the group swarm.
fn queue_group_content(inner: &Inner, g: &Group, content: &Content, sent_ts: i64, message: Option<(&str, Vec<crate::store::AttachmentRecord>)>) -> Result<Option<i64>> {
    let key = g.keys.encryption_key().ok_or_else(|| Error::new(ErrorKind::NotRunning, "the group's keys have not arrived yet"))?;
    let data = group_message::encode_for_group(&inner.identity, &key, &content.encode_to_vec(), sent_ts as u64, &GroupMessageRandomness::random())?;
    let copy = OutboxCopy {
        destination: g.record.id.clone(),
        namespace: gc::NS_MESSAGES,
        data,
        ttl_ms: inner.config.message_ttl.as_millis() as i64,
        primary: true,
        deadline: local_now_ms() + inner.config.send_retry_window.as_millis() as i64,
    };
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

fn control_content(update: GroupUpdateMessage, sent_ts: i64) -> Content {
    Content {
        data_message: Some(DataMessage { group_update_message: Some(update), ..Default::default() }),
        sig_timestamp: Some(sent_ts as u64),
        ..Default::default()
    }
}

/// A 1:1 control message (invite, promotion) through the outbox.
fn queue_direct(inner: &Inner, to: &SessionId, update: GroupUpdateMessage, sent_ts: i64) -> Result<()> {
    send::queue_control(inner, to, &control_content(update, sent_ts))
}

fn parse_members(list: &[&str]) -> Result<Vec<SessionId>> {
    let mut v: Vec<SessionId> = list.iter().map(|s| SessionId::parse(s)).collect::<Result<_>>()?;
    v.sort();
    v.dedup();
    Ok(v)
}

fn invite_update(admin: &GroupAdminKey, g: &Group, member: &SessionId, sent_ts: i64) -> Result<GroupUpdateMessage> {
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

fn member_change(admin: &GroupAdminKey, kind: group_update_member_change_message::Type, members: &[SessionId], sent_ts: i64) -> GroupUpdateMessage {
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

// ---- admin operations ------------------------------------------------------------------------------

/// Create a group with us as admin and invite `members`.
pub(crate) async fn create(inner: &Arc<Inner>, name: &str, description: Option<&str>, members: &[&str]) -> Result<String> {
    let invitees = parse_members(members)?;
    let me = inner.session_id();
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
    me_member.name = inner.store.meta_get_string(super::META_DISPLAY_NAME)?.unwrap_or_default();
    g.members.set(&me_member)?;
    for m in &invitees {
        let mut mm = Member::new(*m);
        mm.invite_status = gc::STATUS_SENT;
        g.members.set(&mm)?;
    }
    let ids = g.members.session_ids();
    g.keys.rekey(&admin, &ids)?;
    g.info.set_keys(&g.keys, true)?;
    g.members.set_keys(&g.keys, true)?;
    push_configs(inner, &mut g).await?;
    inner.store.ensure_conversation(&id, ConversationKind::Group)?;
    let ts = inner.next_sent_ts();
    for m in &invitees {
        queue_direct(inner, m, invite_update(&admin, &g, m, ts)?, ts)?;
    }
    g.save(inner)?;
    inner.groups.insert(id.clone(), g);
    emit_update(inner, &id, GroupChange::Created, invitees.iter().map(SessionId::to_hex).collect(), Some(me.to_hex()));
    inner.touch();
    inner.poll_wakeup.notify_one();
    Ok(id)
}

pub(crate) async fn invite(inner: &Arc<Inner>, group_id: &str, members: &[&str]) -> Result<()> {
    let h = handle(inner, group_id)?;
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
        g.members.set(&mm)?;
    }
    // A re-added member's old token may be revoked: lift that first.
    set_subaccounts(inner, &g, &new, false).await?;
    // New members get a fresh key (they read from now on, not history).
    let ids = g.members.session_ids();
    g.keys.rekey(&admin, &ids)?;
    push_configs(inner, &mut g).await?;
    let ts = inner.next_sent_ts();
    for m in &new {
        queue_direct(inner, m, invite_update(&admin, &g, m, ts)?, ts)?;
    }
    queue_group_content(inner, &g, &control_content(member_change(&admin, group_update_member_change_message::Type::Added, &new, ts), ts), ts, None)?;
    g.save(inner)?;
    emit_update(inner, group_id, GroupChange::MembersAdded, new.iter().map(SessionId::to_hex).collect(), Some(inner.session_id().to_hex()));
    Ok(())
}

/// Remove members: kicked notice, token revocation, then a rekey without them (so they cannot
/// read anything sent afterwards), pushed before the announcement.
pub(crate) async fn remove(inner: &Arc<Inner>, group_id: &str, members: &[&str]) -> Result<()> {
    let h = handle(inner, group_id)?;
    let mut g = h.lock().await;
    let admin = g.require_admin()?.clone();
    let me = inner.session_id();
    let gone: Vec<SessionId> = parse_members(members)?.into_iter().filter(|m| g.members.get(m).is_some() && *m != me).collect();
    if gone.is_empty() {
        return Err(Error::new(ErrorKind::NotFound, "none of these Session IDs is a member of the group"));
    }
    remove_locked(inner, &mut g, &admin, &gone, true).await?;
    emit_update(inner, group_id, GroupChange::MembersRemoved, gone.iter().map(SessionId::to_hex).collect(), Some(me.to_hex()));
    Ok(())
}

async fn remove_locked(inner: &Arc<Inner>, g: &mut Group, admin: &GroupAdminKey, gone: &[SessionId], announce: bool) -> Result<()> {
    let notice = group_message::build_kicked_notice(admin, gone, g.keys.current_generation(), &crate::crypto::sodium::random_array())?;
    store(inner, g, gc::NS_REVOKED_RETRIEVABLE, &notice, CONFIG_TTL_MS).await?;
    set_subaccounts(inner, g, gone, true).await?;
    for m in gone {
        g.members.erase(m)?;
    }
    let ids = g.members.session_ids();
    g.keys.rekey(admin, &ids)?;
    push_configs(inner, g).await?;
    if announce {
        let ts = inner.next_sent_ts();
        queue_group_content(inner, g, &control_content(member_change(admin, group_update_member_change_message::Type::Removed, gone, ts), ts), ts, None)?;
    }
    g.save(inner)
}

pub(crate) async fn promote(inner: &Arc<Inner>, group_id: &str, member: &str) -> Result<()> {
    let h = handle(inner, group_id)?;
    let mut g = h.lock().await;
    let admin = g.require_admin()?.clone();
    let sid = SessionId::parse(member)?;
    let mut m = g.members.get(&sid).ok_or_else(|| Error::new(ErrorKind::NotFound, format!("{member} is not a member")))?;
    m.admin = true;
    m.promotion_status = 0;
    m.invite_status = 0;
    g.members.set(&m)?;
    push_configs(inner, &mut g).await?;
    let ts = inner.next_sent_ts();
    let promote = GroupUpdateMessage {
        promote_message: Some(GroupUpdatePromoteMessage { group_identity_seed: admin.seed().to_vec(), name: g.info.name().unwrap_or_default() }),
        ..Default::default()
    };
    queue_direct(inner, &sid, promote, ts)?;
    queue_group_content(inner, &g, &control_content(member_change(&admin, group_update_member_change_message::Type::Promoted, &[sid], ts), ts), ts, None)?;
    g.save(inner)?;
    emit_update(inner, group_id, GroupChange::Promoted, vec![sid.to_hex()], Some(inner.session_id().to_hex()));
    Ok(())
}

pub(crate) async fn rename(inner: &Arc<Inner>, group_id: &str, name: &str) -> Result<()> {
    let h = handle(inner, group_id)?;
    let mut g = h.lock().await;
    let admin = g.require_admin()?.clone();
    g.info.set_name(name)?;
    push_configs(inner, &mut g).await?;
    let ts = inner.next_sent_ts();
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
    queue_group_content(inner, &g, &control_content(update, ts), ts, None)?;
    g.save(inner)?;
    emit_update(inner, group_id, GroupChange::Renamed, vec![], Some(inner.session_id().to_hex()));
    Ok(())
}

pub(crate) async fn set_description(inner: &Arc<Inner>, group_id: &str, description: &str) -> Result<()> {
    let h = handle(inner, group_id)?;
    let mut g = h.lock().await;
    g.require_admin()?;
    g.info.set_description(description)?;
    push_configs(inner, &mut g).await?;
    g.save(inner)?;
    emit_update(inner, group_id, GroupChange::DescriptionChanged, vec![], Some(inner.session_id().to_hex()));
    Ok(())
}

/// Leave: tell the group (an admin then removes us and rotates keys) and stop polling it.
pub(crate) async fn leave(inner: &Arc<Inner>, group_id: &str) -> Result<()> {
    let h = handle(inner, group_id)?;
    let mut g = h.lock().await;
    if g.record.state == GroupState::Joined && g.keys.encryption_key().is_some() {
        let ts = inner.next_sent_ts();
        let update = GroupUpdateMessage { member_left_message: Some(GroupUpdateMemberLeftMessage {}), ..Default::default() };
        // Sent directly (not queued): once we stop, nothing would send it.
        let key = g.keys.encryption_key().expect("checked");
        let data = group_message::encode_for_group(&inner.identity, &key, &control_content(update, ts).encode_to_vec(), ts as u64, &GroupMessageRandomness::random())?;
        match store(inner, &g, gc::NS_MESSAGES, &data, inner.config.message_ttl.as_millis() as i64).await {
            Ok(_) => {}
            // Already removed (our access is revoked): there is nobody left to tell.
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {}
            Err(e) => return Err(e),
        }
    }
    g.record.state = GroupState::Left;
    g.save(inner)?;
    drop(g);
    emit_update(inner, group_id, GroupChange::Left, vec![inner.session_id().to_hex()], Some(inner.session_id().to_hex()));
    Ok(())
}

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
        let g = lock_sync(&existing)?;
        if g.record.state == GroupState::Joined || g.record.state == GroupState::Invited {
            return Ok(());
        }
    }
    let mut record = GroupRecord::new(id.clone(), GroupState::Invited);
    record.name = Some(inv.name.clone()).filter(|n| !n.is_empty());
    record.auth_data = Some(inv.member_auth_data.clone());
    record.inviter = Some(from.to_hex());
    inner.store.save_group(&record)?;
    let g = Group::load(inner, record)?;
    inner.groups.insert(id.clone(), g);
    inner.bus.emit(Event::GroupInvite { group_id: id.clone(), name: inv.name.clone(), inviter: from.to_hex() });
    if inner.config.auto_accept_requests {
        set_joined(inner, &id)?;
    }
    Ok(())
}

fn set_joined(inner: &Inner, group_id: &str) -> Result<()> {
    let mut rec = inner.store.group(group_id)?.ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no group {group_id}")))?;
    rec.state = GroupState::Joined;
    rec.pending_response = true;
    inner.store.save_group(&rec)?;
    if let Some(h) = inner.groups.get(group_id) {
        let mut g = lock_sync(&h)?;
        g.record.state = GroupState::Joined;
        g.record.pending_response = true;
    }
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
    inner.store.delete_group(group_id)?;
    inner.groups.remove(group_id);
    Ok(())
}

/// A promotion arrived 1:1: the seed must be the group's key.
pub(crate) fn receive_promotion(inner: &Arc<Inner>, p: &GroupUpdatePromoteMessage) -> Result<()> {
    let seed: [u8; 32] = p.group_identity_seed.as_slice().try_into().map_err(|_| Error::malformed("promotion seed is not 32 bytes"))?;
    let admin = GroupAdminKey::from_seed(&seed);
    let id = admin.group_id().to_hex();
    let h = inner.groups.get(&id).ok_or_else(|| Error::new(ErrorKind::NotFound, "promoted in a group we do not know"))?;
    let rt = super::runtime::runtime()?;
    let inner2 = inner.clone();
    rt.spawn(async move {
        let mut g = h.lock().await;
        g.info.set_admin(&admin);
        g.members.set_admin(&admin);
        g.cred = Credential::Admin(admin);
        if let Err(e) = g.save(&inner2) {
            inner2.log(LogLevel::Error, || format!("saving promotion failed: {e}"));
        }
        let me = inner2.session_id().to_hex();
        emit_update(&inner2, &id, GroupChange::Promoted, vec![me], None);
    });
    Ok(())
}

// ---- messages -----------------------------------------------------------------------------------

/// Queue a data message (text or with uploaded attachments) to a group.
pub(crate) fn send_data(inner: &Inner, group: &AccountId, dm: DataMessage, body: &str, attachments: Vec<crate::store::AttachmentRecord>) -> Result<i64> {
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

/// Group message content for an upload that finished (attachments message to a group).
pub(crate) fn group_copy(inner: &Inner, group_id: &str, dm: DataMessage, sent_ts: i64) -> Result<OutboxCopy> {
    let h = handle(inner, group_id)?;
    let g = lock_sync(&h)?;
    let key = g.keys.encryption_key().ok_or_else(|| Error::new(ErrorKind::NotRunning, "the group's keys have not arrived yet"))?;
    let content = Content { data_message: Some(dm), sig_timestamp: Some(sent_ts as u64), ..Default::default() };
    Ok(OutboxCopy {
        destination: group_id.to_string(),
        namespace: gc::NS_MESSAGES,
        data: group_message::encode_for_group(&inner.identity, &key, &content.encode_to_vec(), sent_ts as u64, &GroupMessageRandomness::random())?,
        ttl_ms: inner.config.message_ttl.as_millis() as i64,
        primary: true,
        deadline: local_now_ms() + inner.config.send_retry_window.as_millis() as i64,
    })
}

/// The credential to store to a group's swarm (the sender task's signer for 03 destinations).
pub(crate) async fn credential(inner: &Inner, group_id: &str) -> Result<Credential> {
    let h = handle(inner, group_id)?;
    let g = h.lock().await;
    Ok(g.cred.clone())
}

// ---- polling --------------------------------------------------------------------------------------

/// The namespaces polled, in request order; keys (12) are processed first.
const POLLED: [i16; 5] = [gc::NS_REVOKED_RETRIEVABLE, gc::NS_MESSAGES, gc::NS_INFO, gc::NS_MEMBERS, gc::NS_KEYS];

/// Poll one group: one batch request for every namespace, then keys, configs, messages and
/// kicked notices in that order.
pub(crate) async fn poll(inner: &Arc<Inner>, h: &GroupHandle) -> Result<()> {
    // Take what the request needs, then release the group while the request is in flight.
    let (acct, gid, cred) = {
        let g = h.lock().await;
        if g.record.state != GroupState::Joined {
            return Ok(());
        }
        (g.account, g.record.id.clone(), g.cred.clone())
    };
    let store_ref = &inner.store;
    let (node, body) = inner
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
            inner.log(LogLevel::Debug, || format!("group {gid}: retrieve refused (401); our access may have been revoked"));
        }
    }
    let node_hex = node.ed25519_hex();
    let remember = |ns: i16, msgs: &[rpc::Retrieved]| {
        if let Some(last) = msgs.last() {
            let _ = inner.store.set_last_hash(&gid, ns, &node_hex, &last.hash);
        }
    };
    let role_admin = g.admin().cloned();
    let pk = g.pk;
    // Keys first: configs and messages may need the new key.
    let mut keys_changed = false;
    if let Some(msgs) = by_ns.get(&gc::NS_KEYS) {
        for m in msgs {
            let role = match &role_admin {
                Some(a) => KeysRole::Admin(a),
                None => KeysRole::Member(&inner.identity),
            };
            match g.keys.load_message(&m.hash, &m.data, m.timestamp, &pk, role) {
                Ok(changed) => keys_changed |= changed,
                Err(e) => inner.log(LogLevel::Warn, || format!("group {gid}: rejected a keys message: {e}")),
            }
        }
        remember(gc::NS_KEYS, msgs);
    }
    if (keys_changed || g.info.config().keys().is_empty()) && !g.keys.group_keys().is_empty() {
        let keys = g.keys.clone();
        g.info.set_keys(&keys, false)?;
        g.members.set_keys(&keys, false)?;
    }
    let me = inner.session_id();
    let name_before = g.info.name();
    let desc_before = g.info.description();
    for ns in [gc::NS_INFO, gc::NS_MEMBERS] {
        if let Some(msgs) = by_ns.get(&ns) {
            if !msgs.is_empty() && !g.info.config().keys().is_empty() {
                let batch: Vec<(String, Vec<u8>)> = msgs.iter().map(|m| (m.hash.clone(), m.data.clone())).collect();
                let r = if ns == gc::NS_INFO { g.info.config_mut().merge(&batch) } else { g.members.config_mut().merge(&batch) };
                if let Err(e) = r {
                    inner.log(LogLevel::Warn, || format!("group {gid}: config merge failed: {e}"));
                }
            }
            remember(ns, msgs);
        }
    }
    if g.info.name() != name_before && name_before.is_some() {
        emit_update(inner, &gid, GroupChange::Renamed, vec![], None);
    }
    if g.info.description() != desc_before && desc_before.is_some() {
        emit_update(inner, &gid, GroupChange::DescriptionChanged, vec![], None);
    }
    // Messages.
    if let Some(msgs) = by_ns.get(&gc::NS_MESSAGES) {
        let keys = g.keys.group_keys();
        for m in msgs {
            if inner.store.seen(&m.hash)? {
                continue;
            }
            if let Err(e) = apply_group_message(inner, &mut g, &keys, m) {
                if e.kind() == ErrorKind::Database {
                    return Err(e);
                }
                inner.log(LogLevel::Warn, || format!("group {gid}: skipped message {}: {e}", m.hash));
            }
            inner.store.mark_seen(&m.hash, m.expiration)?;
        }
        remember(gc::NS_MESSAGES, msgs);
    }
    // Kicked notices.
    let mut kicked = false;
    if let Some(msgs) = by_ns.get(&gc::NS_REVOKED_RETRIEVABLE) {
        for m in msgs {
            if group_message::is_kicked(&inner.identity, &pk, &m.data, g.keys.current_generation()).unwrap_or(false) {
                kicked = true;
            }
        }
        remember(gc::NS_REVOKED_RETRIEVABLE, msgs);
    }
    if kicked && g.admin().is_none() {
        g.record.state = GroupState::Kicked;
        emit_update(inner, &gid, GroupChange::Kicked, vec![me.to_hex()], None);
    }
    // Admins push what this poll changed (accepted invites) once.
    if g.admin().is_some() && (g.members.config().needs_push() || g.info.config().needs_push()) {
        if let Err(e) = push_configs(inner, &mut g).await {
            inner.log(LogLevel::Warn, || format!("group {gid}: pushing configs failed: {e}"));
        }
    }
    // An accepted invite owes the group a response once we hold its key.
    if g.record.pending_response && g.record.state == GroupState::Joined && g.keys.encryption_key().is_some() {
        let ts = inner.next_sent_ts();
        let update = GroupUpdateMessage { invite_response: Some(GroupUpdateInviteResponseMessage { is_approved: true }), ..Default::default() };
        queue_group_content(inner, &g, &control_content(update, ts), ts, None)?;
        g.record.pending_response = false;
    }
    g.save(inner)?;
    Ok(())
}

fn apply_group_message(inner: &Arc<Inner>, g: &mut Group, keys: &[[u8; 32]], m: &rpc::Retrieved) -> Result<()> {
    let d = group_message::decode_group_message(keys, &m.data)?;
    let gid = g.record.id.clone();
    let sender = d.sender.to_hex();
    let me = inner.session_id().to_hex();
    let sent_ts = d.content.sig_timestamp.map(|t| t as i64).unwrap_or(d.envelope.timestamp as i64);
    let Some(dm) = d.content.data_message.as_ref() else { return Ok(()) };
    if let Some(u) = &dm.group_update_message {
        return apply_group_update(inner, g, &d.sender, d.envelope.timestamp, u);
    }
    let attachments = super::attachments::records_from(dm);
    let outgoing = sender == me;
    let id = inner.store.insert_incoming(&gid, ConversationKind::Group, &sender, outgoing, dm.body.as_deref(), sent_ts, Some(&m.hash), None, &attachments)?;
    if let Some(id) = id {
        inner.touch();
        let message = inner.store.require_message(id)?;
        if outgoing {
            inner.bus.emit(Event::MessageSynced { message });
        } else {
            inner.bus.emit(Event::MessageReceived { message, is_request: false });
        }
    }
    Ok(())
}

fn apply_group_update(inner: &Arc<Inner>, g: &mut Group, sender: &SessionId, env_ts: u64, u: &GroupUpdateMessage) -> Result<()> {
    let gid = g.record.id.clone();
    let pk = g.pk;
    let actor = Some(sender.to_hex());
    if let Some(c) = &u.info_change_message {
        group_message::verify_admin_signature(&pk, &group_message::info_change_signed_bytes(c.r#type, env_ts), &c.admin_signature)?;
        if c.r#type == group_update_info_change_message::Type::Name as i32 {
            emit_update(inner, &gid, GroupChange::Renamed, vec![], actor);
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
        if sender.to_hex() != inner.session_id().to_hex() {
            emit_update(inner, &gid, change, c.member_session_ids.clone(), actor);
        }
        return Ok(());
    }
    if u.member_left_message.is_some() {
        emit_update(inner, &gid, GroupChange::MemberLeft, vec![sender.to_hex()], actor);
        // Admins remove whoever left and rotate keys.
        if let Some(admin) = g.admin().cloned() {
            if g.members.get(sender).is_some() {
                let inner2 = inner.clone();
                let gone = *sender;
                let gid2 = gid.clone();
                let rt = super::runtime::runtime()?;
                rt.spawn(async move {
                    if let Some(h) = inner2.groups.get(&gid2) {
                        let mut g = h.lock().await;
                        if let Err(e) = remove_locked(&inner2, &mut g, &admin, &[gone], true).await {
                            inner2.log(LogLevel::Warn, || format!("removing a member who left failed: {e}"));
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
            emit_update(inner, &gid, GroupChange::InviteAccepted, vec![sender.to_hex()], actor);
        }
        return Ok(());
    }
    Ok(())
}

// ---- queries --------------------------------------------------------------------------------------

pub(crate) fn summaries(inner: &Inner) -> Result<Vec<GroupSummary>> {
    let mut v = vec![];
    for h in inner.groups.all() {
        let g = lock_sync(&h)?;
        v.push(g.summary());
    }
    v.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(v)
}

pub(crate) fn members(inner: &Inner, group_id: &str) -> Result<Vec<GroupMemberInfo>> {
    let h = handle(inner, group_id)?;
    let g = lock_sync(&h)?;
    Ok(g.member_infos())
}

/// Decrypt raw namespace-11 data with this client's own group keys (diagnostics and tests:
/// proves what a member can or cannot read).
pub(crate) fn decrypt_raw(inner: &Inner, group_id: &str, data: &[u8]) -> Result<(String, Content)> {
    let h = handle(inner, group_id)?;
    let g = lock_sync(&h)?;
    let d = group_message::decode_group_message(&g.keys.group_keys(), data)?;
    Ok((d.sender.to_hex(), d.content))
}
