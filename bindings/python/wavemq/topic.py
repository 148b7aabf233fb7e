"""MQTT topic rules (include/wave/wave_topic.h).

Every call takes `max_depth`, the most levels a topic or filter may have: 0 (the default
here) means WAVE_TOPIC_DEFAULT_MAX_DEPTH (10), and UNLIMITED_DEPTH means no limit.
"""
from __future__ import annotations

import ctypes

from . import _constants as C
from . import errors
from ._handle import Handle
from ._lib import declare, lib, opaque_pointer
from ._text import BytesLike, as_text

__all__ = ["topic_is_valid_name", "topic_is_valid_filter", "topic_matches", "filter_covers", "Filter",
           "DEFAULT_MAX_DEPTH", "UNLIMITED_DEPTH", "TOPIC_MAX_LENGTH"]

DEFAULT_MAX_DEPTH = C.WAVE_TOPIC_DEFAULT_MAX_DEPTH
UNLIMITED_DEPTH = C.WAVE_TOPIC_UNLIMITED_DEPTH
TOPIC_MAX_LENGTH = C.WAVE_TOPIC_MAX_LENGTH

FilterPtr = opaque_pointer("wave_filter")

declare([
    ("wave_topic_is_valid_name", [ctypes.c_char_p, ctypes.c_uint], ctypes.c_int, None),
    ("wave_topic_is_valid_filter", [ctypes.c_char_p, ctypes.c_uint], ctypes.c_int, None),
    ("wave_topic_matches", [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint], ctypes.c_int, None),
    ("wave_filter_compile", [ctypes.c_char_p, ctypes.c_uint, ctypes.POINTER(FilterPtr)], ctypes.c_int,
     errors.check_status),
    ("wave_filter_matches", [FilterPtr, ctypes.c_char_p, ctypes.c_size_t], ctypes.c_int, None),
    ("wave_filter_text", [FilterPtr], ctypes.c_char_p, None),
    ("wave_filter_free", [FilterPtr], None, None),
    ("wave_filter_covers", [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint], ctypes.c_int, None),
])


def _depth(max_depth: int) -> int:
    if not 0 <= max_depth <= 0xFFFFFFFF:
        raise errors.InvalidArgument("max_depth must be 0 (the default) or a positive level count",
                                     errors.InvalidArgument.status)
    return max_depth


def _tristate(result: int, what: str) -> bool:
    if result < 0:
        raise errors.InvalidArgument(f"invalid {what}", errors.InvalidArgument.status)
    return bool(result)


def topic_is_valid_name(topic: BytesLike, max_depth: int = 0) -> bool:
    """True when `topic` is a valid MQTT topic name (no wildcards) within max_depth levels."""
    return lib.wave_topic_is_valid_name(as_text(topic, "topic"), _depth(max_depth)) == 1


def topic_is_valid_filter(topic_filter: BytesLike, max_depth: int = 0) -> bool:
    """True when `topic_filter` is a valid MQTT topic filter within max_depth levels."""
    return lib.wave_topic_is_valid_filter(as_text(topic_filter, "filter"), _depth(max_depth)) == 1


def topic_matches(topic_filter: BytesLike, topic: BytesLike, max_depth: int = 0) -> bool:
    """True if `topic` matches `topic_filter` (MQTT 4.7); InvalidArgument for invalid input."""
    result = lib.wave_topic_matches(as_text(topic_filter, "filter"), as_text(topic, "topic"), _depth(max_depth))
    return _tristate(result, "filter or topic")


def filter_covers(acl_filter: BytesLike, sub_filter: BytesLike, max_depth: int = 0) -> bool:
    """True if every topic `sub_filter` matches is matched by `acl_filter`."""
    result = lib.wave_filter_covers(as_text(acl_filter, "filter"), as_text(sub_filter, "filter"), _depth(max_depth))
    return _tristate(result, "filter")


class Filter(Handle):
    """A precompiled topic filter: matching allocates nothing and never re-parses."""

    _free = lib.wave_filter_free

    def __init__(self, topic_filter: BytesLike, max_depth: int = 0) -> None:
        out = FilterPtr()
        lib.wave_filter_compile(as_text(topic_filter, "filter"), _depth(max_depth), ctypes.byref(out))
        super().__init__(out)

    @property
    def text(self) -> str:
        """The filter this was compiled from."""
        return lib.wave_filter_text(self._live()).decode()

    def matches(self, topic: BytesLike) -> bool:
        """True if `topic` matches; InvalidArgument for an invalid topic name."""
        data = as_text(topic, "topic")
        return _tristate(lib.wave_filter_matches(self._live(), data, len(data)), "topic")
