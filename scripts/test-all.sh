#!/usr/bin/env bash
# Every test of the repository: Rust unit and integration tests (conformance vectors, header
# drift, the C ABI program against the installed library), then a run of the quickstart.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
cargo run --quiet --example quickstart > /dev/null
echo "all tests passed"
