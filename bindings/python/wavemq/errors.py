"""Exceptions raised for wave_status values (see include/wave/wave_common.h)."""


class WaveError(Exception):
    """Base class: `status` is the wave_status number, `args[0]` Wave's message."""

    status = None

    def __init__(self, message, status=None):
        super().__init__(message)
        if status is not None:
            self.status = status


class InvalidArgument(WaveError, ValueError):
    status = 1


class NoMemory(WaveError, MemoryError):
    status = 2


class InternalError(WaveError):
    status = 3


class ConfigError(WaveError):
    status = 4


class InvalidToken(WaveError):
    status = 5


class Denied(WaveError, PermissionError):
    status = 6


class NotFound(WaveError, LookupError):
    status = 7


class Unavailable(WaveError, ConnectionError):
    status = 8


class Timeout(WaveError, TimeoutError):
    status = 9


class IOFailure(WaveError, OSError):
    status = 10


class ParseError(WaveError, ValueError):
    status = 11


class UpstreamError(WaveError):
    status = 12


class Conflict(WaveError):
    status = 13


class BackendError(WaveError):
    status = 14


_BY_STATUS = {cls.status: cls for cls in (InvalidArgument, NoMemory, InternalError, ConfigError, InvalidToken,
                                          Denied, NotFound, Unavailable, Timeout, IOFailure, ParseError,
                                          UpstreamError, Conflict, BackendError)}


def from_status(status, message):
    cls = _BY_STATUS.get(status, WaveError)
    return cls(message or f"wave_status {status}", status)
