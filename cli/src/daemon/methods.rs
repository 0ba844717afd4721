//! Every JSON-RPC method of the daemon, in one place: the methods the dispatcher answers itself
//! ([`BUILTIN`]) and the table of the others ([`METHODS`]), each with its params and a summary
//! (what the `methods` method returns). The handlers live next to the commands they serve, in
//! `cmd/`, and are named after their method: `rpc_<method>`.
//!
//! Adding a method: write `pub fn rpc_NAME(d: &DaemonCtx, p: &Params) -> Result<Value>` in the
//! command's module (see [`crate::rpc`]) and add its line here.

use crate::cmd::{
    backup, contacts, conversations, delete, download, groups, history, mark_read, network, profile, receive, requests, send,
};
use crate::rpc::Handler;

/// A JSON-RPC method of the daemon.
pub struct Method {
    pub name: &'static str,
    /// The params object, for `methods` and the README.
    pub params: &'static str,
    pub summary: &'static str,
    pub handler: Handler,
}

/// Methods the dispatcher answers itself (they concern the connection or the daemon): name,
/// params, summary.
pub const BUILTIN: &[(&str, &str, &str)] = &[
    ("methods", "{}", "every method with its params and a summary"),
    ("version", "{}", "session-cli and SDK versions"),
    ("subscribe", "{}", "receive event notifications on this connection (the default)"),
    ("unsubscribe", "{}", "stop event notifications on this connection"),
];

/// Every other method, with its handler.
pub const METHODS: &[Method] = &[
    // ---- messages (cmd/send.rs, receive.rs, conversations.rs, history.rs, mark_read.rs, download.rs, delete.rs)
    Method {
        name: "send",
        params: "{to?: string | [string], group?: string | [string], text: string, attachments?: [path], wait?: bool, timeout?: secs}",
        summary: "queue a text message, or files (text is then the caption), to people or groups; with wait, return once the network acknowledged it",
        handler: send::rpc_send,
    },
    Method {
        name: "receive",
        params: "{mark_read?: bool = true}",
        summary: "incoming messages not yet read, oldest first (and mark them read)",
        handler: receive::rpc_receive,
    },
    Method {
        name: "conversations",
        params: "{}",
        summary: "conversations by recent activity",
        handler: conversations::rpc_conversations,
    },
    Method {
        name: "history",
        params: "{peer: string, limit?: number = 20, before?: id}",
        summary: "one page of a conversation, oldest first",
        handler: history::rpc_history,
    },
    Method {
        name: "mark_read",
        params: "{peer: string, up_to?: id}",
        summary: "mark a conversation's messages read (up to a message id)",
        handler: mark_read::rpc_mark_read,
    },
    Method {
        name: "message",
        params: "{id: number}",
        summary: "one message by local id",
        handler: history::rpc_message,
    },
    Method {
        name: "download",
        params: "{id: number, index?: number = 0, path: string}",
        summary: "download, verify and save an attachment (attachment_progress events meanwhile)",
        handler: download::rpc_download,
    },
    Method {
        name: "delete_message",
        params: "{id: number}",
        summary: "delete a message on this device",
        handler: delete::rpc_delete_message,
    },
    Method {
        name: "delete_conversation",
        params: "{peer: string}",
        summary: "delete a conversation and its messages on this device",
        handler: delete::rpc_delete_conversation,
    },
    Method {
        name: "resend",
        params: "{id: number}",
        summary: "queue a failed message again",
        handler: send::rpc_resend,
    },
    // ---- cmd/contacts.rs
    Method {
        name: "contacts",
        params: "{}",
        summary: "contacts, by name",
        handler: contacts::rpc_contacts,
    },
    Method {
        name: "contact",
        params: "{peer: string}",
        summary: "one contact or requester",
        handler: contacts::rpc_contact,
    },
    Method {
        name: "add_contact",
        params: "{session_id: string, name?: string}",
        summary: "add a contact, optionally with a nickname",
        handler: contacts::rpc_add_contact,
    },
    Method {
        name: "rename_contact",
        params: "{peer: string, name: string | null}",
        summary: "set or (with null) clear a contact's nickname",
        handler: contacts::rpc_rename_contact,
    },
    Method {
        name: "remove_contact",
        params: "{peer: string}",
        summary: "forget a contact",
        handler: contacts::rpc_remove_contact,
    },
    Method {
        name: "block",
        params: "{session_id: string}",
        summary: "block a Session ID (deletes a pending request from it)",
        handler: contacts::rpc_block,
    },
    Method {
        name: "unblock",
        params: "{session_id: string}",
        summary: "unblock a Session ID",
        handler: contacts::rpc_unblock,
    },
    Method {
        name: "blocked",
        params: "{}",
        summary: "blocked Session IDs",
        handler: contacts::rpc_blocked,
    },
    // ---- cmd/requests.rs
    Method {
        name: "requests",
        params: "{}",
        summary: "pending message requests",
        handler: requests::rpc_requests,
    },
    Method {
        name: "accept_request",
        params: "{peer: string}",
        summary: "accept a request (the notice to the sender is queued)",
        handler: requests::rpc_accept_request,
    },
    Method {
        name: "decline_request",
        params: "{peer: string}",
        summary: "decline a request: delete it and forget the sender",
        handler: requests::rpc_decline_request,
    },
    // ---- cmd/groups.rs
    Method {
        name: "group_create",
        params: "{name: string, description?: string, members?: [string]}",
        summary: "create a group (we are its admin) and invite members; returns the group",
        handler: groups::rpc_group_create,
    },
    Method {
        name: "groups",
        params: "{}",
        summary: "groups we are in, invited to, left or were removed from",
        handler: groups::rpc_groups,
    },
    Method {
        name: "group",
        params: "{group: string}",
        summary: "one group (by ID or name) with its members",
        handler: groups::rpc_group,
    },
    Method {
        name: "group_invite",
        params: "{group: string, members: [string]}",
        summary: "invite members (admins only)",
        handler: groups::rpc_group_invite,
    },
    Method {
        name: "group_remove",
        params: "{group: string, members: [string]}",
        summary: "remove members (admins only); keys rotate",
        handler: groups::rpc_group_remove,
    },
    Method {
        name: "group_promote",
        params: "{group: string, member: string}",
        summary: "make a member an admin (admins only)",
        handler: groups::rpc_group_promote,
    },
    Method {
        name: "group_rename",
        params: "{group: string, name: string}",
        summary: "rename a group (admins only)",
        handler: groups::rpc_group_rename,
    },
    Method {
        name: "group_describe",
        params: "{group: string, description: string}",
        summary: "set a group's description (admins only)",
        handler: groups::rpc_group_describe,
    },
    Method {
        name: "group_leave",
        params: "{group: string}",
        summary: "leave a group (the members are told)",
        handler: groups::rpc_group_leave,
    },
    Method {
        name: "group_accept",
        params: "{group: string, wait?: bool = true, timeout?: secs = 30}",
        summary: "accept an invite; with wait, return once the group's keys arrived (member_count > 0)",
        handler: groups::rpc_group_accept,
    },
    Method {
        name: "group_decline",
        params: "{group: string}",
        summary: "decline an invite and forget the group",
        handler: groups::rpc_group_decline,
    },
    // ---- cmd/profile.rs
    Method {
        name: "profile",
        params: "{}",
        summary: "the daemon's profile: name, Session ID, display name, network",
        handler: profile::rpc_profile,
    },
    Method {
        name: "set_display_name",
        params: "{name: string}",
        summary: "set the display name sent with messages",
        handler: profile::rpc_set_display_name,
    },
    Method {
        name: "set_profile_picture",
        params: "{path: string|null}",
        summary: "set the profile picture from an image file on the daemon's machine (null removes it)",
        handler: profile::rpc_set_profile_picture,
    },
    Method {
        name: "profile_picture",
        params: "{contact?: string, path: string}",
        summary: "save a profile picture (ours, or a contact's) to a file; null when there is none",
        handler: profile::rpc_profile_picture,
    },
    // ---- cmd/backup.rs (restore makes a new profile, which is not a daemon's business, as `profile create` is not)
    Method {
        name: "backup_create",
        params: "{path: string, passphrase: string}",
        summary: "write an encrypted backup of the profile to a new file on the daemon's machine (backup_progress events meanwhile); \
                  the passphrase is a param because it arrives over this local connection, never a command line",
        handler: backup::rpc_backup_create,
    },
    Method {
        name: "backup_cancel",
        params: "{}",
        summary: "cancel the backup_create in progress (send it on another connection); it then fails with CANCELLED and leaves no file",
        handler: backup::rpc_backup_cancel,
    },
    Method {
        name: "backup_inspect",
        params: "{path: string, passphrase: string}",
        summary: "verify a backup file and return what it holds (a backup record); wrong passphrase: WRONG_PIN",
        handler: backup::rpc_backup_inspect,
    },
    // ---- cmd/network.rs
    Method {
        name: "network",
        params: "{}",
        summary: "network, connection state, node pool size, onion paths and request counters",
        handler: network::rpc_network,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_name_is_listed_once() {
        let mut names: Vec<&str> = BUILTIN.iter().map(|(n, _, _)| *n).chain(METHODS.iter().map(|m| m.name)).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "a method name is listed twice");
    }
}
