"""wavemq: Python bindings (ctypes) for libwave, Wave's MQTT identity and ACL library.

The package is not called `wave`: that name belongs to Python's standard library.
libwave is found through $WAVE_LIBRARY, a copy beside this package, or the system's
library path, in that order.
"""
import ctypes

from . import errors
from ._lib import AuthorizerPtr, ConfigPtr, FilterPtr, PatternsPtr, lib, take_string
from .errors import *  # noqa: F401,F403  (the exception classes are part of the API)

__all__ = ["version", "Config", "bcrypt_hash", "bcrypt_verify", "uuid4", "mqtt_password",
           "topic_is_valid_name", "topic_is_valid_filter", "topic_matches", "filter_covers", "Filter",
           "private_patterns", "group_patterns", "identify_sender", "Authorizer",
           "Service", "Credentials", "ResolvedUser", "Group"] + [
    name for name in dir(errors) if name[0].isupper()]

BCRYPT_HASH_SIZE = 61
UUID_STRING_SIZE = 37
MQTT_PASSWORD_SIZE = 73
_SCHEMES = {"auto": 0, "token": 1, "sha256": 2}
_PREFIXES = {"2a": 0, "2b": 1, "2y": 2}


def _bytes(value, what):
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


def _text(value, what):
    data = _bytes(value, what)
    if b"\0" in data:
        raise errors.InvalidArgument(f"{what} must not contain NUL", 1)
    return data


def version():
    """libwave's version string."""
    return lib.wave_version_string().decode()


class _Handle:
    """An owned C handle: idempotent close(), context manager, shutdown-safe __del__."""

    _free = None

    def __init__(self, pointer):
        self._pointer = pointer

    @property
    def _as_parameter_(self):
        return self._live()

    def _live(self):
        """The C pointer; ValueError once closed (never a dangling pointer into C)."""
        if not self._pointer:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._pointer

    def close(self):
        pointer, self._pointer = self._pointer, None
        if pointer and lib is not None:
            type(self)._free(pointer)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: module globals may be gone
            pass


class Config(_Handle):
    """A validated Wave configuration."""

    _free = staticmethod(lambda p: lib.wave_config_free(p))

    @classmethod
    def load(cls, path=None):
        """Loads `path`, or the file named by $WAVE_CONFIG_FILE_PATH when path is None."""
        out = ConfigPtr()
        lib.wave_config_load(None if path is None else _text(str(path), "path"), ctypes.byref(out))
        return cls(out)

    @classmethod
    def parse(cls, text, origin="<string>"):
        data = _bytes(text, "text")
        out = ConfigPtr()
        lib.wave_config_parse(data, len(data), _text(origin, "origin"), ctypes.byref(out))
        return cls(out)

    def to_json(self):
        """The effective configuration as a JSON string (URI passwords redacted)."""
        out = ctypes.c_void_p()
        lib.wave_config_to_json(self._live(), ctypes.byref(out))
        return take_string(out.value)

    def check_token(self, token):
        """None when `token` is well-formed; raises InvalidToken with the reason otherwise."""
        data = _bytes(token, "token")
        status = lib.wave_token_check(self._live(), data, len(data))
        if status != 0:
            raise errors.from_status(status, lib.wave_last_error_message().decode("utf-8", "replace"))

    def token_is_valid(self, token):
        try:
            self.check_token(token)
            return True
        except errors.InvalidToken:
            return False


def bcrypt_hash(password, cost=14, prefix="2a"):
    """A new bcrypt hash string of `password` (at most 72 bytes)."""
    data = _bytes(password, "password")
    if prefix not in _PREFIXES:
        raise errors.InvalidArgument("prefix must be '2a', '2b' or '2y'", 1)
    out = ctypes.create_string_buffer(BCRYPT_HASH_SIZE)
    lib.wave_bcrypt_hash_with_prefix(data, len(data), int(cost), _PREFIXES[prefix], out)
    return out.value.decode()


def bcrypt_verify(password, hash_string):
    """True on a match, False on a mismatch; InvalidArgument for a malformed hash."""
    data = _bytes(password, "password")
    status = lib.wave_bcrypt_verify(data, len(data), _text(hash_string, "hash"))
    if status == 0:
        return True
    if status == errors.Denied.status:
        return False
    raise errors.from_status(status, lib.wave_last_error_message().decode("utf-8", "replace"))


def uuid4():
    """A new random UUIDv4, canonical lowercase."""
    out = ctypes.create_string_buffer(UUID_STRING_SIZE)
    lib.wave_uuid_v4(out)
    return out.value.decode()


def mqtt_password(token, scheme="auto"):
    """The MQTT password Wave derives from `token` under `scheme` (auto, token, sha256)."""
    if scheme not in _SCHEMES:
        raise errors.InvalidArgument("scheme must be 'auto', 'token' or 'sha256'", 1)
    data = _bytes(token, "token")
    out = ctypes.create_string_buffer(MQTT_PASSWORD_SIZE)
    length = ctypes.c_size_t()
    lib.wave_mqtt_password(data, len(data), _SCHEMES[scheme], out, ctypes.byref(length))
    return out.raw[:length.value].decode()


def _tristate(result, what):
    if result < 0:
        raise errors.InvalidArgument(f"invalid {what}", 1)
    return bool(result)


def topic_is_valid_name(topic):
    return lib.wave_topic_is_valid_name(_text(topic, "topic")) == 1


def topic_is_valid_filter(topic_filter):
    return lib.wave_topic_is_valid_filter(_text(topic_filter, "filter")) == 1


def topic_matches(topic_filter, topic):
    """True if `topic` matches `topic_filter` (MQTT 4.7); InvalidArgument for invalid input."""
    return _tristate(lib.wave_topic_matches(_text(topic_filter, "filter"), _text(topic, "topic")), "filter or topic")


def filter_covers(acl_filter, sub_filter):
    """True if every topic `sub_filter` matches is matched by `acl_filter`."""
    return _tristate(lib.wave_filter_covers(_text(acl_filter, "filter"), _text(sub_filter, "filter")), "filter")


class Filter(_Handle):
    """A precompiled topic filter: matching allocates nothing and never re-parses."""

    _free = staticmethod(lambda p: lib.wave_filter_free(p))

    def __init__(self, topic_filter):
        out = FilterPtr()
        lib.wave_filter_compile(_text(topic_filter, "filter"), ctypes.byref(out))
        super().__init__(out)

    def matches(self, topic):
        data = _text(topic, "topic")
        return _tristate(lib.wave_filter_matches(self._live(), data, len(data)), "topic")


def _read_patterns(pointer):
    try:
        publish = [lib.wave_acl_patterns_publish(pointer, i).decode()
                   for i in range(lib.wave_acl_patterns_publish_count(pointer))]
        subscribe = [lib.wave_acl_patterns_subscribe(pointer, i).decode()
                     for i in range(lib.wave_acl_patterns_subscribe_count(pointer))]
        return {"publish": publish, "subscribe": subscribe}
    finally:
        lib.wave_acl_patterns_free(pointer)


def private_patterns(internal_id):
    """{"publish": [...], "subscribe": [...]} for a user's private conversations."""
    out = PatternsPtr()
    lib.wave_acl_private_patterns(_text(internal_id, "internal_id"), ctypes.byref(out))
    return _read_patterns(out)


def group_patterns(group_id, internal_id):
    """{"publish": [...], "subscribe": [...]} for a user's membership of a group."""
    out = PatternsPtr()
    lib.wave_acl_group_patterns(_text(group_id, "group_id"), _text(internal_id, "internal_id"), ctypes.byref(out))
    return _read_patterns(out)


def identify_sender(topic):
    """Who sent a message received on `topic`: {"kind": "private"|"group", "sender": ...,
    "recipient" or "group": ...}.  InvalidArgument for topics outside Wave's scheme."""
    kind = ctypes.c_int()
    sender = ctypes.create_string_buffer(37)
    peer = ctypes.create_string_buffer(65)
    lib.wave_topic_identify_sender(_text(topic, "topic"), ctypes.byref(kind), sender, peer)
    if kind.value == 1:
        return {"kind": "private", "sender": sender.value.decode(), "recipient": peer.value.decode()}
    return {"kind": "group", "sender": sender.value.decode(), "group": peer.value.decode()}


class Authorizer(_Handle):
    """One user's ACL patterns, compiled once; answers publish/subscribe questions."""

    _free = staticmethod(lambda p: lib.wave_authorizer_free(p))

    def __init__(self, publish=(), subscribe=(), max_depth=10):
        pub = [_text(p, "pattern") for p in publish]
        sub = [_text(p, "pattern") for p in subscribe]
        pub_array = (ctypes.c_char_p * max(len(pub), 1))(*pub)
        sub_array = (ctypes.c_char_p * max(len(sub), 1))(*sub)
        out = AuthorizerPtr()
        lib.wave_authorizer_new_ex(pub_array, len(pub), sub_array, len(sub), int(max_depth), ctypes.byref(out))
        super().__init__(out)

    def may_publish(self, topic):
        return lib.wave_authorizer_may_publish(self._live(), _text(topic, "topic")) == 1

    def may_subscribe(self, topic_filter):
        return lib.wave_authorizer_may_subscribe(self._live(), _text(topic_filter, "filter")) == 1


# Last: the service module builds on Config, _Handle and the helpers above.
from .service import Credentials, Group, ResolvedUser, Service  # noqa: E402
