"""wavemq: Python bindings (ctypes) for libwave, Wave's MQTT identity and ACL library.

The package is not called `wave`: that name belongs to Python's standard library.
libwave is found through $WAVE_LIBRARY, a copy beside this package, or the system's
loader, in that order; its version must match these bindings' major.minor while 0.x.
"""
from __future__ import annotations

from . import _constants as _C
from . import _lib
from ._version import __version__
from .acl import Authorizer, group_id_is_valid, group_patterns, identify_sender, private_patterns
from .config import Config
from .crypto import PASSWORD_SCHEMES, bcrypt_hash, bcrypt_verify, mqtt_password, uuid4, uuid_is_canonical
from .errors import *  # noqa: F401,F403  (the exception classes are part of the API)
from .errors import __all__ as _error_names
from .log import LogLevel, set_log_handler
from .service import Credentials, Group, GroupCreation, ResolvedUser, Service
from .topic import (DEFAULT_MAX_DEPTH, TOPIC_MAX_LENGTH, UNLIMITED_DEPTH, Filter, filter_covers, topic_is_valid_filter,
                    topic_is_valid_name, topic_matches)

BCRYPT_HASH_SIZE = _C.WAVE_BCRYPT_HASH_SIZE
UUID_STRING_SIZE = _C.WAVE_UUID_STRING_SIZE
MQTT_PASSWORD_SIZE = _C.WAVE_MQTT_PASSWORD_SIZE
GROUP_ID_SIZE = _C.WAVE_TOPIC_GROUP_ID_SIZE


def version() -> str:
    """libwave's version string."""
    return _lib.lib.wave_version_string().decode()


__all__ = ["__version__", "version", "Config", "bcrypt_hash", "bcrypt_verify", "uuid4", "uuid_is_canonical",
           "mqtt_password", "PASSWORD_SCHEMES", "topic_is_valid_name", "topic_is_valid_filter", "topic_matches",
           "filter_covers", "Filter", "DEFAULT_MAX_DEPTH", "UNLIMITED_DEPTH", "TOPIC_MAX_LENGTH",
           "group_id_is_valid", "private_patterns", "group_patterns", "identify_sender", "Authorizer",
           "LogLevel", "set_log_handler", "Service", "Credentials", "ResolvedUser", "Group", "GroupCreation",
           "BCRYPT_HASH_SIZE", "UUID_STRING_SIZE", "MQTT_PASSWORD_SIZE", "GROUP_ID_SIZE"] + list(_error_names)
