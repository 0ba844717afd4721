"""Groups over the testnet: create with an invite, accept, send to the group, list, rename,
describe, promote, remove, leave, and the SDK's errors."""

from __future__ import annotations

import pytest

from conftest import wait_event, wait_message
from session_sdk import (
    EventKind,
    GroupFullError,
    Identity,
    InvalidArgumentError,
    InvalidSessionIdError,
    NotFoundError,
    PermissionDeniedError,
    max_group_members,
)

UNKNOWN_GROUP = "03" + "00" * 32


def test_group_life_cycle(make_client) -> None:
    alice, bob = make_client("grp-a"), make_client("grp-b")
    alice.start()
    bob.start()
    gid = alice.create_group("Py group", [bob.session_id], description="about Python")
    assert gid.startswith("03") and len(gid) == 66
    invite = wait_event(bob, lambda e: e.kind == EventKind.GROUP_INVITE, what="group invite")
    assert (invite.conversation, invite.sender, invite.text) == (gid, alice.session_id, "Py group")
    (g,) = bob.groups()
    assert (g.id, g.state, g.is_admin, g.inviter) == (gid, "invited", False, alice.session_id)
    bob.group_accept_invite(gid)
    with pytest.raises(InvalidArgumentError):
        bob.group_accept_invite(gid)  # no pending invite any more
    assert bob.groups()[0].state == "joined"

    alice.send_text(gid, "hello group")
    got = wait_message(bob, "hello group")
    assert got.sender == alice.session_id and got.conversation == gid

    members = {m.session_id: m for m in alice.group_members(gid)}
    assert set(members) == {alice.session_id, bob.session_id}
    assert members[alice.session_id].admin and not members[bob.session_id].admin
    (mine,) = alice.groups()
    assert (mine.name, mine.description, mine.is_admin, mine.member_count) == ("Py group", "about Python", True, 2)

    with pytest.raises(PermissionDeniedError):
        bob.group_rename(gid, "mine now")
    with pytest.raises(PermissionDeniedError):
        bob.group_promote(gid, alice.session_id)
    alice.group_rename(gid, "Py group, renamed")
    alice.group_set_description(gid, "still Python")
    assert alice.groups()[0].name == "Py group, renamed"
    wait_event(bob, lambda e: e.kind == EventKind.GROUP_UPDATE and e.conversation == gid and e.text == "renamed", what="rename update")

    alice.group_promote(gid, bob.session_id)
    assert {m.session_id: m.admin for m in alice.group_members(gid)}[bob.session_id]

    with pytest.raises(InvalidSessionIdError):
        alice.group_invite(gid, ["05nope"])
    with pytest.raises(InvalidSessionIdError):
        alice.group_members("03abcd")
    with pytest.raises(NotFoundError):
        alice.group_members(UNKNOWN_GROUP)
    with pytest.raises(NotFoundError):
        alice.group_leave(UNKNOWN_GROUP)
    with pytest.raises(TypeError):
        alice.group_invite(gid, bob.session_id)  # a string is not a list of members

    carol = Identity.generate().session_id
    alice.group_invite(gid, [carol])
    assert carol in {m.session_id for m in alice.group_members(gid)}
    alice.group_remove(gid, [carol])
    with pytest.raises(NotFoundError):
        alice.group_remove(gid, [carol])
    bob.group_leave(gid)
    assert bob.groups()[0].state == "left"


def test_group_errors_without_network(make_client) -> None:
    c = make_client("grp-err")
    assert max_group_members() == 100
    many = [Identity.generate().session_id for _ in range(max_group_members())]
    with pytest.raises(GroupFullError):
        c.create_group("too big", many)
    with pytest.raises(InvalidSessionIdError):
        c.create_group("bad", ["05nope"])
    with pytest.raises(NotFoundError):
        c.group_decline_invite(UNKNOWN_GROUP)
    with pytest.raises(NotFoundError):
        c.group_accept_invite(UNKNOWN_GROUP)


def test_decline_an_invite(make_client) -> None:
    alice, bob = make_client("grpd-a"), make_client("grpd-b")
    alice.start()
    bob.start()
    gid = alice.create_group("Declined", [bob.session_id])
    wait_event(bob, lambda e: e.kind == EventKind.GROUP_INVITE and e.conversation == gid, what="invite")
    bob.group_decline_invite(gid)
    assert all(g.id != gid or g.state != "invited" for g in bob.groups())
