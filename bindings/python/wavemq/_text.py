"""Conversions of Python arguments to the bytes C functions take."""
from __future__ import annotations

from typing import Union

from . import errors

BytesLike = Union[str, bytes, bytearray, memoryview]


def as_bytes(value: BytesLike, what: str) -> bytes:
    """str as UTF-8, or the bytes themselves (tokens and passwords may be either)."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


def as_text(value: BytesLike, what: str) -> bytes:
    """As as_bytes() for a C string: a NUL byte would cut it short, so it is refused."""
    data = as_bytes(value, what)
    if b"\0" in data:
        raise errors.InvalidArgument(f"{what} must not contain NUL", errors.InvalidArgument.status)
    return data
