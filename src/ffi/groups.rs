//! Group functions of `ssdk_client` (groups v2, `03…` IDs). Send to a group with
//! `ssdk_client_send_text` / `ssdk_client_send_file` and the group ID.

use super::client::{client, ssdk_client};
use super::json::{self, GroupJson, GroupMemberJson};
use super::status::{guard, ssdk_status};
use super::util::{c_string, out, str_arg, str_array_arg};
use std::ffi::c_char;

/// Create a group with this client as its admin, named `name` (1–100 bytes), with an optional
/// description (NULL for none), inviting the `count` Session IDs in `members` (at most 99; the
/// array may be NULL when count is 0). Blocks until the group's keys and configs are stored in
/// its swarm (call it from your own thread, not a listener callback); invites go out through
/// the outbox. `*out_group_id` receives the group ID ("03…", release with `ssdk_string_free`).
///
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_UTF8`, `SSDK_ERR_INVALID_SESSION_ID`,
/// `SSDK_ERR_GROUP_FULL` (more than 100 members with us), `SSDK_ERR_TOO_LARGE` (name or
/// description too long), `SSDK_ERR_NETWORK`, `SSDK_ERR_TIMEOUT`, `SSDK_ERR_BUSY` (called from
/// inside an async runtime).
#[no_mangle]
pub extern "C" fn ssdk_client_group_create(
    client_: *const ssdk_client,
    name: *const c_char,
    description: *const c_char,
    members: *const *const c_char,
    count: usize,
    out_group_id: *mut *mut c_char,
) -> ssdk_status {
    guard(|| {
        let o = out(out_group_id, "out_group_id")?;
        let desc = if description.is_null() { None } else { Some(str_arg(description, "description")?) };
        let m = str_array_arg(members, count, "members")?;
        let id = client(client_)?.create_group(str_arg(name, "name")?, desc, &m)?;
        *o = c_string(id)?;
        Ok(())
    })
}

/// Invite members to a group (admins only; blocks like `ssdk_client_group_create`). New
/// members get a fresh key: they read what is sent from now on. Errors: as create, plus
/// `SSDK_ERR_NOT_FOUND` (unknown group), `SSDK_ERR_PERMISSION_DENIED` (not an admin).
#[no_mangle]
pub extern "C" fn ssdk_client_group_invite(
    client_: *const ssdk_client,
    group_id: *const c_char,
    members: *const *const c_char,
    count: usize,
) -> ssdk_status {
    guard(|| {
        let m = str_array_arg(members, count, "members")?;
        client(client_)?.group_invite(str_arg(group_id, "group_id")?, &m)
    })
}

/// Remove members (admins only; blocks): their access is revoked and the group's keys rotate,
/// so they cannot read anything sent afterwards. Errors: as invite; `SSDK_ERR_NOT_FOUND` when
/// none of them is a member.
#[no_mangle]
pub extern "C" fn ssdk_client_group_remove(
    client_: *const ssdk_client,
    group_id: *const c_char,
    members: *const *const c_char,
    count: usize,
) -> ssdk_status {
    guard(|| {
        let m = str_array_arg(members, count, "members")?;
        client(client_)?.group_remove(str_arg(group_id, "group_id")?, &m)
    })
}

/// Make a member an admin (admins only; blocks). Errors: as invite.
#[no_mangle]
pub extern "C" fn ssdk_client_group_promote(client_: *const ssdk_client, group_id: *const c_char, member: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.group_promote(str_arg(group_id, "group_id")?, str_arg(member, "member")?))
}

/// Rename a group (admins only; blocks). Errors: as invite, plus `SSDK_ERR_TOO_LARGE`.
#[no_mangle]
pub extern "C" fn ssdk_client_group_rename(client_: *const ssdk_client, group_id: *const c_char, name: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.group_rename(str_arg(group_id, "group_id")?, str_arg(name, "name")?))
}

/// Set a group's description (admins only; blocks). Errors: as rename.
#[no_mangle]
pub extern "C" fn ssdk_client_group_set_description(
    client_: *const ssdk_client,
    group_id: *const c_char,
    description: *const c_char,
) -> ssdk_status {
    guard(|| client(client_)?.group_set_description(str_arg(group_id, "group_id")?, str_arg(description, "description")?))
}

/// Leave a group (blocks until the group is told): an admin removes us and rotates keys; we
/// stop polling it. Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_NOT_FOUND`, `SSDK_ERR_NETWORK`.
#[no_mangle]
pub extern "C" fn ssdk_client_group_leave(client_: *const ssdk_client, group_id: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.group_leave(str_arg(group_id, "group_id")?))
}

/// Accept a pending invite (`SSDK_EVENT_GROUP_INVITE`): the group is polled from now on.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_NOT_FOUND`, `SSDK_ERR_INVALID_ARGUMENT` (no
/// pending invite).
#[no_mangle]
pub extern "C" fn ssdk_client_group_accept_invite(client_: *const ssdk_client, group_id: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.group_accept_invite(str_arg(group_id, "group_id")?))
}

/// Decline a pending invite. Errors: as accept.
#[no_mangle]
pub extern "C" fn ssdk_client_group_decline_invite(client_: *const ssdk_client, group_id: *const c_char) -> ssdk_status {
    guard(|| client(client_)?.group_decline_invite(str_arg(group_id, "group_id")?))
}

/// Groups we are in or invited to, as a JSON array of {id, name, description, state
/// ("invited", "joined", "kicked", "left"), is_admin, member_count, inviter}. `*out_json`:
/// release with `ssdk_string_free`. Errors: `SSDK_ERR_NULL_ARGUMENT`. Each entry is a `group`
/// document (docs/abi-json.md).
#[no_mangle]
pub extern "C" fn ssdk_client_groups_json(client_: *const ssdk_client, out_json: *mut *mut c_char) -> ssdk_status {
    guard(|| {
        let o = out(out_json, "out_json")?;
        *o = c_string(json::array::<_, GroupJson>(&client(client_)?.groups()?)?)?;
        Ok(())
    })
}

/// A group's members as a JSON array of {session_id, name, admin, invite_pending, removed}.
/// Errors: `SSDK_ERR_NULL_ARGUMENT`, `SSDK_ERR_INVALID_SESSION_ID` (not a 03 ID),
/// `SSDK_ERR_NOT_FOUND`. Each entry is a `group_member` document (docs/abi-json.md).
#[no_mangle]
pub extern "C" fn ssdk_client_group_members_json(
    client_: *const ssdk_client,
    group_id: *const c_char,
    out_json: *mut *mut c_char,
) -> ssdk_status {
    guard(|| {
        let o = out(out_json, "out_json")?;
        let m = client(client_)?.group_members(str_arg(group_id, "group_id")?)?;
        *o = c_string(json::array::<_, GroupMemberJson>(&m)?)?;
        Ok(())
    })
}

/// The largest number of members a group can have (100), the twin of the protocol constant.
#[no_mangle]
pub extern "C" fn ssdk_max_group_members() -> u32 {
    crate::client::MAX_GROUP_MEMBERS as u32
}
