//! Arguments that name someone, resolved to IDs, and the checks on a group before acting on it.
//! Commands and daemon methods share these, so both accept the same names and refuse the same way.
//!
//! - a PEER (contacts, requests) is a Session ID or a contact's name: [`resolve_peer`];
//! - a conversation (send, history, mark-read, ...) may also be a group ID or a group's name:
//!   [`resolve_conversation`];
//! - a GROUP is a group ID or the name of exactly one group (groups you left or were removed from
//!   only count when no active group has the name): [`resolve_group`];
//! - a MEMBER of a group may also be a name in the group's member list: [`resolve_member`].

use crate::error::{CliError, Kind, Result};
use crate::records::is_group_id;
use crate::render::group_label;
use session_sdk::client::{Client, GroupState, GroupSummary};
use session_sdk::identity::{AccountId, IdPrefix};
use session_sdk::{ErrorKind, SessionId};

/// A Session ID, or the name (nickname or display name, case-insensitive) of exactly one
/// contact. A string that is neither fails as an invalid Session ID.
pub fn resolve_peer(client: &Client, arg: &str) -> Result<String> {
    let arg = arg.trim();
    let parse_err = match SessionId::parse(arg) {
        Ok(id) => return Ok(id.to_hex()),
        Err(e) => e,
    };
    let mut known = client.contacts()?;
    known.extend(client.requests()?);
    let matches: Vec<_> = known
        .iter()
        .filter(|c| {
            c.nickname.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(arg))
                || c.display_name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(arg))
        })
        .collect();
    match matches.len() {
        1 => Ok(matches[0].session_id.clone()),
        0 => Err(CliError::from(parse_err).context(format!("{arg:?} is neither a Session ID nor a contact name"))),
        _ => Err(CliError::invalid(format!("{arg:?} names {} contacts; use the Session ID", matches.len()))),
    }
}

/// A conversation: a Session ID or group ID, or the name of exactly one contact or group.
/// A group ID must be a group this profile knows (or has a conversation with): NOT_FOUND
/// otherwise. A name that matches nothing fails as an invalid Session ID, as for [`resolve_peer`].
pub fn resolve_conversation(client: &Client, arg: &str) -> Result<String> {
    let arg = arg.trim();
    if let Some(id) = parse_group_id(arg) {
        return known_group_id(client, &id);
    }
    let parse_err = match SessionId::parse(arg) {
        Ok(id) => return Ok(id.to_hex()),
        Err(e) => e,
    };
    let groups = groups_named(client, arg)?;
    match resolve_peer(client, arg) {
        Ok(id) if groups.is_empty() => Ok(id),
        Ok(_) => Err(CliError::invalid(format!("{arg:?} names a contact and a group; use the Session ID or group ID"))),
        Err(e) if e.kind != Kind::Sdk(ErrorKind::InvalidSessionId) => Err(e),
        Err(_) => match groups.len() {
            1 => Ok(groups[0].clone()),
            0 => Err(CliError::from(parse_err)
                .context(format!("{arg:?} is neither a Session ID, a group ID nor the name of a contact or group"))),
            n => Err(CliError::invalid(format!("{arg:?} names {n} groups; use the group ID"))),
        },
    }
}

// ---- groups ------------------------------------------------------------------------------------

/// The normalised (lower-case) ID if `arg` is a well-formed group ID.
fn parse_group_id(arg: &str) -> Option<String> {
    AccountId::parse_with(arg.trim(), IdPrefix::Group).ok().map(|a| a.to_hex())
}

/// `id` if this profile knows the group or has a conversation with it; NOT_FOUND otherwise.
fn known_group_id(client: &Client, id: &str) -> Result<String> {
    if client.groups()?.iter().any(|g| g.id == id) || client.conversations()?.iter().any(|c| c.id == id) {
        Ok(id.to_string())
    } else {
        Err(CliError::not_found(format!("no group {id}")))
    }
}

fn active(g: &GroupSummary) -> bool {
    matches!(g.state, GroupState::Joined | GroupState::Invited)
}

fn named<'a>(groups: &'a [GroupSummary], name: &str) -> Vec<&'a GroupSummary> {
    let all: Vec<&GroupSummary> =
        groups.iter().filter(|g| g.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name.trim()))).collect();
    let live: Vec<&GroupSummary> = all.iter().copied().filter(|g| active(g)).collect();
    if all.len() > 1 && live.len() == 1 {
        live
    } else {
        all
    }
}

/// IDs of the groups called `name` (case-insensitive; an active group wins over ones left).
fn groups_named(client: &Client, name: &str) -> Result<Vec<String>> {
    Ok(named(&client.groups()?, name).into_iter().map(|g| g.id.clone()).collect())
}

/// A group by ID or unique name. NOT_FOUND when there is none.
pub fn resolve_group(client: &Client, arg: &str) -> Result<GroupSummary> {
    let groups = client.groups()?;
    if let Some(id) = parse_group_id(arg) {
        return groups.into_iter().find(|g| g.id == id).ok_or_else(|| CliError::not_found(format!("no group {id}")));
    }
    let found = named(&groups, arg);
    match found.len() {
        1 => Ok(found[0].clone()),
        0 => Err(CliError::not_found(format!("{:?} is neither a group ID nor the name of a group", arg.trim()))),
        n => Err(CliError::invalid(format!("{:?} names {n} groups; use the group ID", arg.trim()))),
    }
}

/// A member: a Session ID, a contact's name, or a name in the group's member list.
pub fn resolve_member(client: &Client, group_id: &str, arg: &str) -> Result<String> {
    let contact_err = match resolve_peer(client, arg) {
        Ok(id) => return Ok(id),
        Err(e) => e,
    };
    let members = client.group_members(group_id)?;
    let found: Vec<_> = members.iter().filter(|m| !m.name.is_empty() && m.name.eq_ignore_ascii_case(arg.trim())).collect();
    match found.len() {
        1 => Ok(found[0].session_id.clone()),
        0 => Err(contact_err),
        n => Err(CliError::invalid(format!("{:?} names {n} members; use the Session ID", arg.trim()))),
    }
}

/// A group by ID. NOT_FOUND when this profile does not know it.
pub fn group_by_id(client: &Client, id: &str) -> Result<GroupSummary> {
    client.groups()?.into_iter().find(|g| g.id == id).ok_or_else(|| CliError::not_found(format!("no group {id}")))
}

// ---- what we may do in a group -----------------------------------------------------------------

/// Refuse (PERMISSION_DENIED) unless we are a member of the group.
pub fn require_member(g: &GroupSummary) -> Result<()> {
    let why = match g.state {
        GroupState::Joined => return Ok(()),
        GroupState::Invited => {
            format!("you are invited to {} but have not joined; `session-cli group accept {}` first", group_label(g), g.id)
        }
        GroupState::Kicked => format!("you were removed from {}", group_label(g)),
        GroupState::Left => format!("you left {}", group_label(g)),
    };
    Err(CliError::sdk(ErrorKind::PermissionDenied, why))
}

/// Refuse (PERMISSION_DENIED) unless we are an admin of the group.
pub fn require_admin(g: &GroupSummary, what: &str) -> Result<()> {
    require_member(g)?;
    if !g.is_admin {
        return Err(CliError::sdk(ErrorKind::PermissionDenied, format!("only an admin of {} can {what}", group_label(g))));
    }
    Ok(())
}

/// Whether a group we joined has its keys (its member list has arrived; ours is never empty).
pub fn has_keys(g: &GroupSummary) -> bool {
    g.state == GroupState::Joined && g.member_count > 0
}

/// Refuse unless a `send` to `id` can go out: a group must be one we joined.
pub fn check_sendable(client: &Client, id: &str) -> Result<()> {
    if is_group_id(id) {
        require_member(&group_by_id(client, id)?)?;
    }
    Ok(())
}

/// Whether a message to `id` can be queued now (a group needs its keys; see [`has_keys`]).
pub fn can_queue(client: &Client, id: &str) -> Result<bool> {
    if !is_group_id(id) {
        return Ok(true);
    }
    Ok(has_keys(&group_by_id(client, id)?))
}
