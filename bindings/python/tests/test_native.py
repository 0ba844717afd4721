"""The bridge itself: header -> cdef, the ABI version check at import, the library in use, and
the status-code table."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import session_sdk
from session_sdk import _native, errors
from session_sdk._native import BINDING_ABI_VERSION, check_abi_versions, ffi, lib, preprocess_header

REPO = Path(__file__).resolve().parents[3]


def test_cdef_takes_the_c11_branches_of_the_header() -> None:
    text = """
#ifndef GUARD_H
#define GUARD_H
#include <stdint.h>
#define ABI 7
enum e
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : int32_t
#endif // comment
 { A = 0 };
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum e e;
#else
typedef int32_t e;
#endif
#endif
#ifdef __cplusplus
extern "C" {
#endif
int f(void);
#if !defined(GUARD_H) && 1
int never(void);
#elif ABI == 7
int g(void);
#else
int never2(void);
#endif
#ifdef __cplusplus
}
#endif
#endif
"""
    out, macros = preprocess_header(text)
    assert ": int32_t" not in out and "extern" not in out and "never" not in out
    assert "typedef int32_t e;" in out and "typedef enum e e;" not in out
    assert "int f(void);" in out and "int g(void);" in out
    assert "#define ABI 7" in out and macros["ABI"] == "7"
    # What it produced is accepted by cffi.
    f = type(ffi)()
    f.cdef(out)


@pytest.mark.parametrize(
    "bad",
    ["#if 1\nint x;\n", "#endif\n", "#else\n", "#define F(x) x\n", "#if sizeof(int)\n#endif\n", "#line 3\n"],
)
def test_cdef_refuses_what_it_does_not_understand(bad: str) -> None:
    with pytest.raises(ValueError):
        preprocess_header(bad)


def test_the_real_header_declares_every_function_the_library_exports() -> None:
    header = _native.HEADER_PATH.read_text()
    names = set(re.findall(r"\b(ssdk_\w+)\(", header))
    assert len(names) > 60
    for name in sorted(names):
        assert callable(getattr(lib, name)), name


def test_abi_versions_agree() -> None:
    assert BINDING_ABI_VERSION == 1
    assert lib.SSDK_ABI_VERSION == BINDING_ABI_VERSION
    assert session_sdk.abi_version() == BINDING_ABI_VERSION
    check_abi_versions(1, 1, 1, "lib")


@pytest.mark.parametrize("header,library", [(1, 2), (2, 1), (0, 0)])
def test_abi_mismatch_is_refused_with_a_clear_message(header: int, library: int) -> None:
    with pytest.raises(session_sdk.AbiMismatchError) as e:
        check_abi_versions(1, header, library, "/x/libsession_sdk.so")
    assert "C ABI version" in str(e.value)
    assert isinstance(e.value, ImportError)


def test_import_fails_on_a_header_of_another_abi(tmp_path: Path) -> None:
    """The check runs at import time: a header claiming ABI 99 makes `import session_sdk` fail."""
    hdr = tmp_path / "session_sdk.h"
    hdr.write_text(_native.HEADER_PATH.read_text().replace("#define SSDK_ABI_VERSION 1", "#define SSDK_ABI_VERSION 99"))
    env = dict(os.environ, SESSION_SDK_HEADER=str(hdr), SESSION_SDK_LIBRARY=str(_native.LIBRARY_PATH))
    r = subprocess.run([sys.executable, "-c", "import session_sdk"], env=env, capture_output=True, text=True)
    assert r.returncode != 0
    assert "AbiMismatchError" in r.stderr and "SSDK_ABI_VERSION 99" in r.stderr


def test_versions() -> None:
    cargo = (REPO / "Cargo.toml").read_text()
    crate_version = re.search(r'^version = "([^"]+)"', cargo, re.M).group(1)  # type: ignore[union-attr]
    assert session_sdk.version() == crate_version
    assert session_sdk.__version__ == crate_version


def test_installed_package_bundles_the_library() -> None:
    """Under scripts/bindings/test-python.sh the package comes from `pip install`: the library
    and header it loads are the ones inside the package, not the repository's."""
    if os.environ.get("SSDK_EXPECT_INSTALLED") != "1":
        pytest.skip("not running against an installed package")
    pkg = Path(session_sdk.__file__).resolve().parent
    assert "site-packages" in str(pkg)
    assert _native.LIBRARY_PATH.resolve().parent == pkg / "_native"
    assert _native.HEADER_PATH.resolve().parent == pkg / "_native"
    assert (pkg / "py.typed").is_file()


def test_every_status_code_has_its_exception_class() -> None:
    codes = ffi.typeof("enum ssdk_status").relements
    assert codes["SSDK_OK"] == 0
    for name, code in codes.items():
        if code == 0:
            continue
        cls = errors.BY_NAME[name]
        assert cls.status == code, name
        assert session_sdk.status_name(code) == name
        expected = "SessionTimeoutError" if name == "SSDK_ERR_TIMEOUT" else errors.name_to_class_name(name)
        assert cls.__name__ == expected
        assert getattr(session_sdk, cls.__name__) is cls
        assert issubclass(cls, session_sdk.SessionError)
    assert session_sdk.status_name(12345) == "SSDK_UNKNOWN_STATUS"
    # A code newer than this binding still becomes a SessionError.
    e = errors.error_for(-999, "SSDK_ERR_FUTURE", "FUTURE: later")
    assert type(e) is session_sdk.SessionError and e.code == -999


def test_error_carries_the_sdk_message() -> None:
    with pytest.raises(session_sdk.InvalidSessionIdError) as e:
        session_sdk.validate_session_id("05zz")
    assert e.value.code == lib.SSDK_ERR_INVALID_SESSION_ID
    assert e.value.status_name == "SSDK_ERR_INVALID_SESSION_ID"
    assert e.value.message.startswith("INVALID_SESSION_ID:") and "66" in e.value.message
    assert isinstance(e.value, ValueError)
    # The message is the calling thread's last error and is cleared by a success.
    session_sdk.validate_session_id("05" + "ab" * 32)
    assert ffi.string(lib.ssdk_last_error_message()) == b""
