"""bcrypt, UUIDv4 and the MQTT password scheme (include/wave/wave_crypto.h)."""
from __future__ import annotations

import ctypes
from typing import Dict

from . import _constants as C
from . import errors
from ._lib import declare, lib
from ._text import BytesLike, as_bytes, as_text

__all__ = ["bcrypt_hash", "bcrypt_verify", "uuid4", "uuid_is_canonical", "mqtt_password", "PASSWORD_SCHEMES"]

declare([
    ("wave_bcrypt_hash_with_prefix", [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_char_p],
     ctypes.c_int, errors.check_status),
    ("wave_bcrypt_verify", [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p], ctypes.c_int, None),
    ("wave_uuid_v4", [ctypes.c_char_p], ctypes.c_int, errors.check_status),
    ("wave_uuid_is_canonical", [ctypes.c_char_p], ctypes.c_int, None),
    ("wave_mqtt_password", [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_char_p,
                            ctypes.POINTER(ctypes.c_size_t)], ctypes.c_int, errors.check_status),
    ("wave_password_scheme_parse", [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)], ctypes.c_int, None),
])

_PREFIXES = {"2a": C.WAVE_BCRYPT_2A, "2b": C.WAVE_BCRYPT_2B, "2y": C.WAVE_BCRYPT_2Y}


def _password_schemes() -> Dict[str, int]:
    """{"auto": 0, ...}, as libwave parses the names."""
    schemes = {}
    for name in ("auto", "token", "sha256"):
        value = ctypes.c_int()
        if lib.wave_password_scheme_parse(name.encode(), ctypes.byref(value)) == 0:
            schemes[name] = value.value
    return schemes


PASSWORD_SCHEMES: Dict[str, int] = _password_schemes()
"""The MQTT password schemes libwave knows, by name."""


def bcrypt_hash(password: BytesLike, cost: int = 14, prefix: str = "2a") -> str:
    """A new bcrypt hash string of `password` (at most 72 bytes)."""
    data = as_bytes(password, "password")
    if prefix not in _PREFIXES:
        raise errors.InvalidArgument("prefix must be '2a', '2b' or '2y'", errors.InvalidArgument.status)
    out = ctypes.create_string_buffer(C.WAVE_BCRYPT_HASH_SIZE)
    lib.wave_bcrypt_hash_with_prefix(data, len(data), int(cost), _PREFIXES[prefix], out)
    return out.value.decode()


def bcrypt_verify(password: BytesLike, hash_string: BytesLike) -> bool:
    """True on a match, False on a mismatch; InvalidArgument for a malformed hash."""
    data = as_bytes(password, "password")
    status = lib.wave_bcrypt_verify(data, len(data), as_text(hash_string, "hash"))
    if status == 0:
        return True
    if status == errors.Denied.status:
        return False
    raise errors.from_status(status, errors.last_error_message())


def uuid4() -> str:
    """A new random UUIDv4, canonical lowercase."""
    out = ctypes.create_string_buffer(C.WAVE_UUID_STRING_SIZE)
    lib.wave_uuid_v4(out)
    return out.value.decode()


def uuid_is_canonical(text: BytesLike) -> bool:
    """True for a canonical lowercase UUID: exactly Wave's internal user IDs."""
    return lib.wave_uuid_is_canonical(as_text(text, "text")) == 1


def mqtt_password(token: BytesLike, scheme: str = "auto") -> str:
    """The MQTT password Wave derives from `token` under `scheme` (auto, token, sha256)."""
    if scheme not in PASSWORD_SCHEMES:
        raise errors.InvalidArgument("scheme must be one of " + ", ".join(PASSWORD_SCHEMES),
                                     errors.InvalidArgument.status)
    data = as_bytes(token, "token")
    out = ctypes.create_string_buffer(C.WAVE_MQTT_PASSWORD_SIZE)
    length = ctypes.c_size_t()
    lib.wave_mqtt_password(data, len(data), PASSWORD_SCHEMES[scheme], out, ctypes.byref(length))
    return out.raw[:length.value].decode()
