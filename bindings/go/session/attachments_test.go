package session_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/session-sdk/session-sdk/bindings/go/session"
)

func isAttachment(kind session.EventKind, id int64, upload bool) func(session.Event) bool {
	return func(e session.Event) bool { return e.Kind == kind && e.MessageID == id && e.IsUpload == upload }
}

func TestAttachmentSendReceiveDownload(t *testing.T) {
	alice := started(t, newClient(t, "att-a"))
	bob := started(t, newClient(t, "att-b", session.WithAutoAcceptRequests(true)))
	data := make([]byte, 300_000)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	id := got(alice.SendFileBytes(bob.SessionID(), data, session.FileOptions{
		FileName: "noise.bin", ContentType: "application/octet-stream", Caption: "some noise"})).ok(t)
	progress := waitEvent(t, alice, "upload progress", isAttachment(session.EventAttachmentProgress, id, true))
	if progress.BytesTotal < uint64(len(data)) || progress.AttachmentIndex != 0 {
		t.Fatalf("progress %+v", progress)
	}
	waitEvent(t, alice, "upload done", isAttachment(session.EventAttachmentDone, id, true))
	waitEvent(t, alice, "sent", func(e session.Event) bool {
		return e.Kind == session.EventMessageState && e.MessageID == id && e.MessageState() == session.MessageSent
	})
	if m := got(alice.Message(id)).ok(t); len(m.Attachments) != 1 || m.Attachments[0].State != "uploaded" || m.Attachments[0].Size != uint64(len(data)) {
		t.Fatalf("sent attachments %+v", m.Attachments)
	}

	recv := waitMessage(t, bob, "some noise")
	m := got(recv.Message()).ok(t)
	if len(m.Attachments) != 1 || m.Attachments[0].FileName != "noise.bin" || m.Attachments[0].ContentType != "application/octet-stream" ||
		m.Attachments[0].State != "remote" {
		t.Fatalf("received attachments %+v", m.Attachments)
	}
	if b := got(bob.AttachmentBytes(recv.MessageID, 0)).ok(t); !bytes.Equal(b, data) {
		t.Fatal("downloaded bytes differ")
	}
	dest := filepath.Join(t.TempDir(), "downloaded.bin")
	ok(t, bob.DownloadAttachment(recv.MessageID, 0, dest))
	done := waitEvent(t, bob, "download done", isAttachment(session.EventAttachmentDone, recv.MessageID, false))
	if done.Text != dest {
		t.Fatalf("done path %q", done.Text)
	}
	if b := got(os.ReadFile(dest)).ok(t); !bytes.Equal(b, data) {
		t.Fatal("downloaded file differs")
	}
}

func TestAttachmentFromDisk(t *testing.T) {
	alice := started(t, newClient(t, "attf-a"))
	bob := started(t, newClient(t, "attf-b", session.WithAutoAcceptRequests(true)))
	path := filepath.Join(t.TempDir(), "hello.txt")
	ok(t, os.WriteFile(path, []byte("hello from a file"), 0o644))
	got(alice.SendFile(bob.SessionID(), path, "")).ok(t)
	recv := waitEvent(t, bob, "file message", func(e session.Event) bool {
		if e.Kind != session.EventMessageReceived {
			return false
		}
		m, err := e.Message()
		return err == nil && m != nil && len(m.Attachments) == 1
	})
	if b := got(bob.AttachmentBytes(recv.MessageID, 0)).ok(t); string(b) != "hello from a file" {
		t.Fatalf("got %q", b)
	}
}

func TestAttachmentErrors(t *testing.T) {
	c := newClient(t, "att-err")
	if session.MaxAttachmentSize() != 10_000_000 {
		t.Fatalf("max %d", session.MaxAttachmentSize())
	}
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	ok(t, os.WriteFile(empty, nil, 0o644))
	big := filepath.Join(dir, "big")
	f := got(os.Create(big)).ok(t)
	ok(t, f.Truncate(int64(session.MaxAttachmentSize())+1)) // sparse
	f.Close()
	_, err := c.SendFile(peer, filepath.Join(dir, "missing"), "")
	wantErr(t, err, session.ErrIO)
	_, err = c.SendFile(peer, empty, "")
	wantErr(t, err, session.ErrInvalidArgument)
	_, err = c.SendFile(peer, big, "caption")
	wantErr(t, err, session.ErrTooLarge)
	_, err = c.SendFile("05bad", empty, "")
	wantErr(t, err, session.ErrInvalidSessionID)
	_, err = c.SendFileBytes(peer, nil, session.FileOptions{})
	wantErr(t, err, session.ErrInvalidArgument)
	_, err = c.SendFileBytes(peer, make([]byte, session.MaxAttachmentSize()+1), session.FileOptions{})
	wantErr(t, err, session.ErrTooLarge)
	_, err = c.SendFileBytes(peer, []byte("\xff\xd8\xff\xe0garbagegarbage"), session.FileOptions{})
	wantErr(t, err, session.ErrMalformed)
	_, err = c.SendFileBytes(peer, []byte("x"), session.FileOptions{FileName: "a\x00b"})
	wantErr(t, err, session.ErrInvalidArgument)
	wantErr(t, c.DownloadAttachment(999999, 0, ""), session.ErrNotFound)
	_, err = c.AttachmentBytes(999999, 0)
	wantErr(t, err, session.ErrNotFound)
	wantErr(t, c.CancelTransfer(999999, 0), session.ErrNotFound)

	nostrip := newClient(t, "att-nostrip", session.WithStripJPEGMetadata(false))
	got(nostrip.SendFileBytes(peer, []byte("\xff\xd8\xff\xe0garbagegarbage"), session.FileOptions{})).ok(t)
}

func TestCancelQueuedUpload(t *testing.T) {
	c := newClient(t, "att-cancel")
	id := got(c.SendFileBytes(peer, []byte("never uploaded"), session.FileOptions{FileName: "x.bin"})).ok(t)
	if m := got(c.Message(id)).ok(t); m.Attachments[0].State != "pending_upload" {
		t.Fatalf("state %q", m.Attachments[0].State)
	}
	ok(t, c.CancelTransfer(id, 0))
	if m := got(c.Message(id)).ok(t); m.State != session.MessageFailed || m.Attachments[0].State != "upload_failed" {
		t.Fatalf("after cancel %+v", m)
	}
	waitEvent(t, c, "failed state", func(e session.Event) bool {
		return e.Kind == session.EventMessageState && e.MessageID == id && e.MessageState() == session.MessageFailed
	})
	wantErr(t, c.CancelTransfer(id, 0), session.ErrNotFound)
}

func TestProfilePicture(t *testing.T) {
	alice := started(t, newClient(t, "pic-a"))
	bob := started(t, newClient(t, "pic-b", session.WithAutoAcceptRequests(true)))
	if pic := got(alice.ProfilePicture("")).ok(t); pic != nil {
		t.Fatalf("a picture before any was set: %d bytes", len(pic))
	}
	image := make([]byte, 5000)
	if _, err := rand.Read(image); err != nil {
		t.Fatal(err)
	}
	ok(t, alice.SetProfilePicture(image))
	if pic := got(alice.ProfilePicture("")).ok(t); !bytes.Equal(pic, image) {
		t.Fatal("our picture differs after the round trip")
	}
	got(alice.SendText(bob.SessionID(), "new picture")).ok(t)
	waitMessage(t, bob, "new picture")
	if pic := got(bob.ProfilePicture(alice.SessionID())).ok(t); !bytes.Equal(pic, image) {
		t.Fatal("bob got a different picture")
	}
	wantErr(t, alice.SetProfilePicture([]byte{}), session.ErrInvalidArgument)
	_, err := bob.ProfilePicture("05nope")
	wantErr(t, err, session.ErrInvalidSessionID)
	ok(t, alice.SetProfilePicture(nil))
	if pic := got(alice.ProfilePicture("")).ok(t); pic != nil {
		t.Fatal("a picture after removing it")
	}
}
