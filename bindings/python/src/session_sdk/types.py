"""Plain data the SDK returns: enums mirroring the header's, and dataclasses for the JSON that
the list queries (contacts, requests, conversations, history) and the backup functions return.

The dataclasses take the fields the header documents and keep the whole JSON object in ``raw``,
so fields the SDK adds later (attachments, groups) are visible before this binding names them.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from ._native import lib


class EventKind(enum.IntEnum):
    """``ssdk_event_type``."""

    MESSAGE_RECEIVED = lib.SSDK_EVENT_MESSAGE_RECEIVED
    MESSAGE_SYNCED = lib.SSDK_EVENT_MESSAGE_SYNCED
    MESSAGE_STATE = lib.SSDK_EVENT_MESSAGE_STATE
    MESSAGE_REQUEST = lib.SSDK_EVENT_MESSAGE_REQUEST
    CONTACT_CHANGED = lib.SSDK_EVENT_CONTACT_CHANGED
    CONNECTION = lib.SSDK_EVENT_CONNECTION
    LOG = lib.SSDK_EVENT_LOG
    ATTACHMENT_PROGRESS = lib.SSDK_EVENT_ATTACHMENT_PROGRESS
    ATTACHMENT_DONE = lib.SSDK_EVENT_ATTACHMENT_DONE
    ATTACHMENT_FAILED = lib.SSDK_EVENT_ATTACHMENT_FAILED
    GROUP_INVITE = lib.SSDK_EVENT_GROUP_INVITE
    GROUP_UPDATE = lib.SSDK_EVENT_GROUP_UPDATE
    PROFILE_CHANGED = lib.SSDK_EVENT_PROFILE_CHANGED
    CAUGHT_UP = lib.SSDK_EVENT_CAUGHT_UP
    CONVERSATION_READ = lib.SSDK_EVENT_CONVERSATION_READ
    BACKUP_PROGRESS = lib.SSDK_EVENT_BACKUP_PROGRESS


class MessageState(enum.IntEnum):
    """``ssdk_message_state``: delivery state of outgoing messages (``RECEIVED`` for incoming)."""

    SENDING = lib.SSDK_MESSAGE_SENDING
    SENT = lib.SSDK_MESSAGE_SENT
    FAILED = lib.SSDK_MESSAGE_FAILED
    RECEIVED = lib.SSDK_MESSAGE_RECEIVED

    @classmethod
    def parse(cls, value: Any) -> "MessageState":
        """From the JSON form (``"sent"``) or the number."""
        if isinstance(value, str):
            return cls[value.upper()]
        return cls(int(value))


class LogLevel(enum.IntEnum):
    """``ssdk_log_level``."""

    DEBUG = lib.SSDK_LOG_DEBUG
    INFO = lib.SSDK_LOG_INFO
    WARN = lib.SSDK_LOG_WARN
    ERROR = lib.SSDK_LOG_ERROR
    OFF = lib.SSDK_LOG_OFF


def _opt_str(d: Mapping[str, Any], key: str) -> Optional[str]:
    v = d.get(key)
    return None if v is None else str(v)


@dataclass(frozen=True)
class Contact:
    """A contact, message request or blocked ID (``ssdk_client_contacts_json`` and friends)."""

    session_id: str
    display_name: Optional[str]
    nickname: Optional[str]
    approved: bool
    approved_me: bool
    blocked: bool
    profile_picture: Optional[str]
    created_at: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        """Nickname, else display name, else the Session ID."""
        return self.nickname or self.display_name or self.session_id

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Contact":
        return cls(
            session_id=str(d["session_id"]),
            display_name=_opt_str(d, "display_name"),
            nickname=_opt_str(d, "nickname"),
            approved=bool(d.get("approved", False)),
            approved_me=bool(d.get("approved_me", False)),
            blocked=bool(d.get("blocked", False)),
            profile_picture=_opt_str(d, "profile_picture"),
            created_at=int(d.get("created_at") or 0),
            raw=dict(d),
        )


@dataclass(frozen=True)
class Attachment:
    """An attachment of a message (the ``attachments`` array of the SDK's message JSON).

    ``state`` is the SDK's name: ``"pending_upload"``, ``"uploaded"``, ``"upload_failed"``
    (outgoing), ``"remote"``, ``"downloaded"`` (incoming)."""

    index: int
    file_name: Optional[str]
    content_type: Optional[str]
    size: int
    voice_note: bool
    width: Optional[int]
    height: Optional[int]
    caption: Optional[str]
    url: Optional[str]
    state: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Attachment":
        return cls(
            index=int(d.get("index") or 0),
            file_name=_opt_str(d, "file_name"),
            content_type=_opt_str(d, "content_type"),
            size=int(d.get("size") or 0),
            voice_note=bool(d.get("voice_note", False)),
            width=None if d.get("width") is None else int(d["width"]),
            height=None if d.get("height") is None else int(d["height"]),
            caption=_opt_str(d, "caption"),
            url=_opt_str(d, "url"),
            state=str(d.get("state", "")),
            raw=dict(d),
        )


@dataclass(frozen=True)
class Message:
    """A stored message (``ssdk_client_history_json`` / ``ssdk_client_message_json``).

    ``sent_ts`` and ``received_ts`` are milliseconds since the epoch; ``attachments`` lists the
    files it carries; ``extra`` is the SDK's JSON for other structured content, decoded when it
    is JSON."""

    id: int
    conversation: str
    outgoing: bool
    sender: str
    body: Optional[str]
    sent_ts: int
    received_ts: int
    state: MessageState
    read: bool
    server_hash: Optional[str]
    extra: Any
    attachments: List[Attachment] = field(default_factory=list)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Message":
        extra = d.get("extra")
        if isinstance(extra, str):
            try:
                extra = json.loads(extra)
            except ValueError:
                pass
        return cls(
            id=int(d["id"]),
            conversation=str(d["conversation"]),
            outgoing=bool(d.get("outgoing", False)),
            sender=str(d.get("sender", "")),
            body=_opt_str(d, "body"),
            sent_ts=int(d.get("sent_ts") or 0),
            received_ts=int(d.get("received_ts") or 0),
            state=MessageState.parse(d.get("state", 0)),
            read=bool(d.get("read", False)),
            server_hash=_opt_str(d, "server_hash"),
            extra=extra,
            attachments=[Attachment.from_json(a) for a in d.get("attachments") or []],
            raw=dict(d),
        )


@dataclass(frozen=True)
class Conversation:
    """A conversation (``ssdk_client_conversations_json``); ``kind`` is ``"direct"`` or
    ``"group"``."""

    id: str
    kind: str
    created_at: int
    last_activity: int
    unread: int
    is_request: bool
    last_message: Optional[Message]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Conversation":
        last = d.get("last_message")
        return cls(
            id=str(d["id"]),
            kind=str(d.get("kind", "direct")),
            created_at=int(d.get("created_at") or 0),
            last_activity=int(d.get("last_activity") or 0),
            unread=int(d.get("unread") or 0),
            is_request=bool(d.get("is_request", False)),
            last_message=Message.from_json(last) if isinstance(last, Mapping) else None,
            raw=dict(d),
        )


@dataclass(frozen=True)
class Group:
    """A group we are in or invited to (``ssdk_client_groups_json``); ``state`` is
    ``"invited"``, ``"joined"``, ``"kicked"`` or ``"left"``."""

    id: str
    name: Optional[str]
    description: Optional[str]
    state: str
    is_admin: bool
    member_count: int
    inviter: Optional[str]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Group":
        return cls(
            id=str(d["id"]),
            name=_opt_str(d, "name"),
            description=_opt_str(d, "description"),
            state=str(d.get("state", "")),
            is_admin=bool(d.get("is_admin", False)),
            member_count=int(d.get("member_count") or 0),
            inviter=_opt_str(d, "inviter"),
            raw=dict(d),
        )


@dataclass(frozen=True)
class GroupMember:
    """A member of a group (``ssdk_client_group_members_json``)."""

    session_id: str
    name: str
    admin: bool
    invite_pending: bool
    removed: bool
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "GroupMember":
        return cls(
            session_id=str(d["session_id"]),
            name=str(d.get("name") or ""),
            admin=bool(d.get("admin", False)),
            invite_pending=bool(d.get("invite_pending", False)),
            removed=bool(d.get("removed", False)),
            raw=dict(d),
        )


@dataclass(frozen=True)
class BackupInfo:
    """What an encrypted backup holds: its manifest, written when it was taken (the
    ``backup_info`` document of :meth:`Client.backup_create <session_sdk.Client.backup_create>`,
    :func:`~session_sdk.backup_restore` and :func:`~session_sdk.backup_inspect`).

    ``created_at`` is milliseconds since the epoch; ``contacts`` counts contacts, message
    requests and blocked IDs; ``attachments`` counts the attachments of messages (downloaded or
    not) and ``files`` the attachment files included (pending uploads and verified downloads);
    ``database_bytes`` and ``file_bytes`` are the sizes of the database and of those files."""

    session_id: str
    created_at: int
    sdk_version: str
    messages: int
    conversations: int
    contacts: int
    groups: int
    attachments: int
    files: int
    database_bytes: int
    file_bytes: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "BackupInfo":
        return cls(
            session_id=str(d["session_id"]),
            created_at=int(d.get("created_at") or 0),
            sdk_version=str(d.get("sdk_version") or ""),
            messages=int(d.get("messages") or 0),
            conversations=int(d.get("conversations") or 0),
            contacts=int(d.get("contacts") or 0),
            groups=int(d.get("groups") or 0),
            attachments=int(d.get("attachments") or 0),
            files=int(d.get("files") or 0),
            database_bytes=int(d.get("database_bytes") or 0),
            file_bytes=int(d.get("file_bytes") or 0),
            raw=dict(d),
        )


def parse_list(text: str, cls: Any) -> List[Any]:
    """A JSON array of objects from the SDK, as instances of ``cls``."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError(f"the SDK returned {type(data).__name__}, not a JSON array")
    return [cls.from_json(item) for item in data]
