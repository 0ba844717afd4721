package session_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/session-sdk/session-sdk/bindings/go/session"
	"github.com/session-sdk/session-sdk/bindings/go/testnet"
)

// deadline bounds every wait: long enough for a cold debug testnet on a loaded 2-core machine;
// waits end as soon as they can.
const deadline = 45 * time.Second

// net is the one testnet of this test binary (TestMain).
var net *testnet.Testnet

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	var err error
	net, err = testnet.Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := net.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the testnet:", err)
	}
	os.Exit(code)
}

// newClient opens a client on the testnet in its own directory, closed when the test ends.
func newClient(t *testing.T, name string, opts ...session.Option) *session.Client {
	t.Helper()
	base := []session.Option{
		session.WithNetworkFile(net.Description),
		session.WithPollIntervals(300*time.Millisecond, 600*time.Millisecond),
		session.WithLogLevel(session.LogWarn),
	}
	c, err := session.NewClient(filepath.Join(t.TempDir(), name), append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewClient(%s): %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func started(t *testing.T, c *session.Client) *session.Client {
	t.Helper()
	if err := c.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return c
}

// waitEvent pulls events until pred holds; every event on the way is cross-checked.
func waitEvent(t *testing.T, c *session.Client, what string, pred func(session.Event) bool) session.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	var seen []session.EventKind
	for {
		ev, err := c.NextEvent(ctx)
		if err != nil {
			t.Fatalf("no %s within %v (%v); saw %v", what, deadline, err, seen)
		}
		checkEvent(t, ev)
		if pred(ev) {
			return ev
		}
		seen = append(seen, ev.Kind)
	}
}

func waitMessage(t *testing.T, c *session.Client, text string) session.Event {
	t.Helper()
	return waitEvent(t, c, fmt.Sprintf("message %q", text), func(e session.Event) bool {
		return e.Kind == session.EventMessageReceived && e.Text == text
	})
}

// checkEvent compares an event's accessor fields with the SDK's JSON rendering of it: two
// independent paths through the C ABI, so reading the wrong accessor fails a test.
func checkEvent(t *testing.T, ev session.Event) {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(ev.JSON), &d); err != nil {
		t.Fatalf("event JSON %q: %v", ev.JSON, err)
	}
	if d["kind"] != ev.Kind.String() {
		t.Fatalf("kind %v but JSON %s", ev.Kind, ev.JSON)
	}
	num := func(v any) int64 { f, _ := v.(float64); return int64(f) }
	str := func(v any) string { s, _ := v.(string); return s }
	bad := func(what string) { t.Fatalf("%s mismatch: %+v vs %s", what, ev, ev.JSON) }
	switch ev.Kind {
	case session.EventMessageReceived, session.EventMessageSynced:
		m := d["message"].(map[string]any)
		if ev.MessageID != num(m["id"]) || ev.Conversation != str(m["conversation"]) || ev.Sender != str(m["sender"]) ||
			ev.Text != str(m["body"]) || ev.Timestamp != num(m["sent_ts"]) || ev.MessageState().String() != str(m["state"]) {
			bad("message")
		}
		if ev.Kind == session.EventMessageReceived && ev.IsRequest != d["is_request"].(bool) {
			bad("is_request")
		}
		msg, err := ev.Message()
		if err != nil || msg == nil || msg.ID != ev.MessageID {
			bad("Message()")
		}
	case session.EventMessageState:
		if ev.MessageID != num(d["message_id"]) || ev.Conversation != str(d["conversation"]) || ev.Sender != "" ||
			ev.MessageState().String() != str(d["state"]) {
			bad("state")
		}
	case session.EventMessageRequest:
		if ev.Sender != str(d["session_id"]) || ev.MessageID != num(d["message_id"]) || !ev.IsRequest {
			bad("request")
		}
	case session.EventContactChanged:
		if ev.Sender != str(d["session_id"]) || ev.Conversation != "" || ev.MessageID != 0 {
			bad("contact")
		}
	case session.EventConnection:
		if ev.Connected() != d["ready"].(bool) {
			bad("connection")
		}
	case session.EventLog:
		if ev.Text != str(d["message"]) || ev.LogLevel().String() != str(d["level"]) {
			bad("log")
		}
	case session.EventAttachmentProgress, session.EventAttachmentDone, session.EventAttachmentFailed:
		if ev.MessageID != num(d["message_id"]) || int64(ev.AttachmentIndex) != num(d["index"]) || ev.IsUpload != d["upload"].(bool) {
			bad("attachment")
		}
		switch ev.Kind {
		case session.EventAttachmentProgress:
			if int64(ev.BytesDone) != num(d["done"]) || int64(ev.BytesTotal) != num(d["total"]) || ev.BytesDone > ev.BytesTotal {
				bad("progress")
			}
		case session.EventAttachmentDone:
			if ev.Text != str(d["path"]) {
				bad("done")
			}
		default:
			if ev.Text != str(d["error"]) || ev.WillRetry() != d["will_retry"].(bool) {
				bad("failed")
			}
		}
	case session.EventGroupInvite:
		if ev.Conversation != str(d["group_id"]) || ev.Sender != str(d["inviter"]) || ev.Text != str(d["name"]) {
			bad("group invite")
		}
	case session.EventGroupUpdate:
		if ev.Conversation != str(d["group_id"]) || ev.Sender != str(d["actor"]) || ev.Text != str(d["change"]) ||
			len(ev.Members()) != len(d["members"].([]any)) {
			bad("group update")
		}
	case session.EventConversationRead:
		if ev.Conversation != str(d["conversation"]) || ev.Timestamp != num(d["up_to_ts"]) {
			bad("conversation read")
		}
	case session.EventBackupProgress:
		if int64(ev.BytesDone) != num(d["done"]) || int64(ev.BytesTotal) != num(d["total"]) || ev.BytesDone > ev.BytesTotal ||
			d["restore"] != false || ev.MessageID != 0 || ev.Conversation != "" || ev.Sender != "" || ev.Text != "" {
			bad("backup progress")
		}
	case session.EventCaughtUp:
	case session.EventProfileChanged:
		if ev.Text != str(d["display_name"]) {
			bad("profile changed")
		}
	default:
		t.Fatalf("unknown event kind %v", ev.Kind)
	}
	if ev.Kind != session.EventMessageReceived && ev.Kind != session.EventMessageSynced {
		if m, err := ev.Message(); err != nil || m != nil {
			bad("Message() of a non-message event")
		}
	}
	switch ev.Kind {
	case session.EventAttachmentProgress, session.EventAttachmentDone, session.EventAttachmentFailed:
	case session.EventBackupProgress:
		if ev.AttachmentIndex != 0 || ev.IsUpload {
			bad("attachment fields of a backup progress event")
		}
	default:
		if ev.AttachmentIndex != 0 || ev.IsUpload || ev.BytesDone != 0 || ev.BytesTotal != 0 {
			bad("attachment fields of a non-attachment event")
		}
	}
}

// wantErr fails unless err matches the sentinel (and carries the SDK's message).
func wantErr(t *testing.T, err error, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("got error %v, want %v", err, sentinel)
	}
	var e *session.Error
	if errors.As(err, &e) && e.Message == "" {
		t.Fatalf("error %v carries no message", err)
	}
}

// got(f()).ok(t) is f's value, or a fatal test error.
func got[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

func (r result[T]) ok(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
