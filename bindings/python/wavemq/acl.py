"""Wave's topic scheme: ACL patterns, sender identification, the authorizer
(include/wave/wave_acl.h)."""
from __future__ import annotations

import ctypes
from typing import Any, Dict, Iterable, List

from . import _constants as C
from . import errors
from ._handle import Handle
from ._lib import declare, lib, opaque_pointer
from ._text import BytesLike, as_text
from .topic import _depth

__all__ = ["group_id_is_valid", "private_patterns", "group_patterns", "identify_sender", "Authorizer"]

PatternsPtr = opaque_pointer("wave_acl_patterns")
AuthorizerPtr = opaque_pointer("wave_authorizer")
_c_char_pp = ctypes.POINTER(ctypes.c_char_p)

declare([
    ("wave_acl_is_valid_group_id", [ctypes.c_char_p], ctypes.c_int, None),
    ("wave_acl_private_patterns", [ctypes.c_char_p, ctypes.POINTER(PatternsPtr)], ctypes.c_int, errors.check_status),
    ("wave_acl_group_patterns", [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(PatternsPtr)], ctypes.c_int,
     errors.check_status),
    ("wave_acl_patterns_publish_count", [PatternsPtr], ctypes.c_size_t, None),
    ("wave_acl_patterns_publish", [PatternsPtr, ctypes.c_size_t], ctypes.c_char_p, None),
    ("wave_acl_patterns_subscribe_count", [PatternsPtr], ctypes.c_size_t, None),
    ("wave_acl_patterns_subscribe", [PatternsPtr, ctypes.c_size_t], ctypes.c_char_p, None),
    ("wave_acl_patterns_free", [PatternsPtr], None, None),
    ("wave_topic_identify_sender", [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_char_p,
                                    ctypes.c_char_p], ctypes.c_int, errors.check_status),
    ("wave_authorizer_new", [_c_char_pp, ctypes.c_size_t, _c_char_pp, ctypes.c_size_t, ctypes.c_uint,
                             ctypes.POINTER(AuthorizerPtr)], ctypes.c_int, errors.check_status),
    ("wave_authorizer_may_publish", [AuthorizerPtr, ctypes.c_char_p], ctypes.c_int, None),
    ("wave_authorizer_may_subscribe", [AuthorizerPtr, ctypes.c_char_p], ctypes.c_int, None),
    ("wave_authorizer_free", [AuthorizerPtr], None, None),
])


def group_id_is_valid(group_id: BytesLike) -> bool:
    """True for a canonical lowercase UUID or 1..64 characters of [A-Za-z0-9_-]."""
    return lib.wave_acl_is_valid_group_id(as_text(group_id, "group_id")) == 1


def _read_patterns(pointer: Any) -> Dict[str, List[str]]:
    try:
        publish = [lib.wave_acl_patterns_publish(pointer, i).decode()
                   for i in range(lib.wave_acl_patterns_publish_count(pointer))]
        subscribe = [lib.wave_acl_patterns_subscribe(pointer, i).decode()
                     for i in range(lib.wave_acl_patterns_subscribe_count(pointer))]
        return {"publish": publish, "subscribe": subscribe}
    finally:
        lib.wave_acl_patterns_free(pointer)


def private_patterns(internal_id: BytesLike) -> Dict[str, List[str]]:
    """{"publish": [...], "subscribe": [...]} for a user's private conversations."""
    out = PatternsPtr()
    lib.wave_acl_private_patterns(as_text(internal_id, "internal_id"), ctypes.byref(out))
    return _read_patterns(out)


def group_patterns(group_id: BytesLike, internal_id: BytesLike) -> Dict[str, List[str]]:
    """{"publish": [...], "subscribe": [...]} for a user's membership of a group."""
    out = PatternsPtr()
    lib.wave_acl_group_patterns(as_text(group_id, "group_id"), as_text(internal_id, "internal_id"),
                                ctypes.byref(out))
    return _read_patterns(out)


def identify_sender(topic: BytesLike) -> Dict[str, str]:
    """Who sent a message received on `topic`: {"kind": "private"|"group", "sender": ...,
    "recipient" or "group": ...}.  InvalidArgument for topics outside Wave's scheme."""
    kind = ctypes.c_int()
    sender = ctypes.create_string_buffer(C.WAVE_UUID_STRING_SIZE)
    peer = ctypes.create_string_buffer(C.WAVE_TOPIC_GROUP_ID_SIZE)
    lib.wave_topic_identify_sender(as_text(topic, "topic"), ctypes.byref(kind), sender, peer)
    if kind.value == C.WAVE_CONVERSATION_PRIVATE:
        return {"kind": "private", "sender": sender.value.decode(), "recipient": peer.value.decode()}
    return {"kind": "group", "sender": sender.value.decode(), "group": peer.value.decode()}


class Authorizer(Handle):
    """One user's ACL patterns, compiled once; answers publish/subscribe questions."""

    _free = lib.wave_authorizer_free

    def __init__(self, publish: Iterable[BytesLike] = (), subscribe: Iterable[BytesLike] = (),
                 max_depth: int = 0) -> None:
        """Compiles the patterns, held (with the topics checked) to `max_depth` levels: 0
        for the default 10, wavemq.UNLIMITED_DEPTH for no limit."""
        pub = [as_text(p, "pattern") for p in publish]
        sub = [as_text(p, "pattern") for p in subscribe]
        pub_array = (ctypes.c_char_p * max(len(pub), 1))(*pub)
        sub_array = (ctypes.c_char_p * max(len(sub), 1))(*sub)
        out = AuthorizerPtr()
        lib.wave_authorizer_new(pub_array, len(pub), sub_array, len(sub), _depth(max_depth), ctypes.byref(out))
        super().__init__(out)

    def may_publish(self, topic: BytesLike) -> bool:
        """True when `topic` is a valid topic name one publish pattern matches."""
        return lib.wave_authorizer_may_publish(self._live(), as_text(topic, "topic")) == 1

    def may_subscribe(self, topic_filter: BytesLike) -> bool:
        """True when `topic_filter` is a valid filter one subscribe pattern covers."""
        return lib.wave_authorizer_may_subscribe(self._live(), as_text(topic_filter, "filter")) == 1
