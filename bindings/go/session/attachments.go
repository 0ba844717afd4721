package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <stdlib.h>
#include <session_sdk.h>
*/
import "C"

import "runtime"

// MaxAttachmentSize is the largest attachment the SDK sends, in bytes.
func MaxAttachmentSize() uint64 { return uint64(C.ssdk_max_attachment_size()) }

// optArg converts an optional string argument: "" passes NULL.
func optArg(s, what string) (*C.char, error) {
	if s == "" {
		return nil, nil
	}
	return cString(s, what)
}

// SendFile queues the file at path (at most MaxAttachmentSize bytes) for to, with an optional
// caption ("" for none), and returns the local message id (its attachment has index 0). The file
// is read and encrypted now; the running client uploads it (attachment events) and sends the
// message once the upload succeeded.
//
// Errors: ErrIO, ErrTooLarge (refused before any upload), ErrInvalidArgument (empty file),
// ErrMalformed (a JPEG whose metadata cannot be removed), ErrInvalidSessionID, ErrBlocked.
func (c *Client) SendFile(to, path, caption string) (int64, error) {
	args, err := cStrings(to, "to", path, "path")
	if err != nil {
		return 0, err
	}
	defer freeStrings(args)
	capt, err := optArg(caption, "caption")
	if err != nil {
		return 0, err
	}
	defer freeString(capt)
	var id C.int64_t
	err = c.do(func(p *C.ssdk_client) C.ssdk_status { return C.ssdk_client_send_file(p, args[0], args[1], capt, &id) })
	return int64(id), err
}

// FileOptions are the optional parts of SendFileBytes ("" for none). A JPEG is recognised by
// its bytes whatever ContentType says.
type FileOptions struct {
	FileName    string
	ContentType string
	Caption     string
}

// SendFileBytes is SendFile from memory (data is copied by the SDK).
func (c *Client) SendFileBytes(to string, data []byte, opts FileOptions) (int64, error) {
	dest, err := cString(to, "to")
	if err != nil {
		return 0, err
	}
	defer freeString(dest)
	var opt [3]*C.char
	for i, v := range [][2]string{{opts.FileName, "file_name"}, {opts.ContentType, "content_type"}, {opts.Caption, "caption"}} {
		if opt[i], err = optArg(v[0], v[1]); err != nil {
			freeStrings(opt[:i])
			return 0, err
		}
	}
	defer freeStrings(opt[:])
	buf, n := bytesArg(data)
	var id C.int64_t
	err = c.do(func(p *C.ssdk_client) C.ssdk_status {
		return C.ssdk_client_send_file_bytes(p, dest, buf, n, opt[0], opt[1], opt[2], &id)
	})
	runtime.KeepAlive(data)
	return int64(id), err
}

// DownloadAttachment starts downloading attachment index of a message in the background:
// progress events, then EventAttachmentDone (the verified file written to destPath if it is not
// "", with nothing partial ever visible there) or EventAttachmentFailed. ErrNotFound for an
// unknown attachment.
func (c *Client) DownloadAttachment(messageID int64, index uint32, destPath string) error {
	dest, err := optArg(destPath, "dest_path")
	if err != nil {
		return err
	}
	defer freeString(dest)
	return c.do(func(p *C.ssdk_client) C.ssdk_status {
		return C.ssdk_client_download_attachment(p, C.int64_t(messageID), C.uint32_t(index), dest)
	})
}

// AttachmentBytes downloads, verifies and decrypts an attachment, blocking until done (call it
// from a goroutine, not a listener callback, if you need events meanwhile). Errors: ErrNotFound
// (unknown or expired), ErrDecryptionFailed (tampered or truncated), ErrNetwork, ErrTimeout,
// ErrCancelled.
func (c *Client) AttachmentBytes(messageID int64, index uint32) ([]byte, error) {
	var out *C.uint8_t
	var n C.size_t
	err := c.do(func(p *C.ssdk_client) C.ssdk_status {
		return C.ssdk_client_attachment_bytes(p, C.int64_t(messageID), C.uint32_t(index), &out, &n)
	})
	if err != nil {
		return nil, err
	}
	return takeBytes(out, n), nil
}

// CancelTransfer cancels an upload (its message becomes failed) or a download in progress
// (ErrNotFound if none is).
func (c *Client) CancelTransfer(messageID int64, index uint32) error {
	return c.do(func(p *C.ssdk_client) C.ssdk_status {
		return C.ssdk_client_cancel_transfer(p, C.int64_t(messageID), C.uint32_t(index))
	})
}
