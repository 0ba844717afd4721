//! The groups a client has loaded: each group's record, credential (admin key or member
//! subaccount), keys and configs, behind an async lock, and the registry of them. Data and the
//! methods that need nothing else; what changes groups is in `groups/`.

use crate::config::group::keys::GroupKeys;
use crate::config::group::{GroupInfo, GroupMembers};
use crate::crypto::group_key::GroupAdminKey;
use crate::crypto::signer::Signer;
use crate::crypto::subaccount::SubaccountSigner;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{AccountId, IdPrefix, Identity};
use crate::store::{GroupRecord, GroupState};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex as AsyncMutex;

/// A group as the host sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    /// The group ID (`03…`).
    pub id: String,
    /// Its name, once known.
    pub name: Option<String>,
    /// Its description, if it has one.
    pub description: Option<String>,
    /// Our membership: invited, joined, kicked or left.
    pub state: GroupState,
    /// We hold the group's admin key.
    pub is_admin: bool,
    /// Members in its members config.
    pub member_count: usize,
    /// Who invited us, when known.
    pub inviter: Option<String>,
}

/// One member as the host sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMemberInfo {
    /// The member's Session ID.
    pub session_id: String,
    /// Their name as the members config records it (may be empty).
    pub name: String,
    /// An admin of the group.
    pub admin: bool,
    /// The invite was sent but not accepted yet.
    pub invite_pending: bool,
    /// Marked for removal.
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
    pub(crate) fn admin(&self) -> Option<&GroupAdminKey> {
        match &self.cred {
            Credential::Admin(k) => Some(k),
            Credential::Member(_) => None,
        }
    }

    pub(crate) fn require_admin(&self) -> Result<&GroupAdminKey> {
        self.admin().ok_or_else(|| Error::new(ErrorKind::PermissionDenied, "only a group admin can do this"))
    }

    /// A stored group, with the credential its record holds (`me` signs as a member).
    pub(crate) fn load(me: &Identity, record: GroupRecord) -> Result<Group> {
        let account = AccountId::parse_with(&record.id, IdPrefix::Group)?;
        let pk = account.key();
        let cred = match (&record.admin_seed, &record.auth_data) {
            (Some(seed), _) => {
                let seed: [u8; 32] = seed.as_slice().try_into().map_err(|_| Error::internal("stored group seed is not 32 bytes"))?;
                Credential::Admin(GroupAdminKey::from_seed(&seed))
            }
            (None, Some(auth)) => Credential::Member(SubaccountSigner::new(me, auth)?),
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

    pub(crate) fn summary(&self) -> GroupSummary {
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

    pub(crate) fn member_infos(&self) -> Vec<GroupMemberInfo> {
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

/// Lock a group from synchronous code (host threads), waiting while an operation or a poll
/// holds it.
pub(crate) fn lock_sync(h: &GroupHandle) -> Result<tokio::sync::MutexGuard<'_, Group>> {
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
