#!/usr/bin/env bash
# The Go binding's checks: build the C library with cargo and lay it out for cgo
# (scripts/bindings/lib-env.sh), then `go vet` and `go test` in bindings/go (the binding; its
# TestMain starts one local testnet) and in examples/go (the echo bot, driven by its test).
# Standard library only: nothing is downloaded.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
eval "$(bash scripts/bindings/lib-env.sh "$@")"
for mod in bindings/go examples/go; do
  echo "== go vet ./... && go test ./... in $mod"
  (cd "$mod" && go vet ./... && go test -count=1 ./...)
done
