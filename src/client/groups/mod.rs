//! Groups v2 (03 IDs) on the client: create, invite, accept, remove, leave, promote, rename;
//! group messages stored once in the group's swarm; polling of the group namespaces; keys
//! rotated on removal. Group state is the libsession-compatible keys, info and members configs
//! (config::group), dumped to the database after every change.

mod admin;
mod devices;
mod invites;
mod network;
mod poll;

pub(crate) use admin::{create, invite, leave, promote, remove, rename, set_description};
pub(crate) use devices::reconcile;
pub(crate) use invites::{accept_invite, decline_invite, receive_invite, receive_promotion};
pub(crate) use network::{credential, ensure_can_send, group_copy, send_data};
pub(crate) use poll::poll;

use super::events::{Event, GroupChange, LogLevel};
use super::group_state::{lock_sync, Credential, Group, GroupHandle, GroupMemberInfo, GroupSummary};
use super::state::ClientState;
use super::sync;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{AccountId, IdPrefix};
use crate::store::GroupState;
#[cfg(feature = "internals")]
use crate::wire::{group_message, proto::Content};

/// Config messages live 30 days in the group swarm; messages 14.
const CONFIG_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

impl Group {
    /// Persist the configs and credentials.
    pub(crate) fn save(&mut self, client: &ClientState) -> Result<()> {
        self.record.keys_dump = Some(self.keys.dump());
        self.record.info_dump = Some(self.info.config_mut().dump());
        self.record.members_dump = Some(self.members.config_mut().dump());
        if let Some(n) = self.info.name() {
            self.record.name = Some(n);
        }
        if let Credential::Admin(k) = &self.cred {
            self.record.admin_seed = Some(k.seed().to_vec());
        }
        client.store.save_group(&self.record)?;
        sync::group_changed(client, &self.record.id, Some(&self.record));
        Ok(())
    }
}

/// Load every stored group (at client start).
pub(crate) fn load_all(client: &ClientState) -> Result<()> {
    for rec in client.store.groups()? {
        let id = rec.id.clone();
        match Group::load(&client.identity, rec) {
            Ok(g) => {
                client.groups.insert(id, g);
            }
            Err(e) => client.events.log(LogLevel::Error, || format!("group {id} could not be loaded: {e}")),
        }
    }
    Ok(())
}

fn handle(client: &ClientState, group_id: &str) -> Result<GroupHandle> {
    AccountId::parse_with(group_id, IdPrefix::Group)?;
    client.groups.get(&group_id.to_ascii_lowercase()).ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no group {group_id}")))
}

fn emit_update(client: &ClientState, group_id: &str, change: GroupChange, members: Vec<String>, actor: Option<String>) {
    client.events.emit(Event::GroupUpdate { group_id: group_id.to_string(), change, members, actor });
}

// ---- queries --------------------------------------------------------------------------------------

/// IDs of the loaded groups we are in or invited to, from memory (no database read; a group
/// busy with an operation is skipped). For the poller's reconciliation with the synced list.
pub(crate) fn active_ids(client: &ClientState) -> Vec<String> {
    client
        .groups
        .all()
        .iter()
        .filter_map(|h| {
            let g = h.try_lock().ok()?;
            matches!(g.record.state, GroupState::Joined | GroupState::Invited).then(|| g.record.id.clone())
        })
        .collect()
}

pub(crate) fn summaries(client: &ClientState) -> Result<Vec<GroupSummary>> {
    let mut v = vec![];
    for h in client.groups.all() {
        let g = lock_sync(&h)?;
        v.push(g.summary());
    }
    v.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(v)
}

pub(crate) fn members(client: &ClientState, group_id: &str) -> Result<Vec<GroupMemberInfo>> {
    let h = handle(client, group_id)?;
    let g = lock_sync(&h)?;
    Ok(g.member_infos())
}

/// Decrypt raw namespace-11 data with this client's own group keys (diagnostics and tests:
/// proves what a member can or cannot read).
#[cfg(feature = "internals")]
pub(crate) fn decrypt_raw(client: &ClientState, group_id: &str, data: &[u8]) -> Result<(String, Content)> {
    let h = handle(client, group_id)?;
    let g = lock_sync(&h)?;
    let d = group_message::decode_group_message(&g.keys.group_keys(), data)?;
    Ok((d.sender.to_hex(), d.content))
}
