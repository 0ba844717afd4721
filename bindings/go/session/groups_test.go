package session_test

import (
	"strings"
	"testing"

	"github.com/session-sdk/session-sdk/bindings/go/session"
)

const unknownGroup = "030000000000000000000000000000000000000000000000000000000000000000"

func TestGroupLifeCycle(t *testing.T) {
	alice := started(t, newClient(t, "grp-a"))
	bob := started(t, newClient(t, "grp-b"))
	gid := got(alice.CreateGroup("Go group", "about Go", []string{bob.SessionID()})).ok(t)
	if !strings.HasPrefix(gid, "03") || len(gid) != 66 {
		t.Fatalf("group ID %q", gid)
	}
	inv := waitEvent(t, bob, "group invite", func(e session.Event) bool { return e.Kind == session.EventGroupInvite })
	if inv.Conversation != gid || inv.Sender != alice.SessionID() || inv.Text != "Go group" {
		t.Fatalf("invite %+v", inv)
	}
	if gs := got(bob.Groups()).ok(t); len(gs) != 1 || gs[0].State != "invited" || gs[0].Inviter != alice.SessionID() {
		t.Fatalf("groups %+v", gs)
	}
	ok(t, bob.GroupAcceptInvite(gid))
	wantErr(t, bob.GroupAcceptInvite(gid), session.ErrInvalidArgument)

	got(alice.SendText(gid, "hello group")).ok(t)
	msg := waitMessage(t, bob, "hello group")
	if msg.Sender != alice.SessionID() || msg.Conversation != gid {
		t.Fatalf("group message %+v", msg)
	}
	members := got(alice.GroupMembers(gid)).ok(t)
	admins := map[string]bool{}
	for _, m := range members {
		admins[m.SessionID] = m.Admin
	}
	if len(members) != 2 || !admins[alice.SessionID()] || admins[bob.SessionID()] {
		t.Fatalf("members %+v", members)
	}
	if gs := got(alice.Groups()).ok(t); gs[0].Name != "Go group" || gs[0].Description != "about Go" || !gs[0].IsAdmin || gs[0].MemberCount != 2 {
		t.Fatalf("alice's group %+v", gs[0])
	}
	wantErr(t, bob.GroupRename(gid, "mine now"), session.ErrPermissionDenied)
	wantErr(t, bob.GroupPromote(gid, alice.SessionID()), session.ErrPermissionDenied)
	ok(t, alice.GroupRename(gid, "Go group, renamed"))
	ok(t, alice.GroupSetDescription(gid, "still Go"))
	waitEvent(t, bob, "rename update", func(e session.Event) bool {
		return e.Kind == session.EventGroupUpdate && e.Conversation == gid && e.Text == "renamed"
	})
	ok(t, alice.GroupPromote(gid, bob.SessionID()))

	wantErr(t, alice.GroupInvite(gid, []string{"05nope"}), session.ErrInvalidSessionID)
	wantErr(t, alice.GroupInvite(gid, []string{"05\x00"}), session.ErrInvalidArgument)
	_, err := alice.GroupMembers("03abcd")
	wantErr(t, err, session.ErrInvalidSessionID)
	_, err = alice.GroupMembers(unknownGroup)
	wantErr(t, err, session.ErrNotFound)
	wantErr(t, alice.GroupLeave(unknownGroup), session.ErrNotFound)

	carol := got(session.GenerateIdentity()).ok(t).SessionID()
	ok(t, alice.GroupInvite(gid, []string{carol}))
	ok(t, alice.GroupRemove(gid, []string{carol}))
	wantErr(t, alice.GroupRemove(gid, []string{carol}), session.ErrNotFound)
	ok(t, bob.GroupLeave(gid))
	if gs := got(bob.Groups()).ok(t); gs[0].State != "left" {
		t.Fatalf("after leaving %+v", gs[0])
	}
}

func TestGroupErrors(t *testing.T) {
	c := newClient(t, "grp-err")
	if session.MaxGroupMembers() != 100 {
		t.Fatalf("max %d", session.MaxGroupMembers())
	}
	many := make([]string, session.MaxGroupMembers())
	for i := range many {
		many[i] = got(session.GenerateIdentity()).ok(t).SessionID()
	}
	_, err := c.CreateGroup("too big", "", many)
	wantErr(t, err, session.ErrGroupFull)
	_, err = c.CreateGroup("bad", "", []string{"05nope"})
	wantErr(t, err, session.ErrInvalidSessionID)
	wantErr(t, c.GroupDeclineInvite(unknownGroup), session.ErrNotFound)
	wantErr(t, c.GroupAcceptInvite(unknownGroup), session.ErrNotFound)
}

func TestGroupDecline(t *testing.T) {
	alice := started(t, newClient(t, "grpd-a"))
	bob := started(t, newClient(t, "grpd-b"))
	gid := got(alice.CreateGroup("Declined", "", []string{bob.SessionID()})).ok(t)
	waitEvent(t, bob, "invite", func(e session.Event) bool { return e.Kind == session.EventGroupInvite && e.Conversation == gid })
	ok(t, bob.GroupDeclineInvite(gid))
	for _, g := range got(bob.Groups()).ok(t) {
		if g.ID == gid && g.State == "invited" {
			t.Fatal("still invited after declining")
		}
	}
}
