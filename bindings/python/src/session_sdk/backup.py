"""Encrypted backups of a whole account: restore one into a new data directory
(``ssdk_backup_restore``) or verify one and say what it holds (``ssdk_backup_inspect``). Writing
one is :meth:`Client.backup_create <session_sdk.Client.backup_create>`.

A restore's progress callback is called by the SDK on the calling thread, in the middle of the C
call: an exception raised in it never unwinds into C. It is caught, the restore is cancelled
(the callback returns false to the SDK), and the exception is raised again once the SDK has
returned, after it removed everything it had written.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

from ._native import NULL, ffi, lib
from ._util import StrIn, check, cpath, cstr, opt_cstr, take_string
from .config import PathLike
from .types import BackupInfo

#: ``progress(done, total)``: bytes restored so far and in all. Return a false value (``False``,
#: ``0``) to cancel the restore; ``None`` (a callback without a return statement) goes on.
ProgressCallback = Callable[[int, int], Any]


class _ProgressBox:
    """What a restore's C ctx refers to (through ``ffi.new_handle``) for the duration of the
    call: the callback, and the exception it raised, if any."""

    __slots__ = ("callback", "error", "handle")

    def __init__(self, callback: ProgressCallback) -> None:
        self.callback = callback
        self.error: Optional[BaseException] = None
        self.handle = ffi.new_handle(self)


# One C callback for the life of the process (a cffi callback must outlive every call to it).
@ffi.callback("bool(void *, uint64_t, uint64_t)")
def _progress_trampoline(ctx: Any, done: int, total: int) -> bool:
    try:
        box: _ProgressBox = ffi.from_handle(ctx)
        if box.error is not None:  # already failing: keep saying stop
            return False
        try:
            result = box.callback(int(done), int(total))
            return True if result is None else bool(result)
        except BaseException as e:  # never let an exception unwind into the SDK (Ctrl-C included)
            box.error = e
            return False
    except BaseException:  # pragma: no cover - from_handle on a bad ctx: stop the restore
        return False


def _backup_info(text: str) -> BackupInfo:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the SDK returned a backup_info that is not a JSON object")
    return BackupInfo.from_json(data)


def backup_restore(
    path: PathLike,
    passphrase: StrIn,
    data_dir: PathLike,
    pin: Optional[StrIn] = None,
    progress: Optional[ProgressCallback] = None,
) -> BackupInfo:
    """Restore the backup at ``path`` into ``data_dir`` (which must not exist, or be empty),
    protected by ``pin`` (``None``: no PIN, the key is kept in a file beside the database, as for
    a new client), and return what it holds. The whole file is verified before anything is moved
    into ``data_dir``; on any failure nothing is left there. Then open it with
    ``Client(data_dir, pin=pin, ...)``: the restored client continues from where the backup was
    taken and fetches what arrived since. Blocks (the passphrase's key derivation alone takes
    about a second); needs no client; any thread.

    ``progress(done, total)`` (optional) is called on this thread as bytes are restored, a few
    times a second and at the end; returning a false value (``False``, ``0``; not ``None``)
    cancels. An exception it raises cancels the restore and is raised here once the SDK has
    cleaned up.

    Raises :class:`NotFoundError` (no file), :class:`InvalidArgumentError` (``data_dir`` not
    empty, an empty PIN), :class:`WrongPinError` (the passphrase does not open it),
    :class:`MalformedError` (not a backup, or truncated), :class:`DecryptionFailedError`
    (damaged or modified), :class:`UnsupportedError` (written by a newer SDK), :class:`IoError`,
    :class:`CancelledError` (``progress`` said stop)."""
    if progress is not None and not callable(progress):
        raise TypeError("progress must be callable or None")
    out = ffi.new("char **")
    args = (cpath(path, "path"), cstr(passphrase, "passphrase"), cpath(data_dir, "data_dir"), opt_cstr(pin, "pin"))
    if progress is None:
        check(lib.ssdk_backup_restore(*args, NULL, NULL, out))
    else:
        box = _ProgressBox(progress)
        st = lib.ssdk_backup_restore(*args, _progress_trampoline, box.handle, out)
        if box.error is not None:
            err, box.error = box.error, None
            if st == lib.SSDK_OK:  # cannot happen (the last report can cancel), but never leak
                lib.ssdk_string_free(out[0])
            raise err
        check(st)
    return _backup_info(take_string(out[0]))


def backup_inspect(path: PathLike, passphrase: StrIn) -> BackupInfo:
    """Verify the whole backup at ``path`` with ``passphrase`` (every byte is authenticated) and
    say what it holds, writing nothing. Blocks (about a second for the key derivation, then the
    time to read the file).

    Raises :class:`NotFoundError`, :class:`WrongPinError`, :class:`MalformedError`,
    :class:`DecryptionFailedError`, :class:`UnsupportedError`, :class:`IoError`."""
    out = ffi.new("char **")
    check(lib.ssdk_backup_inspect(cpath(path, "path"), cstr(passphrase, "passphrase"), out))
    return _backup_info(take_string(out[0]))
