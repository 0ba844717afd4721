/*
 * C ABI test of the client on a running testnet (started by tests/c_abi.rs, which passes the
 * network description file and a scratch directory). Two clients exchange messages through the
 * pull API and a listener; every client function is also called with NULLs and bad input.
 *
 *   client_test NETWORK_JSON SCRATCH_DIR
 */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include <session_sdk.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures = 0, checks = 0;

#define CHECK(cond)                                                                                   \
    do {                                                                                              \
        checks++;                                                                                     \
        if (!(cond)) {                                                                                \
            failures++;                                                                               \
            fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond,  \
                    ssdk_last_error_message());                                                       \
        }                                                                                             \
    } while (0)
#define EXPECT(call, code)                                                                            \
    do {                                                                                              \
        ssdk_status st_ = (call);                                                                     \
        CHECK(st_ == (code));                                                                         \
        if (st_ != (code)) fprintf(stderr, "  got %s, wanted %s\n", ssdk_status_name(st_), #code);   \
    } while (0)

static char scratch[512];
static int last_is_request = -1;

static ssdk_client *make_client(const char *net, const char *name, const char *pin) {
    char dir[600];
    snprintf(dir, sizeof dir, "%s/%s", scratch, name);
    ssdk_config *cfg = NULL;
    EXPECT(ssdk_config_new(dir, &cfg), SSDK_OK);
    EXPECT(ssdk_config_set_network_file(cfg, net), SSDK_OK);
    EXPECT(ssdk_config_set_poll_intervals(cfg, 300, 600), SSDK_OK);
    if (pin) EXPECT(ssdk_config_set_pin(cfg, pin), SSDK_OK);
    ssdk_client *c = NULL;
    EXPECT(ssdk_client_new(cfg, &c), SSDK_OK);
    ssdk_config_free(cfg);
    return c;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Pull events until a received message with `text`; returns its sender (caller frees) or NULL. */
static char *wait_message(ssdk_client *c, const char *text, double timeout) {
    double end = now_s() + timeout;
    while (now_s() < end) {
        ssdk_event *ev = NULL;
        ssdk_status st = ssdk_client_next_event(c, 100, &ev);
        if (st == SSDK_ERR_TIMEOUT) continue;
        if (st != SSDK_OK) return NULL;
        char *sender = NULL;
        if (ssdk_event_kind(ev) == SSDK_EVENT_MESSAGE_RECEIVED && ssdk_event_text(ev) &&
            strcmp(ssdk_event_text(ev), text) == 0) {
            sender = strdup(ssdk_event_sender(ev));
            CHECK(ssdk_event_message_id(ev) > 0);
            CHECK(ssdk_event_timestamp(ev) > 1600000000000LL);
            CHECK(ssdk_event_state(ev) == SSDK_MESSAGE_RECEIVED);
            CHECK(strstr(ssdk_event_json(ev), "\"kind\":\"message_received\"") != NULL);
            last_is_request = ssdk_event_is_request(ev);
        }
        ssdk_event_free(ev);
        if (sender) return sender;
    }
    return NULL;
}

/* Listener state: counts received messages; destroy must run exactly once. */
struct listener_state {
    pthread_mutex_t lock;
    int received;
    int destroyed;
    char last_text[256];
};

static void on_event(void *ctx, const ssdk_event *ev) {
    struct listener_state *s = ctx;
    if (ssdk_event_kind(ev) == SSDK_EVENT_MESSAGE_RECEIVED) {
        pthread_mutex_lock(&s->lock);
        s->received++;
        snprintf(s->last_text, sizeof s->last_text, "%s", ssdk_event_text(ev) ? ssdk_event_text(ev) : "");
        pthread_mutex_unlock(&s->lock);
    }
}

static void on_destroy(void *ctx) {
    struct listener_state *s = ctx;
    pthread_mutex_lock(&s->lock);
    s->destroyed++;
    pthread_mutex_unlock(&s->lock);
}

/* A thread blocked in next_event, woken by ssdk_client_interrupt_wait. */
static void *wait_long(void *arg) {
    ssdk_event *ev = NULL;
    ssdk_status st = ssdk_client_next_event((ssdk_client *)arg, 120000, &ev);
    if (ev) ssdk_event_free(ev);
    return (void *)(intptr_t)st;
}

static void test_interrupt(ssdk_client *c) {
    EXPECT(ssdk_client_interrupt_wait(NULL), SSDK_ERR_NULL_ARGUMENT);
    ssdk_event *queued = NULL; /* nothing may be waiting, or the waiter would return it */
    while (ssdk_client_next_event(c, 0, &queued) == SSDK_OK) ssdk_event_free(queued);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, wait_long, c) == 0);
    /* Interrupt until the waiter has returned: a wake sent before it started waiting is not
       meant to reach it. Without the interrupt this join would take two minutes and fail. */
    void *st = NULL;
    for (int i = 0; i < 6000; i++) { /* up to 30 s */
        EXPECT(ssdk_client_interrupt_wait(c), SSDK_OK);
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (pthread_tryjoin_np(t, &st) == 0) break;
        st = (void *)1;
    }
    CHECK(st == (void *)(intptr_t)SSDK_ERR_CANCELLED);
    /* Later waits are not affected. */
    ssdk_event *ev = NULL;
    EXPECT(ssdk_client_next_event(c, 10, &ev), SSDK_ERR_TIMEOUT);
    CHECK(ev == NULL);
}

static void test_errors(ssdk_client *c, const char *net) {
    char *s = (char *)0x1;
    int64_t id = -7;
    ssdk_event *ev = (ssdk_event *)0x1;
    EXPECT(ssdk_client_new(NULL, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_start(NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_stop(NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_session_id(NULL, &s), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_session_id(c, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_mnemonic(c, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_send_text(c, NULL, "x", &id), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_send_text(c, "05abc", "x", &id), SSDK_ERR_INVALID_SESSION_ID);
    EXPECT(ssdk_client_send_text(c, "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72", "", &id),
           SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_client_send_text(c, "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72", "\xff", &id),
           SSDK_ERR_INVALID_UTF8);
    CHECK(id == -7);
    EXPECT(ssdk_client_next_event(c, 0, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_next_event(NULL, 0, &ev), SSDK_ERR_NULL_ARGUMENT);
    CHECK(ev == (ssdk_event *)0x1);
    EXPECT(ssdk_client_resend(c, 999999), SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_message_json(c, 999999, &s), SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_history_json(c, "x", 0, 0, &s), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_client_delete_message(c, 999999), SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_delete_conversation(c, "nope"), SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_accept_request(c, "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72"),
           SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_block(c, "not an id"), SSDK_ERR_INVALID_SESSION_ID);
    EXPECT(ssdk_client_set_display_name(c, ""), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_client_display_name(c, NULL), SSDK_ERR_NULL_ARGUMENT);
    uint8_t *pic = (uint8_t *)0x1;
    size_t pic_len = 7;
    EXPECT(ssdk_client_set_profile_picture(NULL, NULL, 0), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_set_profile_picture(c, NULL, 5), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_profile_picture(c, NULL, NULL, &pic_len), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_profile_picture(c, "05abc", &pic, &pic_len), SSDK_ERR_INVALID_SESSION_ID);
    CHECK(pic == (uint8_t *)0x1 && pic_len == 7);
    EXPECT(ssdk_client_profile_picture(c, NULL, &pic, &pic_len), SSDK_OK); /* none: no download */
    CHECK(pic == NULL && pic_len == 0);
    EXPECT(ssdk_client_display_name(NULL, &s), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_set_log_level(c, 99), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_client_contacts_json(c, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_connection_ready(c, NULL), SSDK_ERR_NULL_ARGUMENT);
    CHECK(s == (char *)0x1);

    /* Config errors. */
    ssdk_config *cfg = NULL;
    EXPECT(ssdk_config_new(NULL, &cfg), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_config_new("", &cfg), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_config_new("/tmp/x", NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_config_new("/tmp/x", &cfg), SSDK_OK);
    EXPECT(ssdk_config_set_network_file(cfg, "/nonexistent/net.json"), SSDK_ERR_IO);
    EXPECT(ssdk_config_set_network_json(cfg, "{\"seed_nodes\": []}"), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_config_set_network_file(cfg, net), SSDK_OK);
    EXPECT(ssdk_config_set_pin(cfg, ""), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_config_set_poll_intervals(cfg, 10, 20), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_config_set_poll_intervals(cfg, 1000, 500), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_config_set_log_level(cfg, -1), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_config_set_identity_mnemonic(cfg, "one two three"), SSDK_ERR_MNEMONIC_WORD_COUNT);
    EXPECT(ssdk_config_set_identity_seed(cfg, (const uint8_t *)"short", 5), SSDK_ERR_INVALID_KEY);
    EXPECT(ssdk_config_set_identity(cfg, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_config_set_send_retry_window(cfg, 0), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_config_set_display_name(NULL, "x"), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_config_use_mainnet(NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_config_use_mainnet(cfg), SSDK_OK);
    CHECK(ssdk_event_bytes_done(NULL) == 0 && ssdk_event_bytes_total(NULL) == 0 && !ssdk_event_is_request(NULL));
    EXPECT(ssdk_config_set_strip_jpeg_metadata(NULL, true), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_config_set_strip_jpeg_metadata(cfg, true), SSDK_OK);
    ssdk_config_free(cfg);
    ssdk_config_free(NULL);
    ssdk_client_free(NULL);
    ssdk_event_free(NULL);
    CHECK(ssdk_event_kind(NULL) == 0 && ssdk_event_json(NULL) == NULL && ssdk_event_text(NULL) == NULL);
}

static int progress_calls = 0;
static bool on_progress(void *ctx, uint64_t done, uint64_t total) {
    (void)ctx;
    progress_calls++;
    CHECK(done <= total);
    return true;
}
static bool stop_at_once(void *ctx, uint64_t done, uint64_t total) {
    (void)ctx, (void)done, (void)total;
    return false;
}

/* Backups: create from a live client, inspect, restore with another PIN and open it; every
 * function with NULL and bad input, outputs untouched on failure. */
static void test_backup(ssdk_client *c, const char *net, const char *id) {
    char file[700], target[700], cancelled[700], notempty[700];
    snprintf(file, sizeof file, "%s/alice.ssdkbackup", scratch);
    snprintf(target, sizeof target, "%s/restored", scratch);
    snprintf(cancelled, sizeof cancelled, "%s/cancelled", scratch);
    snprintf(notempty, sizeof notempty, "%s", scratch); /* holds the other clients */
    char *json = NULL;
    EXPECT(ssdk_client_backup_create(NULL, file, "pass phrase", &json), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_backup_create(c, NULL, "pass phrase", &json), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_backup_create(c, file, NULL, &json), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_backup_create(c, file, "", &json), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_client_backup_create(c, file, "\xff\xfe", &json), SSDK_ERR_INVALID_UTF8);
    CHECK(json == NULL);
    CHECK(access(file, F_OK) != 0);
    EXPECT(ssdk_client_backup_cancel(NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_backup_cancel(c), SSDK_OK); /* none runs: no effect on the next one */
    EXPECT(ssdk_client_backup_create(c, file, "pass phrase", &json), SSDK_OK);
    CHECK(json && strstr(json, id) && strstr(json, "\"messages\""));
    ssdk_string_free(json);
    EXPECT(ssdk_client_backup_create(c, file, "pass phrase", NULL), SSDK_ERR_INVALID_ARGUMENT); /* exists */

    json = (char *)0x1;
    EXPECT(ssdk_backup_inspect(NULL, "pass phrase", &json), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_backup_inspect(file, NULL, &json), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_backup_inspect(file, "pass phrase", NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_backup_inspect(file, "wrong phrase", &json), SSDK_ERR_WRONG_PIN);
    EXPECT(ssdk_backup_inspect(net, "pass phrase", &json), SSDK_ERR_MALFORMED); /* not a backup */
    CHECK(json == (char *)0x1);
    json = NULL;
    EXPECT(ssdk_backup_inspect(file, "pass phrase", &json), SSDK_OK);
    CHECK(json && strstr(json, id));
    ssdk_string_free(json);

    EXPECT(ssdk_backup_restore(NULL, "pass phrase", target, NULL, NULL, NULL, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_backup_restore(file, NULL, target, NULL, NULL, NULL, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_backup_restore(file, "pass phrase", NULL, NULL, NULL, NULL, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_backup_restore(file, "pass phrase", target, "", NULL, NULL, NULL), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_backup_restore(file, "pass phrase", notempty, NULL, NULL, NULL, NULL), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_backup_restore(file, "pass phrase", cancelled, NULL, stop_at_once, NULL, NULL), SSDK_ERR_CANCELLED);
    CHECK(access(cancelled, F_OK) != 0);
    json = NULL;
    EXPECT(ssdk_backup_restore(file, "pass phrase", target, "new-pin", on_progress, NULL, &json), SSDK_OK);
    CHECK(json && strstr(json, id));
    CHECK(progress_calls >= 1);
    ssdk_string_free(json);

    ssdk_config *cfg = NULL;
    EXPECT(ssdk_config_new(target, &cfg), SSDK_OK);
    EXPECT(ssdk_config_set_network_file(cfg, net), SSDK_OK);
    EXPECT(ssdk_config_set_pin(cfg, "new-pin"), SSDK_OK);
    ssdk_client *r = NULL;
    EXPECT(ssdk_client_new(cfg, &r), SSDK_OK);
    char *rid = NULL;
    EXPECT(ssdk_client_session_id(r, &rid), SSDK_OK);
    CHECK(rid && strcmp(rid, id) == 0);
    ssdk_string_free(rid);
    ssdk_client_free(r);
    ssdk_config_free(cfg);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: client_test NETWORK_JSON SCRATCH_DIR\n");
        return 2;
    }
    const char *net = argv[1];
    snprintf(scratch, sizeof scratch, "%s", argv[2]);

    ssdk_client *alice = make_client(net, "alice", "alice-pin");
    ssdk_client *bob = make_client(net, "bob", NULL);
    test_errors(alice, net);
    test_interrupt(alice);

    char *alice_id = NULL, *bob_id = NULL, *phrase = NULL;
    EXPECT(ssdk_client_session_id(alice, &alice_id), SSDK_OK);
    EXPECT(ssdk_client_session_id(bob, &bob_id), SSDK_OK);
    EXPECT(ssdk_client_mnemonic(alice, &phrase), SSDK_OK);
    CHECK(phrase && strchr(phrase, ' '));
    char *name = (char *)0x1;
    EXPECT(ssdk_client_display_name(bob, &name), SSDK_OK);
    CHECK(name == NULL); /* none set */
    EXPECT(ssdk_client_set_display_name(bob, "Bob from C"), SSDK_OK);
    EXPECT(ssdk_client_display_name(bob, &name), SSDK_OK);
    CHECK(name && strcmp(name, "Bob from C") == 0);
    ssdk_string_free(name);
    EXPECT(ssdk_client_start(alice), SSDK_OK);
    EXPECT(ssdk_client_start(alice), SSDK_ERR_BUSY);
    EXPECT(ssdk_client_start(bob), SSDK_OK);

    /* Pull: alice -> bob. */
    int64_t mid = 0;
    EXPECT(ssdk_client_send_text(alice, bob_id, "hello from C", &mid), SSDK_OK);
    CHECK(mid > 0);
    char *from = wait_message(bob, "hello from C", 30);
    CHECK(from && strcmp(from, alice_id) == 0);
    CHECK(last_is_request == 1); /* alice is not yet approved by bob */
    free(from);
    EXPECT(ssdk_client_decline_request(bob, "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72"), SSDK_ERR_NOT_FOUND);
    char *json = NULL;
    EXPECT(ssdk_client_requests_json(bob, &json), SSDK_OK);
    CHECK(json && strstr(json, alice_id));
    ssdk_string_free(json);
    EXPECT(ssdk_client_accept_request(bob, alice_id), SSDK_OK);
    EXPECT(ssdk_client_contacts_json(bob, &json), SSDK_OK);
    CHECK(json && strstr(json, alice_id));
    ssdk_string_free(json);

    /* Push: a listener on alice receives bob's reply; replacing it calls destroy once. */
    struct listener_state ls = {PTHREAD_MUTEX_INITIALIZER, 0, 0, ""};
    ssdk_listener l = {&ls, on_event, on_destroy};
    EXPECT(ssdk_client_set_listener(alice, l), SSDK_OK);
    EXPECT(ssdk_client_send_text(bob, alice_id, "reply from C", NULL), SSDK_OK);
    double end = now_s() + 30;
    int got = 0;
    while (now_s() < end && !got) {
        pthread_mutex_lock(&ls.lock);
        got = ls.received > 0;
        pthread_mutex_unlock(&ls.lock);
        usleep(20000);
    }
    CHECK(got);
    CHECK(strcmp(ls.last_text, "reply from C") == 0);
    ssdk_listener none = {NULL, NULL, NULL};
    EXPECT(ssdk_client_set_listener(alice, none), SSDK_OK);
    end = now_s() + 5;
    while (now_s() < end && ls.destroyed == 0) usleep(10000);
    CHECK(ls.destroyed == 1);

    /* History, conversations, mark read, message JSON. */
    EXPECT(ssdk_client_history_json(alice, bob_id, 0, 10, &json), SSDK_OK);
    CHECK(json && strstr(json, "hello from C") && strstr(json, "reply from C"));
    ssdk_string_free(json);
    EXPECT(ssdk_client_conversations_json(alice, &json), SSDK_OK);
    CHECK(json && strstr(json, bob_id));
    ssdk_string_free(json);
    EXPECT(ssdk_client_message_json(alice, mid, &json), SSDK_OK);
    CHECK(json && strstr(json, "\"state\":\"sent\""));
    ssdk_string_free(json);
    uint32_t marked = 99;
    EXPECT(ssdk_client_mark_read(alice, bob_id, 0, &marked), SSDK_OK);
    CHECK(marked == 1);
    int32_t ready = -1;
    EXPECT(ssdk_client_connection_ready(alice, &ready), SSDK_OK);
    CHECK(ready == 1);

    /* Profile picture: set (uploaded through an onion request), read back, removed. */
    const uint8_t image[] = "not really a PNG, but an image's bytes";
    EXPECT(ssdk_client_set_profile_picture(alice, image, sizeof image), SSDK_OK);
    uint8_t *pic = NULL;
    size_t pic_len = 0;
    EXPECT(ssdk_client_profile_picture(alice, NULL, &pic, &pic_len), SSDK_OK);
    CHECK(pic && pic_len == sizeof image && memcmp(pic, image, sizeof image) == 0);
    ssdk_bytes_free(pic, pic_len);
    EXPECT(ssdk_client_set_profile_picture(alice, NULL, 0), SSDK_OK);
    EXPECT(ssdk_client_profile_picture(alice, NULL, &pic, &pic_len), SSDK_OK);
    CHECK(pic == NULL && pic_len == 0);
    const char *stranger = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";
    EXPECT(ssdk_client_block(alice, stranger), SSDK_OK);
    EXPECT(ssdk_client_blocked_json(alice, &json), SSDK_OK);
    CHECK(json && strstr(json, stranger));
    ssdk_string_free(json);
    EXPECT(ssdk_client_send_text(alice, stranger, "x", NULL), SSDK_ERR_BLOCKED);
    EXPECT(ssdk_client_unblock(alice, stranger), SSDK_OK);
    EXPECT(ssdk_client_blocked_json(alice, &json), SSDK_OK);
    CHECK(json && !strstr(json, stranger));
    ssdk_string_free(json);
    EXPECT(ssdk_client_blocked_json(alice, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_unblock(alice, "bad"), SSDK_ERR_INVALID_SESSION_ID);
    EXPECT(ssdk_client_add_contact(alice, stranger, NULL), SSDK_OK);
    EXPECT(ssdk_client_remove_contact(alice, stranger), SSDK_OK);
    EXPECT(ssdk_client_remove_contact(alice, stranger), SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_decline_request(alice, bob_id), SSDK_ERR_INVALID_ARGUMENT); /* a contact, not a request */
    EXPECT(ssdk_client_add_contact(alice, bob_id, "Bobby"), SSDK_OK);
    EXPECT(ssdk_client_set_nickname(alice, bob_id, "Robert"), SSDK_OK);
    EXPECT(ssdk_client_contacts_json(alice, &json), SSDK_OK);
    CHECK(json && strstr(json, "Robert"));
    ssdk_string_free(json);

    /* Attachments: bytes in, a background download to a path, bytes out. */
    CHECK(ssdk_max_attachment_size() == 10000000ULL);
    uint8_t payload[5000];
    for (size_t i = 0; i < sizeof payload; i++) payload[i] = (uint8_t)(i * 31);
    int64_t fid = 0;
    EXPECT(ssdk_client_set_listener(alice, none), SSDK_OK);
    EXPECT(ssdk_client_send_file_bytes(alice, bob_id, payload, sizeof payload, "data.bin", "application/octet-stream",
                                       "file from C", &fid), SSDK_OK);
    from = wait_message(bob, "file from C", 30);
    CHECK(from != NULL);
    free(from);
    char *hist = NULL;
    EXPECT(ssdk_client_history_json(bob, alice_id, 0, 1, &hist), SSDK_OK);
    CHECK(hist && strstr(hist, "\"file_name\":\"data.bin\""));
    int64_t bob_mid = 0;
    if (hist) {
        const char *p = strstr(hist, "\"id\":");
        if (p) bob_mid = atoll(p + 5);
    }
    ssdk_string_free(hist);
    CHECK(bob_mid > 0);
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    EXPECT(ssdk_client_attachment_bytes(bob, bob_mid, 0, &blob, &blob_len), SSDK_OK);
    CHECK(blob_len == sizeof payload && blob && memcmp(blob, payload, blob_len) == 0);
    ssdk_bytes_free(blob, blob_len);
    char dest[700];
    snprintf(dest, sizeof dest, "%s/downloaded.bin", scratch);
    EXPECT(ssdk_client_download_attachment(bob, bob_mid, 0, dest), SSDK_OK);
    int done = 0;
    end = now_s() + 30;
    while (now_s() < end && !done) {
        ssdk_event *ev = NULL;
        if (ssdk_client_next_event(bob, 100, &ev) != SSDK_OK) continue;
        if (ssdk_event_kind(ev) == SSDK_EVENT_ATTACHMENT_PROGRESS) {
            CHECK(ssdk_event_bytes_total(ev) > 0 && ssdk_event_bytes_done(ev) <= ssdk_event_bytes_total(ev));
            CHECK(!ssdk_event_is_upload(ev));
        }
        if (ssdk_event_kind(ev) == SSDK_EVENT_ATTACHMENT_DONE) {
            done = 1;
            CHECK(ssdk_event_message_id(ev) == bob_mid);
            CHECK(ssdk_event_attachment_index(ev) == 0 && !ssdk_event_is_upload(ev));
            CHECK(ssdk_event_text(ev) && strcmp(ssdk_event_text(ev), dest) == 0);
        }
        CHECK(ssdk_event_kind(ev) != SSDK_EVENT_ATTACHMENT_FAILED);
        ssdk_event_free(ev);
    }
    CHECK(done);
    FILE *df = fopen(dest, "rb");
    CHECK(df != NULL);
    if (df) {
        uint8_t back[6000];
        size_t n = fread(back, 1, sizeof back, df);
        fclose(df);
        CHECK(n == sizeof payload && memcmp(back, payload, n) == 0);
    }
    /* Attachment errors. */
    EXPECT(ssdk_client_send_file(alice, bob_id, "/nonexistent/file.bin", NULL, &fid), SSDK_ERR_IO);
    char bigpath[700];
    snprintf(bigpath, sizeof bigpath, "%s/eleven.bin", scratch);
    FILE *bf = fopen(bigpath, "wb");
    if (bf) {
        CHECK(fseek(bf, 11000000L - 1, SEEK_SET) == 0);
        fputc(0, bf);
        fclose(bf);
    }
    EXPECT(ssdk_client_send_file(alice, bob_id, bigpath, NULL, &fid), SSDK_ERR_TOO_LARGE);
    EXPECT(ssdk_client_send_file_bytes(alice, bob_id, NULL, 5, NULL, NULL, NULL, &fid), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_send_file_bytes(alice, bob_id, payload, 0, NULL, NULL, NULL, &fid), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_client_attachment_bytes(bob, 987654, 0, &blob, &blob_len), SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_attachment_bytes(bob, bob_mid, 0, NULL, &blob_len), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_download_attachment(bob, 987654, 0, NULL), SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_cancel_transfer(bob, 987654, 0), SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_send_file(NULL, bob_id, dest, NULL, &fid), SSDK_ERR_NULL_ARGUMENT);

    /* Groups: alice creates, bob accepts the invite, a message reaches him; errors. */
    CHECK(ssdk_max_group_members() == 100);
    const char *invitees[1] = {bob_id};
    char *gid = NULL;
    EXPECT(ssdk_client_group_create(alice, "C group", NULL, invitees, 1, &gid), SSDK_OK);
    CHECK(gid && strncmp(gid, "03", 2) == 0);
    int got_invite = 0;
    end = now_s() + 30;
    while (now_s() < end && !got_invite) {
        ssdk_event *ev = NULL;
        if (ssdk_client_next_event(bob, 100, &ev) != SSDK_OK) continue;
        if (ssdk_event_kind(ev) == SSDK_EVENT_GROUP_INVITE) {
            got_invite = 1;
            CHECK(strcmp(ssdk_event_conversation(ev), gid) == 0);
            CHECK(strcmp(ssdk_event_sender(ev), alice_id) == 0);
            CHECK(strcmp(ssdk_event_text(ev), "C group") == 0);
        }
        ssdk_event_free(ev);
    }
    CHECK(got_invite);
    EXPECT(ssdk_client_group_accept_invite(bob, gid), SSDK_OK);
    EXPECT(ssdk_client_group_accept_invite(bob, gid), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_client_send_text(alice, gid, "hello group from C", NULL), SSDK_OK);
    from = wait_message(bob, "hello group from C", 30);
    CHECK(from && strcmp(from, alice_id) == 0);
    free(from);
    EXPECT(ssdk_client_groups_json(bob, &json), SSDK_OK);
    CHECK(json && strstr(json, gid) && strstr(json, "\"state\":\"joined\""));
    ssdk_string_free(json);
    EXPECT(ssdk_client_group_members_json(alice, gid, &json), SSDK_OK);
    CHECK(json && strstr(json, bob_id) && strstr(json, alice_id));
    ssdk_string_free(json);
    EXPECT(ssdk_client_group_rename(bob, gid, "mine now"), SSDK_ERR_PERMISSION_DENIED);
    EXPECT(ssdk_client_group_rename(alice, gid, "C group, renamed"), SSDK_OK);
    EXPECT(ssdk_client_group_set_description(alice, gid, "about C"), SSDK_OK);
    const char *bad_members[1] = {"05nope"};
    EXPECT(ssdk_client_group_invite(alice, gid, bad_members, 1), SSDK_ERR_INVALID_SESSION_ID);
    EXPECT(ssdk_client_group_invite(alice, gid, NULL, 1), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_group_create(alice, "x", NULL, NULL, 0, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT(ssdk_client_group_members_json(alice, "03abcd", &json), SSDK_ERR_INVALID_SESSION_ID);
    EXPECT(ssdk_client_group_members_json(alice, "030000000000000000000000000000000000000000000000000000000000000000", &json),
           SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_group_leave(alice, "030000000000000000000000000000000000000000000000000000000000000000"), SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_group_remove(alice, gid, invitees, 1), SSDK_OK);
    EXPECT(ssdk_client_group_remove(alice, gid, invitees, 1), SSDK_ERR_NOT_FOUND);
    EXPECT(ssdk_client_group_decline_invite(bob, gid), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT(ssdk_client_group_promote(bob, gid, alice_id), SSDK_ERR_PERMISSION_DENIED);
    /* 101 members are refused. */
    char *many[100];
    for (int i = 0; i < 100; i++) {
        ssdk_identity *tmp = NULL;
        ssdk_identity_generate(&tmp);
        ssdk_identity_session_id(tmp, &many[i]);
        ssdk_identity_free(tmp);
    }
    char *big = NULL;
    EXPECT(ssdk_client_group_create(alice, "too big", NULL, (const char *const *)many, 100, &big), SSDK_ERR_GROUP_FULL);
    CHECK(big == NULL);
    for (int i = 0; i < 100; i++) ssdk_string_free(many[i]);
    EXPECT(ssdk_client_group_leave(bob, gid), SSDK_OK);
    ssdk_string_free(gid);

    /* Stop, then a wrong PIN is refused while the right one reopens. */
    EXPECT(ssdk_client_stop(alice), SSDK_OK);
    EXPECT(ssdk_client_stop(alice), SSDK_OK);
    ssdk_client_free(alice);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/alice", scratch);
    ssdk_config *cfg = NULL;
    EXPECT(ssdk_config_new(dir, &cfg), SSDK_OK);
    EXPECT(ssdk_config_set_network_file(cfg, net), SSDK_OK);
    EXPECT(ssdk_config_set_pin(cfg, "wrong-pin"), SSDK_OK);
    ssdk_client *again = (ssdk_client *)0x1;
    EXPECT(ssdk_client_new(cfg, &again), SSDK_ERR_WRONG_PIN);
    CHECK(again == (ssdk_client *)0x1);
    EXPECT(ssdk_config_set_pin(cfg, "alice-pin"), SSDK_OK);
    EXPECT(ssdk_client_new(cfg, &again), SSDK_OK);
    char *again_id = NULL;
    EXPECT(ssdk_client_session_id(again, &again_id), SSDK_OK);
    CHECK(again_id && strcmp(again_id, alice_id) == 0);
    ssdk_string_free(again_id);
    ssdk_config_free(cfg);
    test_backup(again, net, alice_id);
    ssdk_client_free(again);

    ssdk_client_free(bob);
    ssdk_string_free(alice_id);
    ssdk_string_free(bob_id);
    ssdk_string_free(phrase);
    if (failures) {
        fprintf(stderr, "%d of %d client C ABI checks failed\n", failures, checks);
        return 1;
    }
    printf("all %d client C ABI checks passed\n", checks);
    return 0;
}
