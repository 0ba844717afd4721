"""Python binding of session-sdk: hold a Session identity and send and receive onion-routed,
end-to-end encrypted messages.

A thin layer over the SDK's C ABI (``session_sdk.h``), loaded with cffi in ABI mode. The
library's C ABI version is checked at import: a mismatch raises :class:`AbiMismatchError`
(an ``ImportError``) saying which versions met.

>>> from session_sdk import Client, EventKind
>>> with Client("./bot-data", network_file="testnet.json", auto_accept_requests=True) as bot:
...     bot.start()
...     for event in bot.events():
...         if event.kind == EventKind.MESSAGE_RECEIVED:
...             bot.send_text(event.sender, "echo: " + event.text)
"""

from __future__ import annotations

from ._version import __version__
from ._native import BINDING_ABI_VERSION, HEADER_PATH, LIBRARY_PATH, ffi, lib
from .backup import backup_inspect, backup_restore
from .client import Client, max_attachment_size, max_group_members
from .config import Config
from .errors import (
    AbiMismatchError,
    BadSignatureError,
    BlockedError,
    BusyError,
    CancelledError,
    ClosedError,
    DatabaseError,
    DecryptionFailedError,
    GroupFullError,
    InternalError,
    InvalidArgumentError,
    InvalidKeyError,
    InvalidSessionIdError,
    InvalidUtf8Error,
    IoError,
    MalformedError,
    MnemonicChecksumError,
    MnemonicError,
    MnemonicUnknownWordError,
    MnemonicWordCountError,
    NetworkError,
    NotFoundError,
    NotRunningError,
    NullArgumentError,
    PermissionDeniedError,
    SessionError,
    SessionTimeoutError,
    TooLargeError,
    UnsupportedError,
    WrongPinError,
)
from .events import Event
from .identity import Identity, blinded_id, blinded_id_matches, is_valid_session_id, validate_session_id
from .types import (
    Attachment,
    BackupInfo,
    Contact,
    Conversation,
    EventKind,
    Group,
    GroupMember,
    LogLevel,
    Message,
    MessageState,
)


def version() -> str:
    """The native SDK's version (``"MAJOR.MINOR.PATCH"``)."""
    return ffi.string(lib.ssdk_version()).decode("ascii")


def abi_version() -> int:
    """The C ABI version of the loaded library (equal to :data:`BINDING_ABI_VERSION`, or the
    import would have failed)."""
    return int(lib.ssdk_abi_version())


def status_name(code: int) -> str:
    """The stable name of a status code, e.g. ``"SSDK_ERR_WRONG_PIN"``."""
    return ffi.string(lib.ssdk_status_name(int(code))).decode("ascii")



__all__ = [
    "__version__", "BINDING_ABI_VERSION", "HEADER_PATH", "LIBRARY_PATH", "version", "abi_version", "status_name",
    "Client", "Config", "Identity", "Event", "EventKind", "LogLevel", "MessageState", "Contact",
    "Conversation", "Message", "Attachment", "max_attachment_size", "Group", "GroupMember",
    "max_group_members", "validate_session_id", "is_valid_session_id", "blinded_id",
    "blinded_id_matches", "BackupInfo", "backup_restore", "backup_inspect",
    "AbiMismatchError", "SessionError", "InternalError", "NullArgumentError", "ClosedError",
    "InvalidUtf8Error", "InvalidArgumentError", "InvalidSessionIdError", "MnemonicError",
    "MnemonicWordCountError", "MnemonicUnknownWordError", "MnemonicChecksumError",
    "InvalidKeyError", "DecryptionFailedError", "BadSignatureError", "MalformedError",
    "UnsupportedError", "NetworkError", "SessionTimeoutError", "WrongPinError", "DatabaseError",
    "NotFoundError", "TooLargeError", "GroupFullError", "PermissionDeniedError", "CancelledError",
    "NotRunningError", "IoError", "BlockedError", "BusyError",
]
