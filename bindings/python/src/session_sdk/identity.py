"""Identities (``ssdk_identity``) and the stateless helpers: Session ID checks, blinded IDs, and
the Session protocol's seal/open for one recipient."""

from __future__ import annotations

from typing import Optional, Tuple, Union

from ._native import NULL, ffi, lib
from ._util import HandleGuard, StrIn, call_out_string, check, cstr, take_string
from .errors import InvalidSessionIdError

BytesLike = Union[bytes, bytearray, memoryview]


class Identity:
    """A Session identity: key pair, Session ID and recovery phrase.

    Create one with :meth:`generate`, :meth:`from_seed` or :meth:`from_mnemonic`. Immutable and
    safe to share between threads. Release it with :meth:`close` or a ``with`` block (it is also
    released when garbage collected); the SDK wipes the secret key material then.

    >>> with Identity.generate() as me:
    ...     print(me.session_id)
    """

    __slots__ = ("_guard", "_session_id", "__weakref__")

    def __init__(self, _handle: object) -> None:
        # Private: use the class methods. Takes ownership of a new ssdk_identity*.
        self._guard = HandleGuard(self, _handle, lib.ssdk_identity_free, "identity")
        self._session_id: Optional[str] = None

    @classmethod
    def generate(cls) -> "Identity":
        """A new random identity (16-byte seed, so it has a 13-word recovery phrase)."""
        out = ffi.new("ssdk_identity **")
        check(lib.ssdk_identity_generate(out))
        return cls(out[0])

    @classmethod
    def from_seed(cls, seed: BytesLike) -> "Identity":
        """Restore from a 16-byte (Session apps) or 32-byte (full Ed25519) seed.

        Raises :class:`InvalidKeyError` for any other length."""
        data = bytes(seed)
        out = ffi.new("ssdk_identity **")
        check(lib.ssdk_identity_from_seed(data, len(data), out))
        return cls(out[0])

    @classmethod
    def from_mnemonic(cls, phrase: StrIn) -> "Identity":
        """Restore from a recovery phrase (13 words, or 25 for a 32-byte seed); case and extra
        whitespace are ignored.

        Raises :class:`MnemonicWordCountError`, :class:`MnemonicUnknownWordError` (the message
        names the word) or :class:`MnemonicChecksumError`; all are :class:`MnemonicError`."""
        out = ffi.new("ssdk_identity **")
        check(lib.ssdk_identity_from_mnemonic(cstr(phrase, "phrase"), out))
        return cls(out[0])

    @property
    def session_id(self) -> str:
        """The Session ID: 66 lowercase hex characters starting ``05``."""
        if self._session_id is None:
            with self._guard.use() as h:
                self._session_id = call_out_string(lib.ssdk_identity_session_id, h)
        return self._session_id

    @property
    def mnemonic(self) -> str:
        """The recovery phrase (secret), words separated by single spaces."""
        with self._guard.use() as h:
            return call_out_string(lib.ssdk_identity_mnemonic, h)

    @property
    def ed25519_public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        buf = ffi.new("uint8_t[32]")
        with self._guard.use() as h:
            check(lib.ssdk_identity_ed25519_public_key(h, buf))
        return bytes(ffi.buffer(buf, 32))

    @property
    def seed(self) -> bytes:
        """The 32-byte seed (secret); identities from a 16-byte seed or a 13-word phrase have 16
        trailing zero bytes."""
        buf = ffi.new("uint8_t[32]")
        with self._guard.use() as h:
            check(lib.ssdk_identity_seed(h, buf))
        data = bytes(ffi.buffer(buf, 32))
        ffi.memmove(buf, b"\0" * 32, 32)
        return data

    def encrypt_for(self, recipient_session_id: StrIn, message: BytesLike) -> bytes:
        """Seal ``message`` for a recipient with the Session protocol, signed by this identity.
        The result is ``len(message) + 144`` bytes."""
        data = bytes(message)
        out_data = ffi.new("uint8_t **")
        out_len = ffi.new("size_t *")
        with self._guard.use() as h:
            check(lib.ssdk_encrypt_for_recipient(h, cstr(recipient_session_id, "recipient"), data, len(data), out_data, out_len))
        return _take_bytes(out_data[0], out_len[0])

    def decrypt(self, data: BytesLike) -> Tuple[bytes, str]:
        """Open a Session-protocol message addressed to this identity and verify its sender.
        Returns ``(plaintext, sender_session_id)``.

        Raises :class:`DecryptionFailedError` (not for us, tampered, truncated) or
        :class:`BadSignatureError` (forged sender)."""
        src = bytes(data)
        out_data = ffi.new("uint8_t **")
        out_len = ffi.new("size_t *")
        out_sender = ffi.new("char **")
        with self._guard.use() as h:
            check(lib.ssdk_decrypt_incoming(h, src, len(src), out_data, out_len, out_sender))
        sender = take_string(out_sender[0])
        return _take_bytes(out_data[0], out_len[0]), sender

    @property
    def closed(self) -> bool:
        return self._guard.closed

    def close(self) -> None:
        """Release the native identity (wiping its secrets). Idempotent."""
        self._guard.close()

    def __enter__(self) -> "Identity":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.closed:
            return "<Identity (closed)>"
        return f"<Identity {self.session_id}>"


def _take_bytes(p: object, n: int) -> bytes:
    """Copy an SDK-owned buffer and release it with ``ssdk_bytes_free``."""
    if p == NULL:
        return b""
    try:
        return bytes(ffi.buffer(p, n))
    finally:
        lib.ssdk_bytes_free(p, n)


def validate_session_id(session_id: StrIn) -> None:
    """Raise :class:`InvalidSessionIdError`, with the SDK's explanation (length, a non-hex
    character and its position, or the prefix), unless ``session_id`` is a valid Session ID."""
    check(lib.ssdk_session_id_validate(cstr(session_id, "session_id")))


def is_valid_session_id(session_id: StrIn) -> bool:
    """Whether ``session_id`` is a valid Session ID (66 hex characters starting ``05``)."""
    try:
        validate_session_id(session_id)
    except (InvalidSessionIdError, ValueError):
        return False
    return True


def blinded_id(session_id: StrIn, server_pubkey_hex: StrIn, kind: int = 15) -> str:
    """The community-blinded ID (``15…`` or ``25…``) of a Session ID on the community server
    with the given public key. For kind 15 the positive candidate is returned."""
    return call_out_string(lib.ssdk_blinded_id, cstr(session_id, "session_id"), cstr(server_pubkey_hex, "server_pubkey_hex"), int(kind))


def blinded_id_matches(session_id: StrIn, blinded: StrIn, server_pubkey_hex: StrIn) -> bool:
    """Whether ``blinded`` is the blinded form of ``session_id`` on that community server."""
    out = ffi.new("int32_t *")
    check(lib.ssdk_blinded_id_matches(cstr(session_id, "session_id"), cstr(blinded, "blinded_id"), cstr(server_pubkey_hex, "server_pubkey_hex"), out))
    return bool(out[0])
