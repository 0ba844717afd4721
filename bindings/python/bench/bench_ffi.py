#!/usr/bin/env python3
"""The Python side of the bindings benchmark (scripts/bindings/bench.sh): the same loops as
examples/bench_ffi_loop.rs (Rust) and bindings/go/bench (Go).

    python bench_ffi.py NETWORK_JSON DATA_DIR [MESSAGES]

Prints one JSON object per line: per-call cost of ssdk_abi_version and ssdk_session_id_validate,
both raw through cffi (``lib.*``) and through the binding's wrappers, then the rate of
Client.send_text to one recipient (queueing rate, and rate until the swarm acknowledged every
message).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import session_sdk
from session_sdk import Client, EventKind, LogLevel, MessageState
from session_sdk._native import lib

PEER = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72"


def per_call(iterations: int, f) -> float:
    """Median over 5 rounds of the per-call time of f, in nanoseconds (loop overhead included,
    as in the Rust and Go loops)."""
    rounds = []
    for _ in range(5):
        t = time.perf_counter_ns()
        for _ in range(iterations):
            f()
        rounds.append((time.perf_counter_ns() - t) / iterations)
    return statistics.median(rounds)


def emit(**kv) -> None:
    print(json.dumps({"lang": "python", **kv}), flush=True)


def main(argv: list) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    messages = int(argv[3]) if len(argv) > 3 else 500
    peer_b = PEER.encode()
    abi = lib.ssdk_abi_version
    validate = lib.ssdk_session_id_validate
    emit(bench="abi_version", variant="cffi", ns_per_call=round(per_call(500_000, abi), 1))
    emit(bench="abi_version", variant="binding", ns_per_call=round(per_call(500_000, session_sdk.abi_version), 1))
    emit(bench="session_id_validate", variant="cffi", ns_per_call=round(per_call(300_000, lambda: validate(peer_b)), 1))
    emit(bench="session_id_validate", variant="binding", ns_per_call=round(per_call(300_000, lambda: session_sdk.validate_session_id(PEER)), 1))

    with Client(argv[2], network_file=argv[1], poll_intervals=(0.3, 0.6), log_level=LogLevel.OFF) as c:
        c.start()
        if not c.wait_until_ready(60):
            raise SystemExit("no onion paths within 60 s")
        t0 = time.perf_counter()
        ids = {c.send_text(PEER, "benchmark message") for _ in range(messages)}
        queued = time.perf_counter() - t0
        emit(bench="send_text_queue", messages=messages, seconds=round(queued, 4), msgs_per_s=round(messages / queued, 1))
        deadline = time.monotonic() + 600
        while ids and time.monotonic() < deadline:
            ev = c.next_event(timeout=0.2)
            if ev is not None and ev.kind == EventKind.MESSAGE_STATE and ev.message_state == MessageState.SENT:
                ids.discard(ev.message_id)
        acked = time.perf_counter() - t0
        if ids:
            raise SystemExit(f"{len(ids)} messages not acknowledged")
        emit(bench="send_text_acked", messages=messages, seconds=round(acked, 4), msgs_per_s=round(messages / acked, 1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
