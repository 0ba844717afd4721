package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <session_sdk.h>
*/
import "C"

import (
	"errors"
	"runtime"
)

// Status is an ssdk_status code. The non-zero ones are sentinel errors: compare with errors.Is.
type Status int32

// The status codes of the C ABI (stable numbers). Each error value is a sentinel:
//
//	if errors.Is(err, session.ErrWrongPIN) { ... }
const (
	StatusOK               Status = C.SSDK_OK
	ErrInternal            Status = C.SSDK_ERR_INTERNAL
	ErrNullArgument        Status = C.SSDK_ERR_NULL_ARGUMENT
	ErrInvalidUTF8         Status = C.SSDK_ERR_INVALID_UTF8
	ErrInvalidArgument     Status = C.SSDK_ERR_INVALID_ARGUMENT
	ErrInvalidSessionID    Status = C.SSDK_ERR_INVALID_SESSION_ID
	ErrMnemonicWordCount   Status = C.SSDK_ERR_MNEMONIC_WORD_COUNT
	ErrMnemonicUnknownWord Status = C.SSDK_ERR_MNEMONIC_UNKNOWN_WORD
	ErrMnemonicChecksum    Status = C.SSDK_ERR_MNEMONIC_CHECKSUM
	ErrInvalidKey          Status = C.SSDK_ERR_INVALID_KEY
	ErrDecryptionFailed    Status = C.SSDK_ERR_DECRYPTION_FAILED
	ErrBadSignature        Status = C.SSDK_ERR_BAD_SIGNATURE
	ErrMalformed           Status = C.SSDK_ERR_MALFORMED
	ErrUnsupported         Status = C.SSDK_ERR_UNSUPPORTED
	ErrNetwork             Status = C.SSDK_ERR_NETWORK
	ErrTimeout             Status = C.SSDK_ERR_TIMEOUT
	ErrWrongPIN            Status = C.SSDK_ERR_WRONG_PIN
	ErrDatabase            Status = C.SSDK_ERR_DATABASE
	ErrNotFound            Status = C.SSDK_ERR_NOT_FOUND
	ErrTooLarge            Status = C.SSDK_ERR_TOO_LARGE
	ErrGroupFull           Status = C.SSDK_ERR_GROUP_FULL
	ErrPermissionDenied    Status = C.SSDK_ERR_PERMISSION_DENIED
	ErrCancelled           Status = C.SSDK_ERR_CANCELLED
	ErrNotRunning          Status = C.SSDK_ERR_NOT_RUNNING
	ErrIO                  Status = C.SSDK_ERR_IO
	ErrBlocked             Status = C.SSDK_ERR_BLOCKED
	ErrBusy                Status = C.SSDK_ERR_BUSY
)

// String is the stable name of the code, such as "SSDK_ERR_WRONG_PIN" (ssdk_status_name).
func (s Status) String() string {
	return C.GoString(C.ssdk_status_name(C.int32_t(s)))
}

// Error makes each status code a sentinel error value.
func (s Status) Error() string {
	return "session: " + s.String()
}

// ErrClosed matches errors from using a Client or Identity after Close. Such errors also match
// ErrNullArgument, the code the C ABI gives for a released (NULL) handle.
var ErrClosed = errors.New("session: use of a closed object")

// Error is a failure reported by the SDK (or, for a closed object or a string holding a NUL
// byte, by the binding before calling it).
type Error struct {
	// Code is the status code; errors.Is(err, Code) holds.
	Code Status
	// Message is the SDK's explanation, "KIND: explanation" (ssdk_last_error_message).
	Message string

	closed bool
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code.Error()
	}
	return "session: " + e.Message
}

// Unwrap returns the status code, so errors.Is(err, session.ErrNotFound) works.
func (e *Error) Unwrap() error { return e.Code }

// Is reports whether the error is ErrClosed (for a closed object).
func (e *Error) Is(target error) bool { return e.closed && target == ErrClosed }

func closedError(what string) error {
	return &Error{Code: ErrNullArgument, Message: "NULL_ARGUMENT: the " + what + " is closed", closed: true}
}

// call runs one fallible C call and turns a failure into an *Error carrying the SDK's message.
// The message is thread-local in the SDK, so the goroutine stays on its OS thread from the call
// to the read of the message.
func call(f func() C.ssdk_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st := f()
	if st == C.SSDK_OK {
		return nil
	}
	return lastError(st)
}

// lastError must run on the OS thread of the failed call (see call).
func lastError(st C.ssdk_status) error {
	return &Error{Code: Status(st), Message: C.GoString(C.ssdk_last_error_message())}
}
