//! Groups v2 (03 IDs) on the client: create, invite, accept, remove, leave, promote, rename;
//! group messages stored once in the group's swarm; polling of the group namespaces; keys
//! rotated on removal. Group state is the libsession-compatible keys, info and members configs
//! (config::group), dumped to the database after every change.

mod admin;
mod invites;
mod network;
mod poll;

pub(crate) use admin::{create, invite, leave, promote, remove, rename, set_description};
pub(crate) use invites::{
    accept_invite, decline_invite, joined_elsewhere, kicked_elsewhere, left_elsewhere, receive_invite, receive_promotion,
};
pub(crate) use network::{credential, ensure_can_send, group_copy, send_data};
pub(crate) use poll::poll;

use super::{send, Event, Inner, LogLevel};
use crate::clock::local_now_ms;
use crate::config::group::keys::GroupKeys;
use crate::config::group::keys_message::KeysRole;
use crate::config::group::{self as gc, GroupInfo, GroupMembers, Member, CLOSED_GROUP_SIZE_LIMIT};
use crate::crypto::group_key::GroupAdminKey;
use crate::crypto::signer::Signer;
use crate::crypto::subaccount::{self, SubaccountSigner};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{AccountId, IdPrefix, SessionId};
use crate::store::{ConversationKind, GroupRecord, GroupState, MessageState, NewOutgoing, OutboxCopy};
use crate::wire::group_message::{self, GroupMessageRandomness};
use crate::wire::proto::{
    group_update_info_change_message, group_update_member_change_message, Content, DataMessage, GroupUpdateInfoChangeMessage,
    GroupUpdateInviteMessage, GroupUpdateInviteResponseMessage, GroupUpdateMemberChangeMessage, GroupUpdateMemberLeftMessage,
    GroupUpdateMessage, GroupUpdatePromoteMessage,
};
use crate::wire::rpc::{self, Request};
use prost::Message as _;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex as AsyncMutex;

/// Config messages live 30 days in the group swarm; messages 14.
const CONFIG_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// What changed in a group (the `change` of a `GroupUpdate` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
    /// We joined and the group's key has arrived: messages can be sent to it now.
    Ready,
}

/// A group as the host sees it.
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
        inner.store.save_group(&self.record)?;
        crate::client::config_sync::group_changed(inner, &self.record.id, Some(&self.record));
        Ok(())
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

// ---- queries --------------------------------------------------------------------------------------

/// IDs of the loaded groups we are in or invited to, from memory (no database read; a group
/// busy with an operation is skipped). For the poller's reconciliation with the synced list.
pub(crate) fn active_ids(inner: &Inner) -> Vec<String> {
    inner
        .groups
        .all()
        .iter()
        .filter_map(|h| {
            let g = h.try_lock().ok()?;
            matches!(g.record.state, GroupState::Joined | GroupState::Invited).then(|| g.record.id.clone())
        })
        .collect()
}

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
