"""Identity, Session IDs, blinded IDs and the one-recipient seal/open (no network)."""

from __future__ import annotations

import re

import pytest

import session_sdk
from session_sdk import (
    ClosedError,
    DecryptionFailedError,
    Identity,
    InvalidArgumentError,
    InvalidKeyError,
    InvalidSessionIdError,
    InvalidUtf8Error,
    MnemonicChecksumError,
    MnemonicError,
    MnemonicUnknownWordError,
    MnemonicWordCountError,
)

SERVER_KEY = "a" * 64  # any 32-byte key in hex will do for blinding


def test_generate_and_restore_from_the_phrase() -> None:
    with Identity.generate() as me:
        assert re.fullmatch(r"05[0-9a-f]{64}", me.session_id)
        words = me.mnemonic.split(" ")
        assert len(words) == 13
        with Identity.from_mnemonic("  " + me.mnemonic.upper() + "  ") as again:
            assert again.session_id == me.session_id
            assert again.ed25519_public_key == me.ed25519_public_key
        assert len(me.ed25519_public_key) == 32
        seed = me.seed
        assert len(seed) == 32 and seed[16:] == bytes(16)
        with Identity.from_seed(seed[:16]) as from16:
            assert from16.session_id == me.session_id


def test_from_seed_32_and_bad_lengths() -> None:
    seed = bytes(range(32))
    a, b = Identity.from_seed(seed), Identity.from_seed(bytearray(seed))
    assert a.session_id == b.session_id and a.seed == seed
    assert len(a.mnemonic.split()) == 25  # a 32-byte seed has the long phrase
    for bad in (b"", b"short", bytes(33)):
        with pytest.raises(InvalidKeyError) as e:
            Identity.from_seed(bad)
        assert e.value.message.startswith("INVALID_KEY")
    a.close()
    b.close()


def test_phrase_errors_are_distinct_kinds() -> None:
    phrase = Identity.generate().mnemonic.split()
    with pytest.raises(MnemonicWordCountError):
        Identity.from_mnemonic(" ".join(phrase[:12]))
    with pytest.raises(MnemonicUnknownWordError) as e:
        Identity.from_mnemonic(" ".join(phrase[:5] + ["zzqxv"] + phrase[6:]))
    assert "zzqxv" in str(e.value)
    # Replace the checksum word (the last) with a different word from the list.
    wrong = next(w for w in phrase[:12] if w[:3] != phrase[12][:3])
    with pytest.raises(MnemonicChecksumError):
        Identity.from_mnemonic(" ".join(phrase[:12] + [wrong]))
    with pytest.raises(MnemonicError):
        Identity.from_mnemonic("")
    with pytest.raises(InvalidUtf8Error):
        Identity.from_mnemonic("abc\udcff")  # a lone surrogate: undecodable bytes in the input
    with pytest.raises(InvalidArgumentError):
        Identity.from_mnemonic("a\0b")


def test_closed_identity_refuses_use() -> None:
    me = Identity.generate()
    me.close()
    me.close()  # idempotent
    assert me.closed and "closed" in repr(me)
    with pytest.raises(ClosedError) as e:
        _ = me.mnemonic
    assert isinstance(e.value, session_sdk.NullArgumentError)
    with pytest.raises(ClosedError):
        _ = me.session_id


def test_session_id_validation() -> None:
    good = Identity.generate().session_id
    session_sdk.validate_session_id(good)
    session_sdk.validate_session_id(good.upper())
    assert session_sdk.is_valid_session_id(good)
    for bad, hint in [("05abc", "66"), ("06" + good[2:], "prefix"), (good[:-1] + "g", "character 66")]:
        assert not session_sdk.is_valid_session_id(bad)
        with pytest.raises(InvalidSessionIdError) as e:
            session_sdk.validate_session_id(bad)
        assert hint in str(e.value), str(e.value)
    with pytest.raises(InvalidUtf8Error):
        session_sdk.validate_session_id(good[:-1] + "\udcff")
    with pytest.raises(TypeError):
        session_sdk.validate_session_id(None)  # type: ignore[arg-type]


def test_blinded_ids() -> None:
    me = Identity.generate()
    other = Identity.generate()
    b15 = session_sdk.blinded_id(me.session_id, SERVER_KEY)
    b25 = session_sdk.blinded_id(me.session_id, SERVER_KEY, kind=25)
    assert b15.startswith("15") and b25.startswith("25") and len(b15) == len(b25) == 66
    assert session_sdk.blinded_id_matches(me.session_id, b15, SERVER_KEY)
    assert session_sdk.blinded_id_matches(me.session_id, b25, SERVER_KEY)
    assert not session_sdk.blinded_id_matches(other.session_id, b15, SERVER_KEY)
    with pytest.raises(InvalidArgumentError):
        session_sdk.blinded_id(me.session_id, SERVER_KEY, kind=16)
    with pytest.raises(InvalidKeyError):
        session_sdk.blinded_id(me.session_id, "abcd")
    with pytest.raises(InvalidSessionIdError):
        session_sdk.blinded_id("05xyz", SERVER_KEY)
    with pytest.raises(InvalidKeyError):
        session_sdk.blinded_id_matches(me.session_id, b15, "zz")
    with pytest.raises(InvalidSessionIdError):
        session_sdk.blinded_id_matches(me.session_id, "15abc", SERVER_KEY)


def test_seal_and_open_for_one_recipient() -> None:
    alice, bob, eve = Identity.generate(), Identity.generate(), Identity.generate()
    sealed = alice.encrypt_for(bob.session_id, b"hello bob")
    assert len(sealed) == len(b"hello bob") + 144
    plain, sender = bob.decrypt(sealed)
    assert plain == b"hello bob" and sender == alice.session_id
    assert bob.decrypt(alice.encrypt_for(bob.session_id, b""))[0] == b""
    with pytest.raises(DecryptionFailedError):
        eve.decrypt(sealed)
    tampered = bytearray(sealed)
    tampered[40] ^= 1
    with pytest.raises(DecryptionFailedError):
        bob.decrypt(bytes(tampered))
    with pytest.raises(DecryptionFailedError):
        bob.decrypt(sealed[:20])
    with pytest.raises(InvalidSessionIdError):
        alice.encrypt_for("05nope", b"x")
