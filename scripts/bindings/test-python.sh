#!/usr/bin/env bash
# The Python binding's tests, as a user meets the package: `pip install ./bindings/python` (the
# build runs `cargo build --release --lib` and bundles the library in the wheel) into a venv under
# target/, then its pytest suite against the installed package (one local testnet per run).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
venv=$target/bindings/py-venv
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
  # System site-packages: cffi and pytest come from the machine when it has them.
  "$python" -m venv --system-site-packages "$venv"
fi
"$venv/bin/python" -c 'import cffi, pytest' 2>/dev/null || "$venv/bin/python" -m pip install --quiet 'cffi>=1.15' pytest

echo "== pip install ./bindings/python (builds the library with cargo; minutes when cold)"
start=$(date +%s)
"$venv/bin/python" -m pip install --quiet --no-deps --force-reinstall ./bindings/python
echo "== installed in $(( $(date +%s) - start ))s"

cd bindings/python
SSDK_EXPECT_INSTALLED=1 "$venv/bin/python" -m pytest -q tests "$@"
