"""Exceptions raised for wave_status values (see include/wave/wave_common.h).

Each class carries its `status` number, read from libwave itself (wave_status_str) rather
than copied by hand; several also derive from the built-in exception a Python caller would
naturally catch (ValueError, PermissionError, ConnectionError, ...).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Type

from ._lib import lib


class WaveError(Exception):
    """Base class: `status` is the wave_status number, `args[0]` Wave's message.

    `retry_after_ms` is set for RateLimited (milliseconds until the refused operation may
    succeed, from wave_last_error_retry_after_ms) and 0 otherwise."""

    status: Optional[int] = None
    retry_after_ms: int = 0

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


# (class name, C name, extra built-in base, what it means).  The numbers come from libwave.
_TABLE: Tuple[Tuple[str, str, Optional[Type[BaseException]], str], ...] = (
    ("InvalidArgument", "WAVE_ERR_INVALID_ARGUMENT", ValueError, "a NULL, malformed or out-of-range argument"),
    ("NoMemory", "WAVE_ERR_NO_MEMORY", MemoryError, "an allocation failed"),
    ("InternalError", "WAVE_ERR_INTERNAL", None, "a bug in Wave"),
    ("ConfigError", "WAVE_ERR_CONFIG", None, "the configuration is missing or invalid"),
    ("InvalidToken", "WAVE_ERR_INVALID_TOKEN", None, "the token is malformed, or the app says it is invalid"),
    ("Denied", "WAVE_ERR_DENIED", PermissionError, "not allowed"),
    ("NotFound", "WAVE_ERR_NOT_FOUND", LookupError, "no such user, group or session"),
    ("Unavailable", "WAVE_ERR_UNAVAILABLE", ConnectionError, "a backend cannot be reached"),
    ("Timeout", "WAVE_ERR_TIMEOUT", TimeoutError, "a backend did not answer in time"),
    ("IOFailure", "WAVE_ERR_IO", OSError, "reading or writing a local file failed"),
    ("ParseError", "WAVE_ERR_PARSE", ValueError, "input text could not be parsed"),
    ("UpstreamError", "WAVE_ERR_UPSTREAM", None, "the app endpoint answered, but not validly"),
    ("Conflict", "WAVE_ERR_CONFLICT", None, "the operation conflicts with the current state"),
    ("BackendError", "WAVE_ERR_BACKEND", None, "a backend answered with an error"),
    ("WouldBlock", "WAVE_ERR_WOULD_BLOCK", BlockingIOError, "a cache-only check needs I/O: ask again without the flag"),
    ("RateLimited", "WAVE_ERR_RATE_LIMITED", None, "a per-user rate limit is spent: retry after `retry_after_ms`"),
)

# Status values are append-only and small; this bound only limits the scan.
_MAX_STATUS = 256


def _library_statuses() -> Dict[str, int]:
    """{C name: number} for every status this libwave names."""
    names: Dict[str, int] = {}
    for number in range(1, _MAX_STATUS):
        name = lib.wave_status_str(number).decode()
        if name != "WAVE_ERR_UNKNOWN":
            names[name] = number
    return names


STATUS_NUMBERS: Dict[str, int] = _library_statuses()
"""{"WAVE_ERR_DENIED": 6, ...}: every failure status the loaded libwave knows."""

_BY_STATUS: Dict[int, Type[WaveError]] = {}
for _name, _c_name, _builtin, _doc in _TABLE:
    _bases: Tuple[type, ...] = (WaveError,) if _builtin is None else (WaveError, _builtin)
    _status = STATUS_NUMBERS.get(_c_name)  # None: a status this libwave does not have yet
    _cls = type(_name, _bases, {"status": _status, "c_name": _c_name, "__doc__": _doc, "__module__": __name__})
    globals()[_name] = _cls
    if _status is not None:
        _BY_STATUS[_status] = _cls

# Spelled out for type checkers; the classes themselves are built from _TABLE above.
InvalidArgument: Type[WaveError]
NoMemory: Type[WaveError]
InternalError: Type[WaveError]
ConfigError: Type[WaveError]
InvalidToken: Type[WaveError]
Denied: Type[WaveError]
NotFound: Type[WaveError]
Unavailable: Type[WaveError]
Timeout: Type[WaveError]
IOFailure: Type[WaveError]
ParseError: Type[WaveError]
UpstreamError: Type[WaveError]
Conflict: Type[WaveError]
BackendError: Type[WaveError]
WouldBlock: Type[WaveError]
RateLimited: Type[WaveError]

__all__ = ["WaveError", "from_status", "last_error_message", "check_status", "STATUS_NUMBERS"] + [
    row[0] for row in _TABLE]


def last_error_message() -> str:
    """The message of the last failed Wave call on this thread."""
    return lib.wave_last_error_message().decode("utf-8", "replace")


def from_status(status: int, message: Optional[str]) -> WaveError:
    """The exception for a wave_status value (WaveError itself for an unknown one)."""
    cls = _BY_STATUS.get(status, WaveError)
    error = cls(message or f"wave_status {status}", status)
    if status == STATUS_NUMBERS.get("WAVE_ERR_RATE_LIMITED"):
        # Read right after the failing call, like the message: both are this thread's last.
        error.retry_after_ms = int(lib.wave_last_error_retry_after_ms())
    return error


def check_status(result: int, func: Any, args: Any) -> int:
    """ctypes errcheck for calls returning wave_status: raises on anything but WAVE_OK."""
    if result != 0:
        raise from_status(result, last_error_message())
    return result
