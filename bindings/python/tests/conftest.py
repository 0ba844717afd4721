"""Fixtures: one local testnet (`session-testnet`) for the whole test session, and clients on it.

The testnet binary is built with cargo when needed (a no-op when it is fresh), or taken from
SESSION_TESTNET. Every wait has a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest

import session_sdk
from session_sdk import Client, Event, EventKind, LogLevel

REPO = Path(__file__).resolve().parents[3]
#: Long enough for a cold debug testnet on a loaded 2-core machine; waits end as soon as they can.
DEADLINE = 45.0


def testnet_binary() -> Path:
    env = os.environ.get("SESSION_TESTNET")
    if env:
        return Path(env)
    subprocess.run(["cargo", "build", "--quiet", "-p", "session-node", "--bin", "session-testnet"], cwd=REPO, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    return target / "debug" / "session-testnet"


def _read_description(path: Path) -> Optional[dict]:
    # The file is written in one go but not atomically: wait until it is complete JSON.
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("seed_nodes") else None


class Testnet:
    def __init__(self, workdir: Path):
        self.description = workdir / "network.json"
        self.log = workdir / "testnet.log"
        self._log_file = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [str(testnet_binary()), "--description", str(self.description), "--data-dir", str(workdir / "data")],
            stdout=subprocess.DEVNULL,
            stderr=self._log_file,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + DEADLINE
        while (data := _read_description(self.description)) is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"session-testnet exited with {self.proc.returncode}: {self.log.read_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"session-testnet wrote no description within {DEADLINE}s: {self.log.read_text()}")
            time.sleep(0.05)
        self.data = data

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()


@pytest.fixture(scope="session")
def testnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testnet]:
    net = Testnet(tmp_path_factory.mktemp("testnet"))
    try:
        yield net
    finally:
        net.stop()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def dead_network(testnet: Testnet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A description shaped like the testnet's whose every address refuses connections."""
    port = _closed_port()
    data = json.loads(json.dumps(testnet.data))
    data["seed_nodes"] = [f"https://127.0.0.1:{port}" for _ in data["seed_nodes"]]
    for node in data["nodes"]:
        node["port"] = port
    data["file_server"]["port"] = port
    path = tmp_path_factory.mktemp("dead") / "dead.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def make_client(testnet: Testnet, tmp_path: Path) -> Iterator[Callable[..., Client]]:
    """make_client(name, **settings) -> an open (not started) client on the testnet, in its
    own data directory; closed at the end of the test."""
    clients: List[Client] = []

    def make(name: str, **settings: object) -> Client:
        settings.setdefault("network_file", testnet.description)
        settings.setdefault("poll_intervals", (0.3, 0.6))
        settings.setdefault("log_level", LogLevel.WARN)
        c = Client(tmp_path / name, **settings)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def check_event(ev: Event) -> Event:
    """Cross-check an event's accessor fields against the SDK's JSON rendering of it (two
    independent paths through the C ABI), so a binding that reads the wrong accessor fails."""
    d = ev.data
    assert d["kind"] == ev.kind.name.lower(), (ev, d)
    k = ev.kind
    if k in (EventKind.MESSAGE_RECEIVED, EventKind.MESSAGE_SYNCED):
        m = d["message"]
        assert (ev.message_id, ev.conversation, ev.sender, ev.text, ev.timestamp) == (
            m["id"], m["conversation"], m["sender"], m["body"], m["sent_ts"]), (ev, d)
        assert ev.message_state is not None and ev.message_state.name.lower() == m["state"]
        assert ev.message is not None and ev.message.id == ev.message_id
        if k == EventKind.MESSAGE_RECEIVED:
            assert ev.is_request == d["is_request"]
    elif k == EventKind.MESSAGE_STATE:
        assert (ev.message_id, ev.conversation, ev.sender, ev.text) == (d["message_id"], d["conversation"], None, None), (ev, d)
        assert ev.message_state is not None and ev.message_state.name.lower() == d["state"]
    elif k == EventKind.MESSAGE_REQUEST:
        assert (ev.sender, ev.message_id, ev.is_request) == (d["session_id"], d["message_id"], True), (ev, d)
    elif k == EventKind.CONTACT_CHANGED:
        assert (ev.sender, ev.conversation, ev.message_id, ev.text) == (d["session_id"], None, 0, None), (ev, d)
    elif k == EventKind.CONNECTION:
        assert ev.connected == d["ready"] and ev.message_state is None, (ev, d)
    elif k == EventKind.LOG:
        assert ev.text == d["message"] and ev.log_level is not None and ev.log_level.name.lower() == d["level"], (ev, d)
    elif k in (EventKind.ATTACHMENT_PROGRESS, EventKind.ATTACHMENT_DONE, EventKind.ATTACHMENT_FAILED):
        assert (ev.message_id, ev.attachment_index, ev.is_upload) == (d["message_id"], d["index"], d["upload"]), (ev, d)
        if k == EventKind.ATTACHMENT_PROGRESS:
            assert (ev.bytes_done, ev.bytes_total) == (d["done"], d["total"]) and ev.bytes_done <= ev.bytes_total, (ev, d)
        elif k == EventKind.ATTACHMENT_DONE:
            assert ev.text == d.get("path"), (ev, d)
        else:
            assert ev.text == d["error"] and ev.will_retry == d["will_retry"], (ev, d)
    elif k == EventKind.GROUP_INVITE:
        assert (ev.conversation, ev.sender, ev.text) == (d["group_id"], d["inviter"], d["name"]), (ev, d)
    elif k == EventKind.CONVERSATION_READ:
        assert (ev.conversation, ev.timestamp) == (d["conversation"], d["up_to_ts"]), (ev, d)
    elif k == EventKind.PROFILE_CHANGED:
        assert ev.text == d["display_name"], (ev, d)
    elif k == EventKind.GROUP_UPDATE:
        assert (ev.conversation, ev.sender, ev.text) == (d["group_id"], d.get("actor"), d["change"]), (ev, d)
        assert ev.members == d["members"]
    elif k == EventKind.BACKUP_PROGRESS:
        assert (ev.bytes_done, ev.bytes_total) == (d["done"], d["total"]) and ev.bytes_done <= ev.bytes_total, (ev, d)
        assert d["restore"] is False and (ev.message_id, ev.conversation, ev.sender, ev.text) == (0, None, None, None), (ev, d)
    if k not in (EventKind.ATTACHMENT_PROGRESS, EventKind.ATTACHMENT_DONE, EventKind.ATTACHMENT_FAILED, EventKind.BACKUP_PROGRESS):
        assert (ev.attachment_index, ev.is_upload, ev.bytes_done, ev.bytes_total) == (0, False, 0, 0), ev
    if k == EventKind.BACKUP_PROGRESS:
        assert (ev.attachment_index, ev.is_upload) == (0, False), ev
    if k not in (EventKind.MESSAGE_RECEIVED, EventKind.MESSAGE_SYNCED):
        assert ev.message is None
    return ev


def wait_event(client: Client, pred: Callable[[Event], bool], timeout: float = DEADLINE, what: str = "event") -> Event:
    """Pull events until one satisfies ``pred``; fail the test at the deadline. Every event
    seen on the way is checked with :func:`check_event`."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        ev = client.next_event(timeout=min(0.5, max(0.0, deadline - time.monotonic())))
        if ev is None:
            continue
        check_event(ev)
        if pred(ev):
            return ev
        seen.append(ev.kind)
    pytest.fail(f"no {what} within {timeout}s (saw {seen})")


def wait_message(client: Client, text: str, timeout: float = DEADLINE) -> Event:
    return wait_event(client, lambda e: e.kind == EventKind.MESSAGE_RECEIVED and e.text == text, timeout, f"message {text!r}")


def wait_until(cond: Callable[[], bool], timeout: float = DEADLINE, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not reached within {timeout}s")
        time.sleep(0.02)


def pytest_report_header(config: pytest.Config) -> str:
    return f"session_sdk {session_sdk.__version__} from {Path(session_sdk.__file__).parent}, library {session_sdk.LIBRARY_PATH}"
