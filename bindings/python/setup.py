"""Build of the `session-sdk` wheel: runs `cargo build --release --lib` in the session-sdk
repository this directory belongs to and packages the shared library and the C header inside
`session_sdk/_native/`, so that `pip install ./bindings/python` yields a working package with no
copying by hand and no environment variables.

The Python code loads the library with cffi in ABI mode (no C compiler needed, no Python
extension module), so the wheel is tagged `py3-none-<platform>`: one wheel serves every
Python 3 version on that platform.

Optional, for packagers: SESSION_SDK_LIBRARY=/path/to/libsession_sdk.so packages that library
instead of building one (the header still comes from the repository, or SESSION_SDK_HEADER).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

try:  # setuptools >= 70.1 ships bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover - older setuptools with the wheel package
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent


def library_file_name() -> str:
    if sys.platform == "darwin":
        return "libsession_sdk.dylib"
    if sys.platform == "win32":
        return "session_sdk.dll"
    return "libsession_sdk.so"


def repository_root() -> Path:
    """The session-sdk checkout this binding lives in (two levels up), or SESSION_SDK_SOURCE_DIR."""
    env = os.environ.get("SESSION_SDK_SOURCE_DIR")
    candidates = [Path(env)] if env else list(HERE.parents)
    for root in candidates:
        if (root / "Cargo.toml").is_file() and (root / "include" / "session_sdk.h").is_file():
            return root
    raise SystemExit(
        "session-sdk: cannot find the session-sdk repository (Cargo.toml and include/session_sdk.h) "
        f"above {HERE}. Build the wheel from a checkout: `pip install ./bindings/python`."
    )


def cargo_build(root: Path) -> Path:
    """Build the release cdylib with cargo and return its path."""
    cargo = os.environ.get("CARGO", "cargo")
    if shutil.which(cargo) is None:
        raise SystemExit("session-sdk: building the native library needs Rust's cargo on PATH (https://rustup.rs)")
    manifest = str(root / "Cargo.toml")
    cmd = [cargo, "build", "--release", "--lib", "-p", "session-sdk", "--manifest-path", manifest]
    print("session-sdk: " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=root)
    meta = subprocess.run(
        [cargo, "metadata", "--format-version", "1", "--no-deps", "--manifest-path", manifest],
        check=True, cwd=root, stdout=subprocess.PIPE,
    )
    target = Path(json.loads(meta.stdout)["target_directory"])
    lib = target / "release" / library_file_name()
    if not lib.is_file():
        raise SystemExit(f"session-sdk: cargo finished but {lib} does not exist")
    return lib


def native_files() -> tuple[Path, Path]:
    """(library, header) to package."""
    root = None
    lib_env = os.environ.get("SESSION_SDK_LIBRARY")
    hdr_env = os.environ.get("SESSION_SDK_HEADER")
    if not (lib_env and hdr_env):
        root = repository_root()
    lib = Path(lib_env) if lib_env else cargo_build(root)  # type: ignore[arg-type]
    hdr = Path(hdr_env) if hdr_env else root / "include" / "session_sdk.h"  # type: ignore[operator]
    return lib, hdr


class BuildPyWithNative(build_py):
    """build_py that also puts the native library and header into session_sdk/_native/."""

    def run(self) -> None:
        super().run()
        lib, hdr = native_files()
        if getattr(self, "editable_mode", False):
            # An editable install imports from src/, whose loader finds the library in the
            # repository's target/ directory (built just now) and the header in include/.
            return
        dest = Path(self.build_lib) / "session_sdk" / "_native"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lib, dest / library_file_name())
        shutil.copy2(hdr, dest / "session_sdk.h")


class PlatformWheel(bdist_wheel):
    """The wheel holds a native library, so it is platform-specific, but it contains no Python
    extension module, so it fits any Python 3: tag py3-none-<platform>."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        return "py3", "none", plat


setup(cmdclass={"build_py": BuildPyWithNative, "bdist_wheel": PlatformWheel})
