#include "helpers.h"
#include "_cgo_export.h"

static _Thread_local int ssdkgo_callback_depth;

static void ssdkgo_on_event(void *ctx, const ssdk_event *event) {
    ssdkgo_callback_depth++;
    goListenerEvent((uintptr_t)ctx, (ssdk_event *)event);
    ssdkgo_callback_depth--;
}

static void ssdkgo_destroy(void *ctx) {
    goListenerDestroy((uintptr_t)ctx);
}

ssdk_status ssdkgo_set_listener(const ssdk_client *client, uintptr_t handle) {
    ssdk_listener l = {(void *)handle, ssdkgo_on_event, ssdkgo_destroy};
    return ssdk_client_set_listener(client, l);
}

ssdk_status ssdkgo_clear_listener(const ssdk_client *client) {
    ssdk_listener l = {NULL, NULL, NULL};
    return ssdk_client_set_listener(client, l);
}

int ssdkgo_in_callback(void) {
    return ssdkgo_callback_depth;
}

static bool ssdkgo_progress(void *ctx, uint64_t done, uint64_t total) {
    return goBackupProgress((uintptr_t)ctx, done, total);
}

ssdk_status ssdkgo_backup_restore(const char *path, const char *passphrase, const char *data_dir,
                                  const char *pin, uintptr_t handle, char **out_json) {
    return ssdk_backup_restore(path, passphrase, data_dir, pin, handle ? ssdkgo_progress : NULL,
                               (void *)handle, out_json);
}
