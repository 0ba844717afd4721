#!/usr/bin/env bash
# The Swift binding's tests: build the C library with cargo, lay it out for SwiftPM
# (scripts/bindings/lib-env.sh: pkg-config file, rpath), then `swift build` and `swift test` in
# bindings/swift (XCTest; the tests start one local testnet). Without a Swift toolchain it says
# so plainly and runs nothing, so nothing counts as passed for Swift.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if ! command -v swift >/dev/null 2>&1; then
  echo "Swift toolchain not installed: the Swift binding was not built or tested"
  exit 0
fi
eval "$(bash scripts/bindings/lib-env.sh "$@")"
cd bindings/swift
echo "== swift build && swift test in bindings/swift ($(swift --version 2>&1 | head -n1))"
swift build -Xlinker -rpath -Xlinker "$SESSION_SDK_PREFIX/lib"
swift test -Xlinker -rpath -Xlinker "$SESSION_SDK_PREFIX/lib"
