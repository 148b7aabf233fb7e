"""Loads libwave once, checks its version, and declares C signatures from tables.

libwave is looked for, in order: the path in $WAVE_LIBRARY, a copy beside this package,
then the system's loader (ctypes.util.find_library).  The first that loads wins; when none
does, ImportError lists every path tried and why it failed.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

from ._version import __version__

# (name, argtypes, restype, errcheck): one row per C function, applied by declare().
Signature = Tuple[str, Sequence[Any], Any, Optional[Callable[..., Any]]]


class _Opaque(ctypes.Structure):
    pass


def opaque_pointer(c_name: str) -> Any:
    """A pointer type of its own for one opaque C handle (`c_name`), so ctypes refuses to
    pass one kind of handle where another is expected."""
    return ctypes.POINTER(type(c_name, (_Opaque,), {}))


def _release() -> Tuple[int, int]:
    major, minor = __version__.split(".")[:2]
    return int(major), int(minor)


def _candidates() -> Iterator[str]:
    """$WAVE_LIBRARY, then the names a copy beside this package may have."""
    env = os.environ.get("WAVE_LIBRARY")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    major, minor = _release()
    # The SONAME is libwave.so.MAJOR.MINOR while 0.x, libwave.so.MAJOR from 1.0.
    soname = f"libwave.so.{major}.{minor}" if major == 0 else f"libwave.so.{major}"
    for name in ("libwave.so", soname, "libwave.dylib"):
        yield os.path.join(here, name)


def _load() -> ctypes.CDLL:
    tried: List[str] = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as error:
            tried.append(f"{path} ({error})")
    found = ctypes.util.find_library("wave")  # the system's loader: ldconfig's cache, LD_LIBRARY_PATH
    if found is None:
        tried.append("the system's loader (ctypes.util.find_library('wave') found no libwave)")
    else:
        try:
            return ctypes.CDLL(found)
        except OSError as error:
            tried.append(f"{found}, from the system's loader ({error})")
    raise ImportError("wavemq: could not load libwave; tried: " + "; ".join(tried) +
                      ". Set WAVE_LIBRARY to the path of libwave.so.")


lib = _load()


def declare(signatures: Sequence[Signature]) -> None:
    """Applies (name, argtypes, restype, errcheck) rows to the loaded library."""
    for name, argtypes, restype, errcheck in signatures:
        func = getattr(lib, name)
        func.argtypes = list(argtypes)
        func.restype = restype
        if errcheck is not None:
            func.errcheck = errcheck


declare([
    ("wave_status_str", [ctypes.c_int], ctypes.c_char_p, None),
    ("wave_last_error_message", [], ctypes.c_char_p, None),
    ("wave_last_error_retry_after_ms", [], ctypes.c_uint32, None),
    ("wave_version_string", [], ctypes.c_char_p, None),
    ("wave_version_number", [], ctypes.c_uint32, None),
    ("wave_string_free", [ctypes.c_void_p], None, None),
])


def library_version() -> Tuple[int, int, int]:
    """(major, minor, patch) of the loaded libwave."""
    number = lib.wave_version_number()
    return number // 10000, number // 100 % 100, number % 100


def _check_version() -> None:
    """The ABI may change at every minor release while 0.x (the SONAME says major.minor),
    at every major release from 1.0: refuse a library these bindings were not written for."""
    want_major, want_minor = _release()
    major, minor, _ = library_version()
    compatible = major == want_major and (major != 0 or minor == want_minor)
    if not compatible:
        want = f"{want_major}.{want_minor}.x" if want_major == 0 else f"{want_major}.x"
        raise ImportError(f"wavemq {__version__}: libwave {lib.wave_version_string().decode()} is not "
                          f"ABI-compatible; these bindings need libwave {want}")


_check_version()


def take_string(pointer: Optional[int]) -> Optional[str]:
    """Copies a Wave-allocated C string and frees it."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.wave_string_free(pointer)
