/*
 * C ABI test: compiled against the installed header and library (pkg-config session_sdk) by
 * tests/c_abi.rs. Exercises every identity and crypto entry point, including each error path
 * with NULL arguments and bad input, and checks that outputs are untouched on failure.
 */
#include <session_sdk.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        checks++;                                                                         \
        if (!(cond)) {                                                                    \
            failures++;                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__, __LINE__, \
                    #cond, ssdk_last_error_message());                                    \
        }                                                                                 \
    } while (0)

/* A failing call: expected status, a non-empty message mentioning the status kind. */
#define EXPECT_ERR(call, code)                                                            \
    do {                                                                                  \
        ssdk_status st_ = (call);                                                         \
        CHECK(st_ == (code));                                                             \
        if (st_ != (code))                                                                \
            fprintf(stderr, "  got %s (%d), wanted %s\n", ssdk_status_name(st_), (int)st_, #code); \
        CHECK(strlen(ssdk_last_error_message()) > 0);                                     \
    } while (0)

#define EXPECT_OK(call)                                                                   \
    do {                                                                                  \
        ssdk_status st_ = (call);                                                         \
        CHECK(st_ == SSDK_OK);                                                            \
        CHECK(strcmp(ssdk_last_error_message(), "") == 0);                                \
    } while (0)

static const char *VECTOR_SEED_HEX = "0123456789abcdef0123456789abcdef";
static const char *VECTOR_SESSION_ID = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";
static const char *VECTOR_PHRASE =
    "vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted adept";

static void from_hex(const char *hex, uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; i++) sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

static void test_version(void) {
    CHECK(ssdk_version() != NULL && strlen(ssdk_version()) >= 5);
    CHECK(ssdk_abi_version() == SSDK_ABI_VERSION);
    CHECK(strcmp(ssdk_status_name(SSDK_OK), "SSDK_OK") == 0);
    CHECK(strcmp(ssdk_status_name(SSDK_ERR_INVALID_SESSION_ID), "SSDK_ERR_INVALID_SESSION_ID") == 0);
    CHECK(strcmp(ssdk_status_name(SSDK_ERR_BUSY), "SSDK_ERR_BUSY") == 0);
    CHECK(strcmp(ssdk_status_name(12345), "SSDK_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(ssdk_last_error_message(), "") == 0);
}

static void test_identity(void) {
    uint8_t seed[16];
    from_hex(VECTOR_SEED_HEX, seed, 16);
    ssdk_identity *id = NULL;
    EXPECT_OK(ssdk_identity_from_seed(seed, 16, &id));
    CHECK(id != NULL);

    char *sid = NULL;
    EXPECT_OK(ssdk_identity_session_id(id, &sid));
    CHECK(sid && strcmp(sid, VECTOR_SESSION_ID) == 0);
    ssdk_string_free(sid);

    char *phrase = NULL;
    EXPECT_OK(ssdk_identity_mnemonic(id, &phrase));
    CHECK(phrase && strcmp(phrase, VECTOR_PHRASE) == 0);

    uint8_t pk[32], expect_pk[32], full_seed[32];
    from_hex("4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7", expect_pk, 32);
    EXPECT_OK(ssdk_identity_ed25519_public_key(id, pk));
    CHECK(memcmp(pk, expect_pk, 32) == 0);
    EXPECT_OK(ssdk_identity_seed(id, full_seed));
    CHECK(memcmp(full_seed, seed, 16) == 0);
    for (int i = 16; i < 32; i++) CHECK(full_seed[i] == 0);

    /* Phrase round trip, with stray whitespace and capitals normalised. */
    ssdk_identity *again = NULL;
    EXPECT_OK(ssdk_identity_from_mnemonic(
        "  Vexed enjoy PIGMENT films adept voted\tvexed enjoy pigment films adept voted adept \n", &again));
    char *sid2 = NULL;
    EXPECT_OK(ssdk_identity_session_id(again, &sid2));
    CHECK(sid2 && strcmp(sid2, VECTOR_SESSION_ID) == 0);
    ssdk_string_free(sid2);
    ssdk_identity_free(again);

    /* 32-byte seed. */
    uint8_t seed32[32];
    for (int i = 0; i < 32; i++) seed32[i] = (uint8_t)(i + 1);
    ssdk_identity *id32 = NULL;
    EXPECT_OK(ssdk_identity_from_seed(seed32, 32, &id32));
    char *phrase32 = NULL;
    EXPECT_OK(ssdk_identity_mnemonic(id32, &phrase32));
    int words = 1;
    for (char *p = phrase32; p && *p; p++) words += (*p == ' ');
    CHECK(words == 25);
    ssdk_string_free(phrase32);
    ssdk_identity_free(id32);

    /* Generate. */
    ssdk_identity *fresh = NULL;
    EXPECT_OK(ssdk_identity_generate(&fresh));
    char *fresh_sid = NULL;
    EXPECT_OK(ssdk_identity_session_id(fresh, &fresh_sid));
    EXPECT_OK(ssdk_session_id_validate(fresh_sid));
    CHECK(strcmp(fresh_sid, VECTOR_SESSION_ID) != 0);
    ssdk_string_free(fresh_sid);
    ssdk_identity_free(fresh);

    /* Errors: NULLs, lengths, phrases. Outputs stay untouched. */
    ssdk_identity *untouched = (ssdk_identity *)0x1;
    EXPECT_ERR(ssdk_identity_generate(NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_from_seed(NULL, 16, &untouched), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_from_seed(seed, 16, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_from_seed(seed, 15, &untouched), SSDK_ERR_INVALID_KEY);
    EXPECT_ERR(ssdk_identity_from_seed(NULL, 0, &untouched), SSDK_ERR_INVALID_KEY);
    EXPECT_ERR(ssdk_identity_from_mnemonic(NULL, &untouched), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_from_mnemonic(VECTOR_PHRASE, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_from_mnemonic("vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted",
                                           &untouched),
               SSDK_ERR_MNEMONIC_WORD_COUNT);
    EXPECT_ERR(ssdk_identity_from_mnemonic("", &untouched), SSDK_ERR_MNEMONIC_WORD_COUNT);
    EXPECT_ERR(ssdk_identity_from_mnemonic(
                   "vexed enjoy pigment films adept voted vexed enjoy pigment films adept zzzzz adept", &untouched),
               SSDK_ERR_MNEMONIC_UNKNOWN_WORD);
    CHECK(strstr(ssdk_last_error_message(), "word 12") != NULL);
    EXPECT_ERR(ssdk_identity_from_mnemonic(
                   "vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted vexed", &untouched),
               SSDK_ERR_MNEMONIC_CHECKSUM);
    EXPECT_ERR(ssdk_identity_from_mnemonic("vexed \xff\xfe pigment", &untouched), SSDK_ERR_INVALID_UTF8);
    CHECK(untouched == (ssdk_identity *)0x1);

    char *untouched_s = (char *)0x1;
    EXPECT_ERR(ssdk_identity_mnemonic(NULL, &untouched_s), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_mnemonic(id, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_session_id(NULL, &untouched_s), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_session_id(id, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_ed25519_public_key(NULL, pk), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_ed25519_public_key(id, NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_seed(NULL, full_seed), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_identity_seed(id, NULL), SSDK_ERR_NULL_ARGUMENT);
    CHECK(untouched_s == (char *)0x1);

    ssdk_string_free(phrase);
    ssdk_identity_free(id);
    ssdk_identity_free(NULL);
    ssdk_string_free(NULL);
    ssdk_bytes_free(NULL, 0);
}

static void test_session_ids(void) {
    EXPECT_OK(ssdk_session_id_validate(VECTOR_SESSION_ID));
    EXPECT_OK(ssdk_session_id_validate("05D2AD010EEB72D72E561D9DE7BD7B6989AF77DCABFFA03A5111A6C859AE5C3A72"));
    EXPECT_ERR(ssdk_session_id_validate(NULL), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_session_id_validate(""), SSDK_ERR_INVALID_SESSION_ID);
    EXPECT_ERR(ssdk_session_id_validate("05d2ad"), SSDK_ERR_INVALID_SESSION_ID);
    CHECK(strstr(ssdk_last_error_message(), "66") != NULL);
    EXPECT_ERR(ssdk_session_id_validate("05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a7z"),
               SSDK_ERR_INVALID_SESSION_ID);
    CHECK(strstr(ssdk_last_error_message(), "character 66") != NULL);
    EXPECT_ERR(ssdk_session_id_validate("03d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72"),
               SSDK_ERR_INVALID_SESSION_ID);
    CHECK(strstr(ssdk_last_error_message(), "05") != NULL);
    EXPECT_ERR(ssdk_session_id_validate("\xc3\x28"), SSDK_ERR_INVALID_UTF8);

    /* Blinded IDs (libsession test vectors). */
    const char *sid = "05fe94b7ad4b7f1cc1bb92671f1f0d243f226e115b33770465e82b503fc3e96e1f";
    const char *server = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    char *b = NULL;
    EXPECT_OK(ssdk_blinded_id(sid, server, 15, &b));
    CHECK(b && strcmp(b, "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c07844") == 0);
    ssdk_string_free(b);
    b = NULL;
    EXPECT_OK(ssdk_blinded_id(sid, server, 25, &b));
    CHECK(b && strcmp(b, "253b991dcbba44cfdb45d5b38880d95cff723309e3ece6fd01415ad5fa1dccc7ac") == 0);
    ssdk_string_free(b);
    char *untouched = (char *)0x1;
    EXPECT_ERR(ssdk_blinded_id(sid, server, 16, &untouched), SSDK_ERR_INVALID_ARGUMENT);
    EXPECT_ERR(ssdk_blinded_id(sid, "abcd", 15, &untouched), SSDK_ERR_INVALID_KEY);
    EXPECT_ERR(ssdk_blinded_id(sid, "not hex at all", 15, &untouched), SSDK_ERR_INVALID_KEY);
    EXPECT_ERR(ssdk_blinded_id("05abc", server, 15, &untouched), SSDK_ERR_INVALID_SESSION_ID);
    EXPECT_ERR(ssdk_blinded_id(NULL, server, 15, &untouched), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_blinded_id(sid, NULL, 15, &untouched), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_blinded_id(sid, server, 15, NULL), SSDK_ERR_NULL_ARGUMENT);
    CHECK(untouched == (char *)0x1);

    int32_t m = -1;
    EXPECT_OK(ssdk_blinded_id_matches(sid, "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c078c4", server, &m));
    CHECK(m == 1);
    EXPECT_OK(ssdk_blinded_id_matches(VECTOR_SESSION_ID, "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c07844",
                                      server, &m));
    CHECK(m == 0);
    EXPECT_ERR(ssdk_blinded_id_matches(sid, VECTOR_SESSION_ID, server, &m), SSDK_ERR_INVALID_SESSION_ID);
    EXPECT_ERR(ssdk_blinded_id_matches(sid, "15", server, &m), SSDK_ERR_INVALID_SESSION_ID);
    EXPECT_ERR(ssdk_blinded_id_matches(sid, "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c078c4", server, NULL),
               SSDK_ERR_NULL_ARGUMENT);
}

static void test_encryption(void) {
    ssdk_identity *alice = NULL, *bob = NULL;
    EXPECT_OK(ssdk_identity_generate(&alice));
    EXPECT_OK(ssdk_identity_generate(&bob));
    char *alice_id = NULL, *bob_id = NULL;
    EXPECT_OK(ssdk_identity_session_id(alice, &alice_id));
    EXPECT_OK(ssdk_identity_session_id(bob, &bob_id));

    const char *msg = "hello from C";
    uint8_t *ct = NULL;
    size_t ct_len = 0;
    EXPECT_OK(ssdk_encrypt_for_recipient(alice, bob_id, (const uint8_t *)msg, strlen(msg), &ct, &ct_len));
    CHECK(ct != NULL && ct_len == strlen(msg) + 144);

    uint8_t *pt = NULL;
    size_t pt_len = 0;
    char *sender = NULL;
    EXPECT_OK(ssdk_decrypt_incoming(bob, ct, ct_len, &pt, &pt_len, &sender));
    CHECK(pt_len == strlen(msg) && memcmp(pt, msg, pt_len) == 0);
    CHECK(sender && strcmp(sender, alice_id) == 0);
    ssdk_bytes_free(pt, pt_len);
    ssdk_string_free(sender);

    /* Failures leave every output untouched. */
    uint8_t *upt = (uint8_t *)0x1;
    size_t ulen = 77;
    char *usender = (char *)0x1;
    EXPECT_ERR(ssdk_decrypt_incoming(alice, ct, ct_len, &upt, &ulen, &usender), SSDK_ERR_DECRYPTION_FAILED);
    ct[ct_len / 2] ^= 0x20;
    EXPECT_ERR(ssdk_decrypt_incoming(bob, ct, ct_len, &upt, &ulen, &usender), SSDK_ERR_DECRYPTION_FAILED);
    ct[ct_len / 2] ^= 0x20;
    EXPECT_ERR(ssdk_decrypt_incoming(bob, ct, 10, &upt, &ulen, &usender), SSDK_ERR_DECRYPTION_FAILED);
    EXPECT_ERR(ssdk_decrypt_incoming(bob, NULL, 0, &upt, &ulen, &usender), SSDK_ERR_DECRYPTION_FAILED);
    EXPECT_ERR(ssdk_decrypt_incoming(bob, NULL, ct_len, &upt, &ulen, &usender), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_decrypt_incoming(NULL, ct, ct_len, &upt, &ulen, &usender), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_decrypt_incoming(bob, ct, ct_len, NULL, &ulen, &usender), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_decrypt_incoming(bob, ct, ct_len, &upt, NULL, &usender), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_decrypt_incoming(bob, ct, ct_len, &upt, &ulen, NULL), SSDK_ERR_NULL_ARGUMENT);
    CHECK(upt == (uint8_t *)0x1 && ulen == 77 && usender == (char *)0x1);

    uint8_t *uct = (uint8_t *)0x1;
    EXPECT_ERR(ssdk_encrypt_for_recipient(alice, "05nothex", (const uint8_t *)msg, 3, &uct, &ulen), SSDK_ERR_INVALID_SESSION_ID);
    EXPECT_ERR(ssdk_encrypt_for_recipient(alice, NULL, (const uint8_t *)msg, 3, &uct, &ulen), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_encrypt_for_recipient(NULL, bob_id, (const uint8_t *)msg, 3, &uct, &ulen), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_encrypt_for_recipient(alice, bob_id, NULL, 3, &uct, &ulen), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_encrypt_for_recipient(alice, bob_id, (const uint8_t *)msg, 3, NULL, &ulen), SSDK_ERR_NULL_ARGUMENT);
    EXPECT_ERR(ssdk_encrypt_for_recipient(alice, bob_id, (const uint8_t *)msg, 3, &uct, NULL), SSDK_ERR_NULL_ARGUMENT);
    CHECK(uct == (uint8_t *)0x1 && ulen == 77);

    /* An empty message (NULL with length 0) is a valid message. */
    uint8_t *ect = NULL;
    size_t ect_len = 0;
    EXPECT_OK(ssdk_encrypt_for_recipient(alice, bob_id, NULL, 0, &ect, &ect_len));
    EXPECT_OK(ssdk_decrypt_incoming(bob, ect, ect_len, &pt, &pt_len, &sender));
    CHECK(pt_len == 0);
    ssdk_bytes_free(pt, pt_len);
    ssdk_string_free(sender);
    ssdk_bytes_free(ect, ect_len);

    ssdk_bytes_free(ct, ct_len);
    ssdk_string_free(alice_id);
    ssdk_string_free(bob_id);
    ssdk_identity_free(alice);
    ssdk_identity_free(bob);
}

/* One identity used from several threads at once; each thread has its own last error. */
struct thread_arg {
    const ssdk_identity *id;
    const char *to;
    int ok;
};

static void *worker(void *p) {
    struct thread_arg *a = p;
    a->ok = 1;
    for (int i = 0; i < 200; i++) {
        uint8_t *ct = NULL;
        size_t n = 0;
        if (ssdk_encrypt_for_recipient(a->id, a->to, (const uint8_t *)"x", 1, &ct, &n) != SSDK_OK) a->ok = 0;
        ssdk_bytes_free(ct, n);
        if (ssdk_session_id_validate("bad") != SSDK_ERR_INVALID_SESSION_ID) a->ok = 0;
        if (strlen(ssdk_last_error_message()) == 0) a->ok = 0;
    }
    return NULL;
}

static void test_threads(void) {
    ssdk_identity *id = NULL;
    EXPECT_OK(ssdk_identity_generate(&id));
    char *sid = NULL;
    EXPECT_OK(ssdk_identity_session_id(id, &sid));
    pthread_t t[4];
    struct thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct thread_arg){id, sid, 0};
        pthread_create(&t[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(args[i].ok);
    }
    /* This thread's last error is unaffected by the others'. */
    EXPECT_OK(ssdk_session_id_validate(sid));
    ssdk_string_free(sid);
    ssdk_identity_free(id);
}

int main(void) {
    test_version();
    test_identity();
    test_session_ids();
    test_encryption();
    test_threads();
    if (failures) {
        fprintf(stderr, "%d of %d C ABI checks failed\n", failures, checks);
        return 1;
    }
    printf("all %d C ABI checks passed (session-sdk %s, ABI %u)\n", checks, ssdk_version(), ssdk_abi_version());
    return 0;
}
