"""Events three ways: the iterator, the asyncio async iterator, and the listener callback."""

from __future__ import annotations

import asyncio
import queue
import threading
import time

from conftest import DEADLINE, check_event, wait_message
from session_sdk import Client, Event, EventKind, LogLevel


def test_iterator_yields_events_and_ends_on_timeout(make_client) -> None:
    a, b = make_client("it-a"), make_client("it-b")
    a.start()
    b.start()
    a.send_text(b.session_id, "one")
    a.send_text(b.session_id, "two")
    got = []
    deadline = time.monotonic() + DEADLINE
    for event in b.events(timeout=DEADLINE):
        assert isinstance(event, Event)
        check_event(event)
        if event.kind == EventKind.MESSAGE_RECEIVED:
            got.append(event.text)
        if len(got) == 2 or time.monotonic() > deadline:
            break
    assert sorted(got) == ["one", "two"]
    # With nothing more to come, a short timeout ends the iteration.
    b.stop()
    start = time.monotonic()
    rest = [e for e in b.events(timeout=0.3) if e.kind == EventKind.MESSAGE_RECEIVED]
    assert rest == [] and time.monotonic() - start < 10


def test_iterator_ends_when_another_thread_closes_the_client(make_client) -> None:
    c = make_client("it-close")
    t = threading.Timer(0.3, c.close)
    t.start()
    start = time.monotonic()
    assert [e for e in c.events() if e.kind == EventKind.MESSAGE_RECEIVED] == []
    assert c.closed and time.monotonic() - start < 5
    t.join()


def test_async_iterator(make_client) -> None:
    a, b = make_client("as-a"), make_client("as-b")
    a.start()
    b.start()

    async def main() -> str:
        ticks = 0

        async def ticker() -> None:  # proves the loop keeps running while we wait
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        tick_task = asyncio.create_task(ticker())
        loop = asyncio.get_running_loop()

        async def send_later() -> None:
            # Scheduled on the loop while the iterator waits: if waiting blocked the loop, the
            # message would never be sent and the iteration would end without it.
            await asyncio.sleep(0.2)
            await loop.run_in_executor(None, a.send_text, b.session_id, "async hello")

        send_task = asyncio.create_task(send_later())
        async for event in b.events_async(timeout=DEADLINE):
            check_event(event)
            if event.kind == EventKind.MESSAGE_RECEIVED:
                tick_task.cancel()
                await send_task
                assert ticks >= 3, ticks  # the ticker ran during the 0.2 s wait
                return event.text or ""
        raise AssertionError("events_async ended without the message")

    assert asyncio.run(main()) == "async hello"


def test_cancelling_an_async_wait_loses_no_event(make_client) -> None:
    a, b = make_client("cx-a"), make_client("cx-b")
    a.start()
    b.start()

    async def main() -> None:
        waiter = asyncio.create_task(b.next_event_async())
        await asyncio.sleep(0.05)  # let it start waiting inside the SDK
        waiter.cancel()
        try:
            await waiter
        except asyncio.CancelledError:
            pass
        else:  # it got an event (a state or contact event) before the cancel landed
            pass
        a.send_text(b.session_id, "after cancel")
        while True:
            ev = await asyncio.wait_for(b.next_event_async(), DEADLINE)
            if ev and ev.kind == EventKind.MESSAGE_RECEIVED:
                assert ev.text == "after cancel"
                return

    asyncio.run(main())


def test_async_context_manager_and_timeout(make_client, testnet, tmp_path) -> None:
    async def main() -> None:
        async with Client(tmp_path / "actx", network_file=testnet.description, log_level=LogLevel.OFF) as c:
            assert await c.next_event_async(timeout=0.2) is None
            assert [e async for e in c.events_async(timeout=0.2)] == []
        assert c.closed
        assert [e async for e in c.events_async(timeout=0.2)] == []  # closed: ends at once

    asyncio.run(main())


def test_listener_callback(make_client) -> None:
    a, b = make_client("ls-a"), make_client("ls-b")
    a.start()
    b.start()
    inbox: "queue.Queue[Event]" = queue.Queue()
    removed = threading.Event()
    threads = set()
    ids_from_callback = []

    def on_event(event: Event) -> None:
        threads.add(threading.get_ident())
        ids_from_callback.append(b.session_id)  # calling the SDK from inside a callback works
        inbox.put(check_event(event))

    b.set_listener(on_event, on_removed=removed.set)
    a.send_text(b.session_id, "pushed")
    deadline = time.monotonic() + DEADLINE
    while True:
        ev = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        if ev.kind == EventKind.MESSAGE_RECEIVED:
            break
    assert ev.text == "pushed" and ev.sender == a.session_id
    assert threading.get_ident() not in threads and len(threads) == 1  # one SDK thread
    assert set(ids_from_callback) == {b.session_id}
    assert b.next_event(timeout=0.2) is None  # while a listener is installed, pull gets nothing

    # Replacing the listener calls the old one's on_removed exactly once.
    second_removed = threading.Event()
    b.set_listener(lambda e: None, on_removed=second_removed.set)
    assert removed.wait(DEADLINE)
    b.set_listener(None)
    assert second_removed.wait(DEADLINE)


def test_listener_exception_is_logged_not_fatal(make_client, caplog) -> None:
    a, b = make_client("lx-a"), make_client("lx-b")
    a.start()
    b.start()
    seen = queue.Queue()

    def bad(event: Event) -> None:
        seen.put(event)
        raise RuntimeError("boom in callback")

    b.set_listener(bad)
    a.send_text(b.session_id, "x1")
    a.send_text(b.session_id, "x2")
    texts = set()
    deadline = time.monotonic() + DEADLINE
    while texts != {"x1", "x2"}:
        ev = seen.get(timeout=max(0.01, deadline - time.monotonic()))
        if ev.kind == EventKind.MESSAGE_RECEIVED:
            texts.add(ev.text)
    assert any(r.exc_info and "boom in callback" in str(r.exc_info[1]) for r in caplog.records)


def test_close_from_inside_the_listener(make_client) -> None:
    a, b = make_client("lc-a"), make_client("lc-b")
    a.start()
    b.start()
    removed = threading.Event()

    def on_event(event: Event) -> None:
        if event.kind == EventKind.MESSAGE_RECEIVED:
            b.close()  # completes on another thread once this returns

    b.set_listener(on_event, on_removed=removed.set)
    a.send_text(b.session_id, "please close")
    assert removed.wait(DEADLINE), "the listener was not released"
    assert b.closed


def test_pull_then_listener_gets_the_backlog(make_client) -> None:
    a, b = make_client("bl-a"), make_client("bl-b")
    a.start()
    b.start()
    a.send_text(b.session_id, "backlog")
    # Wait until the message is queued for pull, without taking it.
    deadline = time.monotonic() + DEADLINE
    while not any(m.body == "backlog" for m in b.history(a.session_id)):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    inbox: "queue.Queue[Event]" = queue.Queue()
    b.set_listener(inbox.put)
    while True:
        ev = inbox.get(timeout=DEADLINE)
        if ev.kind == EventKind.MESSAGE_RECEIVED:
            assert ev.text == "backlog"
            break


def test_wait_message_helper_sanity(make_client) -> None:
    """The helper used everywhere fails when nothing comes (tests can fail)."""
    import pytest

    c = make_client("sanity")
    with pytest.raises(pytest.fail.Exception):
        wait_message(c, "never sent", timeout=0.3)
