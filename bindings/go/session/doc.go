// Package session is the Go binding of session-sdk: hold a Session identity and send and
// receive onion-routed, end-to-end encrypted messages, over the SDK's C ABI
// (include/session_sdk.h) through cgo. It holds no protocol logic: every call is a thin wrapper
// that converts arguments, maps the ssdk_status result to an error value, and releases what the
// SDK hands over with the SDK's own free functions.
//
// Linking: the package links -lsession_sdk and includes <session_sdk.h>. With the library
// installed in a system prefix (cargo cinstall, or scripts/install.sh /usr/local) nothing else is
// needed; for a library built in a checkout,
//
//	eval "$(scripts/bindings/lib-env.sh)"   # cargo build --release --lib, then CGO_CFLAGS/CGO_LDFLAGS
//
// At init the package compares the library's ssdk_abi_version() and the header's
// SSDK_ABI_VERSION with BindingABIVersion and panics with a message naming the versions if they
// differ: a program never runs against a library of another ABI.
//
// Errors are values: every SDK failure is an *Error carrying the status code and the SDK's
// explanation, and errors.Is(err, session.ErrWrongPIN) (one sentinel per status code) works.
// Using a closed object gives an error that matches ErrClosed (and ErrNullArgument).
//
// A Client may be used from any goroutine. Events come from NextEvent(ctx), from the channel of
// Events(ctx), or from a listener set with SetListener (called on one SDK thread). Close releases
// the client after the calls in flight have returned; finalizers only guard against leaks.
package session
