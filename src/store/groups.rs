//! Groups this identity is in or invited to: credentials (admin seed or member auth data) and
//! the dumped keys, info and members configs.

use super::Store;
use crate::clock::local_now_ms as now_ms;
use crate::error::Result;
use rusqlite::{params, OptionalExtension, Row};

/// Membership state. Stable numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    /// Invited; not polling until accepted.
    Invited = 0,
    /// A member (or admin): polling the group.
    Joined = 1,
    /// Removed by an admin.
    Kicked = 2,
    /// We left.
    Left = 3,
}

impl GroupState {
    fn from_i64(v: i64) -> GroupState {
        match v {
            0 => GroupState::Invited,
            2 => GroupState::Kicked,
            3 => GroupState::Left,
            _ => GroupState::Joined,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// `03` + group Ed25519 key, hex.
    pub id: String,
    pub state: GroupState,
    pub name: Option<String>,
    pub admin_seed: Option<Vec<u8>>,
    pub auth_data: Option<Vec<u8>>,
    pub inviter: Option<String>,
    pub keys_dump: Option<Vec<u8>>,
    pub info_dump: Option<Vec<u8>>,
    pub members_dump: Option<Vec<u8>>,
    /// We accepted an invite and still owe the group an InviteResponse.
    pub pending_response: bool,
    pub created_at: i64,
}

const COLS: &str = "id, state, name, admin_seed, auth_data, inviter, keys_dump, info_dump, members_dump, pending_response, created_at";

fn row(r: &Row) -> rusqlite::Result<GroupRecord> {
    Ok(GroupRecord {
        id: r.get(0)?,
        state: GroupState::from_i64(r.get(1)?),
        name: r.get(2)?,
        admin_seed: r.get(3)?,
        auth_data: r.get(4)?,
        inviter: r.get(5)?,
        keys_dump: r.get(6)?,
        info_dump: r.get(7)?,
        members_dump: r.get(8)?,
        pending_response: r.get(9)?,
        created_at: r.get(10)?,
    })
}

impl GroupRecord {
    pub fn new(id: String, state: GroupState) -> GroupRecord {
        GroupRecord {
            id,
            state,
            name: None,
            admin_seed: None,
            auth_data: None,
            inviter: None,
            keys_dump: None,
            info_dump: None,
            members_dump: None,
            pending_response: false,
            created_at: now_ms(),
        }
    }
}

impl Store {
    pub fn group(&self, id: &str) -> Result<Option<GroupRecord>> {
        self.with(|c| c.query_row(&format!("SELECT {COLS} FROM groups WHERE id = ?1"), [id], row).optional())
    }

    pub fn groups(&self) -> Result<Vec<GroupRecord>> {
        self.with(|c| {
            let mut st = c.prepare(&format!("SELECT {COLS} FROM groups ORDER BY created_at, id"))?;
            let v = st.query_map([], row)?.collect();
            v
        })
    }

    /// Insert or replace a group's whole record.
    pub fn save_group(&self, g: &GroupRecord) -> Result<()> {
        self.with(|c| {
            c.execute(
                &format!("INSERT OR REPLACE INTO groups ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                params![
                    g.id,
                    g.state as i64,
                    g.name,
                    g.admin_seed,
                    g.auth_data,
                    g.inviter,
                    g.keys_dump,
                    g.info_dump,
                    g.members_dump,
                    g.pending_response,
                    g.created_at
                ],
            )
            .map(drop)
        })
    }

    pub fn delete_group(&self, id: &str) -> Result<bool> {
        self.with(|c| c.execute("DELETE FROM groups WHERE id = ?1", [id]).map(|n| n > 0))
    }
}
