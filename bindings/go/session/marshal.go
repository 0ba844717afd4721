package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <stdlib.h>
#include <session_sdk.h>
*/
import "C"

import (
	"strings"
	"sync"
	"unsafe"
)

// cString copies s for a C call (free it with freeString). Go strings may hold any bytes, so
// invalid UTF-8 reaches the SDK, which reports ErrInvalidUTF8; an embedded NUL would silently cut
// the string short in C, so it is refused here.
func cString(s, what string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &Error{Code: ErrInvalidArgument, Message: "INVALID_ARGUMENT: " + what + " contains a NUL byte"}
	}
	return C.CString(s), nil
}

// cStrings converts several arguments; on error nothing is left allocated.
func cStrings(pairs ...string) ([]*C.char, error) {
	out := make([]*C.char, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		p, err := cString(pairs[i], pairs[i+1])
		if err != nil {
			freeStrings(out)
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func freeString(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}

func freeStrings(ps []*C.char) {
	for _, p := range ps {
		freeString(p)
	}
}

// takeString copies a string the SDK returned and releases it with ssdk_string_free.
func takeString(p *C.char) string {
	if p == nil {
		return ""
	}
	defer C.ssdk_string_free(p)
	return C.GoString(p)
}

// takeBytes copies a buffer the SDK returned and releases it with ssdk_bytes_free.
func takeBytes(p *C.uint8_t, n C.size_t) []byte {
	if p == nil {
		return []byte{}
	}
	defer C.ssdk_bytes_free(p, n)
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

// bytesArg is a C view of b for the duration of a call (the SDK copies what it keeps).
func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// guard owns one native handle (P is its C pointer type): it counts the calls using it, and
// close refuses new calls (closed error), waits for the running ones, then frees the handle
// exactly once. The SDK requires that a handle is freed only after every other thread has
// finished with it.
type guard[P any] struct {
	mu     sync.Mutex
	idle   *sync.Cond
	ptr    P
	users  int
	closed bool
	freed  bool
	what   string
}

func newGuard[P any](ptr P, what string) *guard[P] {
	g := &guard[P]{ptr: ptr, what: what}
	g.idle = sync.NewCond(&g.mu)
	return g
}

// with runs f with the handle, or returns the closed error.
func (g *guard[P]) with(f func(P) error) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return closedError(g.what)
	}
	g.users++
	p := g.ptr
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.users--
		if g.users == 0 {
			g.idle.Broadcast()
		}
		g.mu.Unlock()
	}()
	return f(p)
}

// beginClose refuses new calls; false if closing had already begun.
func (g *guard[P]) beginClose() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	return true
}

// finishClose waits for the calls in flight, then frees the handle (once).
func (g *guard[P]) finishClose(free func(P)) {
	g.mu.Lock()
	for g.users > 0 {
		g.idle.Wait()
	}
	done := g.freed
	g.freed = true
	p := g.ptr
	g.mu.Unlock()
	if !done {
		free(p)
	}
}

func (g *guard[P]) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}
