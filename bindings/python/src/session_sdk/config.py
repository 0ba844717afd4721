"""Client configuration (``ssdk_config``): keyword arguments or chained setters, each checked by
the SDK when it is set."""

from __future__ import annotations

import os
from typing import Optional, Tuple, Union

from ._native import NULL, ffi, lib
from ._util import HandleGuard, StrIn, check, cpath, cstr
from .errors import InvalidArgumentError
from .identity import BytesLike, Identity
from .types import LogLevel

PathLike = Union[str, bytes, "os.PathLike[str]"]


class Config:
    """Configuration of a :class:`~session_sdk.Client`: the data directory plus optional
    settings. Every setting is handed to the SDK at once, so a bad value raises here, with the
    SDK's explanation, not later in ``Client(...)``.

    Keyword form::

        cfg = Config("./bot-data", network_file="testnet.json", pin="1234",
                     auto_accept_requests=True, poll_intervals=(0.3, 0.6))

    Builder form (each setter returns the config)::

        cfg = Config("./bot-data").set_network_file("testnet.json").set_pin("1234")

    Defaults (the SDK's): the public Session network, no PIN (a random key kept in the data
    directory), a new identity unless the directory holds one, polling every 1.5 s while active
    and 15 s when idle. A Config may be reused for several clients (``Client`` copies it); it is
    not safe to change one Config from two threads at once. Release it with :meth:`close` or a
    ``with`` block (also released when garbage collected).
    """

    __slots__ = ("_guard", "data_dir", "__weakref__")

    def __init__(
        self,
        data_dir: PathLike,
        *,
        network_file: Optional[PathLike] = None,
        network_json: Optional[StrIn] = None,
        mainnet: bool = False,
        pin: Optional[StrIn] = None,
        identity: Optional[Identity] = None,
        mnemonic: Optional[StrIn] = None,
        seed: Optional[BytesLike] = None,
        poll_intervals: Optional[Tuple[float, float]] = None,
        auto_accept_requests: Optional[bool] = None,
        log_level: Optional[Union[LogLevel, int]] = None,
        display_name: Optional[StrIn] = None,
        send_retry_window: Optional[float] = None,
        strip_jpeg_metadata: Optional[bool] = None,
    ) -> None:
        out = ffi.new("ssdk_config **")
        check(lib.ssdk_config_new(cpath(data_dir, "data_dir"), out))
        self._guard = HandleGuard(self, out[0], lib.ssdk_config_free, "config")
        self.data_dir = os.fspath(data_dir)
        try:
            if mainnet:
                self.use_mainnet()
            if network_file is not None:
                self.set_network_file(network_file)
            if network_json is not None:
                self.set_network_json(network_json)
            if pin is not None:
                self.set_pin(pin)
            if identity is not None:
                self.set_identity(identity)
            if mnemonic is not None:
                self.set_identity_mnemonic(mnemonic)
            if seed is not None:
                self.set_identity_seed(seed)
            if poll_intervals is not None:
                self.set_poll_intervals(*poll_intervals)
            if auto_accept_requests is not None:
                self.set_auto_accept_requests(auto_accept_requests)
            if log_level is not None:
                self.set_log_level(log_level)
            if display_name is not None:
                self.set_display_name(display_name)
            if send_retry_window is not None:
                self.set_send_retry_window(send_retry_window)
            if strip_jpeg_metadata is not None:
                self.set_strip_jpeg_metadata(strip_jpeg_metadata)
        except BaseException:
            self.close()
            raise

    def set_network_file(self, path: PathLike) -> "Config":
        """Use the network described by a JSON file (as ``session-testnet`` writes).
        Raises :class:`IoError` (unreadable), :class:`InvalidArgumentError` or
        :class:`InvalidKeyError` (malformed description)."""
        with self._guard.use() as h:
            check(lib.ssdk_config_set_network_file(h, cpath(path, "path")))
        return self

    def set_network_json(self, description: StrIn) -> "Config":
        """Use the network described by a JSON string (same format as the file)."""
        with self._guard.use() as h:
            check(lib.ssdk_config_set_network_json(h, cstr(description, "json")))
        return self

    def use_mainnet(self) -> "Config":
        """Use the public Session network (the default)."""
        with self._guard.use() as h:
            check(lib.ssdk_config_use_mainnet(h))
        return self

    def set_pin(self, pin: Optional[StrIn]) -> "Config":
        """Protect the database with a PIN or passphrase (``None`` removes it). Opening an
        existing database with another PIN raises :class:`WrongPinError`."""
        with self._guard.use() as h:
            check(lib.ssdk_config_set_pin(h, NULL if pin is None else cstr(pin, "pin")))
        return self

    def set_identity(self, identity: Identity) -> "Config":
        """Hold this identity (copied). A data directory that already holds a different one
        makes ``Client(...)`` raise :class:`InvalidArgumentError`."""
        with self._guard.use() as h, identity._guard.use() as ih:
            check(lib.ssdk_config_set_identity(h, ih))
        return self

    def set_identity_mnemonic(self, phrase: StrIn) -> "Config":
        """Restore the identity from a recovery phrase (checked now: :class:`MnemonicError`)."""
        with self._guard.use() as h:
            check(lib.ssdk_config_set_identity_mnemonic(h, cstr(phrase, "phrase")))
        return self

    def set_identity_seed(self, seed: BytesLike) -> "Config":
        """Restore the identity from a 16- or 32-byte seed (:class:`InvalidKeyError` else)."""
        data = bytes(seed)
        with self._guard.use() as h:
            check(lib.ssdk_config_set_identity_seed(h, data, len(data)))
        return self

    def set_poll_intervals(self, active: float, idle: float) -> "Config":
        """Poll intervals in seconds: ``active`` while messages moved in the last minute,
        ``idle`` otherwise (the SDK wants active >= 0.1 s and idle >= active)."""
        with self._guard.use() as h:
            check(lib.ssdk_config_set_poll_intervals(h, _ms(active), _ms(idle)))
        return self

    def set_auto_accept_requests(self, enabled: bool = True) -> "Config":
        """Accept every message request automatically (for bots)."""
        with self._guard.use() as h:
            check(lib.ssdk_config_set_auto_accept_requests(h, bool(enabled)))
        return self

    def set_log_level(self, level: Union[LogLevel, int]) -> "Config":
        """Minimum level of log events (:attr:`LogLevel.OFF` for none)."""
        with self._guard.use() as h:
            check(lib.ssdk_config_set_log_level(h, int(level)))
        return self

    def set_display_name(self, name: StrIn) -> "Config":
        """Display name sent with messages (1-100 bytes), unless the database has one."""
        with self._guard.use() as h:
            check(lib.ssdk_config_set_display_name(h, cstr(name, "name")))
        return self

    def set_send_retry_window(self, seconds: float) -> "Config":
        """How long an unacknowledged message is retried before it is marked failed (whole
        seconds, at least 1; default 3600)."""
        with self._guard.use() as h:
            check(lib.ssdk_config_set_send_retry_window(h, _u32(round(seconds), "seconds")))
        return self

    def set_strip_jpeg_metadata(self, enabled: bool = True) -> "Config":
        """Remove JPEG metadata (EXIF with GPS position, XMP, IPTC, comments) before files are
        encrypted and sent: on (the default) or off."""
        with self._guard.use() as h:
            check(lib.ssdk_config_set_strip_jpeg_metadata(h, bool(enabled)))
        return self

    @property
    def closed(self) -> bool:
        return self._guard.closed

    def close(self) -> None:
        """Release the native configuration. Idempotent."""
        self._guard.close()

    def __enter__(self) -> "Config":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Config {self.data_dir!r}{' (closed)' if self.closed else ''}>"


def _u32(v: int, what: str) -> int:
    # The C parameter is uint32_t: a value it cannot hold never reaches the SDK.
    if not 0 <= v <= 0xFFFFFFFF:
        raise InvalidArgumentError(f"INVALID_ARGUMENT: {what} out of range: {v}", lib.SSDK_ERR_INVALID_ARGUMENT)
    return v


def _ms(seconds: float) -> int:
    return _u32(int(round(seconds * 1000)), "interval")
