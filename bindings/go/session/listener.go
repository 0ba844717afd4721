package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <stdint.h>
#include <session_sdk.h>
#include "helpers.h"
*/
import "C"

import (
	"log"
	"runtime/cgo"
	"runtime/debug"
)

// listenerBox is what a listener's C ctx refers to, through a runtime/cgo.Handle: the handle
// keeps it alive while the SDK may call it and is deleted in the destroy callback, which the
// SDK calls exactly once.
type listenerBox struct {
	onEvent   func(Event)
	onRemoved func()
}

//export goListenerEvent
func goListenerEvent(h C.uintptr_t, ev *C.ssdk_event) {
	box := cgo.Handle(h).Value().(*listenerBox)
	// A panic must not unwind into the SDK's thread (that would crash the process): report it.
	defer func() {
		if r := recover(); r != nil {
			log.Printf("session: listener callback panicked: %v\n%s", r, debug.Stack())
		}
	}()
	box.onEvent(eventFromC(ev)) // the event is borrowed: copied before the callback runs
}

//export goListenerDestroy
func goListenerDestroy(h C.uintptr_t) {
	handle := cgo.Handle(h)
	box := handle.Value().(*listenerBox)
	handle.Delete()
	if box.onRemoved != nil {
		defer func() {
			if r := recover(); r != nil {
				log.Printf("session: listener removal callback panicked: %v\n%s", r, debug.Stack())
			}
		}()
		box.onRemoved()
	}
}

// SetListener delivers events to onEvent on one SDK thread, never concurrently, instead of the
// pull queue (events already queued are delivered first). onRemoved, if not nil, runs once when
// this listener is replaced or removed or the client is closed. The callback may call the client,
// including Close. Panics in either are recovered and logged.
//
// In this SDK version, events that arrive after a listener was removed are not queued for
// NextEvent.
func (c *Client) SetListener(onEvent func(Event), onRemoved func()) error {
	if onEvent == nil {
		return c.RemoveListener()
	}
	h := cgo.NewHandle(&listenerBox{onEvent: onEvent, onRemoved: onRemoved})
	err := c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdkgo_set_listener(p, C.uintptr_t(h)) })
	if err != nil {
		h.Delete() // the SDK did not take it, so it will never call destroy
	}
	return err
}

// RemoveListener removes the listener (its onRemoved runs on the SDK's thread).
func (c *Client) RemoveListener() error {
	return c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdkgo_clear_listener(p) })
}
