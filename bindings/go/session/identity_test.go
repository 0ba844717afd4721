package session_test

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/session-sdk/session-sdk/bindings/go/session"
)

const serverKey = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func TestStatusTable(t *testing.T) {
	all := []session.Status{
		session.ErrInternal, session.ErrNullArgument, session.ErrInvalidUTF8, session.ErrInvalidArgument,
		session.ErrInvalidSessionID, session.ErrMnemonicWordCount, session.ErrMnemonicUnknownWord,
		session.ErrMnemonicChecksum, session.ErrInvalidKey, session.ErrDecryptionFailed, session.ErrBadSignature,
		session.ErrMalformed, session.ErrUnsupported, session.ErrNetwork, session.ErrTimeout, session.ErrWrongPIN,
		session.ErrDatabase, session.ErrNotFound, session.ErrTooLarge, session.ErrGroupFull,
		session.ErrPermissionDenied, session.ErrCancelled, session.ErrNotRunning, session.ErrIO,
		session.ErrBlocked, session.ErrBusy,
	}
	for i, s := range all {
		if int32(s) != int32(-(i + 1)) {
			t.Fatalf("%v = %d, want %d", s, int32(s), -(i + 1))
		}
		if !strings.HasPrefix(s.String(), "SSDK_ERR_") || s.String() == "SSDK_UNKNOWN_STATUS" {
			t.Fatalf("status %d has name %q", int32(s), s.String())
		}
	}
	if session.StatusOK.String() != "SSDK_OK" || session.Status(-999).String() != "SSDK_UNKNOWN_STATUS" {
		t.Fatal("status names")
	}
	// Distinct sentinels: one code never matches another.
	err := &session.Error{Code: session.ErrNotFound, Message: "NOT_FOUND: x"}
	if !errors.Is(err, session.ErrNotFound) || errors.Is(err, session.ErrBlocked) || errors.Is(err, session.ErrClosed) {
		t.Fatal("errors.Is on *Error")
	}
}

func TestIdentityGenerateAndRestore(t *testing.T) {
	me := got(session.GenerateIdentity()).ok(t)
	defer me.Close()
	if !regexp.MustCompile(`^05[0-9a-f]{64}$`).MatchString(me.SessionID()) {
		t.Fatalf("session ID %q", me.SessionID())
	}
	phrase := got(me.Mnemonic()).ok(t)
	if len(strings.Fields(phrase)) != 13 {
		t.Fatalf("phrase %q", phrase)
	}
	again := got(session.IdentityFromMnemonic("  " + strings.ToUpper(phrase) + " ")).ok(t)
	defer again.Close()
	if again.SessionID() != me.SessionID() || again.Ed25519PublicKey() != me.Ed25519PublicKey() {
		t.Fatal("restored identity differs")
	}
	seed := got(me.Seed()).ok(t)
	if !bytes.Equal(seed[16:], make([]byte, 16)) {
		t.Fatalf("seed of a 13-word identity: %x", seed)
	}
	from16 := got(session.IdentityFromSeed(seed[:16])).ok(t)
	defer from16.Close()
	if from16.SessionID() != me.SessionID() {
		t.Fatal("16-byte seed restores another identity")
	}
	full := make([]byte, 32)
	for i := range full {
		full[i] = byte(i)
	}
	id32 := got(session.IdentityFromSeed(full)).ok(t)
	defer id32.Close()
	if words := strings.Fields(got(id32.Mnemonic()).ok(t)); len(words) != 25 {
		t.Fatalf("32-byte seed phrase has %d words", len(words))
	}
	for _, bad := range [][]byte{nil, []byte("short"), make([]byte, 33)} {
		_, err := session.IdentityFromSeed(bad)
		wantErr(t, err, session.ErrInvalidKey)
	}
}

func TestPhraseErrors(t *testing.T) {
	me := got(session.GenerateIdentity()).ok(t)
	words := strings.Fields(got(me.Mnemonic()).ok(t))
	_, err := session.IdentityFromMnemonic(strings.Join(words[:12], " "))
	wantErr(t, err, session.ErrMnemonicWordCount)
	unknown := append(append(append([]string{}, words[:5]...), "zzqxv"), words[6:]...)
	_, err = session.IdentityFromMnemonic(strings.Join(unknown, " "))
	wantErr(t, err, session.ErrMnemonicUnknownWord)
	if !strings.Contains(err.Error(), "zzqxv") {
		t.Fatalf("the message does not name the word: %v", err)
	}
	wrong := ""
	for _, w := range words[:12] {
		if w[:3] != words[12][:3] {
			wrong = w
			break
		}
	}
	_, err = session.IdentityFromMnemonic(strings.Join(append(append([]string{}, words[:12]...), wrong), " "))
	wantErr(t, err, session.ErrMnemonicChecksum)
	_, err = session.IdentityFromMnemonic("abc \xff")
	wantErr(t, err, session.ErrInvalidUTF8)
	_, err = session.IdentityFromMnemonic("a\x00b")
	wantErr(t, err, session.ErrInvalidArgument)
}

func TestClosedIdentity(t *testing.T) {
	me := got(session.GenerateIdentity()).ok(t)
	ok(t, me.Close())
	ok(t, me.Close())
	_, err := me.Mnemonic()
	wantErr(t, err, session.ErrClosed)
	wantErr(t, err, session.ErrNullArgument)
	_, err = me.Seed()
	wantErr(t, err, session.ErrClosed)
	_, err = me.EncryptFor(me.SessionID(), []byte("x"))
	wantErr(t, err, session.ErrClosed)
	_, _, err = me.Decrypt([]byte("x"))
	wantErr(t, err, session.ErrClosed)
	if me.SessionID() == "" {
		t.Fatal("the Session ID stays readable")
	}
}

func TestSessionIDValidation(t *testing.T) {
	good := got(session.GenerateIdentity()).ok(t).SessionID()
	ok(t, session.ValidateSessionID(good))
	ok(t, session.ValidateSessionID(strings.ToUpper(good)))
	for bad, hint := range map[string]string{"05abc": "66", "06" + good[2:]: "prefix", good[:65] + "g": "character 66"} {
		err := session.ValidateSessionID(bad)
		wantErr(t, err, session.ErrInvalidSessionID)
		if !strings.Contains(err.Error(), hint) {
			t.Fatalf("%q: %v lacks %q", bad, err, hint)
		}
	}
	wantErr(t, session.ValidateSessionID(good[:65]+"\xff"), session.ErrInvalidUTF8)
	wantErr(t, session.ValidateSessionID(""), session.ErrInvalidSessionID)
}

func TestBlindedIDs(t *testing.T) {
	me := got(session.GenerateIdentity()).ok(t).SessionID()
	other := got(session.GenerateIdentity()).ok(t).SessionID()
	b15 := got(session.BlindedID(me, serverKey, 15)).ok(t)
	b25 := got(session.BlindedID(me, serverKey, 25)).ok(t)
	if !strings.HasPrefix(b15, "15") || !strings.HasPrefix(b25, "25") || len(b15) != 66 {
		t.Fatalf("blinded %s %s", b15, b25)
	}
	if !got(session.BlindedIDMatches(me, b15, serverKey)).ok(t) || !got(session.BlindedIDMatches(me, b25, serverKey)).ok(t) {
		t.Fatal("own blinded IDs do not match")
	}
	if got(session.BlindedIDMatches(other, b15, serverKey)).ok(t) {
		t.Fatal("another ID matches")
	}
	_, err := session.BlindedID(me, serverKey, 16)
	wantErr(t, err, session.ErrInvalidArgument)
	_, err = session.BlindedID(me, "abcd", 15)
	wantErr(t, err, session.ErrInvalidKey)
	_, err = session.BlindedID("05xyz", serverKey, 15)
	wantErr(t, err, session.ErrInvalidSessionID)
	_, err = session.BlindedIDMatches(me, b15, "zz")
	wantErr(t, err, session.ErrInvalidKey)
	_, err = session.BlindedIDMatches(me, "15abc", serverKey)
	wantErr(t, err, session.ErrInvalidSessionID)
}

func TestSealAndOpen(t *testing.T) {
	alice := got(session.GenerateIdentity()).ok(t)
	bob := got(session.GenerateIdentity()).ok(t)
	eve := got(session.GenerateIdentity()).ok(t)
	sealed := got(alice.EncryptFor(bob.SessionID(), []byte("hello bob"))).ok(t)
	if len(sealed) != len("hello bob")+144 {
		t.Fatalf("sealed length %d", len(sealed))
	}
	plain, from, err := bob.Decrypt(sealed)
	if err != nil || string(plain) != "hello bob" || from != alice.SessionID() {
		t.Fatalf("Decrypt = %q, %q, %v", plain, from, err)
	}
	empty := got(alice.EncryptFor(bob.SessionID(), nil)).ok(t)
	if plain, _, err := bob.Decrypt(empty); err != nil || len(plain) != 0 {
		t.Fatalf("empty message: %q %v", plain, err)
	}
	_, _, err = eve.Decrypt(sealed)
	wantErr(t, err, session.ErrDecryptionFailed)
	tampered := append([]byte{}, sealed...)
	tampered[40] ^= 1
	_, _, err = bob.Decrypt(tampered)
	wantErr(t, err, session.ErrDecryptionFailed)
	_, _, err = bob.Decrypt(sealed[:20])
	wantErr(t, err, session.ErrDecryptionFailed)
	_, _, err = bob.Decrypt(nil)
	wantErr(t, err, session.ErrDecryptionFailed)
	_, err = alice.EncryptFor("05nope", []byte("x"))
	wantErr(t, err, session.ErrInvalidSessionID)
	_, err = alice.EncryptFor("05\x00", []byte("x"))
	wantErr(t, err, session.ErrInvalidArgument)
}

func TestVersion(t *testing.T) {
	if !regexp.MustCompile(`^\d+\.\d+\.\d+`).MatchString(session.Version()) {
		t.Fatalf("version %q", session.Version())
	}
	if session.ABIVersion() != session.BindingABIVersion {
		t.Fatal("ABI")
	}
}
