// Command echobot is the echo bot in Go: it answers every message it gets with "echo: <text>".
//
//	echobot DATA_DIR [NETWORK_JSON]
//
// DATA_DIR holds the bot's encrypted database (created on first run); NETWORK_JSON is a network
// description written by session-testnet (omit it for the public Session network). The PIN, if
// any, comes from the environment variable ECHO_BOT_PIN, and ECHO_BOT_POLL_INTERVALS="ACTIVE,IDLE"
// (seconds, default the SDK's 1.5,15) sets how often it polls for messages. The bot prints its
// Session ID on the first line of its output, accepts every message request, and stops cleanly on
// Ctrl-C (SIGINT) or SIGTERM.
//
// Build (see bindings/go/README.md for linking):
//
//	eval "$(scripts/bindings/lib-env.sh)" && cd examples/go && go build ./echobot
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/session-sdk/session-sdk/bindings/go/session"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || len(args) > 3 {
		fmt.Fprintf(stderr, "usage: %s DATA_DIR [NETWORK_JSON]\n", args[0])
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := []session.Option{
		session.WithAutoAcceptRequests(true),
		session.WithDisplayName("Go echo bot"),
		session.WithLogLevel(session.LogWarn),
	}
	if len(args) == 3 {
		opts = append(opts, session.WithNetworkFile(args[2]))
	}
	if pin := os.Getenv("ECHO_BOT_PIN"); pin != "" {
		opts = append(opts, session.WithPIN(pin))
	}
	if iv := os.Getenv("ECHO_BOT_POLL_INTERVALS"); iv != "" {
		active, idle, err := parseIntervals(iv)
		if err != nil {
			fmt.Fprintf(stderr, "echobot: ECHO_BOT_POLL_INTERVALS: %v\n", err)
			return 2
		}
		opts = append(opts, session.WithPollIntervals(active, idle))
	}

	bot, err := session.NewClient(args[1], opts...)
	if err != nil {
		fmt.Fprintf(stderr, "echobot: %v\n", err)
		return 1
	}
	defer bot.Close()
	fmt.Fprintln(stdout, bot.SessionID())
	if err := bot.Start(); err != nil {
		fmt.Fprintf(stderr, "echobot: %v\n", err)
		return 1
	}

	answered := 0
	for ev := range bot.Events(ctx) { // ends on Ctrl-C
		switch ev.Kind {
		case session.EventMessageReceived:
			if ev.Sender == "" || ev.Text == "" {
				continue
			}
			if _, err := bot.SendText(ev.Sender, "echo: "+ev.Text); err != nil {
				fmt.Fprintf(stderr, "echobot: replying to %s: %v\n", ev.Sender, err)
				continue
			}
			answered++
			fmt.Fprintf(stdout, "answered %s\n", ev.Sender)
		case session.EventLog:
			fmt.Fprintf(stderr, "echobot log: %s\n", ev.Text)
		}
	}
	if err := bot.Close(); err != nil {
		fmt.Fprintf(stderr, "echobot: %v\n", err)
	}
	fmt.Fprintf(stdout, "stopped after answering %d messages\n", answered)
	return 0
}

func parseIntervals(s string) (active, idle time.Duration, err error) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return 0, 0, fmt.Errorf("want ACTIVE,IDLE in seconds, got %q", s)
	}
	var secs [2]float64
	for i, p := range parts {
		if secs[i], err = strconv.ParseFloat(strings.TrimSpace(p), 64); err != nil {
			return 0, 0, err
		}
	}
	return time.Duration(secs[0] * float64(time.Second)), time.Duration(secs[1] * float64(time.Second)), nil
}
