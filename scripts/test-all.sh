#!/usr/bin/env bash
# Every test of the repository: the gates (formatting, clippy with warnings denied, the public
# API's documentation), Rust unit and integration tests (conformance vectors, header drift, the
# layer order, the C ABI program against the installed library), then a run of the quickstart.
set -euo pipefail
cd "$(dirname "$0")/.."
# --- gates (CONTRIBUTING.md): one command each, so a failure says which ---
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# The shipped library alone (no `internals`): every public item documented, no dead code, a
# SAFETY comment on every unsafe block.
cargo clippy -p session-sdk --lib -- -D warnings
# --- end gates ---
cargo test --workspace --all-targets
cargo run --quiet --example quickstart > /dev/null
# --- bindings (issue 6): Python, Go and Swift over the C ABI; scripts in scripts/bindings/ ---
bash scripts/bindings/test-python.sh  # pip install ./bindings/python into a venv, then pytest
bash scripts/bindings/test-go.sh      # go vet ./... and go test ./... (bindings/go, examples/go)
bash scripts/bindings/test-swift.sh   # swift build and swift test; says so when there is no swift
# --- end bindings ---
echo "all tests passed"
