"""Marshalling shared by the wrappers: strings in and out, status codes to exceptions, and a
guard that keeps a native handle alive while calls are in flight."""

from __future__ import annotations

import os
import threading
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional, Union

from ._native import NULL, ffi, lib
from .errors import ClosedError, InvalidArgumentError, SessionError, error_for

StrIn = Union[str, bytes]


def cstr(value: StrIn, what: str) -> bytes:
    """A NUL-terminated UTF-8 argument for the SDK (borrowed for the call).

    ``bytes`` pass through unchanged. A ``str`` is encoded as UTF-8; one holding lone surrogates
    (for example a file name decoded with ``surrogateescape``) is encoded back to the bytes it
    stands for, so the SDK sees, and reports, the invalid UTF-8 (:class:`InvalidUtf8Error`).
    An embedded NUL would silently cut the string short in C, so it is refused here."""
    if type(value) is str:  # the common case first: this runs on every call
        try:
            data = value.encode()
        except UnicodeEncodeError:
            try:
                data = value.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                data = value.encode("utf-8", "surrogatepass")
    elif isinstance(value, (bytes, str)):
        data = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")
    else:
        raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")
    if 0 in data:  # memchr; b"\0" in data is several times slower
        raise InvalidArgumentError(f"INVALID_ARGUMENT: {what} contains a NUL character", lib.SSDK_ERR_INVALID_ARGUMENT)
    return data


def cpath(value: Union[str, bytes, "os.PathLike[str]"], what: str) -> bytes:
    """A path argument: ``os.fspath`` first, then as :func:`cstr`."""
    return cstr(os.fspath(value), what)


def opt_cstr(value: Optional[StrIn], what: str) -> Any:
    """Like :func:`cstr`, with ``None`` passed as NULL."""
    return NULL if value is None else cstr(value, what)


def last_error(code: int) -> SessionError:
    """The exception for ``code``, with the calling thread's last SDK error message."""
    message = ffi.string(lib.ssdk_last_error_message()).decode("utf-8", "replace")
    name = ffi.string(lib.ssdk_status_name(code)).decode("ascii", "replace")
    return error_for(code, name, message)


def check(code: int) -> None:
    """Raise the matching :class:`SessionError` unless ``code`` is ``SSDK_OK``. Must run on the
    thread that made the call (the message is thread-local), which it always does here."""
    if code != 0:
        raise last_error(code)


def take_string(p: Any) -> str:
    """Copy an SDK-owned output string and release it with ``ssdk_string_free``."""
    if p == NULL:
        return ""
    try:
        return ffi.string(p).decode("utf-8")
    finally:
        lib.ssdk_string_free(p)


def borrowed_string(p: Any) -> Optional[str]:
    """Copy a string the SDK lends (event accessors); ``None`` for NULL."""
    return None if p == NULL else ffi.string(p).decode("utf-8", "replace")


def call_out_string(fn: Callable[..., int], *args: Any) -> str:
    """Call ``fn(*args, char **out)``, check the status and take the string."""
    out = ffi.new("char **")
    check(fn(*args, out))
    return take_string(out[0])


class HandleGuard:
    """Owns one native handle: counts the calls using it, and on :meth:`close` stops new calls
    (they raise :class:`ClosedError`), waits for the running ones, then frees the handle once.

    Used because the SDK requires that a handle is freed only after every other thread has
    finished with it. A ``weakref.finalize`` frees it if the owner is garbage collected (or at
    interpreter exit) without being closed; correctness never depends on that."""

    def __init__(self, owner: object, ptr: Any, free: Callable[[Any], None], what: str):
        self._ptr = ptr
        self._free = free
        self._what = what
        self._cv = threading.Condition()
        self._users = 0
        self._closed = False
        # Holds the guard (not the owner): runs _release when the owner is collected, at
        # interpreter exit, or when close() calls it; whichever comes first, once.
        self._finalizer = weakref.finalize(owner, self._release)

    def _release(self) -> None:
        with self._cv:
            self._closed = True
            while self._users:
                self._cv.wait()
            ptr, self._ptr = self._ptr, NULL
        if ptr != NULL:
            self._free(ptr)

    @property
    def closed(self) -> bool:
        return self._closed

    @contextmanager
    def use(self) -> Iterator[Any]:
        """The handle, for the duration of a call; :class:`ClosedError` once closing began."""
        with self._cv:
            if self._closed:
                raise ClosedError(f"NULL_ARGUMENT: the {self._what} is closed", lib.SSDK_ERR_NULL_ARGUMENT)
            self._users += 1
        try:
            yield self._ptr
        finally:
            with self._cv:
                self._users -= 1
                if self._users == 0:
                    self._cv.notify_all()

    def begin_close(self) -> bool:
        """Refuse new calls. Returns False when closing had already begun."""
        with self._cv:
            if self._closed:
                return False
            self._closed = True
            return True

    def finish_close(self) -> None:
        """Wait for running calls, then free the handle (once)."""
        self._finalizer()

    def close(self) -> None:
        if self.begin_close():
            self.finish_close()
