package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <stdlib.h>
#include <session_sdk.h>
*/
import "C"

import "unsafe"

// The calls that change a group block until its swarm stored the change: call them from a
// goroutine of yours, not from a listener callback.

// MaxGroupMembers is the largest number of members a group can have.
func MaxGroupMembers() int { return int(C.ssdk_max_group_members()) }

// cArray is a C array of C strings (NULL when empty); free releases it all.
type cArray struct {
	ptr   **C.char
	count C.size_t
	strs  []*C.char
}

func newCArray(items []string, what string) (*cArray, error) {
	a := &cArray{}
	if len(items) == 0 {
		return a, nil
	}
	for _, s := range items {
		p, err := cString(s, what)
		if err != nil {
			a.free()
			return nil, err
		}
		a.strs = append(a.strs, p)
	}
	// The array is C memory, like the strings it points at: nothing of Go's is handed to C.
	a.ptr = (**C.char)(C.malloc(C.size_t(len(items)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	copy(unsafe.Slice(a.ptr, len(items)), a.strs)
	a.count = C.size_t(len(items))
	return a, nil
}

func (a *cArray) free() {
	freeStrings(a.strs)
	if a.ptr != nil {
		C.free(unsafe.Pointer(a.ptr))
	}
}

// CreateGroup creates a group with this client as admin, inviting members (at most 99), and
// returns its ID ("03…"). Errors: ErrGroupFull, ErrTooLarge (name or description),
// ErrInvalidSessionID, ErrNetwork, ErrTimeout.
func (c *Client) CreateGroup(name, description string, members []string) (string, error) {
	arr, err := newCArray(members, "members")
	if err != nil {
		return "", err
	}
	defer arr.free()
	cname, err := cString(name, "name")
	if err != nil {
		return "", err
	}
	defer freeString(cname)
	cdesc, err := optArg(description, "description")
	if err != nil {
		return "", err
	}
	defer freeString(cdesc)
	return c.outString(func(p *C.ssdk_client, out **C.char) C.ssdk_status {
		return C.ssdk_client_group_create(p, cname, cdesc, arr.ptr, arr.count, out)
	})
}

func (c *Client) groupMembersCall(groupID string, members []string, f func(p *C.ssdk_client, g *C.char, m **C.char, n C.size_t) C.ssdk_status) error {
	arr, err := newCArray(members, "members")
	if err != nil {
		return err
	}
	defer arr.free()
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status { return f(p, s[0], arr.ptr, arr.count) }, groupID, "group_id")
}

// GroupInvite invites members (admins only: ErrPermissionDenied); they read what is sent from
// now on.
func (c *Client) GroupInvite(groupID string, members []string) error {
	return c.groupMembersCall(groupID, members, func(p *C.ssdk_client, g *C.char, m **C.char, n C.size_t) C.ssdk_status {
		return C.ssdk_client_group_invite(p, g, m, n)
	})
}

// GroupRemove removes members (admins only); the keys rotate so they cannot read what follows.
// ErrNotFound when none of them is a member.
func (c *Client) GroupRemove(groupID string, members []string) error {
	return c.groupMembersCall(groupID, members, func(p *C.ssdk_client, g *C.char, m **C.char, n C.size_t) C.ssdk_status {
		return C.ssdk_client_group_remove(p, g, m, n)
	})
}

// GroupPromote makes a member an admin (admins only).
func (c *Client) GroupPromote(groupID, member string) error {
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_group_promote(p, s[0], s[1])
	}, groupID, "group_id", member, "member")
}

// GroupRename renames a group (admins only).
func (c *Client) GroupRename(groupID, name string) error {
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_group_rename(p, s[0], s[1])
	}, groupID, "group_id", name, "name")
}

// GroupSetDescription sets a group's description (admins only).
func (c *Client) GroupSetDescription(groupID, description string) error {
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_group_set_description(p, s[0], s[1])
	}, groupID, "group_id", description, "description")
}

// GroupLeave leaves a group (blocks until the group is told).
func (c *Client) GroupLeave(groupID string) error {
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status { return C.ssdk_client_group_leave(p, s[0]) }, groupID, "group_id")
}

// GroupAcceptInvite accepts a pending invite (EventGroupInvite); ErrInvalidArgument when there
// is none.
func (c *Client) GroupAcceptInvite(groupID string) error {
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_group_accept_invite(p, s[0])
	}, groupID, "group_id")
}

// GroupDeclineInvite declines a pending invite.
func (c *Client) GroupDeclineInvite(groupID string) error {
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_group_decline_invite(p, s[0])
	}, groupID, "group_id")
}

// Groups lists the groups we are in or invited to.
func (c *Client) Groups() ([]Group, error) {
	s, err := c.outString(func(p *C.ssdk_client, out **C.char) C.ssdk_status { return C.ssdk_client_groups_json(p, out) })
	if err != nil {
		return nil, err
	}
	return decodeList[Group](s)
}

// GroupMembers lists a group's members (ErrInvalidSessionID for a non-03 ID, ErrNotFound for an
// unknown group).
func (c *Client) GroupMembers(groupID string) ([]GroupMember, error) {
	var out *C.char
	err := c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_group_members_json(p, s[0], &out)
	}, groupID, "group_id")
	if err != nil {
		return nil, err
	}
	return decodeList[GroupMember](takeString(out))
}
