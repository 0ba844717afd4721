package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <session_sdk.h>
#include "helpers.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime/cgo"
	"time"
)

// BackupInfo is what an encrypted backup holds: its manifest, written when it was taken (the
// backup_info document of docs/abi-json.md).
type BackupInfo struct {
	// SessionID is the account's Session ID.
	SessionID string `json:"session_id"`
	// CreatedAt is when the backup was taken, in milliseconds since the epoch.
	CreatedAt int64 `json:"created_at"`
	// SDKVersion is the version of the SDK that wrote it.
	SDKVersion string `json:"sdk_version"`
	// Messages counts the messages, sent and received.
	Messages uint64 `json:"messages"`
	// Conversations counts the conversations.
	Conversations uint64 `json:"conversations"`
	// Contacts counts the contacts, message requests and blocked IDs.
	Contacts uint64 `json:"contacts"`
	// Groups counts the groups.
	Groups uint64 `json:"groups"`
	// Attachments counts the attachments of messages, downloaded or not.
	Attachments uint64 `json:"attachments"`
	// Files counts the attachment files included (pending uploads and verified downloads).
	Files uint64 `json:"files"`
	// DatabaseBytes is the size of the database in the backup.
	DatabaseBytes uint64 `json:"database_bytes"`
	// FileBytes is the size of the attachment files in the backup.
	FileBytes uint64 `json:"file_bytes"`
}

// Created is CreatedAt as a time.Time.
func (b BackupInfo) Created() time.Time { return time.UnixMilli(b.CreatedAt) }

func decodeBackupInfo(s string) (BackupInfo, error) {
	var info BackupInfo
	if err := json.Unmarshal([]byte(s), &info); err != nil {
		return BackupInfo{}, fmt.Errorf("session: decoding a backup_info: %w", err)
	}
	return info, nil
}

// BackupCreate writes an encrypted backup of the client's account to path, a new file, and
// returns what it holds: the whole history, contacts, groups, settings and attachment files,
// under a key derived from passphrase (Argon2id, about a second). The database key is not in
// it: BackupRestore sets a new PIN. The client may be running (its database is copied at one
// point in time) or never started.
//
// It blocks until done: call it from your own goroutine, not a listener callback.
// EventBackupProgress events report the bytes written; CancelBackup from another goroutine stops
// it. On any failure no file is left at path.
//
// Errors: ErrInvalidArgument (an empty passphrase, or path exists: a backup never overwrites a
// file), ErrIO (e.g. a full disk), ErrDatabase, ErrCancelled, ErrInvalidUTF8.
func (c *Client) BackupCreate(path, passphrase string) (BackupInfo, error) {
	var out *C.char
	err := c.doStr(func(p *C.ssdk_client, s []*C.char) C.ssdk_status {
		return C.ssdk_client_backup_create(p, s[0], s[1], &out)
	}, path, "path", passphrase, "passphrase")
	if err != nil {
		return BackupInfo{}, err
	}
	return decodeBackupInfo(takeString(out))
}

// CancelBackup cancels the BackupCreate running on another goroutine (it then fails with
// ErrCancelled and leaves no file). No effect when none runs.
func (c *Client) CancelBackup() error {
	return c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_backup_cancel(p) })
}

// RestoreOptions are the optional parts of BackupRestore.
type RestoreOptions struct {
	// PIN protects the restored database ("" for none: the key is then kept in a file beside
	// the database, as for a new client). Open it with WithPIN(PIN).
	PIN string
	// Progress, if not nil, is called on the calling goroutine as bytes are restored (done of
	// total), a few times a second and at the end. Returning false cancels the restore
	// (ErrCancelled). A panic in it cancels the restore too, and is raised again from
	// BackupRestore once the SDK has removed what it wrote; it must not call runtime.Goexit
	// (t.FailNow, t.Fatal).
	Progress func(done, total uint64) bool
}

// progressBox is what a restore's C ctx refers to, through a runtime/cgo.Handle deleted when
// BackupRestore returns: the callback, and the panic it raised, if any.
type progressBox struct {
	fn         func(done, total uint64) bool
	panicked   bool
	panicValue any
}

//export goBackupProgress
func goBackupProgress(h C.uintptr_t, done, total C.uint64_t) (goOn C.bool) {
	box := cgo.Handle(h).Value().(*progressBox)
	if box.panicked {
		return false
	}
	returned := false
	// A panic must not unwind into the SDK (that would crash the process): keep it for
	// BackupRestore to raise again, and stop the restore.
	defer func() {
		if !returned {
			box.panicked, box.panicValue = true, recover()
			goOn = false
		}
	}()
	ok := box.fn(uint64(done), uint64(total))
	returned = true
	return C.bool(ok)
}

// BackupRestore restores the backup at path into dataDir (which must not exist, or be empty)
// and returns what it holds. The whole file is verified before anything is moved into dataDir;
// on any failure nothing is left there. Then open it with NewClient(dataDir, WithPIN(opts.PIN),
// ...): the restored client continues from where the backup was taken and fetches what arrived
// since. It blocks (the passphrase's key derivation alone takes about a second); it needs no
// client and may run on any goroutine.
//
// Errors: ErrNotFound (no file), ErrInvalidArgument (dataDir not empty), ErrWrongPIN (the
// passphrase does not open it), ErrMalformed (not a backup, or truncated), ErrDecryptionFailed
// (damaged or modified), ErrUnsupported (written by a newer SDK), ErrIO, ErrCancelled (Progress
// returned false), ErrInvalidUTF8.
func BackupRestore(path, passphrase, dataDir string, opts RestoreOptions) (BackupInfo, error) {
	args, err := cStrings(path, "path", passphrase, "passphrase", dataDir, "data_dir")
	if err != nil {
		return BackupInfo{}, err
	}
	defer freeStrings(args)
	pin, err := optArg(opts.PIN, "pin")
	if err != nil {
		return BackupInfo{}, err
	}
	defer freeString(pin)
	var box *progressBox
	var h cgo.Handle // 0 (no callback) is never a valid handle
	if opts.Progress != nil {
		box = &progressBox{fn: opts.Progress}
		h = cgo.NewHandle(box)
		defer h.Delete()
	}
	var out *C.char
	err = call(func() C.ssdk_status {
		return C.ssdkgo_backup_restore(args[0], args[1], args[2], pin, C.uintptr_t(h), &out)
	})
	if box != nil && box.panicked {
		if err == nil {
			takeString(out) // not expected (the last report can cancel), but never leak it
		}
		panic(box.panicValue)
	}
	if err != nil {
		return BackupInfo{}, err
	}
	return decodeBackupInfo(takeString(out))
}

// BackupInspect verifies the whole backup at path with passphrase (every byte is authenticated)
// and says what it holds, writing nothing. It blocks (about a second for the key derivation,
// then the time to read the file).
//
// Errors: ErrNotFound, ErrWrongPIN, ErrMalformed, ErrDecryptionFailed, ErrUnsupported, ErrIO,
// ErrInvalidUTF8.
func BackupInspect(path, passphrase string) (BackupInfo, error) {
	args, err := cStrings(path, "path", passphrase, "passphrase")
	if err != nil {
		return BackupInfo{}, err
	}
	defer freeStrings(args)
	var out *C.char
	if err := call(func() C.ssdk_status { return C.ssdk_backup_inspect(args[0], args[1], &out) }); err != nil {
		return BackupInfo{}, err
	}
	return decodeBackupInfo(takeString(out))
}
