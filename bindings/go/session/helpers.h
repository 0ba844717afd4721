// C helpers of the Go binding: the listener trampolines (whose Go halves are exported from
// listener.go), the restore progress trampoline (its Go half is in backup.go) and a
// thread-local marker telling whether the current thread is inside a listener callback.
#ifndef SSDKGO_HELPERS_H
#define SSDKGO_HELPERS_H
#include <stdint.h>
#include <session_sdk.h>

// Install a listener whose ctx is a runtime/cgo.Handle value (converted to void* here, in C).
ssdk_status ssdkgo_set_listener(const ssdk_client *client, uintptr_t handle);
// Remove the listener (a listener with a NULL on_event).
ssdk_status ssdkgo_clear_listener(const ssdk_client *client);
// Non-zero while the calling thread runs a listener callback.
int ssdkgo_in_callback(void);
// ssdk_backup_restore with the progress callback calling goBackupProgress(handle, ...), where
// handle is a runtime/cgo.Handle value (converted to void* here, in C); 0 for no callback.
ssdk_status ssdkgo_backup_restore(const char *path, const char *passphrase, const char *data_dir,
                                  const char *pin, uintptr_t handle, char **out_json);
#endif
