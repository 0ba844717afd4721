package session_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/session-sdk/session-sdk/bindings/go/session"
)

const backupPass = "correct horse battery staple"

// listing is the sorted names in dir.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func wantListing(t *testing.T, dir string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := listing(t, dir); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s holds %v, want %v", dir, got, want)
	}
}

// TestBackup makes one backup of a never-started client (no network needed) and uses it in
// every subtest: each backup, inspect or restore derives an Argon2id key (about a second).
func TestBackup(t *testing.T) {
	work := t.TempDir()
	src := newClient(t, "source", session.WithLogLevel(session.LogOff))
	ok(t, src.SetDisplayName("Backed Up"))
	mid := got(src.SendText(peer, "kept in the backup")).ok(t)
	ok(t, src.CancelBackup()) // none runs: no effect, and none on the next backup either
	file := filepath.Join(work, "account.ssdkbackup")
	info := got(src.BackupCreate(file, backupPass)).ok(t)
	last := waitEvent(t, src, "the last backup progress event", func(e session.Event) bool {
		return e.Kind == session.EventBackupProgress && e.BytesDone == e.BytesTotal
	})
	ok(t, src.Close())

	t.Run("info", func(t *testing.T) {
		if info.SessionID != src.SessionID() || info.SDKVersion != session.Version() {
			t.Fatalf("info %+v", info)
		}
		if info.Messages != 1 || info.Conversations != 1 || info.Groups != 0 || info.Attachments != 0 || info.Files != 0 {
			t.Fatalf("counts %+v", info)
		}
		if info.DatabaseBytes == 0 || info.FileBytes != 0 || time.Since(info.Created()) > time.Hour || info.Created().After(time.Now().Add(time.Minute)) {
			t.Fatalf("sizes or time %+v", info)
		}
		if last.BytesTotal != info.DatabaseBytes+info.FileBytes {
			t.Fatalf("progress total %d, info %+v", last.BytesTotal, info)
		}
		if st := got(os.Stat(file)).ok(t); uint64(st.Size()) <= info.DatabaseBytes {
			t.Fatalf("backup of %d bytes", st.Size())
		}
		wantListing(t, work, "account.ssdkbackup") // no partial file left over
	})

	t.Run("inspect, restore with a new PIN, open", func(t *testing.T) {
		if again := got(session.BackupInspect(file, backupPass)).ok(t); again != info {
			t.Fatalf("inspect %+v, created %+v", again, info)
		}
		target := filepath.Join(t.TempDir(), "nested", "restored") // missing parents are created
		var calls [][2]uint64
		restored := got(session.BackupRestore(file, backupPass, target, session.RestoreOptions{
			PIN:      "new pin",
			Progress: func(done, total uint64) bool { calls = append(calls, [2]uint64{done, total}); return true },
		})).ok(t)
		if restored != info {
			t.Fatalf("restore %+v, created %+v", restored, info)
		}
		if len(calls) == 0 || calls[len(calls)-1][0] != calls[len(calls)-1][1] || calls[len(calls)-1][1] != info.DatabaseBytes+info.FileBytes {
			t.Fatalf("progress calls %v", calls)
		}
		for i, c := range calls {
			if c[0] > c[1] || (i > 0 && c[0] < calls[i-1][0]) {
				t.Fatalf("progress calls %v", calls)
			}
		}
		_, err := session.NewClient(target, session.WithLogLevel(session.LogOff))
		wantErr(t, err, session.ErrWrongPIN) // the new PIN protects it
		r := got(session.NewClient(target, session.WithPIN("new pin"), session.WithLogLevel(session.LogOff))).ok(t)
		defer r.Close()
		if r.SessionID() != info.SessionID {
			t.Fatalf("restored %s, backed up %s", r.SessionID(), info.SessionID)
		}
		if name := got(r.DisplayName()).ok(t); name != "Backed Up" {
			t.Fatalf("display name %q", name)
		}
		hist := got(r.History(peer, 0, 10)).ok(t)
		if len(hist) != 1 || hist[0].ID != mid || hist[0].Body != "kept in the backup" || !hist[0].Outgoing {
			t.Fatalf("history %+v", hist)
		}
	})

	t.Run("wrong passphrase", func(t *testing.T) {
		_, err := session.BackupInspect(file, "not the passphrase")
		wantErr(t, err, session.ErrWrongPIN)
		dir := t.TempDir()
		_, err = session.BackupRestore(file, "not the passphrase", filepath.Join(dir, "target"), session.RestoreOptions{PIN: "1234"})
		wantErr(t, err, session.ErrWrongPIN)
		wantListing(t, dir)
	})

	t.Run("non-empty target", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "occupied")
		ok(t, os.Mkdir(target, 0o700))
		ok(t, os.WriteFile(filepath.Join(target, "mine.txt"), []byte("not yours"), 0o600))
		_, err := session.BackupRestore(file, backupPass, target, session.RestoreOptions{})
		wantErr(t, err, session.ErrInvalidArgument)
		wantListing(t, target, "mine.txt")
		wantListing(t, dir, "occupied")
	})

	t.Run("progress returning false cancels and leaves nothing", func(t *testing.T) {
		dir := t.TempDir()
		calls := 0
		_, err := session.BackupRestore(file, backupPass, filepath.Join(dir, "target"), session.RestoreOptions{
			PIN:      "1234",
			Progress: func(done, total uint64) bool { calls++; return false },
		})
		wantErr(t, err, session.ErrCancelled)
		if calls != 1 {
			t.Fatalf("called %d times after saying stop", calls)
		}
		wantListing(t, dir) // neither the target nor a staging directory
	})

	t.Run("a panic in progress propagates and leaves nothing", func(t *testing.T) {
		dir := t.TempDir()
		calls := 0
		recovered := func() (r any) {
			defer func() { r = recover() }()
			_, _ = session.BackupRestore(file, backupPass, filepath.Join(dir, "target"), session.RestoreOptions{
				Progress: func(done, total uint64) bool { calls++; panic("raised inside the progress callback") },
			})
			return nil
		}()
		if recovered != "raised inside the progress callback" || calls != 1 {
			t.Fatalf("recovered %v after %d calls", recovered, calls)
		}
		wantListing(t, dir)
	})

	t.Run("an existing file is never overwritten", func(t *testing.T) {
		dir := t.TempDir()
		before := got(os.ReadFile(file)).ok(t)
		existing := filepath.Join(dir, "precious.txt")
		ok(t, os.WriteFile(existing, []byte("precious"), 0o600))
		c := newClient(t, "other")
		for _, path := range []string{existing, file} {
			_, err := c.BackupCreate(path, backupPass)
			wantErr(t, err, session.ErrInvalidArgument)
		}
		if string(got(os.ReadFile(existing)).ok(t)) != "precious" || string(got(os.ReadFile(file)).ok(t)) != string(before) {
			t.Fatal("a file was overwritten")
		}
		wantListing(t, dir, "precious.txt")
		wantListing(t, work, "account.ssdkbackup")
	})

	t.Run("bad input", func(t *testing.T) {
		dir := t.TempDir()
		notBackup := filepath.Join(dir, "notes.txt")
		ok(t, os.WriteFile(notBackup, []byte(strings.Repeat("just some text, certainly not a backup\n", 20)), 0o600))
		c := newClient(t, "bad")
		_, err := c.BackupCreate(filepath.Join(dir, "x"), "")
		wantErr(t, err, session.ErrInvalidArgument)
		_, err = c.BackupCreate(filepath.Join(dir, "x"), "a\x00b")
		wantErr(t, err, session.ErrInvalidArgument)
		_, err = c.BackupCreate(filepath.Join(dir, "x"), "\xff\xfe")
		wantErr(t, err, session.ErrInvalidUTF8)
		_, err = session.BackupRestore(filepath.Join(dir, "missing"), backupPass, filepath.Join(dir, "t"), session.RestoreOptions{})
		wantErr(t, err, session.ErrNotFound)
		_, err = session.BackupInspect(filepath.Join(dir, "missing"), backupPass)
		wantErr(t, err, session.ErrNotFound)
		_, err = session.BackupInspect(notBackup, backupPass)
		wantErr(t, err, session.ErrMalformed)
		_, err = session.BackupRestore(file, backupPass, filepath.Join(dir, "t"), session.RestoreOptions{PIN: "a\x00b"})
		wantErr(t, err, session.ErrInvalidArgument)
		wantListing(t, dir, "notes.txt")
		ok(t, c.Close())
		_, err = c.BackupCreate(filepath.Join(dir, "y"), backupPass)
		if !errors.Is(err, session.ErrClosed) {
			t.Fatalf("BackupCreate on a closed client: %v", err)
		}
		if err := c.CancelBackup(); !errors.Is(err, session.ErrClosed) {
			t.Fatalf("CancelBackup on a closed client: %v", err)
		}
	})
}

func TestCancelBackupStopsARunningBackup(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "cancelled.ssdkbackup")
	c := newClient(t, "cancel", session.WithLogLevel(session.LogOff))
	type result struct {
		info session.BackupInfo
		err  error
	}
	done := make(chan result, 1)
	go func() {
		info, err := c.BackupCreate(target, backupPass)
		done <- result{info, err}
	}()
	// A cancel before the backup begins has no effect, so cancel until it ends (the key
	// derivation alone keeps it running for about a second).
	var r result
	for waiting := true; waiting; {
		ok(t, c.CancelBackup())
		select {
		case r = <-done:
			waiting = false
		case <-time.After(5 * time.Millisecond):
		}
	}
	wantErr(t, r.err, session.ErrCancelled)
	wantListing(t, dir) // no file, no partial file
}
