"""Wave's log messages in Python (wave_set_log_handler in include/wave/wave_common.h)."""
from __future__ import annotations

import ctypes
import enum
import threading
from typing import Any, Callable, Optional

from . import _constants as C
from ._lib import declare, lib

__all__ = ["LogLevel", "set_log_handler"]


class LogLevel(enum.IntEnum):
    """How much a log message matters (wave_log_level)."""

    DEBUG = C.WAVE_LOG_DEBUG
    INFO = C.WAVE_LOG_INFO
    WARNING = C.WAVE_LOG_WARNING
    ERROR = C.WAVE_LOG_ERROR


_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)

declare([("wave_set_log_handler", [_CALLBACK, ctypes.c_void_p], None, None)])

_lock = threading.Lock()
_installed: Optional[Any] = None  # the ctypes callback libwave holds: kept alive while set


def set_log_handler(handler: Optional[Callable[[LogLevel, str], None]]) -> None:
    """Sends Wave's log messages (and mongo-c-driver's, while set) to handler(level, message);
    None stops them and gives mongo-c-driver its default handler back.  The handler may be
    called from any thread (Wave's calls and the driver's monitoring threads) and must not
    call set_log_handler().  An exception it raises is printed and ignored."""
    global _installed
    with _lock:
        if handler is None:
            lib.wave_set_log_handler(_CALLBACK(), None)  # a NULL function pointer
            _installed = None
            return

        def forward(level: int, message: bytes, _userdata: Any) -> None:
            handler(LogLevel(level), message.decode("utf-8", "replace"))

        callback = _CALLBACK(forward)
        lib.wave_set_log_handler(callback, None)
        _installed = callback  # after the swap: the previous one is no longer running
