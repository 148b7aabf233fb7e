"""Exceptions raised for wave_status values (see include/wave/wave_common.h).

Each class carries its `status`; several also derive from the built-in exception a Python
caller would naturally catch (ValueError, PermissionError, ConnectionError, ...).
"""


class WaveError(Exception):
    """Base class: `status` is the wave_status number, `args[0]` Wave's message."""

    status = None

    def __init__(self, message, status=None):
        super().__init__(message)
        if status is not None:
            self.status = status


# (class name, wave_status value, extra built-in base, what it means)
_TABLE = (
    ("InvalidArgument", 1, ValueError, "a NULL, malformed or out-of-range argument"),
    ("NoMemory", 2, MemoryError, "an allocation failed"),
    ("InternalError", 3, None, "a bug in Wave"),
    ("ConfigError", 4, None, "the configuration is missing or invalid"),
    ("InvalidToken", 5, None, "the token is malformed, or the app says it is invalid"),
    ("Denied", 6, PermissionError, "not allowed"),
    ("NotFound", 7, LookupError, "no such user, group or session"),
    ("Unavailable", 8, ConnectionError, "a backend cannot be reached"),
    ("Timeout", 9, TimeoutError, "a backend did not answer in time"),
    ("IOFailure", 10, OSError, "reading or writing a local file failed"),
    ("ParseError", 11, ValueError, "input text could not be parsed"),
    ("UpstreamError", 12, None, "the app endpoint answered, but not validly"),
    ("Conflict", 13, None, "the operation conflicts with the current state"),
    ("BackendError", 14, None, "a backend answered with an error"),
    ("WouldBlock", 15, BlockingIOError, "a cache-only check needs I/O: ask again without the flag"),
)

_BY_STATUS = {}
for _name, _status, _builtin, _doc in _TABLE:
    _bases = (WaveError,) if _builtin is None else (WaveError, _builtin)
    _BY_STATUS[_status] = globals()[_name] = type(_name, _bases, {"status": _status, "__doc__": _doc,
                                                                  "__module__": __name__})

__all__ = ["WaveError", "from_status"] + [row[0] for row in _TABLE]


def from_status(status, message):
    cls = _BY_STATUS.get(status, WaveError)
    return cls(message or f"wave_status {status}", status)
