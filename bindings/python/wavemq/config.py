"""Wave's configuration and the token format check (include/wave/wave_config.h)."""
from __future__ import annotations

import ctypes
import os
from typing import Optional, Union

from . import errors
from ._handle import Handle
from ._lib import declare, lib, opaque_pointer, take_string
from ._text import BytesLike, as_bytes, as_text

__all__ = ["Config"]

ConfigPtr = opaque_pointer("wave_config")

declare([
    ("wave_config_load", [ctypes.c_char_p, ctypes.POINTER(ConfigPtr)], ctypes.c_int, errors.check_status),
    ("wave_config_parse", [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(ConfigPtr)],
     ctypes.c_int, errors.check_status),
    ("wave_config_free", [ConfigPtr], None, None),
    ("wave_config_to_json", [ConfigPtr, ctypes.POINTER(ctypes.c_void_p)], ctypes.c_int, errors.check_status),
    ("wave_token_check", [ConfigPtr, ctypes.c_char_p, ctypes.c_size_t], ctypes.c_int, None),
])


class Config(Handle):
    """A validated Wave configuration."""

    _free = lib.wave_config_free

    @classmethod
    def load(cls, path: Optional[Union[str, "os.PathLike[str]"]] = None) -> "Config":
        """Loads `path`, or the file named by $WAVE_CONFIG_FILE_PATH when path is None."""
        out = ConfigPtr()
        lib.wave_config_load(None if path is None else as_text(os.fspath(path), "path"), ctypes.byref(out))
        return cls(out)

    @classmethod
    def parse(cls, text: BytesLike, origin: str = "<string>") -> "Config":
        """Parses JSON text; `origin` names it in error messages."""
        data = as_bytes(text, "text")
        out = ConfigPtr()
        lib.wave_config_parse(data, len(data), as_text(origin, "origin"), ctypes.byref(out))
        return cls(out)

    def to_json(self) -> str:
        """The effective configuration as a JSON string (URI passwords redacted)."""
        out = ctypes.c_void_p()
        lib.wave_config_to_json(self._live(), ctypes.byref(out))
        text = take_string(out.value)
        assert text is not None  # WAVE_OK always comes with a string
        return text

    def check_token(self, token: BytesLike) -> None:
        """None when `token` is well-formed; raises InvalidToken with the reason otherwise."""
        data = as_bytes(token, "token")
        status = lib.wave_token_check(self._live(), data, len(data))
        if status != 0:
            raise errors.from_status(status, errors.last_error_message())

    def token_is_valid(self, token: BytesLike) -> bool:
        """True when `token` is well-formed under this config."""
        try:
            self.check_token(token)
            return True
        except errors.InvalidToken:
            return False
