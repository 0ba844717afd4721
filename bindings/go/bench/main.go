// Command bench is the Go side of the bindings benchmark (scripts/bindings/bench.sh): the same
// loops as examples/bench_ffi_loop.rs (Rust) and bindings/python/bench/bench_ffi.py (Python).
//
//	go run ./bench NETWORK_JSON DATA_DIR [MESSAGES]
//
// Prints one JSON object per line: per-call cost of ssdk_abi_version and
// ssdk_session_id_validate through the binding, then the rate of Client.SendText to one
// recipient (queueing rate, and rate until the swarm acknowledged every message).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/session-sdk/session-sdk/bindings/go/session"
)

const peer = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72"

var sink uint32

// perCall is the median over 5 rounds of the per-call time of f, in nanoseconds.
func perCall(iterations int, f func()) float64 {
	rounds := make([]float64, 5)
	for r := range rounds {
		t := time.Now()
		for i := 0; i < iterations; i++ {
			f()
		}
		rounds[r] = float64(time.Since(t).Nanoseconds()) / float64(iterations)
	}
	sort.Float64s(rounds)
	return rounds[2]
}

func emit(kv map[string]any) {
	kv["lang"] = "go"
	b, _ := json.Marshal(kv)
	fmt.Println(string(b))
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: bench NETWORK_JSON DATA_DIR [MESSAGES]")
		os.Exit(2)
	}
	messages := 500
	if len(os.Args) > 3 {
		var err error
		if messages, err = strconv.Atoi(os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	emit(map[string]any{"bench": "abi_version", "ns_per_call": round1(perCall(2_000_000, func() { sink += session.ABIVersion() }))})
	emit(map[string]any{"bench": "session_id_validate", "ns_per_call": round1(perCall(1_000_000, func() {
		if session.ValidateSessionID(peer) != nil {
			panic("invalid")
		}
	}))})

	c, err := session.NewClient(os.Args[2], session.WithNetworkFile(os.Args[1]),
		session.WithPollIntervals(300*time.Millisecond, 600*time.Millisecond), session.WithLogLevel(session.LogOff))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer c.Close()
	if err := c.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	if err := c.WaitReady(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "no onion paths:", err)
		os.Exit(1)
	}
	cancel()
	ids := map[int64]bool{}
	t0 := time.Now()
	for i := 0; i < messages; i++ {
		id, err := c.SendText(peer, "benchmark message")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ids[id] = true
	}
	queued := time.Since(t0).Seconds()
	emit(map[string]any{"bench": "send_text_queue", "messages": messages, "seconds": queued, "msgs_per_s": round1(float64(messages) / queued)})
	ctx, cancel = context.WithTimeout(context.Background(), 600*time.Second)
	defer cancel()
	for len(ids) > 0 {
		ev, err := c.NextEvent(ctx)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%d messages not acknowledged: %v\n", len(ids), err)
			os.Exit(1)
		}
		if ev.Kind == session.EventMessageState && ev.MessageState() == session.MessageSent {
			delete(ids, ev.MessageID)
		}
	}
	acked := time.Since(t0).Seconds()
	emit(map[string]any{"bench": "send_text_acked", "messages": messages, "seconds": acked, "msgs_per_s": round1(float64(messages) / acked)})
}
