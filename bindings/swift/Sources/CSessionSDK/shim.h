// The repository's header, plus helpers that make the Swift import independent of the C
// dialect Clang uses: session_sdk.h declares ssdk_status as int32_t before C23 and as an enum
// with int32_t underlying type from C23 on, which Swift would import as different types.
#ifndef SSDK_SWIFT_SHIM_H
#define SSDK_SWIFT_SHIM_H
#include "../../../../include/session_sdk.h"

/** An ssdk_status as a plain int32_t (0 = SSDK_OK). */
static inline int32_t ssdkswift_code(ssdk_status status) { return (int32_t)status; }

/** The ABI version the header declares (SSDK_ABI_VERSION), as a function Swift can call. */
static inline uint32_t ssdkswift_header_abi_version(void) { return SSDK_ABI_VERSION; }

/** An empty listener (removes the current one). */
static inline ssdk_listener ssdkswift_no_listener(void) {
    ssdk_listener l = {0, 0, 0};
    return l;
}
#endif
