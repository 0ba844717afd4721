package session

/*
#cgo LDFLAGS: -lsession_sdk
#include <session_sdk.h>
*/
import "C"

import "fmt"

// BindingABIVersion is the C ABI version this binding was written for.
const BindingABIVersion = 1

func init() {
	if err := checkABI(BindingABIVersion, uint32(C.SSDK_ABI_VERSION), uint32(C.ssdk_abi_version())); err != nil {
		panic(err)
	}
}

// checkABI refuses a header or library whose C ABI differs from the binding's.
func checkABI(binding, header, library uint32) error {
	if library != binding {
		return fmt.Errorf("session: this Go binding was written for C ABI version %d, but the loaded libsession_sdk implements C ABI version %d; use the binding and the library of the same session-sdk release", binding, library)
	}
	if header != binding {
		return fmt.Errorf("session: this Go binding was written for C ABI version %d, but it was compiled against a session_sdk.h declaring SSDK_ABI_VERSION %d; point CGO_CFLAGS at the matching header", binding, header)
	}
	return nil
}

// Version is the SDK library's version, "MAJOR.MINOR.PATCH".
func Version() string { return C.GoString(C.ssdk_version()) }

// ABIVersion is the C ABI version of the loaded library (equal to BindingABIVersion, or the
// package would have refused to initialise).
func ABIVersion() uint32 { return uint32(C.ssdk_abi_version()) }
