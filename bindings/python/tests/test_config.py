"""Config: every setter, in keyword and builder form, with the SDK's errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_sdk import (
    ClosedError,
    Config,
    Identity,
    InvalidArgumentError,
    InvalidKeyError,
    InvalidUtf8Error,
    IoError,
    LogLevel,
    MnemonicChecksumError,
    MnemonicWordCountError,
)


def test_every_setter_accepts_good_values(tmp_path: Path, testnet) -> None:
    me = Identity.generate()
    cfg = (
        Config(tmp_path / "a")
        .use_mainnet()
        .set_network_file(testnet.description)
        .set_network_json(testnet.description.read_text())
        .set_pin("1234")
        .set_pin(None)
        .set_identity(me)
        .set_identity_mnemonic(me.mnemonic)
        .set_identity_seed(me.seed[:16])
        .set_poll_intervals(0.3, 0.6)
        .set_auto_accept_requests(True)
        .set_log_level(LogLevel.DEBUG)
        .set_display_name("Alice")
        .set_send_retry_window(60)
        .set_strip_jpeg_metadata(False)
    )
    assert repr(cfg).startswith("<Config")
    cfg.close()
    with Config(
        tmp_path / "b",
        network_file=testnet.description,
        pin="pin",
        identity=me,
        poll_intervals=(0.3, 0.6),
        auto_accept_requests=False,
        log_level=LogLevel.OFF,
        display_name="Bob",
        send_retry_window=1,
        strip_jpeg_metadata=True,
    ) as cfg2:
        assert not cfg2.closed
    assert cfg2.closed


@pytest.mark.parametrize(
    "kwargs,error",
    [
        ({"network_file": "/nonexistent/net.json"}, IoError),
        ({"network_json": '{"seed_nodes": []}'}, InvalidArgumentError),
        ({"network_json": "not json"}, InvalidArgumentError),
        ({"pin": ""}, InvalidArgumentError),
        ({"mnemonic": "one two three"}, MnemonicWordCountError),
        ({"seed": b"short"}, InvalidKeyError),
        ({"poll_intervals": (0.01, 0.02)}, InvalidArgumentError),
        ({"poll_intervals": (1.0, 0.5)}, InvalidArgumentError),
        ({"poll_intervals": (-1.0, 0.5)}, InvalidArgumentError),
        ({"log_level": 99}, InvalidArgumentError),
        ({"log_level": -1}, InvalidArgumentError),
        ({"display_name": ""}, InvalidArgumentError),
        ({"display_name": "x" * 101}, InvalidArgumentError),
        ({"send_retry_window": 0}, InvalidArgumentError),
        ({"pin": "bad\udcff"}, InvalidUtf8Error),
    ],
)
def test_bad_values_raise_the_sdk_error(tmp_path: Path, kwargs: dict, error: type) -> None:
    with pytest.raises(error) as e:
        Config(tmp_path / "c", **kwargs)
    assert e.value.message  # the SDK's (or, for -1, the binding's) explanation


def test_checksum_error_from_config(tmp_path: Path) -> None:
    words = Identity.generate().mnemonic.split()
    wrong = next(w for w in words[:12] if w[:3] != words[12][:3])
    with pytest.raises(MnemonicChecksumError):
        Config(tmp_path / "d").set_identity_mnemonic(" ".join(words[:12] + [wrong]))


def test_data_dir_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError):
        Config("")
    with pytest.raises(InvalidUtf8Error):
        Config(str(tmp_path) + "/\udcff")
    with pytest.raises(InvalidArgumentError):
        Config("a\0b")


def test_closed_config_and_identity(tmp_path: Path) -> None:
    cfg = Config(tmp_path / "e")
    cfg.close()
    with pytest.raises(ClosedError):
        cfg.set_pin("x")
    me = Identity.generate()
    me.close()
    with pytest.raises(ClosedError):
        Config(tmp_path / "f", identity=me)
