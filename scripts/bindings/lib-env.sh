#!/usr/bin/env bash
# Build the SDK's C library with cargo (`cargo build --release --lib`, a no-op when fresh) and
# install it, with scripts/install.sh, into target/bindings/prefix: lib/libsession_sdk.so with
# its versioned soname links, include/session_sdk.h, lib/pkgconfig/session_sdk.pc. The Go and
# Swift bindings compile and link against that prefix.
#
#   eval "$(scripts/bindings/lib-env.sh)"     # then: cd bindings/go && go test ./...
#
# prints the environment they need (CGO_CFLAGS, CGO_LDFLAGS with an rpath, PKG_CONFIG_PATH,
# LD_LIBRARY_PATH for tools that ignore rpaths). Progress goes to stderr, exports to stdout.
#   --no-build   take the library cargo already built
#   --from DIR   take libsession_sdk.{so,a} from DIR (as scripts/install.sh --from)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=1
from=
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --from) from=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
prefix=$target/bindings/prefix
if [ "$build" = 1 ] && [ -z "$from" ]; then
  echo "== cargo build --release --lib (minutes when cold)" >&2
  cargo build --release --lib >&2
fi
args=("$prefix" --no-build)
[ -n "$from" ] && args+=(--from "$from")
bash scripts/install.sh "${args[@]}" >&2
cat <<ENV
export CGO_CFLAGS="-I$prefix/include"
export CGO_LDFLAGS="-L$prefix/lib -Wl,-rpath,$prefix/lib"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$prefix/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export SESSION_SDK_PREFIX="$prefix"
ENV
