#!/usr/bin/env bash
# Install the C library, header and pkg-config file into PREFIX, laid out as
# `cargo cinstall --prefix PREFIX` lays them out, for machines without cargo-c.
#
#   scripts/install.sh PREFIX [--debug] [--no-build] [--from DIR]
#
# --from DIR takes the built libraries from DIR instead of target/<profile> (tests use the
# fresh copies cargo leaves in target/<profile>/deps).
#
# PREFIX/lib/libsession_sdk.so.<soversion> (+ .so symlink), PREFIX/lib/libsession_sdk.a,
# PREFIX/include/session_sdk.h, PREFIX/lib/pkgconfig/session_sdk.pc
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:?usage: scripts/install.sh PREFIX [--debug] [--no-build]}
shift
profile=release
build=1
from=
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug ;;
    --release-prebuilt) profile=release ;;
    --no-build) build=0 ;;
    --from) from=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
cd "$root"
if [ "$build" = 1 ]; then
  if [ "$profile" = release ]; then cargo build --release --lib; else cargo build --lib; fi
fi
target_dir=${CARGO_TARGET_DIR:-$root/target}
libs=${from:-$target_dir/$profile}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
if [ "$major" = 0 ]; then sover="0.$minor"; else sover="$major"; fi
mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
prefix=$(cd "$prefix" && pwd)
install -m 0755 "$libs/libsession_sdk.so" "$prefix/lib/libsession_sdk.so.$version"
ln -sf "libsession_sdk.so.$version" "$prefix/lib/libsession_sdk.so.$sover"
ln -sf "libsession_sdk.so.$sover" "$prefix/lib/libsession_sdk.so"
install -m 0644 "$libs/libsession_sdk.a" "$prefix/lib/libsession_sdk.a"
install -m 0644 include/session_sdk.h "$prefix/include/session_sdk.h"
cat > "$prefix/lib/pkgconfig/session_sdk.pc" <<PC
prefix=$prefix
exec_prefix=\${prefix}
libdir=\${exec_prefix}/lib
includedir=\${prefix}/include

Name: session_sdk
Description: Session messenger SDK (C ABI)
Version: $version
Libs: -L\${libdir} -lsession_sdk
Libs.private: -lpthread -ldl -lm
Cflags: -I\${includedir}
PC
echo "installed session_sdk $version into $prefix"
