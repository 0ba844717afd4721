"""Loading the native library: the cbindgen header becomes the cffi declarations, the shared
library is opened in cffi's ABI mode, and its C ABI version is checked against the one this
binding was written for.

Nothing here knows the protocol: it is the bridge only. The declarations are never copied by
hand: they are read from ``session_sdk.h`` (bundled in the wheel beside the library) with the
preprocessor lines evaluated as a C11 (not C++) compiler would, and handed to ``FFI.cdef``.

Where the files come from, first match wins:

1. ``SESSION_SDK_LIBRARY`` (a path to ``libsession_sdk.so``/``.dylib``/``session_sdk.dll``) and
   ``SESSION_SDK_HEADER``: optional overrides for packagers; never required.
2. ``session_sdk/_native/`` inside the installed package (what ``pip install`` puts there).
3. A source checkout: ``include/session_sdk.h`` and ``target/{release,debug}`` of the repository
   this file lives in (for working on the binding without installing it).
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import cffi

from .errors import AbiMismatchError

#: The C ABI version this binding was written for (``SSDK_ABI_VERSION`` of its header).
BINDING_ABI_VERSION = 1

_HERE = Path(__file__).resolve().parent


def library_file_name() -> str:
    """The platform's file name of the SDK's shared library."""
    if sys.platform == "darwin":
        return "libsession_sdk.dylib"
    if sys.platform == "win32":
        return "session_sdk.dll"
    return "libsession_sdk.so"


# --- the header -> cdef text ---------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+)[uUlL]*|(?P<id>[A-Za-z_]\w*)|(?P<op>\|\||&&|==|!=|>=|<=|[()!<>]))"
)


def _eval_condition(expr: str, macros: Dict[str, str]) -> bool:
    """Evaluate a ``#if`` expression the way the C preprocessor does for the simple forms a
    cbindgen header uses: ``defined(X)``, ``defined X``, integer literals, macro names (unknown
    ones are 0), ``! && || == != < > <= >=`` and parentheses. Anything else is an error, so a
    header that grows a construct this does not understand fails loudly instead of silently."""
    pos, out, tokens = 0, [], []
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot evaluate preprocessor condition {expr!r}")
        pos = m.end()
        tokens.append(m)
    i = 0
    while i < len(tokens):
        m = tokens[i]
        if m.group("id") == "defined":
            # defined(NAME) or defined NAME
            if i + 1 < len(tokens) and tokens[i + 1].group("op") == "(":
                name = tokens[i + 2].group("id")
                if name is None or tokens[i + 3].group("op") != ")":
                    raise ValueError(f"malformed defined() in {expr!r}")
                i += 4
            else:
                name = tokens[i + 1].group("id")
                if name is None:
                    raise ValueError(f"malformed defined in {expr!r}")
                i += 2
            out.append("1" if name in macros else "0")
            continue
        if m.group("num") is not None:
            out.append(m.group("num"))
        elif m.group("id") is not None:
            value = macros.get(m.group("id"), "0")
            num = re.fullmatch(r"(\d+)[uUlL]*", value.strip())
            out.append(num.group(1) if num else "0")
        else:
            op = m.group("op")
            out.append({"||": " or ", "&&": " and ", "!": " not "}.get(op, f" {op} "))
        i += 1
    try:
        # Only integers, and/or/not, comparisons and parentheses can appear (tokens checked).
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return bool(eval("".join(out), {"__builtins__": {}}, {}))  # noqa: S307
    except Exception as e:
        raise ValueError(f"cannot evaluate preprocessor condition {expr!r}: {e}") from None


def _strip_comment(s: str) -> str:
    s = re.sub(r"/\*.*?\*/", " ", s)
    return s.split("//", 1)[0].strip()


def preprocess_header(text: str) -> Tuple[str, Dict[str, str]]:
    """Turn the C header into text ``cffi.FFI.cdef`` accepts: conditional blocks are evaluated
    for a C11 compiler (``__cplusplus`` undefined, ``__STDC_VERSION__`` 201112L), ``#include``
    lines dropped, and object-like integer ``#define``s kept (cffi turns them into constants).

    Returns the declarations and the macros defined in the active branches."""
    macros: Dict[str, str] = {"__STDC_VERSION__": "201112L"}
    # (parent_active, this_branch_active, a_branch_was_taken)
    stack: List[Tuple[bool, bool, bool]] = []
    active = True
    out: List[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        while line.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i]
        i += 1
        stripped = line.strip()
        if not stripped.startswith("#"):
            if active:
                out.append(line)
            continue
        directive = _strip_comment(stripped[1:])
        name, _, rest = directive.partition(" ")
        rest = rest.strip()
        if name in ("if", "ifdef", "ifndef"):
            if name == "if":
                cond = _eval_condition(rest, macros) if active else False
            elif name == "ifdef":
                cond = rest in macros
            else:
                cond = rest not in macros
            stack.append((active, active and cond, active and cond))
            active = active and cond
        elif name == "elif":
            if not stack:
                raise ValueError("#elif without #if in the header")
            parent, _, taken = stack.pop()
            cond = parent and not taken and _eval_condition(rest, macros)
            stack.append((parent, cond, taken or cond))
            active = cond
        elif name == "else":
            if not stack:
                raise ValueError("#else without #if in the header")
            parent, _, taken = stack.pop()
            cond = parent and not taken
            stack.append((parent, cond, True))
            active = cond
        elif name == "endif":
            if not stack:
                raise ValueError("#endif without #if in the header")
            active = stack.pop()[0]
        elif not active:
            continue
        elif name == "define":
            m = re.fullmatch(r"([A-Za-z_]\w*)(\(.*)?(?:\s+(.*))?", rest)
            if not m:
                raise ValueError(f"cannot read #define {rest!r}")
            if m.group(2):
                raise ValueError(f"function-like macro in the header: #define {rest}")
            value = (m.group(3) or "").strip()
            macros[m.group(1)] = value
            if re.fullmatch(r"-?\d+", value):
                out.append(f"#define {m.group(1)} {value}")
        elif name == "undef":
            macros.pop(rest, None)
        elif name in ("include", "pragma", ""):
            continue
        elif name == "error":
            raise ValueError(f"#error in an active branch of the header: {rest}")
        else:
            raise ValueError(f"unsupported preprocessor directive #{name} in the header")
    if stack:
        raise ValueError("unterminated #if in the header")
    return "\n".join(out), macros


# --- finding and opening the library -------------------------------------------------------


def _source_checkout_root() -> Optional[Path]:
    """The repository root when this file lives in a source checkout (not when installed)."""
    for parent in _HERE.parents:
        if (parent / "include" / "session_sdk.h").is_file() and (parent / "Cargo.toml").is_file():
            return parent
    return None


def locate() -> Tuple[Path, Path]:
    """Paths of the shared library and the header this process will use (see the module doc)."""
    lib_env = os.environ.get("SESSION_SDK_LIBRARY")
    hdr_env = os.environ.get("SESSION_SDK_HEADER")
    bundled = _HERE / "_native"
    lib: Optional[Path] = Path(lib_env) if lib_env else None
    hdr: Optional[Path] = Path(hdr_env) if hdr_env else None
    if lib is None and (bundled / library_file_name()).is_file():
        lib = bundled / library_file_name()
    if hdr is None and (bundled / "session_sdk.h").is_file():
        hdr = bundled / "session_sdk.h"
    root = _source_checkout_root()
    if root is not None:
        if hdr is None:
            hdr = root / "include" / "session_sdk.h"
        if lib is None:
            target = Path(os.environ.get("CARGO_TARGET_DIR") or root / "target")
            for profile in ("release", "debug"):
                candidate = target / profile / library_file_name()
                if candidate.is_file():
                    lib = candidate
                    break
    if lib is None or hdr is None:
        raise ImportError(
            "session_sdk: the native library was not found. Install the package with "
            "`pip install ./bindings/python` from the session-sdk repository (it builds and "
            "bundles the library), or set SESSION_SDK_LIBRARY to a built "
            f"{library_file_name()}."
        )
    return lib, hdr


def check_abi_versions(binding: int, header: int, library: int, library_path: str) -> None:
    """Refuse a library or header whose C ABI differs from the one this binding speaks."""
    if library != binding:
        raise AbiMismatchError(
            f"session_sdk: this Python binding was written for C ABI version {binding}, but the "
            f"library {library_path} implements C ABI version {library}. Install the binding and "
            "the library from the same session-sdk release."
        )
    if header != binding:
        raise AbiMismatchError(
            f"session_sdk: this Python binding was written for C ABI version {binding}, but its "
            f"header declares SSDK_ABI_VERSION {header}. Reinstall the package."
        )


def _load() -> Tuple[cffi.FFI, object, Path, Path]:
    lib_path, hdr_path = locate()
    cdef, macros = preprocess_header(hdr_path.read_text(encoding="utf-8"))
    ffi = cffi.FFI()
    ffi.cdef(cdef)
    try:
        lib = ffi.dlopen(str(lib_path))
    except OSError as e:
        raise ImportError(f"session_sdk: cannot load {lib_path}: {e}") from e
    header_abi = int(macros.get("SSDK_ABI_VERSION", "-1"))
    check_abi_versions(BINDING_ABI_VERSION, header_abi, int(lib.ssdk_abi_version()), str(lib_path))
    return ffi, lib, lib_path, hdr_path


ffi, lib, LIBRARY_PATH, HEADER_PATH = _load()
NULL = ffi.NULL
