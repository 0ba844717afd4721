"""Messages over the local testnet: both ways, delivery states, message requests (accept,
decline, block), display names, read marks."""

from __future__ import annotations

import time

from conftest import DEADLINE, wait_event, wait_message, wait_until
from session_sdk import BlockedError, EventKind, MessageState

import pytest


def test_send_and_receive_both_ways(make_client) -> None:
    alice, bob = make_client("alice", display_name="Alice"), make_client("bob")
    alice.start()
    bob.start()
    assert alice.wait_until_ready(DEADLINE) and alice.connection_ready

    t0 = time.time() * 1000
    mid = alice.send_text(bob.session_id, "hello bob")
    got = wait_message(bob, "hello bob")
    assert got.sender == alice.session_id and got.conversation == alice.session_id
    assert got.is_request  # bob has not approved alice yet
    assert got.message_id > 0 and got.timestamp >= t0 - 60_000
    assert got.message_state == MessageState.RECEIVED
    assert got.data["kind"] == "message_received"
    stored = got.message
    assert stored is not None and stored.body == "hello bob" and not stored.outgoing

    # Alice's message reaches "sent" once the swarm stored it.
    wait_event(alice, lambda e: e.kind == EventKind.MESSAGE_STATE and e.message_id == mid and e.message_state == MessageState.SENT, what="sent state")
    assert alice.message(mid).state == MessageState.SENT
    assert alice.message(mid).server_hash

    # Bob sees a request from "Alice", accepts it, and replies.
    (req,) = bob.requests()
    assert req.session_id == alice.session_id and req.display_name == "Alice" and not req.approved
    bob.accept_request(alice.session_id)
    assert bob.requests() == []
    assert [c.session_id for c in bob.contacts()] == [alice.session_id]
    bob.send_text(alice.session_id, "hello alice")
    reply = wait_message(alice, "hello alice")
    assert reply.sender == bob.session_id and not reply.is_request

    # History and conversations on both sides.
    assert [m.body for m in alice.history(bob.session_id)] == ["hello alice", "hello bob"]
    (conv,) = alice.conversations()
    assert conv.id == bob.session_id and conv.unread == 1 and not conv.is_request
    assert alice.mark_read(bob.session_id) == 1
    assert alice.conversations()[0].unread == 0
    assert alice.mark_read(bob.session_id) == 0


def test_message_requests_decline_and_block(make_client) -> None:
    carol, dave = make_client("carol"), make_client("dave")
    carol.start()
    dave.start()

    carol.send_text(dave.session_id, "first try")
    req = wait_event(dave, lambda e: e.kind == EventKind.MESSAGE_REQUEST, what="request event")
    assert req.sender == carol.session_id and req.is_request and req.message_id > 0
    assert [r.session_id for r in dave.requests()] == [carol.session_id]
    assert dave.conversations()[0].is_request

    dave.decline_request(carol.session_id)
    assert dave.requests() == []
    assert dave.conversations() == []

    carol.send_text(dave.session_id, "second try")
    wait_event(dave, lambda e: e.kind == EventKind.MESSAGE_REQUEST and e.sender == carol.session_id, what="second request")
    dave.block(carol.session_id)
    assert dave.requests() == []
    assert [b.session_id for b in dave.blocked()] == [carol.session_id]
    with pytest.raises(BlockedError):
        dave.send_text(carol.session_id, "no")

    # After unblocking, carol's messages arrive again.
    dave.unblock(carol.session_id)
    assert dave.blocked() == []
    carol.send_text(dave.session_id, "after unblock")
    wait_message(dave, "after unblock")


def test_display_name_reaches_the_peer(make_client) -> None:
    erin, frank = make_client("erin"), make_client("frank")
    erin.set_display_name("Erin E.")
    erin.start()
    frank.start()
    erin.send_text(frank.session_id, "hi frank")
    wait_message(frank, "hi frank")
    wait_until(lambda: [r.display_name for r in frank.requests()] == ["Erin E."], what="display name")


def test_a_restored_device_gets_the_profile_and_contacts(make_client) -> None:
    one = make_client("gina-1")
    one.set_display_name("Gina")
    one.start()
    peer = make_client("hank")
    one.add_contact(peer.session_id, nickname="Hank H.")
    # Another device of the same identity, from the recovery phrase and an empty directory.
    two = make_client("gina-2", mnemonic=one.mnemonic)
    two.start()
    ev = wait_event(two, lambda e: e.kind == EventKind.PROFILE_CHANGED, what="profile from the other device")
    assert ev.text == "Gina" and two.display_name == "Gina"
    wait_until(lambda: [c.nickname for c in two.contacts()] == ["Hank H."], what="synced contact")
