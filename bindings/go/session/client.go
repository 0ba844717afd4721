package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <stdlib.h>
#include <session_sdk.h>
#include "helpers.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// slice is the longest single wait inside the SDK, so that context cancellation and Close are
// noticed promptly while waiting for events.
const slice = 200 * time.Millisecond

// Client is a Session client: one identity, its encrypted database and its network tasks.
// Every method may be called from any goroutine, and from inside a listener callback.
type Client struct {
	g         *guard[*C.ssdk_client]
	sessionID string

	pendingMu sync.Mutex
	pending   []Event // events taken from the SDK for a waiter that gave up; delivered first
}

// NewClient opens (or creates) the client whose encrypted database lives in dataDir, loading
// (or creating) its identity. It does not touch the network until Start.
//
// Errors: ErrWrongPIN (the database is untouched), ErrInvalidArgument (the directory holds
// another identity), ErrDatabase, ErrIO, ErrInvalidKey, or an option's error.
func NewClient(dataDir string, opts ...Option) (*Client, error) {
	cfg, err := newConfig(dataDir, opts)
	if err != nil {
		return nil, err
	}
	defer C.ssdk_config_free(cfg)
	var p *C.ssdk_client
	if err := call(func() C.ssdk_status { return C.ssdk_client_new(cfg, &p) }); err != nil {
		return nil, err
	}
	c := &Client{g: newGuard(p, "client")}
	var out *C.char
	if err := call(func() C.ssdk_status { return C.ssdk_client_session_id(p, &out) }); err != nil {
		C.ssdk_client_free(p)
		return nil, err
	}
	c.sessionID = takeString(out)
	runtime.SetFinalizer(c, (*Client).Close)
	return c, nil
}

// do runs one fallible C call with the client handle.
func (c *Client) do(f func(p *C.ssdk_client) C.ssdk_status) error {
	return c.g.with(func(p *C.ssdk_client) error {
		return call(func() C.ssdk_status { return f(p) })
	})
}

// doStr is do with string arguments (name, value pairs) converted for C.
func (c *Client) doStr(f func(p *C.ssdk_client, s []*C.char) C.ssdk_status, pairs ...string) error {
	args, err := cStrings(pairs...)
	if err != nil {
		return err
	}
	defer freeStrings(args)
	return c.do(func(p *C.ssdk_client) C.ssdk_status { return f(p, args) })
}

// outString runs a call writing a string the SDK owns, and takes it.
func (c *Client) outString(f func(p *C.ssdk_client, out **C.char) C.ssdk_status) (string, error) {
	var out *C.char
	if err := c.do(func(p *C.ssdk_client) C.ssdk_status { return f(p, &out) }); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// Start starts the network tasks: bootstrap, onion paths, sending queued messages, polling.
// ErrBusy when already running.
func (c *Client) Start() error {
	return c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_start(p) })
}

// Stop stops the network tasks and waits for them (a few seconds at most). Queued messages
// stay in the database; the client can be started again. Stopping twice is fine.
func (c *Client) Stop() error {
	return c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_stop(p) })
}

// Close stops and releases the client: new calls fail with ErrClosed, calls in flight on other
// goroutines are waited for, the listener's removal callback runs, the database is closed.
// Idempotent. Called from inside a listener callback it returns at once and the release
// completes after the callback has returned.
func (c *Client) Close() error {
	if !c.g.beginClose() {
		return nil
	}
	runtime.SetFinalizer(c, nil)
	if C.ssdkgo_in_callback() != 0 {
		// ssdk_client_free joins the listener's thread: never from that thread.
		go c.g.finishClose(func(p *C.ssdk_client) { C.ssdk_client_free(p) })
		return nil
	}
	c.g.finishClose(func(p *C.ssdk_client) { C.ssdk_client_free(p) })
	return nil
}

// SessionID is the client's Session ID.
func (c *Client) SessionID() string { return c.sessionID }

// Mnemonic is the client's recovery phrase (secret).
func (c *Client) Mnemonic() (string, error) {
	return c.outString(func(p *C.ssdk_client, out **C.char) C.ssdk_status { return C.ssdk_client_mnemonic(p, out) })
}

// SendText queues a text message (1 byte to 64 KiB of UTF-8) to a Session ID and returns its
// local message id. It is stored before any network call; MESSAGE_STATE events report its
// delivery. Works while stopped (it goes out after the next Start).
//
// Errors: ErrInvalidSessionID, ErrInvalidArgument (empty text), ErrTooLarge, ErrBlocked,
// ErrInvalidUTF8, ErrDatabase.
func (c *Client) SendText(to, text string) (int64, error) {
	var id C.int64_t
	err := c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_send_text(p, s[0], s[1], &id)
	}, to, "to", text, "text")
	return int64(id), err
}

// Resend puts a failed outgoing message back in the outbox. Errors: ErrNotFound,
// ErrInvalidArgument (not a failed outgoing message).
func (c *Client) Resend(messageID int64) error {
	return c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_resend(p, C.int64_t(messageID)) })
}

// Message returns one stored message (ErrNotFound if there is none).
func (c *Client) Message(messageID int64) (*Message, error) {
	s, err := c.outString(func(p *C.ssdk_client, out **C.char) C.ssdk_status {
		return C.ssdk_client_message_json(p, C.int64_t(messageID), out)
	})
	if err != nil {
		return nil, err
	}
	var m Message
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("session: decoding a message: %w", err)
	}
	return &m, nil
}

// History returns a page of a conversation's messages, newest first: at most limit (1-1000)
// messages older than beforeID (0: from the newest). Page on by passing the last ID.
func (c *Client) History(conversation string, beforeID int64, limit int) ([]Message, error) {
	if limit < 0 || limit > 0xFFFFFFFF {
		return nil, &Error{Code: ErrInvalidArgument, Message: fmt.Sprintf("INVALID_ARGUMENT: limit %d out of range", limit)}
	}
	var out *C.char
	err := c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_history_json(p, s[0], C.int64_t(beforeID), C.uint32_t(limit), &out)
	}, conversation, "conversation")
	if err != nil {
		return nil, err
	}
	return decodeList[Message](takeString(out))
}

// Conversations lists the conversations by most recent activity.
func (c *Client) Conversations() ([]Conversation, error) {
	s, err := c.outString(func(p *C.ssdk_client, out **C.char) C.ssdk_status { return C.ssdk_client_conversations_json(p, out) })
	if err != nil {
		return nil, err
	}
	return decodeList[Conversation](s)
}

// MarkRead marks a conversation's incoming messages read up to upToID (0: all) and returns how
// many changed.
func (c *Client) MarkRead(conversation string, upToID int64) (int, error) {
	var n C.uint32_t
	err := c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_mark_read(p, s[0], C.int64_t(upToID), &n)
	}, conversation, "conversation")
	return int(n), err
}

// DeleteConversation deletes a conversation and its messages from this device only.
func (c *Client) DeleteConversation(conversation string) error {
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_delete_conversation(p, s[0])
	}, conversation, "conversation")
}

// DeleteMessage deletes one message from this device only.
func (c *Client) DeleteMessage(messageID int64) error {
	return c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_delete_message(p, C.int64_t(messageID)) })
}

// Contacts lists the approved contacts.
func (c *Client) Contacts() ([]Contact, error) {
	return c.contactList(func(p *C.ssdk_client, out **C.char) C.ssdk_status { return C.ssdk_client_contacts_json(p, out) })
}

// Requests lists the pending message requests.
func (c *Client) Requests() ([]Contact, error) {
	return c.contactList(func(p *C.ssdk_client, out **C.char) C.ssdk_status { return C.ssdk_client_requests_json(p, out) })
}

// Blocked lists the blocked Session IDs.
func (c *Client) Blocked() ([]Contact, error) {
	return c.contactList(func(p *C.ssdk_client, out **C.char) C.ssdk_status { return C.ssdk_client_blocked_json(p, out) })
}

func (c *Client) contactList(f func(p *C.ssdk_client, out **C.char) C.ssdk_status) ([]Contact, error) {
	s, err := c.outString(f)
	if err != nil {
		return nil, err
	}
	return decodeList[Contact](s)
}

// sessionIDCall runs one of the calls taking a single Session ID.
func (c *Client) sessionIDCall(sessionID string, f func(p *C.ssdk_client, id *C.char) C.ssdk_status) error {
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status { return f(p, s[0]) }, sessionID, "session_id")
}

// nicknameCall runs a call taking a Session ID and an optional nickname ("" passes NULL).
func (c *Client) nicknameCall(sessionID, nickname string, f func(p *C.ssdk_client, id, nick *C.char) C.ssdk_status) error {
	if nickname == "" {
		return c.sessionIDCall(sessionID, func(p *C.ssdk_client, id *C.char) C.ssdk_status { return f(p, id, nil) })
	}
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status { return f(p, s[0], s[1]) },
		sessionID, "session_id", nickname, "nickname")
}

// AddContact adds (or approves) a contact; nickname "" sets none.
func (c *Client) AddContact(sessionID, nickname string) error {
	return c.nicknameCall(sessionID, nickname, func(p *C.ssdk_client, id, nick *C.char) C.ssdk_status {
		return C.ssdk_client_add_contact(p, id, nick)
	})
}

// SetNickname sets a contact's nickname; "" clears it. ErrNotFound for an unknown contact.
func (c *Client) SetNickname(sessionID, nickname string) error {
	return c.nicknameCall(sessionID, nickname, func(p *C.ssdk_client, id, nick *C.char) C.ssdk_status {
		return C.ssdk_client_set_nickname(p, id, nick)
	})
}

// RemoveContact forgets a contact (the conversation stays).
func (c *Client) RemoveContact(sessionID string) error {
	return c.sessionIDCall(sessionID, func(p *C.ssdk_client, id *C.char) C.ssdk_status { return C.ssdk_client_remove_contact(p, id) })
}

// AcceptRequest accepts a message request: the sender becomes a contact and is notified.
func (c *Client) AcceptRequest(sessionID string) error {
	return c.sessionIDCall(sessionID, func(p *C.ssdk_client, id *C.char) C.ssdk_status { return C.ssdk_client_accept_request(p, id) })
}

// DeclineRequest declines a message request: its conversation is deleted, the sender forgotten.
func (c *Client) DeclineRequest(sessionID string) error {
	return c.sessionIDCall(sessionID, func(p *C.ssdk_client, id *C.char) C.ssdk_status { return C.ssdk_client_decline_request(p, id) })
}

// Block blocks a Session ID: its messages are dropped and sending to it is refused.
func (c *Client) Block(sessionID string) error {
	return c.sessionIDCall(sessionID, func(p *C.ssdk_client, id *C.char) C.ssdk_status { return C.ssdk_client_block(p, id) })
}

// Unblock unblocks a Session ID.
func (c *Client) Unblock(sessionID string) error {
	return c.sessionIDCall(sessionID, func(p *C.ssdk_client, id *C.char) C.ssdk_status { return C.ssdk_client_unblock(p, id) })
}

// SetProfilePicture sets our profile picture (image bytes up to 10 MB; JPEG metadata removed
// unless disabled): encrypted, uploaded through an onion request, then sent with our messages
// and synced to our other devices. nil removes it. Blocks on the upload.
func (c *Client) SetProfilePicture(image []byte) error {
	if image != nil && len(image) == 0 {
		return c.do(func(p *C.ssdk_client) C.ssdk_status {
			var one C.uint8_t
			return C.ssdk_client_set_profile_picture(p, &one, 0) // empty, not removal: the SDK refuses it
		})
	}
	buf, n := bytesArg(image)
	err := c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_set_profile_picture(p, buf, n) })
	runtime.KeepAlive(image)
	return err
}

// ProfilePicture downloads and decrypts a profile picture: ours (sessionID "") or a contact's,
// as their latest message announced it; nil when there is none. Blocks on the download.
func (c *Client) ProfilePicture(sessionID string) ([]byte, error) {
	id, err := optArg(sessionID, "session_id")
	if err != nil {
		return nil, err
	}
	defer freeString(id)
	var out *C.uint8_t
	var n C.size_t
	err = c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_profile_picture(p, id, &out, &n) })
	if err != nil || out == nil {
		return nil, err
	}
	return takeBytes(out, n), nil
}

// DisplayName is our display name, as set here or (synced) on another device of this
// identity; "" when none is set.
func (c *Client) DisplayName() (string, error) {
	return c.outString(func(p *C.ssdk_client, out **C.char) C.ssdk_status { return C.ssdk_client_display_name(p, out) })
}

// SetDisplayName sets the display name sent with messages (1-100 bytes); our other devices
// take it too.
func (c *Client) SetDisplayName(name string) error {
	return c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_set_display_name(p, s[0])
	}, name, "name")
}

// SetLogLevel changes the minimum level of log events.
func (c *Client) SetLogLevel(level LogLevel) error {
	return c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_set_log_level(p, C.int32_t(level)) })
}

// ConnectionReady reports whether onion paths are ready.
func (c *Client) ConnectionReady() (bool, error) {
	var ready C.int32_t
	err := c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_connection_ready(p, &ready) })
	return ready != 0, err
}

// WaitReady waits until onion paths are ready or ctx is done.
func (c *Client) WaitReady(ctx context.Context) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		ok, err := c.ConnectionReady()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// NextEvent waits for the next event until ctx is done (then it returns ctx.Err()). It returns
// an error matching ErrClosed once the client is closed. While a listener is installed, events
// go to the listener and NextEvent only waits.
func (c *Client) NextEvent(ctx context.Context) (Event, error) {
	if done := ctx.Done(); done != nil {
		// Cancelling ctx wakes the wait at once instead of at the end of its slice.
		finished := make(chan struct{})
		defer close(finished)
		go func() {
			select {
			case <-done:
				_ = c.InterruptWait()
			case <-finished:
			}
		}()
	}
	for {
		if err := ctx.Err(); err != nil {
			return Event{}, err
		}
		wait := slice
		if dl, ok := ctx.Deadline(); ok {
			if d := time.Until(dl); d < wait {
				wait = d
			}
		}
		if wait < 0 {
			wait = 0
		}
		ev, ok, err := c.pull(wait)
		if err != nil {
			return Event{}, err
		}
		if ok {
			return ev, nil
		}
	}
}

// pull waits once, up to d, for an event.
func (c *Client) pull(d time.Duration) (Event, bool, error) {
	c.pendingMu.Lock()
	if len(c.pending) > 0 {
		ev := c.pending[0]
		c.pending = c.pending[1:]
		c.pendingMu.Unlock()
		return ev, true, nil
	}
	c.pendingMu.Unlock()
	var ev *C.ssdk_event
	var timedOut bool
	err := c.g.with(func(p *C.ssdk_client) error {
		return call(func() C.ssdk_status {
			st := C.ssdk_client_next_event(p, C.uint32_t(d.Milliseconds()), &ev)
			// Interrupted (InterruptWait, or another waiter's cancelled context): no event;
			// the caller looks at its context and waits again.
			if st == C.SSDK_ERR_TIMEOUT || st == C.SSDK_ERR_CANCELLED {
				timedOut = true
				return C.SSDK_OK
			}
			return st
		})
	})
	if err != nil || timedOut {
		return Event{}, false, err
	}
	defer C.ssdk_event_free(ev)
	return eventFromC(ev), true, nil
}

// InterruptWait wakes every NextEvent call now waiting on this client; each goes back to its
// context (returning if that is done, waiting again otherwise). Cancelling a NextEvent's
// context already does this.
func (c *Client) InterruptWait() error {
	return c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_interrupt_wait(p) })
}

// unpull gives an event back, to be delivered before any other.
func (c *Client) unpull(ev Event) {
	c.pendingMu.Lock()
	c.pending = append([]Event{ev}, c.pending...)
	c.pendingMu.Unlock()
}

// Events delivers events on a channel until ctx is done or the client is closed; then the
// channel is closed. An event that was taken from the SDK but not yet received when ctx ended is
// kept for the next NextEvent or Events. Use one consumer at a time.
func (c *Client) Events(ctx context.Context) <-chan Event {
	ch := make(chan Event)
	go func() {
		defer close(ch)
		for {
			ev, err := c.NextEvent(ctx)
			if err != nil {
				return // ctx done or client closed
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				c.unpull(ev)
				return
			}
		}
	}()
	return ch
}

func decodeList[T any](s string) ([]T, error) {
	var out []T
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("session: decoding the SDK's JSON: %w", err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// IsClosed reports whether Close has been called.
func (c *Client) IsClosed() bool { return c.g.isClosed() }
