/*
 * Echo bot in C: answers every message it gets with "echo: <text>".
 *
 *   echo_bot DATA_DIR [NETWORK_JSON]
 *
 * DATA_DIR holds the bot's encrypted database (created on first run); NETWORK_JSON is a network
 * description written by `session-testnet` (omit it for the public Session network). The PIN,
 * if any, comes from the environment variable ECHO_BOT_PIN. The bot prints its Session ID on the
 * first line of its output, accepts every message request, and stops cleanly on SIGINT/SIGTERM.
 *
 * Build against the installed library:
 *   cc echo_bot.c $(pkg-config --cflags --libs session_sdk) -o echo_bot
 */
#include <session_sdk.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static int fail(const char *what, ssdk_status st) {
    fprintf(stderr, "echo_bot: %s failed: %s (%s)\n", what, ssdk_status_name(st), ssdk_last_error_message());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s DATA_DIR [NETWORK_JSON]\n", argv[0]);
        return 2;
    }
    if (ssdk_abi_version() != SSDK_ABI_VERSION) {
        fprintf(stderr, "echo_bot: built for ABI %d but the library has ABI %u\n", SSDK_ABI_VERSION, ssdk_abi_version());
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    ssdk_config *cfg = NULL;
    ssdk_status st = ssdk_config_new(argv[1], &cfg);
    if (st != SSDK_OK) return fail("ssdk_config_new", st);
    if (argc == 3 && (st = ssdk_config_set_network_file(cfg, argv[2])) != SSDK_OK) return fail("loading the network file", st);
    const char *pin = getenv("ECHO_BOT_PIN");
    if (pin && *pin && (st = ssdk_config_set_pin(cfg, pin)) != SSDK_OK) return fail("ssdk_config_set_pin", st);
    ssdk_config_set_auto_accept_requests(cfg, true);
    ssdk_config_set_display_name(cfg, "C echo bot");
    ssdk_config_set_log_level(cfg, SSDK_LOG_WARN);

    ssdk_client *client = NULL;
    st = ssdk_client_new(cfg, &client);
    ssdk_config_free(cfg);
    if (st != SSDK_OK) return fail("ssdk_client_new", st);

    char *me = NULL;
    ssdk_client_session_id(client, &me);
    printf("%s\n", me);
    fflush(stdout);
    ssdk_string_free(me);

    if ((st = ssdk_client_start(client)) != SSDK_OK) {
        ssdk_client_free(client);
        return fail("ssdk_client_start", st);
    }

    unsigned long answered = 0;
    while (!stop_requested) {
        ssdk_event *ev = NULL;
        st = ssdk_client_next_event(client, 200, &ev);
        if (st == SSDK_ERR_TIMEOUT) continue;
        if (st != SSDK_OK) {
            fail("ssdk_client_next_event", st);
            break;
        }
        switch (ssdk_event_kind(ev)) {
            case SSDK_EVENT_MESSAGE_RECEIVED: {
                const char *from = ssdk_event_sender(ev);
                const char *text = ssdk_event_text(ev);
                if (from && text) {
                    size_t n = strlen(text) + 7;
                    char *reply = malloc(n);
                    if (reply) {
                        snprintf(reply, n, "echo: %s", text);
                        if ((st = ssdk_client_send_text(client, from, reply, NULL)) == SSDK_OK) {
                            answered++;
                            printf("answered %s\n", from);
                            fflush(stdout);
                        } else {
                            fail("ssdk_client_send_text", st);
                        }
                        free(reply);
                    }
                }
                break;
            }
            case SSDK_EVENT_LOG:
                fprintf(stderr, "echo_bot log: %s\n", ssdk_event_text(ev));
                break;
            default:
                break;
        }
        ssdk_event_free(ev);
    }
    ssdk_client_stop(client);
    ssdk_client_free(client);
    printf("stopped after answering %lu messages\n", answered);
    return 0;
}
