"""Exceptions: one class per ``ssdk_status`` error code, all derived from :class:`SessionError`.

Each carries the SDK's own explanation (``ssdk_last_error_message()``, ``"KIND: explanation"``),
the numeric ``code`` and its stable ``status_name``. Kinds that describe bad input also derive
from :class:`ValueError`, and :class:`NotFoundError` from :class:`LookupError`, so generic
``except ValueError`` code keeps working.
"""

from __future__ import annotations

import builtins
from typing import Dict, Optional, Type


class AbiMismatchError(ImportError):
    """The native library (or the bundled header) speaks another C ABI version than this
    binding was written for. Raised when ``session_sdk`` is imported."""


class SessionError(Exception):
    """Base class of every error the SDK reports.

    Attributes:
        code: the ``ssdk_status`` value (negative), or ``None`` for a binding-level error.
        status_name: the stable name of the code, e.g. ``"SSDK_ERR_INVALID_SESSION_ID"``.
        message: the SDK's explanation.
    """

    #: The status code this class stands for (set on each subclass).
    status: Optional[int] = None
    #: The stable status name this class stands for (set on each subclass).
    name: str = "SSDK_ERR_UNKNOWN"

    def __init__(self, message: str, code: Optional[int] = None, status_name: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else type(self).status
        self.status_name = status_name or type(self).name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code})"


def name_to_class_name(name: str) -> str:
    """``SSDK_ERR_INVALID_SESSION_ID`` -> ``InvalidSessionIdError`` (the naming rule of this
    module; ``SSDK_ERR_TIMEOUT`` is the one exception: :class:`SessionTimeoutError`)."""
    words = name.replace("SSDK_ERR_", "").split("_")
    return "".join(w.capitalize() for w in words) + "Error"


class InternalError(SessionError):
    """A bug or a caught panic inside the SDK."""

    status, name = -1, "SSDK_ERR_INTERNAL"


class NullArgumentError(SessionError):
    """A required pointer argument was NULL (from Python: a closed or released handle)."""

    status, name = -2, "SSDK_ERR_NULL_ARGUMENT"


class InvalidUtf8Error(SessionError, ValueError):
    """A string argument was not valid UTF-8 (a ``str`` with lone surrogates, or ``bytes``)."""

    status, name = -3, "SSDK_ERR_INVALID_UTF8"


class InvalidArgumentError(SessionError, ValueError):
    """An argument was out of range or malformed."""

    status, name = -4, "SSDK_ERR_INVALID_ARGUMENT"


class InvalidSessionIdError(SessionError, ValueError):
    """A Session ID (or other account ID) was malformed."""

    status, name = -5, "SSDK_ERR_INVALID_SESSION_ID"


class MnemonicError(SessionError, ValueError):
    """Base class of the three recovery-phrase errors."""


class MnemonicWordCountError(MnemonicError):
    """A recovery phrase had the wrong number of words (13 expected)."""

    status, name = -6, "SSDK_ERR_MNEMONIC_WORD_COUNT"


class MnemonicUnknownWordError(MnemonicError):
    """A recovery phrase contained a word that is not in the word list (the message names it)."""

    status, name = -7, "SSDK_ERR_MNEMONIC_UNKNOWN_WORD"


class MnemonicChecksumError(MnemonicError):
    """A recovery phrase's checksum word did not match."""

    status, name = -8, "SSDK_ERR_MNEMONIC_CHECKSUM"


class InvalidKeyError(SessionError, ValueError):
    """A key or seed had the wrong length or was not a valid curve point."""

    status, name = -9, "SSDK_ERR_INVALID_KEY"


class DecryptionFailedError(SessionError):
    """Decryption failed: wrong key, or tampered or truncated data."""

    status, name = -10, "SSDK_ERR_DECRYPTION_FAILED"


class BadSignatureError(SessionError):
    """A signature did not verify."""

    status, name = -11, "SSDK_ERR_BAD_SIGNATURE"


class MalformedError(SessionError, ValueError):
    """Data from the network or the caller did not parse."""

    status, name = -12, "SSDK_ERR_MALFORMED"


class UnsupportedError(SessionError):
    """Not supported on this platform or build."""

    status, name = -13, "SSDK_ERR_UNSUPPORTED"


class NetworkError(SessionError):
    """A network request failed."""

    status, name = -14, "SSDK_ERR_NETWORK"


class SessionTimeoutError(SessionError, builtins.TimeoutError):
    """An operation timed out. (Named so that it does not shadow the built-in
    :class:`TimeoutError`, which it also derives from.)"""

    status, name = -15, "SSDK_ERR_TIMEOUT"


class WrongPinError(SessionError):
    """The PIN or passphrase did not open the local database (the database is untouched)."""

    status, name = -16, "SSDK_ERR_WRONG_PIN"


class DatabaseError(SessionError):
    """The local database failed."""

    status, name = -17, "SSDK_ERR_DATABASE"


class NotFoundError(SessionError, LookupError):
    """The requested object does not exist."""

    status, name = -18, "SSDK_ERR_NOT_FOUND"


class TooLargeError(SessionError, ValueError):
    """A payload exceeded a protocol limit."""

    status, name = -19, "SSDK_ERR_TOO_LARGE"


class GroupFullError(SessionError):
    """The group already has the maximum number of members (100)."""

    status, name = -20, "SSDK_ERR_GROUP_FULL"


class PermissionDeniedError(SessionError):
    """The caller lacks the right to do this."""

    status, name = -21, "SSDK_ERR_PERMISSION_DENIED"


class CancelledError(SessionError):
    """The operation was cancelled."""

    status, name = -22, "SSDK_ERR_CANCELLED"


class NotRunningError(SessionError):
    """The client is not running."""

    status, name = -23, "SSDK_ERR_NOT_RUNNING"


class IoError(SessionError, OSError):
    """A file system operation failed."""

    status, name = -24, "SSDK_ERR_IO"


class BlockedError(SessionError):
    """The contact is blocked."""

    status, name = -25, "SSDK_ERR_BLOCKED"


class BusyError(SessionError):
    """The client is already running or the resource is in use."""

    status, name = -26, "SSDK_ERR_BUSY"


class ClosedError(NullArgumentError):
    """The object was closed: its native handle is released and it cannot be used any more.

    A subclass of :class:`NullArgumentError`, the code the C ABI gives for a released (NULL)
    handle; raised by the binding without calling the SDK."""


_ALL = [
    InternalError, NullArgumentError, InvalidUtf8Error, InvalidArgumentError, InvalidSessionIdError,
    MnemonicWordCountError, MnemonicUnknownWordError, MnemonicChecksumError, InvalidKeyError,
    DecryptionFailedError, BadSignatureError, MalformedError, UnsupportedError, NetworkError,
    SessionTimeoutError, WrongPinError, DatabaseError, NotFoundError, TooLargeError, GroupFullError,
    PermissionDeniedError, CancelledError, NotRunningError, IoError, BlockedError, BusyError,
]

#: Exception class for each status name.
BY_NAME: Dict[str, Type[SessionError]] = {cls.name: cls for cls in _ALL}


def error_for(code: int, status_name: str, message: str) -> SessionError:
    """The exception for a failed call: looked up by the status's stable name (the numbers are
    stable too; the name keeps this table honest against the header), falling back to
    :class:`SessionError` for a code newer than this binding."""
    cls = BY_NAME.get(status_name, SessionError)
    return cls(message or status_name, code, status_name)
