"""The client (``ssdk_client``): one identity, its encrypted database and its network tasks."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import json
import logging
import threading
import time
from typing import Any, AsyncIterator, Callable, Deque, Iterator, List, Optional, Sequence, Set, Tuple, Union

from ._native import NULL, ffi, lib
from ._util import HandleGuard, StrIn, call_out_string, check, cpath, cstr, last_error, opt_cstr, take_string
from .backup import _backup_info
from .config import Config, PathLike
from .errors import ClosedError, InvalidArgumentError
from .events import Event
from .identity import _take_bytes
from .types import BackupInfo, Contact, Conversation, Group, GroupMember, LogLevel, Message, parse_list

log = logging.getLogger("session_sdk")

#: Longest single wait inside the SDK, so that close(), Ctrl-C and asyncio cancellation are
#: noticed promptly while waiting for events.
_SLICE_S = 0.25

EventCallback = Callable[[Event], None]

# --- the listener trampolines --------------------------------------------------------------
#
# Two C callbacks for the life of the process (a cffi callback must outlive every call to it;
# module-level ones do). Each listener passes ctx = ffi.new_handle(box); the handle is kept in
# _live_boxes until the SDK calls destroy(ctx), exactly once, after which the SDK never uses it.

_tls = threading.local()
_live_boxes: Set["_ListenerBox"] = set()
_live_lock = threading.Lock()


def _in_listener_callback() -> bool:
    return getattr(_tls, "depth", 0) > 0


class _ListenerBox:
    __slots__ = ("callback", "on_removed", "handle", "__weakref__")

    def __init__(self, callback: EventCallback, on_removed: Optional[Callable[[], None]]):
        self.callback = callback
        self.on_removed = on_removed
        self.handle = ffi.new_handle(self)


@ffi.callback("void(void *, const ssdk_event *)")
def _on_event_trampoline(ctx: Any, ev: Any) -> None:
    _tls.depth = getattr(_tls, "depth", 0) + 1
    try:
        box: _ListenerBox = ffi.from_handle(ctx)
        box.callback(Event._from_native(ev))  # the event is borrowed: copied before returning
    except BaseException:  # never let an exception unwind into the SDK
        log.exception("session_sdk listener callback raised")
    finally:
        _tls.depth -= 1


@ffi.callback("void(void *)")
def _destroy_trampoline(ctx: Any) -> None:
    try:
        box: _ListenerBox = ffi.from_handle(ctx)
        with _live_lock:
            _live_boxes.discard(box)
        if box.on_removed is not None:
            box.on_removed()
    except BaseException:
        log.exception("session_sdk listener on_removed raised")


def _free_client(ptr: Any) -> None:
    # ssdk_client_free must not run on the listener's thread (it joins that thread): from
    # inside a callback (an explicit close() or a garbage collection there) hand it to a thread.
    if _in_listener_callback():
        threading.Thread(target=lib.ssdk_client_free, args=(ptr,), name="ssdk-client-free").start()
    else:
        lib.ssdk_client_free(ptr)


class Client:
    """A Session client.

    Opening one opens (or creates) the encrypted database in the configured data directory and
    loads (or creates) the identity; nothing touches the network until :meth:`start`::

        with Client("./bot-data", network_file="testnet.json", auto_accept_requests=True) as c:
            print(c.session_id)
            c.start()
            for event in c.events():
                if event.kind == EventKind.MESSAGE_RECEIVED:
                    c.send_text(event.sender, "echo: " + event.text)

    ``Client(config)`` takes a :class:`Config`; ``Client(data_dir, **settings)`` builds one from
    :class:`Config`'s keyword arguments. Every method may be called from any thread, and from
    inside a listener callback. :meth:`close` (or leaving a ``with`` block) stops the client and
    releases it once the calls in flight on other threads have returned.
    """

    def __init__(self, config: Union[Config, PathLike], **settings: Any) -> None:
        if isinstance(config, Config):
            if settings:
                raise TypeError("pass settings either in the Config or as keywords, not both")
            cfg, owned = config, False
        else:
            cfg, owned = Config(config, **settings), True
        out = ffi.new("ssdk_client **")
        try:
            with cfg._guard.use() as ch:
                check(lib.ssdk_client_new(ch, out))
        finally:
            if owned:
                cfg.close()
        self._guard = HandleGuard(self, out[0], _free_client, "client")
        self._session_id: Optional[str] = None
        self._pending: Deque[Event] = collections.deque()
        self._interrupts = 0  # bumped by interrupt_wait; waits started before it end
        self._executor: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._executor_lock = threading.Lock()

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the network tasks: bootstrap, onion paths, sending queued messages, polling.
        Raises :class:`BusyError` when already running."""
        with self._guard.use() as h:
            check(lib.ssdk_client_start(h))

    def stop(self) -> None:
        """Stop the network tasks and wait for them (a few seconds at most). Queued messages
        stay in the database; the client can be started again. Stopping twice is fine."""
        with self._guard.use() as h:
            check(lib.ssdk_client_stop(h))

    def close(self) -> None:
        """Stop the client and release it: new calls raise :class:`ClosedError`, calls running
        on other threads are waited for, then the listener (if any) gets its ``on_removed`` and
        the database is closed. Idempotent. From inside a listener callback the release finishes
        on another thread, after the callback returns."""
        if not self._guard.begin_close():
            return
        self._guard.finish_close()
        with self._executor_lock:
            ex, self._executor = self._executor, None
        if ex is not None:
            ex.shutdown(wait=False)

    @property
    def closed(self) -> bool:
        return self._guard.closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    # --- identity ----------------------------------------------------------------------------

    @property
    def session_id(self) -> str:
        """This client's Session ID."""
        if self._session_id is None:
            with self._guard.use() as h:
                self._session_id = call_out_string(lib.ssdk_client_session_id, h)
        return self._session_id

    @property
    def mnemonic(self) -> str:
        """This client's recovery phrase (secret)."""
        with self._guard.use() as h:
            return call_out_string(lib.ssdk_client_mnemonic, h)

    # --- messages ----------------------------------------------------------------------------

    def send_text(self, to: StrIn, text: StrIn) -> int:
        """Queue a text message (1 byte to 64 KiB of UTF-8) to a Session ID and return its
        local message id. It is stored before any network call; delivery is reported by
        ``MESSAGE_STATE`` events. Works while stopped (it goes out after the next start).

        Raises :class:`InvalidSessionIdError`, :class:`InvalidArgumentError` (empty text),
        :class:`TooLargeError`, :class:`BlockedError`, :class:`InvalidUtf8Error`."""
        out = ffi.new("int64_t *")
        with self._guard.use() as h:
            check(lib.ssdk_client_send_text(h, cstr(to, "to"), cstr(text, "text"), out))
        return int(out[0])

    def resend(self, message_id: int) -> None:
        """Put a failed outgoing message back in the outbox (:class:`NotFoundError`, or
        :class:`InvalidArgumentError` for a message that is not a failed outgoing one)."""
        with self._guard.use() as h:
            check(lib.ssdk_client_resend(h, int(message_id)))

    def message(self, message_id: int) -> Message:
        """One stored message (:class:`NotFoundError` if there is none)."""
        with self._guard.use() as h:
            text = call_out_string(lib.ssdk_client_message_json, h, int(message_id))
        return Message.from_json(_json_object(text))

    def history(self, conversation: StrIn, before_id: int = 0, limit: int = 50) -> List[Message]:
        """A page of a conversation's messages, newest first: at most ``limit`` (1-1000)
        messages older than ``before_id`` (0: from the newest)."""
        with self._guard.use() as h:
            text = call_out_string(lib.ssdk_client_history_json, h, cstr(conversation, "conversation"), int(before_id), _u32(limit))
        return parse_list(text, Message)

    def iter_history(self, conversation: StrIn, page_size: int = 200) -> Iterator[Message]:
        """Every message of a conversation, newest first, fetched a page at a time."""
        before = 0
        while True:
            page = self.history(conversation, before, page_size)
            yield from page
            if len(page) < page_size:
                return
            before = page[-1].id

    def conversations(self) -> List[Conversation]:
        """Conversations by most recent activity."""
        with self._guard.use() as h:
            return parse_list(call_out_string(lib.ssdk_client_conversations_json, h), Conversation)

    def mark_read(self, conversation: StrIn, up_to_id: int = 0) -> int:
        """Mark a conversation's incoming messages read up to ``up_to_id`` (0: all); returns
        how many changed."""
        out = ffi.new("uint32_t *")
        with self._guard.use() as h:
            check(lib.ssdk_client_mark_read(h, cstr(conversation, "conversation"), int(up_to_id), out))
        return int(out[0])

    def delete_conversation(self, conversation: StrIn) -> None:
        """Delete a conversation and its messages from this device only."""
        with self._guard.use() as h:
            check(lib.ssdk_client_delete_conversation(h, cstr(conversation, "conversation")))

    def delete_message(self, message_id: int) -> None:
        """Delete one message from this device only."""
        with self._guard.use() as h:
            check(lib.ssdk_client_delete_message(h, int(message_id)))

    # --- attachments -------------------------------------------------------------------------

    def send_file(self, to: StrIn, path: PathLike, caption: Optional[StrIn] = None) -> int:
        """Queue the file at ``path`` (at most :func:`max_attachment_size` bytes) for ``to``,
        with an optional caption, and return the local message id (its attachment has index 0).
        The file is read and encrypted now; the running client uploads it (``ATTACHMENT_*``
        events) and sends the message once the upload succeeded.

        Raises :class:`IoError`, :class:`TooLargeError` (refused before any upload),
        :class:`InvalidArgumentError` (empty file), :class:`MalformedError` (a JPEG whose
        metadata cannot be removed), :class:`InvalidSessionIdError`, :class:`BlockedError`."""
        out = ffi.new("int64_t *")
        with self._guard.use() as h:
            check(lib.ssdk_client_send_file(h, cstr(to, "to"), cpath(path, "path"), opt_cstr(caption, "caption"), out))
        return int(out[0])

    def send_file_bytes(
        self,
        to: StrIn,
        data: Union[bytes, bytearray, memoryview],
        file_name: Optional[StrIn] = None,
        content_type: Optional[StrIn] = None,
        caption: Optional[StrIn] = None,
    ) -> int:
        """As :meth:`send_file`, from memory (copied), with an optional file name and content
        type (a JPEG is recognised by its bytes)."""
        buf = bytes(data)
        out = ffi.new("int64_t *")
        with self._guard.use() as h:
            check(lib.ssdk_client_send_file_bytes(
                h, cstr(to, "to"), buf, len(buf), opt_cstr(file_name, "file_name"),
                opt_cstr(content_type, "content_type"), opt_cstr(caption, "caption"), out))
        return int(out[0])

    def download_attachment(self, message_id: int, index: int = 0, dest_path: Optional[PathLike] = None) -> None:
        """Start downloading an attachment in the background: ``ATTACHMENT_PROGRESS`` events,
        then ``ATTACHMENT_DONE`` (the verified file written to ``dest_path``, if given, with
        nothing partial ever visible there) or ``ATTACHMENT_FAILED``."""
        with self._guard.use() as h:
            check(lib.ssdk_client_download_attachment(h, int(message_id), _u32(index), NULL if dest_path is None else cpath(dest_path, "dest_path")))

    def attachment_bytes(self, message_id: int, index: int = 0) -> bytes:
        """Download, verify and decrypt an attachment, blocking until done (not from a listener
        callback if you need events meanwhile). Raises :class:`NotFoundError` (unknown or
        expired), :class:`DecryptionFailedError` (tampered or truncated), :class:`NetworkError`,
        :class:`SessionTimeoutError`, :class:`CancelledError`."""
        out_data = ffi.new("uint8_t **")
        out_len = ffi.new("size_t *")
        with self._guard.use() as h:
            check(lib.ssdk_client_attachment_bytes(h, int(message_id), _u32(index), out_data, out_len))
        return _take_bytes(out_data[0], out_len[0])

    async def attachment_bytes_async(self, message_id: int, index: int = 0) -> bytes:
        """:meth:`attachment_bytes` on a worker thread, for asyncio."""
        return await asyncio.get_running_loop().run_in_executor(None, self.attachment_bytes, message_id, index)

    def cancel_transfer(self, message_id: int, index: int = 0) -> None:
        """Cancel an upload (its message becomes failed) or a download in progress
        (:class:`NotFoundError` if none is)."""
        with self._guard.use() as h:
            check(lib.ssdk_client_cancel_transfer(h, int(message_id), _u32(index)))

    # --- groups ------------------------------------------------------------------------------
    #
    # The calls that change a group block until its swarm stored the change: call them from
    # your own thread (asyncio: ``await asyncio.to_thread(client.create_group, ...)``), not from
    # a listener callback.

    def create_group(self, name: StrIn, members: Sequence[StrIn] = (), description: Optional[StrIn] = None) -> str:
        """Create a group with this client as admin, inviting ``members`` (at most 99), and
        return its ID (``03…``). Raises :class:`GroupFullError`, :class:`TooLargeError` (name
        or description), :class:`InvalidSessionIdError`, :class:`NetworkError`,
        :class:`SessionTimeoutError`."""
        arr, count, _keep = _string_array(members, "members")
        with self._guard.use() as h:
            return call_out_string(lib.ssdk_client_group_create, h, cstr(name, "name"), opt_cstr(description, "description"), arr, count)

    def group_invite(self, group_id: StrIn, members: Sequence[StrIn]) -> None:
        """Invite members (admins only: :class:`PermissionDeniedError`); they read what is sent
        from now on."""
        arr, count, _keep = _string_array(members, "members")
        with self._guard.use() as h:
            check(lib.ssdk_client_group_invite(h, cstr(group_id, "group_id"), arr, count))

    def group_remove(self, group_id: StrIn, members: Sequence[StrIn]) -> None:
        """Remove members (admins only); the keys rotate so they cannot read what follows.
        :class:`NotFoundError` when none of them is a member."""
        arr, count, _keep = _string_array(members, "members")
        with self._guard.use() as h:
            check(lib.ssdk_client_group_remove(h, cstr(group_id, "group_id"), arr, count))

    def group_promote(self, group_id: StrIn, member: StrIn) -> None:
        """Make a member an admin (admins only)."""
        with self._guard.use() as h:
            check(lib.ssdk_client_group_promote(h, cstr(group_id, "group_id"), cstr(member, "member")))

    def group_rename(self, group_id: StrIn, name: StrIn) -> None:
        """Rename a group (admins only)."""
        with self._guard.use() as h:
            check(lib.ssdk_client_group_rename(h, cstr(group_id, "group_id"), cstr(name, "name")))

    def group_set_description(self, group_id: StrIn, description: StrIn) -> None:
        """Set a group's description (admins only)."""
        with self._guard.use() as h:
            check(lib.ssdk_client_group_set_description(h, cstr(group_id, "group_id"), cstr(description, "description")))

    def group_leave(self, group_id: StrIn) -> None:
        """Leave a group (blocks until the group is told)."""
        with self._guard.use() as h:
            check(lib.ssdk_client_group_leave(h, cstr(group_id, "group_id")))

    def group_accept_invite(self, group_id: StrIn) -> None:
        """Accept a pending invite (``GROUP_INVITE`` event); :class:`InvalidArgumentError` when
        there is none."""
        with self._guard.use() as h:
            check(lib.ssdk_client_group_accept_invite(h, cstr(group_id, "group_id")))

    def group_decline_invite(self, group_id: StrIn) -> None:
        """Decline a pending invite."""
        with self._guard.use() as h:
            check(lib.ssdk_client_group_decline_invite(h, cstr(group_id, "group_id")))

    def groups(self) -> List[Group]:
        """Groups we are in or invited to."""
        with self._guard.use() as h:
            return parse_list(call_out_string(lib.ssdk_client_groups_json, h), Group)

    def group_members(self, group_id: StrIn) -> List[GroupMember]:
        """A group's members (:class:`InvalidSessionIdError` for a non-``03`` ID,
        :class:`NotFoundError` for an unknown group)."""
        with self._guard.use() as h:
            return parse_list(call_out_string(lib.ssdk_client_group_members_json, h, cstr(group_id, "group_id")), GroupMember)

    # --- contacts and requests ---------------------------------------------------------------

    def contacts(self) -> List[Contact]:
        """Approved contacts."""
        with self._guard.use() as h:
            return parse_list(call_out_string(lib.ssdk_client_contacts_json, h), Contact)

    def requests(self) -> List[Contact]:
        """Pending message requests."""
        with self._guard.use() as h:
            return parse_list(call_out_string(lib.ssdk_client_requests_json, h), Contact)

    def blocked(self) -> List[Contact]:
        """Blocked Session IDs."""
        with self._guard.use() as h:
            return parse_list(call_out_string(lib.ssdk_client_blocked_json, h), Contact)

    def add_contact(self, session_id: StrIn, nickname: Optional[StrIn] = None) -> None:
        """Add (or approve) a contact, with an optional nickname."""
        with self._guard.use() as h:
            check(lib.ssdk_client_add_contact(h, cstr(session_id, "session_id"), opt_cstr(nickname, "nickname")))

    def set_nickname(self, session_id: StrIn, nickname: Optional[StrIn]) -> None:
        """Set (or with ``None`` clear) a contact's nickname (:class:`NotFoundError`)."""
        with self._guard.use() as h:
            check(lib.ssdk_client_set_nickname(h, cstr(session_id, "session_id"), opt_cstr(nickname, "nickname")))

    def remove_contact(self, session_id: StrIn) -> None:
        """Forget a contact (the conversation stays)."""
        with self._guard.use() as h:
            check(lib.ssdk_client_remove_contact(h, cstr(session_id, "session_id")))

    def accept_request(self, session_id: StrIn) -> None:
        """Accept a message request: the sender becomes a contact and is notified."""
        with self._guard.use() as h:
            check(lib.ssdk_client_accept_request(h, cstr(session_id, "session_id")))

    def decline_request(self, session_id: StrIn) -> None:
        """Decline a message request: its conversation is deleted and the sender forgotten."""
        with self._guard.use() as h:
            check(lib.ssdk_client_decline_request(h, cstr(session_id, "session_id")))

    def block(self, session_id: StrIn) -> None:
        """Block a Session ID: its messages are dropped and sending to it is refused."""
        with self._guard.use() as h:
            check(lib.ssdk_client_block(h, cstr(session_id, "session_id")))

    def unblock(self, session_id: StrIn) -> None:
        """Unblock a Session ID."""
        with self._guard.use() as h:
            check(lib.ssdk_client_unblock(h, cstr(session_id, "session_id")))

    def set_profile_picture(self, image: Optional[Union[bytes, bytearray, memoryview]]) -> None:
        """Set our profile picture (image bytes up to 10 MB; JPEG metadata removed unless
        disabled): encrypted, uploaded through an onion request, then sent with our messages and
        synced to our other devices. ``None`` removes it. Blocks on the upload."""
        with self._guard.use() as h:
            if image is None:
                check(lib.ssdk_client_set_profile_picture(h, NULL, 0))
            else:
                buf = bytes(image)
                check(lib.ssdk_client_set_profile_picture(h, buf, len(buf)))

    def profile_picture(self, session_id: Optional[StrIn] = None) -> Optional[bytes]:
        """Download and decrypt a profile picture: ours (``None``) or a contact's, as their
        latest message announced it; ``None`` when there is none. Blocks on the download."""
        out_data = ffi.new("uint8_t **")
        out_len = ffi.new("size_t *")
        with self._guard.use() as h:
            check(lib.ssdk_client_profile_picture(h, opt_cstr(session_id, "session_id"), out_data, out_len))
        if out_data[0] == NULL:
            return None
        return _take_bytes(out_data[0], out_len[0])

    @property
    def display_name(self) -> Optional[str]:
        """Our display name, as set here or (synced) on another device of this identity."""
        with self._guard.use() as h:
            return call_out_string(lib.ssdk_client_display_name, h) or None

    def set_display_name(self, name: StrIn) -> None:
        """Set the display name sent with messages (1-100 bytes); our other devices take it too."""
        with self._guard.use() as h:
            check(lib.ssdk_client_set_display_name(h, cstr(name, "name")))

    # --- backups -----------------------------------------------------------------------------

    def backup_create(self, path: PathLike, passphrase: StrIn) -> BackupInfo:
        """Write an encrypted backup of this account to ``path``, a new file, and return what it
        holds: the whole history, contacts, groups, settings and attachment files, under a key
        derived from ``passphrase`` (Argon2id, about a second). The database key is not in it: a
        restore (:func:`~session_sdk.backup_restore`) sets a new PIN. The client may be running
        (its database is copied at one point in time) or never started.

        Blocks until done: call it from your own thread (``asyncio.to_thread``), not a listener
        callback. ``BACKUP_PROGRESS`` events report the bytes written; :meth:`cancel_backup`
        from another thread stops it. On any failure no file is left at ``path``.

        Raises :class:`InvalidArgumentError` (an empty passphrase, or ``path`` exists: a backup
        never overwrites a file), :class:`IoError` (e.g. a full disk), :class:`DatabaseError`,
        :class:`CancelledError`, :class:`InvalidUtf8Error`."""
        out = ffi.new("char **")
        with self._guard.use() as h:
            check(lib.ssdk_client_backup_create(h, cpath(path, "path"), cstr(passphrase, "passphrase"), out))
        return _backup_info(take_string(out[0]))

    def cancel_backup(self) -> None:
        """Cancel the :meth:`backup_create` running on another thread (it then raises
        :class:`CancelledError` and leaves no file). No effect when none runs."""
        with self._guard.use() as h:
            check(lib.ssdk_client_backup_cancel(h))

    # --- state -------------------------------------------------------------------------------

    @property
    def connection_ready(self) -> bool:
        """Whether onion paths are ready."""
        out = ffi.new("int32_t *")
        with self._guard.use() as h:
            check(lib.ssdk_client_connection_ready(h, out))
        return bool(out[0])

    def wait_until_ready(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for onion paths; returns whether they are ready."""
        deadline = time.monotonic() + timeout
        while True:
            if self.connection_ready:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def set_log_level(self, level: Union[LogLevel, int]) -> None:
        """Change the minimum level of log events."""
        with self._guard.use() as h:
            check(lib.ssdk_client_set_log_level(h, int(level)))

    # --- events: pull ------------------------------------------------------------------------

    def interrupt_wait(self) -> None:
        """Make every :meth:`next_event` / :meth:`next_event_async` call now waiting on this
        client return ``None`` at once (so :meth:`events` iterations end); waits that start
        afterwards are not affected. Safe from any thread, e.g. a signal or shutdown handler."""
        self._interrupts += 1
        with self._guard.use() as h:
            check(lib.ssdk_client_interrupt_wait(h))

    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """Wait up to ``timeout`` seconds (``None``: until one comes) for the next event;
        ``None`` when none came. Raises :class:`ClosedError` once the client is closed.
        While a listener is installed, events go to it instead and this returns ``None``."""
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        interrupts = self._interrupts
        while True:
            ev = self._next_event_slice(_SLICE_S if deadline is None else max(0.0, min(_SLICE_S, deadline - time.monotonic())))
            if ev is not None:
                return ev
            if self._interrupts != interrupts or (deadline is not None and time.monotonic() >= deadline):
                return None

    def _next_event_slice(self, seconds: float) -> Optional[Event]:
        if self._pending:
            try:
                return self._pending.popleft()
            except IndexError:
                pass
        out = ffi.new("ssdk_event **")
        with self._guard.use() as h:
            st = lib.ssdk_client_next_event(h, int(seconds * 1000), out)
            if st in (lib.SSDK_ERR_TIMEOUT, lib.SSDK_ERR_CANCELLED):  # cancelled: interrupt_wait
                return None
            if st != lib.SSDK_OK:
                raise last_error(st)
        ev = out[0]
        try:
            return Event._from_native(ev)
        finally:
            lib.ssdk_event_free(ev)

    def events(self, timeout: Optional[float] = None) -> Iterator[Event]:
        """Iterate over events as they come::

            for event in client.events(timeout=30):
                ...

        The iteration ends when no event came within ``timeout`` seconds (``None``: never) or
        when the client is closed. Use one consumer at a time (events are not duplicated)."""
        while True:
            try:
                ev = self.next_event(timeout)
            except ClosedError:
                return
            if ev is None:
                return
            yield ev

    # --- events: asyncio ---------------------------------------------------------------------

    def _event_executor(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._executor_lock:
            if self._guard.closed:
                raise ClosedError("NULL_ARGUMENT: the client is closed", lib.SSDK_ERR_NULL_ARGUMENT)
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ssdk-events")
            return self._executor

    def _stash(self, fut: "concurrent.futures.Future[Optional[Event]]") -> None:
        # An event fetched for a waiter that was cancelled meanwhile goes to the next reader.
        if not fut.cancelled() and fut.exception() is None:
            ev = fut.result()
            if ev is not None:
                self._pending.appendleft(ev)

    async def next_event_async(self, timeout: Optional[float] = None) -> Optional[Event]:
        """:meth:`next_event` for asyncio: the waiting happens on a worker thread in short
        slices, so the event loop never blocks; cancelling the awaiting task loses no event."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + max(0.0, timeout)
        interrupts = self._interrupts
        while True:
            remaining = _SLICE_S if deadline is None else max(0.0, min(_SLICE_S, deadline - loop.time()))
            cf = self._event_executor().submit(self._next_event_slice, remaining)
            try:
                ev = await asyncio.wrap_future(cf)
            except asyncio.CancelledError:
                cf.add_done_callback(self._stash)
                raise
            if ev is not None:
                return ev
            if self._interrupts != interrupts or (deadline is not None and loop.time() >= deadline):
                return None

    async def events_async(self, timeout: Optional[float] = None) -> AsyncIterator[Event]:
        """Iterate over events in asyncio without blocking the loop::

            async for event in client.events_async():
                ...

        Ends like :meth:`events`: after ``timeout`` seconds without an event, or on close."""
        while True:
            try:
                ev = await self.next_event_async(timeout)
            except ClosedError:
                return
            if ev is None:
                return
            yield ev

    # --- events: push ------------------------------------------------------------------------

    def set_listener(self, callback: Optional[EventCallback], on_removed: Optional[Callable[[], None]] = None) -> None:
        """Deliver events to ``callback(event)`` on one SDK thread, never concurrently, instead
        of the pull queue (events already queued are delivered first). ``None`` removes the
        current listener. ``on_removed()`` runs once when this listener is replaced, removed or
        the client closed. Exceptions in either are logged to the ``session_sdk`` logger.

        The callback may call the client (even :meth:`close`, which then completes after the
        callback returns). Note: in this SDK version, events that arrive after a listener was
        removed are not queued for :meth:`next_event`."""
        if callback is None:
            listener = ffi.new("ssdk_listener *", {"ctx": NULL, "on_event": NULL, "destroy": NULL})
            with self._guard.use() as h:
                check(lib.ssdk_client_set_listener(h, listener[0]))
            return
        if not callable(callback):
            raise TypeError("callback must be callable or None")
        box = _ListenerBox(callback, on_removed)
        listener = ffi.new("ssdk_listener *", {"ctx": box.handle, "on_event": _on_event_trampoline, "destroy": _destroy_trampoline})
        with _live_lock:
            _live_boxes.add(box)
        try:
            with self._guard.use() as h:
                check(lib.ssdk_client_set_listener(h, listener[0]))
        except BaseException:
            with _live_lock:
                _live_boxes.discard(box)
            raise

    def __repr__(self) -> str:
        if self.closed:
            return "<Client (closed)>"
        return f"<Client {self.session_id}>"


def _string_array(items: Sequence[StrIn], what: str) -> Tuple[Any, int, list]:
    """A ``const char *const *`` array for the SDK (NULL when empty) and the objects that keep
    its strings alive for the call."""
    if isinstance(items, (str, bytes)):
        raise TypeError(f"{what} must be a sequence of Session IDs, not one string")
    keep = [ffi.new("char[]", cstr(s, what)) for s in items]
    if not keep:
        return NULL, 0, keep
    return ffi.new("const char *[]", keep), len(keep), keep


def max_group_members() -> int:
    """The largest number of members a group can have."""
    return int(lib.ssdk_max_group_members())


def max_attachment_size() -> int:
    """The largest attachment the SDK sends, in bytes."""
    return int(lib.ssdk_max_attachment_size())


def _json_object(text: str) -> Any:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the SDK returned JSON that is not an object")
    return data


def _u32(v: int) -> int:
    # The C parameter is uint32_t: a value it cannot hold never reaches the SDK.
    if not 0 <= int(v) <= 0xFFFFFFFF:
        raise InvalidArgumentError(f"INVALID_ARGUMENT: {v} is out of range", lib.SSDK_ERR_INVALID_ARGUMENT)
    return int(v)

