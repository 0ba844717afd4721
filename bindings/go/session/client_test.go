package session_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/session-sdk/session-sdk/bindings/go/session"
)

var peer = func() string {
	id, err := session.GenerateIdentity()
	if err != nil {
		panic(err)
	}
	defer id.Close()
	return id.SessionID()
}()

func TestOptionErrors(t *testing.T) {
	dir := t.TempDir()
	gen := got(session.GenerateIdentity()).ok(t)
	words := strings.Fields(got(gen.Mnemonic()).ok(t))
	wrong := ""
	for _, w := range words[:12] {
		if w[:3] != words[12][:3] {
			wrong = w
			break
		}
	}
	closedID := got(session.GenerateIdentity()).ok(t)
	closedID.Close()
	cases := []struct {
		name string
		opt  session.Option
		want error
	}{
		{"file", session.WithNetworkFile("/nonexistent/net.json"), session.ErrIO},
		{"json", session.WithNetworkJSON(`{"seed_nodes": []}`), session.ErrInvalidArgument},
		{"json syntax", session.WithNetworkJSON("not json"), session.ErrInvalidArgument},
		{"pin", session.WithPIN(""), session.ErrInvalidArgument},
		{"pin utf8", session.WithPIN("\xff"), session.ErrInvalidUTF8},
		{"mnemonic", session.WithMnemonic("one two three"), session.ErrMnemonicWordCount},
		{"checksum", session.WithMnemonic(strings.Join(append(words[:12:12], wrong), " ")), session.ErrMnemonicChecksum},
		{"seed", session.WithSeed([]byte("short")), session.ErrInvalidKey},
		{"poll small", session.WithPollIntervals(10*time.Millisecond, 20*time.Millisecond), session.ErrInvalidArgument},
		{"poll order", session.WithPollIntervals(time.Second, 500*time.Millisecond), session.ErrInvalidArgument},
		{"poll negative", session.WithPollIntervals(-time.Second, time.Second), session.ErrInvalidArgument},
		{"log", session.WithLogLevel(99), session.ErrInvalidArgument},
		{"log negative", session.WithLogLevel(-1), session.ErrInvalidArgument},
		{"name", session.WithDisplayName(""), session.ErrInvalidArgument},
		{"long name", session.WithDisplayName(strings.Repeat("x", 101)), session.ErrInvalidArgument},
		{"retry", session.WithSendRetryWindow(0), session.ErrInvalidArgument},
		{"nil identity", session.WithIdentity(nil), session.ErrNullArgument},
		{"closed identity", session.WithIdentity(closedID), session.ErrClosed},
	}
	for _, c := range cases {
		_, err := session.NewClient(filepath.Join(dir, c.name), c.opt)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	_, err := session.NewClient("")
	wantErr(t, err, session.ErrInvalidArgument)
	_, err = session.NewClient(dir + "/\xff")
	wantErr(t, err, session.ErrInvalidUTF8)
	_, err = session.NewClient("a\x00b")
	wantErr(t, err, session.ErrInvalidArgument)
}

func TestEveryOptionAccepted(t *testing.T) {
	me := got(session.GenerateIdentity()).ok(t)
	defer me.Close()
	seed := got(me.Seed()).ok(t)
	c := newClient(t, "all",
		session.WithMainnet(), session.WithNetworkFile(net.Description), session.WithPIN("1234"), session.WithoutPIN(),
		session.WithIdentity(me), session.WithMnemonic(got(me.Mnemonic()).ok(t)), session.WithSeed(seed[:16]),
		session.WithAutoAcceptRequests(true), session.WithLogLevel(session.LogDebug), session.WithDisplayName("All"),
		session.WithSendRetryWindow(time.Minute), session.WithStripJPEGMetadata(false), session.WithNetworkJSON(string(got(os.ReadFile(net.Description)).ok(t))))
	if c.SessionID() != me.SessionID() {
		t.Fatal("identity option ignored")
	}
	if name := got(c.DisplayName()).ok(t); name != "All" {
		t.Fatalf("display name option gave %q", name)
	}
}

func TestWrongPIN(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pin")
	me := got(session.GenerateIdentity()).ok(t)
	c := got(session.NewClient(dir, session.WithNetworkFile(net.Description), session.WithPIN("right"), session.WithIdentity(me))).ok(t)
	if c.SessionID() != me.SessionID() || got(c.Mnemonic()).ok(t) != got(me.Mnemonic()).ok(t) {
		t.Fatal("client identity")
	}
	got(c.SendText(peer, "kept")).ok(t)
	ok(t, c.Close())
	_, err := session.NewClient(dir, session.WithNetworkFile(net.Description), session.WithPIN("wrong"))
	wantErr(t, err, session.ErrWrongPIN)
	_, err = session.NewClient(dir, session.WithNetworkFile(net.Description))
	wantErr(t, err, session.ErrWrongPIN)
	again := got(session.NewClient(dir, session.WithNetworkFile(net.Description), session.WithPIN("right"))).ok(t)
	defer again.Close()
	hist := got(again.History(peer, 0, 10)).ok(t)
	if again.SessionID() != me.SessionID() || len(hist) != 1 || hist[0].Body != "kept" {
		t.Fatalf("reopened: %v %+v", again.SessionID(), hist)
	}
	// Another identity in the same directory is refused.
	_, err = session.NewClient(dir, session.WithPIN("right"), session.WithIdentity(got(session.GenerateIdentity()).ok(t)))
	wantErr(t, err, session.ErrInvalidArgument)
}

func TestBadInput(t *testing.T) {
	c := newClient(t, "errors")
	me := c.SessionID()
	check := func(name string, err error, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
	}
	_, err := c.SendText("05abc", "x")
	check("send bad id", err, session.ErrInvalidSessionID)
	_, err = c.SendText(peer, "")
	check("send empty", err, session.ErrInvalidArgument)
	_, err = c.SendText(peer, "\xff")
	check("send utf8", err, session.ErrInvalidUTF8)
	_, err = c.SendText(peer, strings.Repeat("x", 64*1024+1))
	check("send large", err, session.ErrTooLarge)
	_, err = c.SendText(peer, "a\x00b")
	check("send NUL", err, session.ErrInvalidArgument)
	check("resend", c.Resend(999999), session.ErrNotFound)
	_, err = c.Message(999999)
	check("message", err, session.ErrNotFound)
	_, err = c.History(peer, 0, 0)
	check("history 0", err, session.ErrInvalidArgument)
	_, err = c.History(peer, 0, 1001)
	check("history 1001", err, session.ErrInvalidArgument)
	_, err = c.History(peer, 0, -1)
	check("history -1", err, session.ErrInvalidArgument)
	check("delete message", c.DeleteMessage(999999), session.ErrNotFound)
	check("delete conversation", c.DeleteConversation("nope"), session.ErrNotFound)
	check("accept", c.AcceptRequest(peer), session.ErrNotFound)
	check("accept bad", c.AcceptRequest("bad"), session.ErrInvalidSessionID)
	check("decline", c.DeclineRequest(peer), session.ErrNotFound)
	check("block bad", c.Block("not an id"), session.ErrInvalidSessionID)
	check("block self", c.Block(me), session.ErrInvalidArgument)
	check("unblock bad", c.Unblock("05"), session.ErrInvalidSessionID)
	check("add self", c.AddContact(me, ""), session.ErrInvalidArgument)
	check("add bad", c.AddContact("05zz", "n"), session.ErrInvalidSessionID)
	check("nickname unknown", c.SetNickname(peer, "nick"), session.ErrNotFound)
	check("remove unknown", c.RemoveContact(peer), session.ErrNotFound)
	check("display name", c.SetDisplayName(""), session.ErrInvalidArgument)
	check("log level", c.SetLogLevel(99), session.ErrInvalidArgument)
	_, err = c.MarkRead("\xff", 0)
	check("mark read utf8", err, session.ErrInvalidUTF8)
}

func TestLocalStateWithoutStarting(t *testing.T) {
	c := newClient(t, "local")
	id := got(c.SendText(peer, "queued")).ok(t)
	wantErr(t, c.Resend(id), session.ErrInvalidArgument) // only failed messages can be resent
	m := got(c.Message(id)).ok(t)
	if m.ID != id || m.Body != "queued" || !m.Outgoing || m.State != session.MessageSending || m.Sender != c.SessionID() || m.Conversation != peer {
		t.Fatalf("message %+v", m)
	}
	if cs := got(c.Contacts()).ok(t); len(cs) != 1 || cs[0].SessionID != peer {
		t.Fatalf("contacts %+v", cs)
	}
	ok(t, c.AddContact(peer, "Pal"))
	ok(t, c.SetNickname(peer, "Buddy"))
	if cs := got(c.Contacts()).ok(t); cs[0].Nickname != "Buddy" || cs[0].Name() != "Buddy" || !cs[0].Approved {
		t.Fatalf("contact %+v", cs[0])
	}
	ok(t, c.SetNickname(peer, ""))
	if cs := got(c.Contacts()).ok(t); cs[0].Nickname != "" {
		t.Fatalf("nickname not cleared: %+v", cs[0])
	}
	ok(t, c.Block(peer))
	if bs := got(c.Blocked()).ok(t); len(bs) != 1 || bs[0].SessionID != peer {
		t.Fatalf("blocked %+v", bs)
	}
	_, err := c.SendText(peer, "refused")
	wantErr(t, err, session.ErrBlocked)
	ok(t, c.Unblock(peer))
	ok(t, c.RemoveContact(peer))
	if cs := got(c.Contacts()).ok(t); len(cs) != 0 {
		t.Fatalf("contacts after removal %+v", cs)
	}
	if rs := got(c.Requests()).ok(t); len(rs) != 0 {
		t.Fatalf("requests %+v", rs)
	}
	convs := got(c.Conversations()).ok(t)
	if len(convs) != 1 || convs[0].ID != peer || convs[0].Kind != "direct" || convs[0].LastMessage == nil || convs[0].LastMessage.ID != id {
		t.Fatalf("conversations %+v", convs)
	}
	if n := got(c.MarkRead(peer, 0)).ok(t); n != 0 {
		t.Fatalf("marked %d", n)
	}
	ok(t, c.SetDisplayName("Local"))
	if name := got(c.DisplayName()).ok(t); name != "Local" {
		t.Fatalf("display name %q", name)
	}
	ok(t, c.SetLogLevel(session.LogError))
	if ready := got(c.ConnectionReady()).ok(t); ready {
		t.Fatal("ready without starting")
	}
	ids := []int64{id}
	for i := 0; i < 4; i++ {
		ids = append(ids, got(c.SendText(peer, "m")).ok(t))
	}
	page := got(c.History(peer, ids[2], 10)).ok(t)
	if len(page) != 2 || page[0].ID != ids[1] || page[1].ID != ids[0] {
		t.Fatalf("page %+v", page)
	}
	ok(t, c.DeleteMessage(ids[0]))
	_, err = c.Message(ids[0])
	wantErr(t, err, session.ErrNotFound)
	ok(t, c.DeleteConversation(peer))
	if convs := got(c.Conversations()).ok(t); len(convs) != 0 {
		t.Fatalf("conversations after delete %+v", convs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	checkEvent(t, got(c.NextEvent(ctx)).ok(t)) // state events were queued meanwhile
}

func TestClosedClient(t *testing.T) {
	c := newClient(t, "closed")
	ok(t, c.Close())
	ok(t, c.Close())
	if !c.IsClosed() {
		t.Fatal("IsClosed")
	}
	errs := map[string]error{"start": c.Start(), "stop": c.Stop(), "resend": c.Resend(1)}
	_, errs["mnemonic"] = c.Mnemonic()
	_, errs["send"] = c.SendText(peer, "x")
	_, errs["message"] = c.Message(1)
	_, errs["history"] = c.History(peer, 0, 1)
	_, errs["conversations"] = c.Conversations()
	_, errs["markread"] = c.MarkRead(peer, 0)
	errs["delconv"] = c.DeleteConversation(peer)
	errs["delmsg"] = c.DeleteMessage(1)
	_, errs["contacts"] = c.Contacts()
	_, errs["requests"] = c.Requests()
	_, errs["blocked"] = c.Blocked()
	errs["add"] = c.AddContact(peer, "")
	errs["nick"] = c.SetNickname(peer, "n")
	errs["remove"] = c.RemoveContact(peer)
	errs["accept"] = c.AcceptRequest(peer)
	errs["decline"] = c.DeclineRequest(peer)
	errs["block"] = c.Block(peer)
	errs["unblock"] = c.Unblock(peer)
	errs["name"] = c.SetDisplayName("n")
	errs["log"] = c.SetLogLevel(session.LogWarn)
	_, errs["ready"] = c.ConnectionReady()
	errs["listener"] = c.SetListener(func(session.Event) {}, nil)
	errs["nolistener"] = c.RemoveListener()
	errs["interrupt"] = c.InterruptWait()
	_, errs["next"] = c.NextEvent(context.Background())
	errs["wait"] = c.WaitReady(context.Background())
	for name, err := range errs {
		if !errors.Is(err, session.ErrClosed) || !errors.Is(err, session.ErrNullArgument) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	if _, open := <-c.Events(context.Background()); open {
		t.Fatal("the events channel of a closed client delivers")
	}
}

func TestStartStop(t *testing.T) {
	c := newClient(t, "busy")
	ok(t, c.Start())
	wantErr(t, c.Start(), session.ErrBusy)
	ok(t, c.Stop())
	ok(t, c.Stop())
	ok(t, c.Start())
}

func TestFailedMessageAndResend(t *testing.T) {
	dead := got(net.DeadDescription()).ok(t)
	c := got(session.NewClient(filepath.Join(t.TempDir(), "dead"), session.WithNetworkFile(dead),
		session.WithSendRetryWindow(time.Second), session.WithLogLevel(session.LogOff),
		session.WithPollIntervals(300*time.Millisecond, 600*time.Millisecond))).ok(t)
	defer c.Close()
	ok(t, c.Start())
	id := got(c.SendText(peer, "doomed")).ok(t)
	waitEvent(t, c, "failed state", func(e session.Event) bool {
		return e.Kind == session.EventMessageState && e.MessageID == id && e.MessageState() == session.MessageFailed
	})
	if m := got(c.Message(id)).ok(t); m.State != session.MessageFailed {
		t.Fatalf("state %v", m.State)
	}
	ok(t, c.Resend(id))
	waitEvent(t, c, "sending state after resend", func(e session.Event) bool {
		return e.Kind == session.EventMessageState && e.MessageID == id && e.MessageState() == session.MessageSending
	})
}

func TestSendAndReceiveBothWays(t *testing.T) {
	alice := started(t, newClient(t, "alice", session.WithDisplayName("Alice")))
	bob := started(t, newClient(t, "bob"))
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	ok(t, alice.WaitReady(ctx))

	id := got(alice.SendText(bob.SessionID(), "hello bob")).ok(t)
	recv := waitMessage(t, bob, "hello bob")
	if recv.Sender != alice.SessionID() || recv.Conversation != alice.SessionID() || !recv.IsRequest || recv.MessageID <= 0 ||
		recv.MessageState() != session.MessageReceived || time.Since(recv.Time()) > time.Minute {
		t.Fatalf("received %+v", recv)
	}
	waitEvent(t, alice, "sent state", func(e session.Event) bool {
		return e.Kind == session.EventMessageState && e.MessageID == id && e.MessageState() == session.MessageSent
	})
	if m := got(alice.Message(id)).ok(t); m.State != session.MessageSent || m.ServerHash == "" {
		t.Fatalf("sent message %+v", m)
	}

	reqs := got(bob.Requests()).ok(t)
	if len(reqs) != 1 || reqs[0].SessionID != alice.SessionID() || reqs[0].DisplayName != "Alice" || reqs[0].Approved {
		t.Fatalf("requests %+v", reqs)
	}
	ok(t, bob.AcceptRequest(alice.SessionID()))
	if cs := got(bob.Contacts()).ok(t); len(cs) != 1 || cs[0].SessionID != alice.SessionID() {
		t.Fatalf("contacts %+v", cs)
	}
	got(bob.SendText(alice.SessionID(), "hello alice")).ok(t)
	reply := waitMessage(t, alice, "hello alice")
	if reply.Sender != bob.SessionID() || reply.IsRequest {
		t.Fatalf("reply %+v", reply)
	}
	hist := got(alice.History(bob.SessionID(), 0, 10)).ok(t)
	if len(hist) != 2 || hist[0].Body != "hello alice" || hist[1].Body != "hello bob" {
		t.Fatalf("history %+v", hist)
	}
	convs := got(alice.Conversations()).ok(t)
	if len(convs) != 1 || convs[0].Unread != 1 {
		t.Fatalf("conversations %+v", convs)
	}
	if n := got(alice.MarkRead(bob.SessionID(), 0)).ok(t); n != 1 {
		t.Fatalf("marked %d", n)
	}
}

func TestRequestsDeclineAndBlock(t *testing.T) {
	carol := started(t, newClient(t, "carol"))
	dave := started(t, newClient(t, "dave"))
	got(carol.SendText(dave.SessionID(), "first try")).ok(t)
	req := waitEvent(t, dave, "request", func(e session.Event) bool { return e.Kind == session.EventMessageRequest })
	if req.Sender != carol.SessionID() {
		t.Fatalf("request from %s", req.Sender)
	}
	ok(t, dave.DeclineRequest(carol.SessionID()))
	if rs := got(dave.Requests()).ok(t); len(rs) != 0 {
		t.Fatalf("requests after decline %+v", rs)
	}
	if cs := got(dave.Conversations()).ok(t); len(cs) != 0 {
		t.Fatalf("conversations after decline %+v", cs)
	}
	got(carol.SendText(dave.SessionID(), "second try")).ok(t)
	waitEvent(t, dave, "second request", func(e session.Event) bool {
		return e.Kind == session.EventMessageRequest && e.Sender == carol.SessionID()
	})
	ok(t, dave.Block(carol.SessionID()))
	if bs := got(dave.Blocked()).ok(t); len(bs) != 1 || bs[0].SessionID != carol.SessionID() {
		t.Fatalf("blocked %+v", bs)
	}
	if rs := got(dave.Requests()).ok(t); len(rs) != 0 {
		t.Fatalf("requests after block %+v", rs)
	}
	_, err := dave.SendText(carol.SessionID(), "no")
	wantErr(t, err, session.ErrBlocked)
	ok(t, dave.Unblock(carol.SessionID()))
	got(carol.SendText(dave.SessionID(), "after unblock")).ok(t)
	waitMessage(t, dave, "after unblock")
}

func TestEventsChannelAndCancellation(t *testing.T) {
	a := started(t, newClient(t, "ch-a"))
	b := started(t, newClient(t, "ch-b"))
	got(a.SendText(b.SessionID(), "one")).ok(t)
	got(a.SendText(b.SessionID(), "two")).ok(t)
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	var got []string
	for ev := range b.Events(ctx) {
		checkEvent(t, ev)
		if ev.Kind == session.EventMessageReceived {
			got = append(got, ev.Text)
			if len(got) == 2 {
				cancel()
			}
		}
	}
	cancel()
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
	// Drain what else arrived (state, contact and caught-up events) so the waits below wait.
	for {
		dctx, dcancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := b.NextEvent(dctx)
		dcancel()
		if err != nil {
			break
		}
	}
	// InterruptWait sends waiters back to their contexts: one still live keeps waiting.
	ok(t, b.InterruptWait())
	// A cancelled context ends a wait promptly.
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel2() }()
	start := time.Now()
	_, err := b.NextEvent(ctx2)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("NextEvent after cancel: %v after %v", err, time.Since(start))
	}
	// A deadline too.
	ctx3, cancel3 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel3()
	for {
		if _, err = b.NextEvent(ctx3); err != nil {
			break
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("NextEvent past the deadline: %v", err)
	}
	// Closing the client ends the channel.
	ch := b.Events(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); b.Close() }()
	for range ch {
	}
}

func TestListener(t *testing.T) {
	a := started(t, newClient(t, "ls-a"))
	b := started(t, newClient(t, "ls-b"))
	inbox := make(chan session.Event, 256)
	removed := make(chan struct{})
	var fromCallback atomic.Value
	err := b.SetListener(func(ev session.Event) {
		fromCallback.Store(b.SessionID())
		_, _ = b.Contacts() // calling the SDK from inside a callback works
		inbox <- ev
	}, func() { close(removed) })
	ok(t, err)
	got(a.SendText(b.SessionID(), "pushed")).ok(t)
	timeout := time.After(deadline)
	for done := false; !done; {
		select {
		case ev := <-inbox:
			checkEvent(t, ev)
			done = ev.Kind == session.EventMessageReceived && ev.Text == "pushed" && ev.Sender == a.SessionID()
		case <-timeout:
			t.Fatal("no pushed message")
		}
	}
	if fromCallback.Load() != b.SessionID() {
		t.Fatal("callback did not run")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := b.NextEvent(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("pull while a listener is installed: %v", err)
	}
	second := make(chan struct{})
	ok(t, b.SetListener(func(session.Event) {}, func() { close(second) }))
	waitClosed(t, removed, "first listener's removal")
	ok(t, b.RemoveListener())
	waitClosed(t, second, "second listener's removal")
}

func TestListenerPanicIsRecovered(t *testing.T) {
	a := started(t, newClient(t, "lp-a"))
	b := started(t, newClient(t, "lp-b"))
	var mu sync.Mutex
	texts := map[string]bool{}
	done := make(chan struct{})
	ok(t, b.SetListener(func(ev session.Event) {
		if ev.Kind == session.EventMessageReceived {
			mu.Lock()
			texts[ev.Text] = true
			if len(texts) == 2 {
				close(done)
			}
			mu.Unlock()
		}
		panic("boom in callback")
	}, nil))
	got(a.SendText(b.SessionID(), "x1")).ok(t)
	got(a.SendText(b.SessionID(), "x2")).ok(t)
	waitClosed(t, done, "both messages despite panics")
}

func TestCloseFromInsideTheListener(t *testing.T) {
	a := started(t, newClient(t, "lc-a"))
	b := started(t, newClient(t, "lc-b"))
	removed := make(chan struct{})
	ok(t, b.SetListener(func(ev session.Event) {
		if ev.Kind == session.EventMessageReceived {
			b.Close() // completes after this callback returns
		}
	}, func() { close(removed) }))
	got(a.SendText(b.SessionID(), "please close")).ok(t)
	waitClosed(t, removed, "listener release after Close in the callback")
	if !b.IsClosed() {
		t.Fatal("not closed")
	}
}

func TestConcurrentUseAndClose(t *testing.T) {
	c := newClient(t, "conc")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := c.SendText(peer, "x"); err != nil {
					if !errors.Is(err, session.ErrClosed) {
						t.Errorf("unexpected error %v", err)
					}
					return
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	ok(t, c.Close())
	wg.Wait()
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(deadline):
		t.Fatalf("timed out waiting for %s", what)
	}
}
