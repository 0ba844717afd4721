#!/usr/bin/env bash
# Bindings benchmark: per-call overhead of trivial SDK calls and the rate of a send loop, from
# Rust (examples/bench_ffi_loop.rs), Python (bindings/python/bench/bench_ffi.py) and Go
# (bindings/go/bench), one after the other against ONE local testnet in the same run.
#
#   bash scripts/bindings/bench.sh [MESSAGES]      # default 500 messages per language
#   BENCH_ORDER="go python rust" bash scripts/bindings/bench.sh   # another order
#
# Builds what it needs in release (the library, the Rust bench, session-testnet), installs the
# Python package into target/bindings/py-venv when it is not there, and prints a table (the raw
# JSON lines are kept in target/bindings/bench-results.jsonl).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
messages=${1:-500}
target=${CARGO_TARGET_DIR:-$root/target}

eval "$(bash scripts/bindings/lib-env.sh)"
cargo build --quiet --release --example bench_ffi_loop
cargo build --quiet --release -p session-node --bin session-testnet
venv=$target/bindings/py-venv
if ! "$venv/bin/python" -c 'import session_sdk' 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"
  "$venv/bin/python" -m pip install --quiet --no-deps ./bindings/python
fi
(cd bindings/go && go build -o "$target/bindings/go-bench" ./bench)

work=$(mktemp -d)
"$target/release/session-testnet" --description "$work/net.json" --data-dir "$work/testnet" >/dev/null 2>"$work/testnet.log" &
testnet=$!
trap 'kill -INT $testnet 2>/dev/null; wait $testnet 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["seed_nodes"] else 1)' "$work/net.json" 2>/dev/null && break
  kill -0 $testnet 2>/dev/null || { cat "$work/testnet.log" >&2; exit 1; }
  sleep 0.1
done

results=$target/bindings/bench-results.jsonl
: > "$results"
echo "== $(nproc) cores; $messages messages per language; testnet $(basename "$target")/release/session-testnet" >&2
# BENCH_ORDER changes the order of the three runs (to see order effects on the send rates).
for lang in ${BENCH_ORDER:-rust python go}; do
  case "$lang" in
    rust)
      echo "== rust" >&2
      "$target/release/examples/bench_ffi_loop" "$work/net.json" "$work/rust" "$messages" | tee -a "$results" ;;
    python)
      echo "== python ($("$venv/bin/python" --version))" >&2
      "$venv/bin/python" bindings/python/bench/bench_ffi.py "$work/net.json" "$work/python" "$messages" | tee -a "$results" ;;
    go)
      echo "== go ($(go version | cut -d' ' -f3))" >&2
      "$target/bindings/go-bench" "$work/net.json" "$work/go" "$messages" | tee -a "$results" ;;
    *) echo "unknown language $lang in BENCH_ORDER" >&2; exit 2 ;;
  esac
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def get(lang, bench, key, variant=None):
    for r in rows:
        if r["lang"] == lang and r["bench"] == bench and r.get("variant", variant) == variant:
            return r[key]
    return None
print()
print(f"{'':38}{'Rust':>12}{'Python':>12}{'Go':>12}")
for bench, label in [("abi_version", "ssdk_abi_version, ns/call"), ("session_id_validate", "ssdk_session_id_validate, ns/call")]:
    print(f"{label:38}{get('rust', bench, 'ns_per_call'):>12}{get('python', bench, 'ns_per_call', 'binding'):>12}{get('go', bench, 'ns_per_call'):>12}")
    print(f"{'  (Python: raw cffi call)':38}{'':>12}{get('python', bench, 'ns_per_call', 'cffi'):>12}{'':>12}")
for bench, label in [("send_text_queue", "send_text queued, msgs/s"), ("send_text_acked", "send_text until acked, msgs/s")]:
    print(f"{label:38}{get('rust', bench, 'msgs_per_s'):>12}{get('python', bench, 'msgs_per_s'):>12}{get('go', bench, 'msgs_per_s'):>12}")
PY
