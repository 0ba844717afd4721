"""Client calls that need no network traffic: opening, PINs, errors for bad input, misuse of a
closed client, and the outbox's failure and resend path on a network that refuses every
connection."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import wait_event
from session_sdk import (
    BlockedError,
    BusyError,
    Client,
    ClosedError,
    Config,
    EventKind,
    Identity,
    InvalidArgumentError,
    InvalidSessionIdError,
    InvalidUtf8Error,
    LogLevel,
    MessageState,
    NotFoundError,
    NullArgumentError,
    TooLargeError,
    WrongPinError,
)

PEER = Identity.generate().session_id


def test_wrong_pin_is_refused_and_the_right_one_reopens(tmp_path: Path, testnet) -> None:
    me = Identity.generate()
    with Client(tmp_path / "pin", network_file=testnet.description, pin="right", identity=me) as c:
        assert c.session_id == me.session_id
        assert c.mnemonic == me.mnemonic
        c.send_text(PEER, "kept while closed")
    with pytest.raises(WrongPinError) as e:
        Client(tmp_path / "pin", network_file=testnet.description, pin="wrong")
    assert e.value.message.startswith("WRONG_PIN")
    with pytest.raises(WrongPinError):
        Client(tmp_path / "pin", network_file=testnet.description)  # no PIN at all
    cfg = Config(tmp_path / "pin", network_file=testnet.description, pin="right")
    with Client(cfg) as again:
        assert again.session_id == me.session_id
        assert [m.body for m in again.history(PEER)] == ["kept while closed"]
    with Client(cfg) as third:  # a Config can open several clients (one at a time here)
        assert third.session_id == me.session_id
    cfg.close()


def test_another_identity_in_the_same_directory_is_refused(tmp_path: Path, testnet) -> None:
    with Client(tmp_path / "x", network_file=testnet.description):
        pass
    with pytest.raises(InvalidArgumentError):
        Client(tmp_path / "x", network_file=testnet.description, identity=Identity.generate())
    with pytest.raises(TypeError):
        Client(Config(tmp_path / "y"), pin="1")


def test_bad_input_raises_the_sdk_error(make_client) -> None:
    c = make_client("errors")
    me = c.session_id
    for call, error in [
        (lambda: c.send_text("05abc", "x"), InvalidSessionIdError),
        (lambda: c.send_text(PEER, ""), InvalidArgumentError),
        (lambda: c.send_text(PEER, "\udcff"), InvalidUtf8Error),
        (lambda: c.send_text(PEER, "x" * (64 * 1024 + 1)), TooLargeError),
        (lambda: c.resend(999999), NotFoundError),
        (lambda: c.message(999999), NotFoundError),
        (lambda: c.history(PEER, limit=0), InvalidArgumentError),
        (lambda: c.history(PEER, limit=1001), InvalidArgumentError),
        (lambda: c.history(PEER, limit=-1), InvalidArgumentError),
        (lambda: c.delete_message(999999), NotFoundError),
        (lambda: c.delete_conversation("nope"), NotFoundError),
        (lambda: c.accept_request(PEER), NotFoundError),
        (lambda: c.accept_request("bad"), InvalidSessionIdError),
        (lambda: c.decline_request(PEER), NotFoundError),
        (lambda: c.block("not an id"), InvalidSessionIdError),
        (lambda: c.block(me), InvalidArgumentError),
        (lambda: c.unblock("05"), InvalidSessionIdError),
        (lambda: c.add_contact(me), InvalidArgumentError),
        (lambda: c.add_contact("05zz"), InvalidSessionIdError),
        (lambda: c.set_nickname(PEER, "nick"), NotFoundError),
        (lambda: c.remove_contact(PEER), NotFoundError),
        (lambda: c.set_display_name(""), InvalidArgumentError),
        (lambda: c.set_log_level(99), InvalidArgumentError),
        (lambda: c.mark_read("\udcff"), InvalidUtf8Error),
    ]:
        with pytest.raises(error):
            call()


def test_local_state_without_starting(make_client) -> None:
    c = make_client("local")
    mid = c.send_text(PEER, "queued")  # works while stopped
    assert mid > 0
    with pytest.raises(InvalidArgumentError):
        c.resend(mid)  # only a failed message can be resent
    m = c.message(mid)
    assert (m.id, m.body, m.outgoing, m.state, m.sender, m.conversation) == (mid, "queued", True, MessageState.SENDING, c.session_id, PEER)
    # Writing to someone makes them a contact; nicknames, removal, blocking.
    assert [x.session_id for x in c.contacts()] == [PEER]
    c.add_contact(PEER, "Pal")
    c.set_nickname(PEER, "Buddy")
    (contact,) = c.contacts()
    assert contact.nickname == "Buddy" and contact.name == "Buddy" and contact.approved
    c.set_nickname(PEER, None)
    assert c.contacts()[0].nickname is None
    c.block(PEER)
    assert [x.session_id for x in c.blocked()] == [PEER]
    with pytest.raises(BlockedError):
        c.send_text(PEER, "refused")
    c.unblock(PEER)
    assert c.blocked() == []
    c.remove_contact(PEER)
    assert c.contacts() == []
    (conv,) = c.conversations()
    assert conv.id == PEER and conv.kind == "direct" and conv.last_message is not None and conv.last_message.id == mid
    assert c.mark_read(PEER) == 0  # nothing incoming
    c.set_display_name("Local")
    c.set_log_level(LogLevel.ERROR)
    assert not c.connection_ready
    assert not c.wait_until_ready(0.05)
    # Paging through history, then deleting.
    ids = [mid] + [c.send_text(PEER, f"m{i}") for i in range(4)]
    assert [m.id for m in c.iter_history(PEER, page_size=2)] == ids[::-1]
    assert [m.id for m in c.history(PEER, before_id=ids[2], limit=10)] == ids[:2][::-1]
    c.delete_message(ids[0])
    with pytest.raises(NotFoundError):
        c.message(ids[0])
    c.delete_conversation(PEER)
    assert c.conversations() == []
    assert c.next_event(timeout=0) is not None  # state events were queued meanwhile


def test_closed_client_refuses_every_call(make_client) -> None:
    c = make_client("closed")
    c.close()
    c.close()  # idempotent
    assert c.closed and repr(c) == "<Client (closed)>"
    calls = [
        c.start, c.stop, lambda: c.session_id, lambda: c.mnemonic, lambda: c.send_text(PEER, "x"),
        lambda: c.resend(1), lambda: c.message(1), lambda: c.history(PEER), c.conversations,
        lambda: c.mark_read(PEER), lambda: c.delete_conversation(PEER), lambda: c.delete_message(1),
        c.contacts, c.requests, c.blocked, lambda: c.add_contact(PEER), lambda: c.set_nickname(PEER, "n"),
        lambda: c.remove_contact(PEER), lambda: c.accept_request(PEER), lambda: c.decline_request(PEER),
        lambda: c.block(PEER), lambda: c.unblock(PEER), lambda: c.set_display_name("n"),
        lambda: c.connection_ready, lambda: c.set_log_level(1), lambda: c.next_event(0),
        lambda: c.set_listener(print), lambda: c.set_listener(None), c.interrupt_wait,
    ]
    for call in calls:
        with pytest.raises(ClosedError) as e:
            call()
        assert isinstance(e.value, NullArgumentError) and "closed" in str(e.value)
    assert list(c.events(timeout=0)) == []  # iteration just ends


def test_start_twice_is_busy_and_stop_twice_is_fine(make_client) -> None:
    c = make_client("busy")
    c.start()
    with pytest.raises(BusyError):
        c.start()
    c.stop()
    c.stop()
    c.start()  # a stopped client starts again


def test_failed_message_and_resend(tmp_path: Path, dead_network: Path) -> None:
    """On a network that refuses every connection, with a 1 s retry window, a message fails;
    resend puts it back in the outbox (state sending)."""
    with Client(tmp_path / "dead", network_file=dead_network, send_retry_window=1, poll_intervals=(0.3, 0.6), log_level=LogLevel.OFF) as c:
        c.start()
        mid = c.send_text(PEER, "doomed")
        wait_event(c, lambda e: e.kind == EventKind.MESSAGE_STATE and e.message_id == mid and e.message_state == MessageState.FAILED, what="failed state")
        assert c.message(mid).state == MessageState.FAILED
        c.resend(mid)
        assert c.message(mid).state == MessageState.SENDING
        wait_event(c, lambda e: e.kind == EventKind.MESSAGE_STATE and e.message_id == mid and e.message_state == MessageState.SENDING, what="sending state after resend")


def test_interrupt_wait_ends_a_wait_without_timeout(make_client) -> None:
    import threading

    c = make_client("interrupt")
    got = []
    t = threading.Thread(target=lambda: got.append(c.next_event(timeout=None)))
    t.start()
    # Interrupt until it returns: a wait that starts after an interrupt is not ended by it.
    # Without interrupt_wait the thread would wait forever and the assertion below fail.
    deadline = time.monotonic() + 30
    while t.is_alive() and time.monotonic() < deadline:
        c.interrupt_wait()
        t.join(timeout=0.05)
    assert not t.is_alive() and got == [None]
    assert c.next_event(timeout=0.05) is None  # later waits are normal
