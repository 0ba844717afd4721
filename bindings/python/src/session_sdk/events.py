"""Events (``ssdk_event``), copied into immutable Python objects so that they outlive the
native event (which is freed at once, or borrowed only for a listener call)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from ._native import lib
from ._util import borrowed_string
from .types import EventKind, LogLevel, Message, MessageState


@dataclass(frozen=True)
class Event:
    """Something that happened in a client.

    Which fields are set depends on :attr:`kind` (as the header documents):

    - ``MESSAGE_RECEIVED`` / ``MESSAGE_SYNCED``: ``message_id``, ``conversation``, ``sender``,
      ``text``, ``timestamp`` (ms), ``is_request``; :attr:`message` has the stored message.
    - ``MESSAGE_STATE``: ``message_id``, ``conversation``, :attr:`message_state`.
    - ``MESSAGE_REQUEST``: ``sender`` (the requester), ``message_id``.
    - ``CONTACT_CHANGED``: ``sender`` (the contact).
    - ``CONNECTION``: :attr:`connected`.
    - ``LOG``: ``text`` (the line), :attr:`log_level`.
    - ``ATTACHMENT_PROGRESS``: ``message_id``, ``attachment_index``, ``is_upload``,
      ``bytes_done``, ``bytes_total``.
    - ``ATTACHMENT_DONE``: ``message_id``, ``attachment_index``, ``is_upload``, ``text`` (the
      destination path of a download started with one).
    - ``ATTACHMENT_FAILED``: ``message_id``, ``attachment_index``, ``is_upload``, ``text`` (the
      error), :attr:`will_retry`.
    - ``GROUP_INVITE``: ``conversation`` (the group ID), ``sender`` (the inviter), ``text``
      (the group name).
    - ``GROUP_UPDATE``: ``conversation`` (the group ID), ``sender`` (who did it, or ``None``),
      ``text`` (the change, e.g. ``"members_added"``), :attr:`members`.
    - ``CONVERSATION_READ``: ``conversation``, ``timestamp`` (messages sent up to it were read
      on another device of this identity, and are read here now).
    - ``CAUGHT_UP``: no fields; once per start, after the events for everything that was
      waiting in the client's swarms.
    - ``PROFILE_CHANGED``: ``text`` (our display name as another device of this identity set
      it).
    - ``BACKUP_PROGRESS``: ``bytes_done``, ``bytes_total`` of a backup being written
      (:meth:`Client.backup_create <session_sdk.Client.backup_create>`).

    ``json`` is the SDK's JSON rendering of the whole event; :attr:`data` decodes it.
    """

    kind: EventKind
    message_id: int = 0
    conversation: Optional[str] = None
    sender: Optional[str] = None
    text: Optional[str] = None
    timestamp: int = 0
    state: int = 0
    is_request: bool = False
    attachment_index: int = 0
    is_upload: bool = False
    bytes_done: int = 0
    bytes_total: int = 0
    json: str = field(default="{}", repr=False)

    @property
    def data(self) -> Dict[str, Any]:
        """The SDK's JSON for this event, decoded (has a ``"kind"`` field)."""
        return json.loads(self.json)

    @property
    def message(self) -> Optional[Message]:
        """The stored message of a received or synced message event, else ``None``."""
        m = self.data.get("message")
        return Message.from_json(m) if isinstance(m, dict) else None

    @property
    def message_state(self) -> Optional[MessageState]:
        """Delivery state for message events, else ``None``."""
        if self.kind in (EventKind.MESSAGE_RECEIVED, EventKind.MESSAGE_SYNCED, EventKind.MESSAGE_STATE):
            return MessageState(self.state)
        return None

    @property
    def connected(self) -> Optional[bool]:
        """For connection events: whether onion paths are ready; else ``None``."""
        return bool(self.state) if self.kind == EventKind.CONNECTION else None

    @property
    def members(self) -> list:
        """For a group update: the Session IDs of the members concerned."""
        return list(self.data.get("members") or []) if self.kind == EventKind.GROUP_UPDATE else []

    @property
    def will_retry(self) -> Optional[bool]:
        """For a failed attachment transfer: whether the upload will be retried."""
        return bool(self.state) if self.kind == EventKind.ATTACHMENT_FAILED else None

    @property
    def log_level(self) -> Optional[LogLevel]:
        """For log events: the line's level; else ``None``."""
        return LogLevel(self.state) if self.kind == EventKind.LOG else None

    @classmethod
    def _from_native(cls, ev: Any) -> "Event":
        """Copy every accessor of a native event (owned or borrowed; not freed here)."""
        raw_kind = int(lib.ssdk_event_kind(ev))
        try:
            kind: Any = EventKind(raw_kind)
        except ValueError:  # a kind newer than this binding: keep the number
            kind = raw_kind
        return cls(
            kind=kind,
            message_id=int(lib.ssdk_event_message_id(ev)),
            conversation=borrowed_string(lib.ssdk_event_conversation(ev)),
            sender=borrowed_string(lib.ssdk_event_sender(ev)),
            text=borrowed_string(lib.ssdk_event_text(ev)),
            timestamp=int(lib.ssdk_event_timestamp(ev)),
            state=int(lib.ssdk_event_state(ev)),
            is_request=bool(lib.ssdk_event_is_request(ev)),
            attachment_index=int(lib.ssdk_event_attachment_index(ev)),
            is_upload=bool(lib.ssdk_event_is_upload(ev)),
            bytes_done=int(lib.ssdk_event_bytes_done(ev)),
            bytes_total=int(lib.ssdk_event_bytes_total(ev)),
            json=borrowed_string(lib.ssdk_event_json(ev)) or "{}",
        )
