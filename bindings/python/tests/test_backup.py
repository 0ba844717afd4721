"""Encrypted backups: create, inspect, restore into a new directory with a PIN and open it;
every failure (wrong passphrase, a non-empty target, an existing file, a cancel from the
progress callback, an exception in it, cancel_backup) leaves nothing behind.

No network: a client opened on a data directory and never started can be backed up. Each
backup, inspect or restore derives an Argon2id key (about a second), so one backup made by a
module fixture serves the tests that only read it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import List, Tuple

import pytest

import session_sdk
from conftest import check_event
from session_sdk import (
    BackupInfo,
    CancelledError,
    Client,
    ClosedError,
    EventKind,
    Identity,
    InvalidArgumentError,
    LogLevel,
    MalformedError,
    NotFoundError,
    WrongPinError,
    backup_inspect,
    backup_restore,
)

PASS = "correct horse battery staple"
PEER = Identity.generate().session_id


def _listing(d: Path) -> List[str]:
    return sorted(p.name for p in d.iterdir())


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One backup of a never-started client with a display name and one queued message, and the
    events its creation emitted."""
    work = tmp_path_factory.mktemp("backup")
    with Client(work / "source", log_level=LogLevel.OFF) as c:
        c.set_display_name("Backed Up")
        mid = c.send_text(PEER, "kept in the backup")
        c.cancel_backup()  # none runs: no effect, and none on the next backup either
        while c.next_event(timeout=0) is not None:  # the events of the setup above
            pass
        info = c.backup_create(work / "account.ssdkbackup", PASS)
        events = []
        while (ev := c.next_event(timeout=0)) is not None:
            events.append(check_event(ev))
        ns = SimpleNamespace(work=work, file=work / "account.ssdkbackup", info=info, events=events,
                             session_id=c.session_id, message_id=mid)
    return ns


def test_backup_info_describes_the_account(made: SimpleNamespace) -> None:
    info = made.info
    assert isinstance(info, BackupInfo)
    assert info.session_id == made.session_id
    assert info.sdk_version == session_sdk.version()
    assert (info.messages, info.conversations, info.groups, info.attachments, info.files) == (1, 1, 0, 0, 0)
    assert info.contacts == 1  # writing to someone makes them a contact
    assert info.database_bytes > 0 and info.file_bytes == 0 and info.created_at > 1_600_000_000_000
    assert info.raw["session_id"] == made.session_id and set(info.raw) >= {
        "session_id", "created_at", "sdk_version", "messages", "conversations", "contacts", "groups",
        "attachments", "files", "database_bytes", "file_bytes"}
    assert made.file.is_file() and made.file.stat().st_size > info.database_bytes
    # Only the backup and the source directory: no partial file, no snapshot left over.
    assert _listing(made.work) == ["account.ssdkbackup", "source"]
    assert not [n for n in _listing(made.work / "source") if "snapshot" in n]


def test_backup_progress_events(made: SimpleNamespace) -> None:
    progress = [e for e in made.events if e.kind == EventKind.BACKUP_PROGRESS]
    assert progress, [e.kind for e in made.events]
    total = made.info.database_bytes + made.info.file_bytes
    assert all(e.bytes_total == total for e in progress)
    assert [e.bytes_done for e in progress] == sorted(e.bytes_done for e in progress)
    assert progress[-1].bytes_done == total
    assert progress[-1].data == {"kind": "backup_progress", "restore": False, "done": total, "total": total}


def test_inspect_then_restore_with_a_new_pin_and_open(made: SimpleNamespace, tmp_path: Path) -> None:
    assert backup_inspect(made.file, PASS) == made.info
    calls: List[Tuple[int, int]] = []
    target = tmp_path / "nested" / "restored"  # missing parents are created
    # The callback returns None: that goes on (only a false value cancels).
    info = backup_restore(made.file, PASS, target, pin="new pin", progress=lambda d, t: calls.append((d, t)))
    assert info == made.info
    assert calls and calls[-1][0] == calls[-1][1] == made.info.database_bytes + made.info.file_bytes
    assert all(d <= t for d, t in calls) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    with pytest.raises(WrongPinError):
        Client(target, log_level=LogLevel.OFF)  # the new PIN protects it
    with Client(target, pin="new pin", log_level=LogLevel.OFF) as r:
        assert r.session_id == made.session_id
        assert r.display_name == "Backed Up"
        (m,) = r.history(PEER)
        assert (m.id, m.body, m.outgoing) == (made.message_id, "kept in the backup", True)


def test_restore_without_a_pin_into_an_empty_directory(made: SimpleNamespace, tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert backup_restore(str(made.file), PASS.encode(), str(target)) == made.info  # str/bytes too
    with Client(target, log_level=LogLevel.OFF) as r:  # no PIN: opens as a new client's would
        assert r.session_id == made.session_id


def test_wrong_passphrase_raises_wrong_pin_and_leaves_nothing(made: SimpleNamespace, tmp_path: Path) -> None:
    with pytest.raises(WrongPinError) as e:
        backup_inspect(made.file, "not the passphrase")
    assert e.value.message.startswith("WRONG_PIN")
    with pytest.raises(WrongPinError):
        backup_restore(made.file, "not the passphrase", tmp_path / "target", pin="1234")
    assert _listing(tmp_path) == []


def test_a_non_empty_target_is_refused(made: SimpleNamespace, tmp_path: Path) -> None:
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "mine.txt").write_text("not yours")
    with pytest.raises(InvalidArgumentError) as e:
        backup_restore(made.file, PASS, target)
    assert "not empty" in e.value.message
    assert _listing(target) == ["mine.txt"] and (target / "mine.txt").read_text() == "not yours"
    assert _listing(tmp_path) == ["occupied"]


def test_progress_returning_false_cancels_and_leaves_nothing(made: SimpleNamespace, tmp_path: Path) -> None:
    calls = []

    def stop(done: int, total: int) -> bool:
        calls.append((done, total))
        return False

    with pytest.raises(CancelledError):
        backup_restore(made.file, PASS, tmp_path / "target", pin="1234", progress=stop)
    assert len(calls) == 1  # the first report already stopped it
    assert _listing(tmp_path) == []  # neither the target nor a staging directory


def test_an_exception_in_the_progress_callback_propagates_and_leaves_nothing(made: SimpleNamespace, tmp_path: Path) -> None:
    class Boom(Exception):
        pass

    calls = []

    def explode(done: int, total: int) -> bool:
        calls.append(done)
        raise Boom("raised inside the progress callback")

    with pytest.raises(Boom) as e:
        backup_restore(made.file, PASS, tmp_path / "target", progress=explode)
    assert str(e.value) == "raised inside the progress callback"
    assert e.traceback[-1].name == "explode"  # raised again with its own traceback
    assert len(calls) == 1  # cancelled at once: not called again after it raised
    assert _listing(tmp_path) == []


def test_an_existing_file_is_never_overwritten(made: SimpleNamespace, tmp_path: Path) -> None:
    before = made.file.read_bytes()
    existing = tmp_path / "precious.txt"
    existing.write_text("precious")
    with Client(tmp_path / "c", log_level=LogLevel.OFF) as c:
        for path in (existing, made.file):
            with pytest.raises(InvalidArgumentError) as e:
                c.backup_create(path, PASS)
            assert "exists" in e.value.message
    assert existing.read_text() == "precious" and made.file.read_bytes() == before
    assert _listing(tmp_path) == ["c", "precious.txt"]


def test_cancel_backup_stops_a_running_backup(tmp_path: Path) -> None:
    target = tmp_path / "cancelled.ssdkbackup"
    with Client(tmp_path / "c", log_level=LogLevel.OFF) as c:
        result: list = []

        def run() -> None:
            try:
                result.append(c.backup_create(target, PASS))
            except BaseException as e:  # noqa: BLE001 - handed to the test thread
                result.append(e)

        t = threading.Thread(target=run)
        t.start()
        # A cancel before the backup begins has no effect, so cancel until it ends (the key
        # derivation alone keeps it running for about a second).
        while t.is_alive():
            c.cancel_backup()
            t.join(0.005)
        assert len(result) == 1 and isinstance(result[0], CancelledError), result
        assert not [n for n in _listing(tmp_path / "c") if "snapshot" in n]
    assert _listing(tmp_path) == ["c"]  # no file, no partial file


def test_bad_input(made: SimpleNamespace, tmp_path: Path) -> None:
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_bytes(b"just some text, certainly not an encrypted backup\n" * 20)
    with Client(tmp_path / "c", log_level=LogLevel.OFF) as c:
        for call, error in [
            (lambda: c.backup_create(tmp_path / "x.ssdkbackup", ""), InvalidArgumentError),
            (lambda: c.backup_create(tmp_path / "x.ssdkbackup", "a\0b"), InvalidArgumentError),
            (lambda: backup_restore(tmp_path / "missing.ssdkbackup", PASS, tmp_path / "t"), NotFoundError),
            (lambda: backup_restore(made.file, PASS, tmp_path / "t", pin=""), InvalidArgumentError),
            (lambda: backup_inspect(tmp_path / "missing.ssdkbackup", PASS), NotFoundError),
            (lambda: backup_inspect(not_a_backup, PASS), MalformedError),
            (lambda: backup_restore(made.file, PASS, tmp_path / "t", progress=42), TypeError),  # type: ignore[arg-type]
        ]:
            with pytest.raises(error):
                call()
    assert _listing(tmp_path) == ["c", "notes.txt"]
    c.close()
    for call in (lambda: c.backup_create(tmp_path / "y.ssdkbackup", PASS), c.cancel_backup):
        with pytest.raises(ClosedError):
            call()
