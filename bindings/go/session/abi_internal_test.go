package session

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

func TestABIVersionsAgree(t *testing.T) {
	if ABIVersion() != BindingABIVersion {
		t.Fatalf("library ABI %d, binding %d", ABIVersion(), BindingABIVersion)
	}
	if err := checkABI(1, 1, 1); err != nil {
		t.Fatal(err)
	}
}

func TestABIMismatchIsRefusedWithAClearMessage(t *testing.T) {
	for _, c := range []struct{ header, library uint32 }{{1, 2}, {2, 1}, {0, 0}} {
		err := checkABI(1, c.header, c.library)
		if err == nil || !strings.Contains(err.Error(), "C ABI version") {
			t.Fatalf("checkABI(1, %d, %d) = %v", c.header, c.library, err)
		}
	}
}

func TestGuardWaitsForCallsInFlightAndFreesOnce(t *testing.T) {
	freed := 0
	g := newGuard(new(int), "thing")
	entered := make(chan struct{})
	release := make(chan struct{})
	go g.with(func(*int) error { close(entered); <-release; return nil })
	<-entered
	closed := make(chan struct{})
	go func() {
		if g.beginClose() {
			g.finishClose(func(*int) { freed++ })
		}
		close(closed)
	}()
	// New calls are refused as soon as closing began, while the old one still runs.
	for !g.isClosed() {
		runtime.Gosched()
	}
	if err := g.with(func(*int) error { return nil }); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrNullArgument) {
		t.Fatalf("call after close: %v", err)
	}
	select {
	case <-closed:
		t.Fatal("freed while a call was in flight")
	default:
	}
	close(release)
	<-closed
	if g.beginClose() {
		t.Fatal("closing twice")
	}
	g.finishClose(func(*int) { freed++ })
	if freed != 1 {
		t.Fatalf("freed %d times", freed)
	}
}
