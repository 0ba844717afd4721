package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <stdlib.h>
#include <string.h>
#include <session_sdk.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Identity is a Session identity: key pair, Session ID and recovery phrase. Immutable and safe
// for concurrent use. Close releases it (the SDK wipes the secrets); a finalizer releases a
// forgotten one, but do not rely on it.
type Identity struct {
	g         *guard[*C.ssdk_identity]
	sessionID string
	publicKey [32]byte
}

func newIdentity(p *C.ssdk_identity) (*Identity, error) {
	id := &Identity{g: newGuard(p, "identity")}
	var out *C.char
	err := call(func() C.ssdk_status { return C.ssdk_identity_session_id(p, &out) })
	if err == nil {
		id.sessionID = takeString(out)
		err = call(func() C.ssdk_status {
			return C.ssdk_identity_ed25519_public_key(p, (*C.uint8_t)(unsafe.Pointer(&id.publicKey[0])))
		})
	}
	if err != nil {
		C.ssdk_identity_free(p)
		return nil, err
	}
	runtime.SetFinalizer(id, (*Identity).Close)
	return id, nil
}

// GenerateIdentity creates a new random identity (16-byte seed, 13-word recovery phrase).
func GenerateIdentity() (*Identity, error) {
	var p *C.ssdk_identity
	if err := call(func() C.ssdk_status { return C.ssdk_identity_generate(&p) }); err != nil {
		return nil, err
	}
	return newIdentity(p)
}

// IdentityFromSeed restores an identity from a 16-byte (Session apps) or 32-byte seed;
// other lengths give ErrInvalidKey.
func IdentityFromSeed(seed []byte) (*Identity, error) {
	var p *C.ssdk_identity
	data, n := bytesArg(seed)
	if err := call(func() C.ssdk_status { return C.ssdk_identity_from_seed(data, n, &p) }); err != nil {
		return nil, err
	}
	runtime.KeepAlive(seed)
	return newIdentity(p)
}

// IdentityFromMnemonic restores an identity from its recovery phrase (13 words, or 25 for a
// 32-byte seed; case and extra spaces are ignored). Errors: ErrMnemonicWordCount,
// ErrMnemonicUnknownWord (the message names the word), ErrMnemonicChecksum, ErrInvalidUTF8.
func IdentityFromMnemonic(phrase string) (*Identity, error) {
	cs, err := cString(phrase, "phrase")
	if err != nil {
		return nil, err
	}
	defer freeString(cs)
	var p *C.ssdk_identity
	if err := call(func() C.ssdk_status { return C.ssdk_identity_from_mnemonic(cs, &p) }); err != nil {
		return nil, err
	}
	return newIdentity(p)
}

// SessionID is the identity's Session ID: 66 lowercase hex characters starting "05".
func (id *Identity) SessionID() string { return id.sessionID }

// Ed25519PublicKey is the identity's Ed25519 public key.
func (id *Identity) Ed25519PublicKey() [32]byte { return id.publicKey }

// Mnemonic is the recovery phrase (secret), words separated by single spaces.
func (id *Identity) Mnemonic() (string, error) {
	var out *C.char
	err := id.g.with(func(p *C.ssdk_identity) error {
		return call(func() C.ssdk_status { return C.ssdk_identity_mnemonic(p, &out) })
	})
	if err != nil {
		return "", err
	}
	return takeString(out), nil
}

// Seed is the 32-byte seed (secret); identities from a 16-byte seed or a 13-word phrase have 16
// trailing zero bytes.
func (id *Identity) Seed() ([32]byte, error) {
	buf := (*C.uint8_t)(C.calloc(32, 1))
	defer func() {
		C.memset(unsafe.Pointer(buf), 0, 32)
		C.free(unsafe.Pointer(buf))
	}()
	var seed [32]byte
	err := id.g.with(func(p *C.ssdk_identity) error {
		return call(func() C.ssdk_status { return C.ssdk_identity_seed(p, buf) })
	})
	if err == nil {
		copy(seed[:], C.GoBytes(unsafe.Pointer(buf), 32))
	}
	return seed, err
}

// EncryptFor seals msg for the Session ID recipient with the Session protocol, signed by this
// identity. The result is len(msg)+144 bytes. Errors: ErrInvalidSessionID, ErrInvalidUTF8.
func (id *Identity) EncryptFor(recipient string, msg []byte) ([]byte, error) {
	to, err := cString(recipient, "recipient")
	if err != nil {
		return nil, err
	}
	defer freeString(to)
	var out *C.uint8_t
	var outLen C.size_t
	data, n := bytesArg(msg)
	err = id.g.with(func(p *C.ssdk_identity) error {
		return call(func() C.ssdk_status { return C.ssdk_encrypt_for_recipient(p, to, data, n, &out, &outLen) })
	})
	runtime.KeepAlive(msg)
	if err != nil {
		return nil, err
	}
	return takeBytes(out, outLen), nil
}

// Decrypt opens a Session-protocol message addressed to this identity and verifies its sender:
// it returns the plaintext and the sender's Session ID. Errors: ErrDecryptionFailed (not for
// us, tampered, truncated), ErrBadSignature (forged sender).
func (id *Identity) Decrypt(sealed []byte) (plaintext []byte, sender string, err error) {
	var out *C.uint8_t
	var outLen C.size_t
	var from *C.char
	data, n := bytesArg(sealed)
	err = id.g.with(func(p *C.ssdk_identity) error {
		return call(func() C.ssdk_status { return C.ssdk_decrypt_incoming(p, data, n, &out, &outLen, &from) })
	})
	runtime.KeepAlive(sealed)
	if err != nil {
		return nil, "", err
	}
	return takeBytes(out, outLen), takeString(from), nil
}

// Close releases the identity and wipes its secrets; later calls return ErrClosed. Idempotent.
func (id *Identity) Close() error {
	if id.g.beginClose() {
		id.g.finishClose(func(p *C.ssdk_identity) { C.ssdk_identity_free(p) })
		runtime.SetFinalizer(id, nil)
	}
	return nil
}

// ValidateSessionID returns nil for a valid Session ID (66 hex characters beginning "05") and
// otherwise an error matching ErrInvalidSessionID whose message says what is wrong.
func ValidateSessionID(sessionID string) error {
	cs, err := cString(sessionID, "session_id")
	if err != nil {
		return err
	}
	defer freeString(cs)
	return call(func() C.ssdk_status { return C.ssdk_session_id_validate(cs) })
}

// BlindedID is the community-blinded ID (15… or 25…, by kind) of a Session ID on the community
// server with the given public key (64 hex characters).
func BlindedID(sessionID, serverPubkeyHex string, kind int) (string, error) {
	args, err := cStrings(sessionID, "session_id", serverPubkeyHex, "server_pubkey_hex")
	if err != nil {
		return "", err
	}
	defer freeStrings(args)
	var out *C.char
	if err := call(func() C.ssdk_status { return C.ssdk_blinded_id(args[0], args[1], C.int32_t(kind), &out) }); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// BlindedIDMatches reports whether blindedID is the blinded form of sessionID on the community
// server with the given public key.
func BlindedIDMatches(sessionID, blindedID, serverPubkeyHex string) (bool, error) {
	args, err := cStrings(sessionID, "session_id", blindedID, "blinded_id", serverPubkeyHex, "server_pubkey_hex")
	if err != nil {
		return false, err
	}
	defer freeStrings(args)
	var out C.int32_t
	if err := call(func() C.ssdk_status { return C.ssdk_blinded_id_matches(args[0], args[1], args[2], &out) }); err != nil {
		return false, err
	}
	return out != 0, nil
}
