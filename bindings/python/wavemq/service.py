"""The Wave service (include/wave/wave_service.h): login, resolve, groups, revoke, and the
broker-side checks.

Every result is copied into plain Python objects (Credentials, ResolvedUser, Group) and its
C handle freed before the method returns, so nothing here borrows from C memory.  Tokens
may be str or bytes.  A Service may be used from any number of threads at once (libwave is
thread-safe and ctypes releases the GIL during calls); close() while calls are running
defers the free until the last of them returns.
"""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import json
import os
import threading
import typing
from typing import Any, Callable, Iterable, Iterator, List, Optional, Tuple, Union

from . import errors
from ._handle import Handle
from ._lib import declare, lib, opaque_pointer, take_string
from ._text import BytesLike, as_bytes, as_text
from .config import Config, ConfigPtr

__all__ = ["Service", "Credentials", "ResolvedUser", "Group", "GroupCreation"]

c_char_p = ctypes.c_char_p
c_int = ctypes.c_int
c_size_t = ctypes.c_size_t
c_void_p = ctypes.c_void_p
check_status = errors.check_status


# One pointer type per handle of wave_service.h, so ctypes refuses to pass one for another.
ServicePtr = opaque_pointer("wave_service")
CredentialsPtr = opaque_pointer("wave_credentials")
ResolutionPtr = opaque_pointer("wave_resolution")
GroupPtr = opaque_pointer("wave_group")
GroupCreationPtr = opaque_pointer("wave_group_creation")
GroupListPtr = opaque_pointer("wave_group_list")

_c_char_pp = ctypes.POINTER(c_char_p)
_c_int_p = ctypes.POINTER(c_int)
_token = [c_char_p, c_size_t]  # const uint8_t *token, size_t token_len

# (name, argtypes, restype, errcheck): every function of wave_service.h.
_SIGNATURES = [
    ("wave_service_new", [ConfigPtr, ctypes.POINTER(ServicePtr)], c_int, check_status),
    ("wave_service_free", [ServicePtr], None, None),
    # login
    ("wave_service_login", [ServicePtr, *_token, ctypes.POINTER(CredentialsPtr)], c_int, check_status),
    ("wave_credentials_free", [CredentialsPtr], None, None),
    ("wave_credentials_internal_id", [CredentialsPtr], c_char_p, None),
    ("wave_credentials_client_id", [CredentialsPtr], c_char_p, None),
    ("wave_credentials_username", [CredentialsPtr], c_char_p, None),
    ("wave_credentials_password", [CredentialsPtr], c_char_p, None),
    ("wave_credentials_app_user_id", [CredentialsPtr], c_char_p, None),
    ("wave_credentials_publish_acl_count", [CredentialsPtr], c_size_t, None),
    ("wave_credentials_publish_acl", [CredentialsPtr, c_size_t], c_char_p, None),
    ("wave_credentials_subscribe_acl_count", [CredentialsPtr], c_size_t, None),
    ("wave_credentials_subscribe_acl", [CredentialsPtr, c_size_t], c_char_p, None),
    ("wave_credentials_group_count", [CredentialsPtr], c_size_t, None),
    ("wave_credentials_group", [CredentialsPtr, c_size_t], c_char_p, None),
    ("wave_credentials_to_json", [CredentialsPtr, ctypes.POINTER(c_void_p)], c_int, check_status),
    # resolve
    ("wave_service_resolve", [ServicePtr, *_token, _c_char_pp, c_size_t, ctypes.POINTER(ResolutionPtr)],
     c_int, check_status),
    ("wave_resolution_free", [ResolutionPtr], None, None),
    ("wave_resolution_count", [ResolutionPtr], c_size_t, None),
    ("wave_resolution_app_user_id", [ResolutionPtr, c_size_t], c_char_p, None),
    ("wave_resolution_internal_id", [ResolutionPtr, c_size_t], c_char_p, None),
    ("wave_resolution_to_json", [ResolutionPtr, ctypes.POINTER(c_void_p)], c_int, check_status),
    # groups
    ("wave_service_group_create", [ServicePtr, *_token, c_char_p, _c_char_pp, c_size_t,
                                   ctypes.POINTER(GroupCreationPtr)], c_int, check_status),
    ("wave_service_group_add_member", [ServicePtr, *_token, c_char_p, c_char_p, _c_int_p], c_int, check_status),
    ("wave_service_group_remove_member", [ServicePtr, *_token, c_char_p, c_char_p, _c_int_p], c_int, check_status),
    ("wave_service_group_leave", [ServicePtr, *_token, c_char_p], c_int, check_status),
    ("wave_service_group_delete", [ServicePtr, *_token, c_char_p], c_int, check_status),
    ("wave_service_group_list", [ServicePtr, *_token, ctypes.POINTER(GroupListPtr)], c_int, check_status),
    ("wave_service_group_members", [ServicePtr, *_token, c_char_p, ctypes.POINTER(GroupPtr)], c_int, check_status),
    ("wave_group_free", [GroupPtr], None, None),
    ("wave_group_id", [GroupPtr], c_char_p, None),
    ("wave_group_name", [GroupPtr], c_char_p, None),
    ("wave_group_owner", [GroupPtr], c_char_p, None),
    ("wave_group_member_count", [GroupPtr], c_size_t, None),
    ("wave_group_member", [GroupPtr, c_size_t], c_char_p, None),
    ("wave_group_to_json", [GroupPtr, ctypes.POINTER(c_void_p)], c_int, check_status),
    ("wave_group_creation_free", [GroupCreationPtr], None, None),
    ("wave_group_creation_group", [GroupCreationPtr], GroupPtr, None),  # borrowed from the creation
    ("wave_group_creation_unknown_count", [GroupCreationPtr], c_size_t, None),
    ("wave_group_creation_unknown", [GroupCreationPtr, c_size_t], c_char_p, None),
    ("wave_group_creation_to_json", [GroupCreationPtr, ctypes.POINTER(c_void_p)], c_int, check_status),
    ("wave_group_list_free", [GroupListPtr], None, None),
    ("wave_group_list_count", [GroupListPtr], c_size_t, None),
    ("wave_group_list_get", [GroupListPtr, c_size_t], GroupPtr, None),  # borrowed from the list
    ("wave_group_list_to_json", [GroupListPtr, ctypes.POINTER(c_void_p)], c_int, check_status),
    # revoke
    ("wave_service_revoke", [ServicePtr, *_token, ctypes.POINTER(c_void_p)], c_int, check_status),
    # admin API
    ("wave_service_describe_user", [ServicePtr, c_char_p, ctypes.POINTER(c_void_p)], c_int, check_status),
    ("wave_service_end_user_sessions", [ServicePtr, c_char_p, ctypes.POINTER(c_void_p)], c_int, check_status),
    # broker-side checks: WAVE_OK grants, WAVE_ERR_DENIED refuses, anything else is a fault
    ("wave_service_authorize_register", [ServicePtr, c_char_p, c_char_p, c_char_p, c_size_t, ctypes.c_uint], c_int,
     None),
    ("wave_service_authorize_publish", [ServicePtr, c_char_p, c_char_p, ctypes.c_uint], c_int, None),
    ("wave_service_authorize_subscribe", [ServicePtr, c_char_p, _c_char_pp, c_size_t, ctypes.c_uint, _c_int_p], c_int,
     None),
]

declare(_SIGNATURES)

_DENIED = errors.Denied.status


@dataclasses.dataclass(frozen=True)
class Credentials:
    """What a login returns: the MQTT credentials (client ID == username == internal ID) and
    the user's ACL patterns and group IDs.  The password is left out of repr()."""

    internal_id: str
    client_id: str
    username: str
    password: str = dataclasses.field(repr=False)
    app_user_id: str
    publish_acl: typing.Tuple[str, ...]
    subscribe_acl: typing.Tuple[str, ...]
    groups: typing.Tuple[str, ...]


class ResolvedUser(typing.NamedTuple):
    """An app user and their internal ID (None: never logged in).  dict(resolve(...)) maps
    app user IDs to internal IDs."""

    app_user_id: str
    internal_id: typing.Optional[str]


@dataclasses.dataclass(frozen=True)
class Group:
    """A group: owner and members are internal IDs (the owner is a member)."""

    group_id: str
    name: str
    owner: str
    members: typing.Tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class GroupCreation:
    """What create_group() returns: the new group, and the requested members who were not
    added because they never logged in."""

    group: Group
    unknown_app_user_ids: typing.Tuple[str, ...]


@typing.overload
def _str(value: bytes) -> str: ...
@typing.overload
def _str(value: None) -> None: ...
def _str(value: Optional[bytes]) -> Optional[str]:
    """A copied C string (ctypes copies c_char_p results) as str; None stays None."""
    return None if value is None else value.decode("utf-8")


def _items(count_function: Callable[[Any], int], item_function: Callable[[Any, int], bytes],
           pointer: Any) -> Tuple[str, ...]:
    return tuple(_str(item_function(pointer, i)) for i in range(count_function(pointer)))


def _string_array(items: Iterable[BytesLike], what: str) -> Tuple[Any, int]:
    """A `const char *const *` array and its length from an iterable of str/bytes."""
    if isinstance(items, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{what} must be an iterable of strings, not a single string")
    encoded = [as_text(item, what) for item in items]
    # ctypes keeps the bytes objects alive as long as the array.
    return (c_char_p * max(len(encoded), 1))(*encoded), len(encoded)


def _read_credentials(pointer: Any) -> Credentials:
    return Credentials(
        internal_id=_str(lib.wave_credentials_internal_id(pointer)),
        client_id=_str(lib.wave_credentials_client_id(pointer)),
        username=_str(lib.wave_credentials_username(pointer)),
        password=_str(lib.wave_credentials_password(pointer)),
        app_user_id=_str(lib.wave_credentials_app_user_id(pointer)),
        publish_acl=_items(lib.wave_credentials_publish_acl_count, lib.wave_credentials_publish_acl, pointer),
        subscribe_acl=_items(lib.wave_credentials_subscribe_acl_count, lib.wave_credentials_subscribe_acl, pointer),
        groups=_items(lib.wave_credentials_group_count, lib.wave_credentials_group, pointer))


def _read_group(pointer: Any) -> Group:
    return Group(group_id=_str(lib.wave_group_id(pointer)), name=_str(lib.wave_group_name(pointer)),
                 owner=_str(lib.wave_group_owner(pointer)),
                 members=_items(lib.wave_group_member_count, lib.wave_group_member, pointer))


def _fault(status: int) -> errors.WaveError:
    return errors.from_status(status, errors.last_error_message())


def _decision(status: int) -> bool:
    """True for WAVE_OK, False for WAVE_ERR_DENIED; any other status is a fault, raised."""
    if status == 0:
        return True
    if status == _DENIED:
        return False
    raise _fault(status)


class Service(Handle):
    """Wave's service over a Config: login, resolve, groups, revoke and the broker checks.

    Methods that take a token raise InvalidToken for a malformed token or one the app
    refuses, Denied / NotFound / Conflict as wave_service.h says, and Unavailable, Timeout,
    BackendError or UpstreamError when a server fails.  The authorize_* checks return
    True (granted) or False (refused) and raise on a fault: a fault never grants.
    """

    _free = lib.wave_service_free

    def __init__(self, config: Config) -> None:
        """A service on `config` (a Config, which may be closed afterwards: the service keeps
        its own reference).  Raises ConfigError for bad settings, and a fault (Unavailable,
        Timeout, BackendError) when a server it needs at once fails."""
        self._pointer = None
        self._lock = threading.Lock()
        self._calls = 0          # calls running on this handle right now
        self._orphan = None      # closed while calls ran: the last of them frees it
        if not isinstance(config, Config):
            raise TypeError(f"config must be a wavemq.Config, not {type(config).__name__}")
        out = ServicePtr()
        lib.wave_service_new(config._live(), ctypes.byref(out))
        self._pointer = out

    @classmethod
    def from_file(cls, path: Optional[Union[str, "os.PathLike[str]"]] = None) -> "Service":
        """A service on the config file `path`, or on $WAVE_CONFIG_FILE_PATH when None."""
        with Config.load(path) as config:
            return cls(config)

    @contextlib.contextmanager
    def _use(self) -> Iterator[Any]:
        """The C pointer, kept valid until the block ends even if another thread closes."""
        with self._lock:
            pointer = self._live()
            self._calls += 1
        try:
            yield pointer
        finally:
            with self._lock:
                self._calls -= 1
                orphan = None
                if self._calls == 0 and self._orphan is not None:
                    orphan, self._orphan = self._orphan, None
            if orphan is not None:
                lib.wave_service_free(orphan)

    def close(self) -> None:
        """Frees the service (at once, or when the calls running on it return).  Idempotent."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before anything was allocated
            return
        with lock:
            pointer, self._pointer = self._pointer, None
            if pointer and self._calls:
                self._orphan, pointer = pointer, None
        if pointer and lib is not None:
            lib.wave_service_free(pointer)

    # ---- login, resolve -------------------------------------------------------------------

    def login(self, token: BytesLike) -> Credentials:
        """Logs in with an app token; returns its Credentials."""
        data = as_bytes(token, "token")
        out = CredentialsPtr()
        with self._use() as service:
            lib.wave_service_login(service, data, len(data), ctypes.byref(out))
        try:
            return _read_credentials(out)
        finally:
            lib.wave_credentials_free(out)

    def resolve(self, token: BytesLike, app_user_ids: Iterable[BytesLike]) -> List[ResolvedUser]:
        """[ResolvedUser(app_user_id, internal_id or None), ...] in the order asked (at most
        1000); the caller authenticates with its own token."""
        data = as_bytes(token, "token")
        ids, count = _string_array(app_user_ids, "app_user_ids")
        out = ResolutionPtr()
        with self._use() as service:
            lib.wave_service_resolve(service, data, len(data), ids, count, ctypes.byref(out))
        try:
            return [ResolvedUser(_str(lib.wave_resolution_app_user_id(out, i)),
                                 _str(lib.wave_resolution_internal_id(out, i)))
                    for i in range(lib.wave_resolution_count(out))]
        finally:
            lib.wave_resolution_free(out)

    # ---- groups ---------------------------------------------------------------------------

    def create_group(self, token: BytesLike, name: BytesLike,
                     member_app_user_ids: Iterable[BytesLike] = ()) -> GroupCreation:
        """Creates a group owned by the caller with the given members (app user IDs, at most
        1000); returns the GroupCreation: the Group, and the app users never logged in."""
        data = as_bytes(token, "token")
        members, count = _string_array(member_app_user_ids, "member_app_user_ids")
        out = GroupCreationPtr()
        with self._use() as service:
            lib.wave_service_group_create(service, data, len(data), as_text(name, "name"), members, count,
                                          ctypes.byref(out))
        try:
            return GroupCreation(group=_read_group(lib.wave_group_creation_group(out)),
                                 unknown_app_user_ids=_items(lib.wave_group_creation_unknown_count,
                                                             lib.wave_group_creation_unknown, out))
        finally:
            lib.wave_group_creation_free(out)

    def add_group_member(self, token: BytesLike, group_id: BytesLike, app_user_id: BytesLike) -> bool:
        """Owner only.  True when the membership changed, False when already a member."""
        return self._change_member(lib.wave_service_group_add_member, token, group_id, app_user_id)

    def remove_group_member(self, token: BytesLike, group_id: BytesLike, app_user_id: BytesLike) -> bool:
        """Owner only (the owner cannot be removed: Conflict).  True when the membership
        changed, False when not a member."""
        return self._change_member(lib.wave_service_group_remove_member, token, group_id, app_user_id)

    def _change_member(self, function: Any, token: BytesLike, group_id: BytesLike, app_user_id: BytesLike) -> bool:
        data = as_bytes(token, "token")
        changed = c_int()
        with self._use() as service:
            function(service, data, len(data), as_text(group_id, "group_id"), as_text(app_user_id, "app_user_id"),
                     ctypes.byref(changed))
        return changed.value == 1

    def leave_group(self, token: BytesLike, group_id: BytesLike) -> None:
        """The caller leaves the group (NotFound when not a member; Conflict for the owner)."""
        data = as_bytes(token, "token")
        with self._use() as service:
            lib.wave_service_group_leave(service, data, len(data), as_text(group_id, "group_id"))

    def delete_group(self, token: BytesLike, group_id: BytesLike) -> None:
        """Owner only: deletes the group and every member's group patterns."""
        data = as_bytes(token, "token")
        with self._use() as service:
            lib.wave_service_group_delete(service, data, len(data), as_text(group_id, "group_id"))

    def list_groups(self, token: BytesLike) -> List[Group]:
        """The Groups the caller belongs to."""
        data = as_bytes(token, "token")
        out = GroupListPtr()
        with self._use() as service:
            lib.wave_service_group_list(service, data, len(data), ctypes.byref(out))
        try:
            return [_read_group(lib.wave_group_list_get(out, i)) for i in range(lib.wave_group_list_count(out))]
        finally:
            lib.wave_group_list_free(out)

    def group_members(self, token: BytesLike, group_id: BytesLike) -> Group:
        """One Group with its members: members only (Denied for others)."""
        data = as_bytes(token, "token")
        out = GroupPtr()
        with self._use() as service:
            lib.wave_service_group_members(service, data, len(data), as_text(group_id, "group_id"), ctypes.byref(out))
        try:
            return _read_group(out)
        finally:
            lib.wave_group_free(out)

    # ---- revoke ---------------------------------------------------------------------------

    def revoke(self, token: BytesLike) -> str:
        """Logs the token out at once; returns the user's internal ID.  NotFound when there is
        nothing to revoke (never logged in, already revoked, or replaced by a newer token)."""
        data = as_bytes(token, "token")
        out = c_void_p()
        with self._use() as service:
            lib.wave_service_revoke(service, data, len(data), ctypes.byref(out))
        internal_id = take_string(out.value)
        assert internal_id is not None  # WAVE_OK always comes with the ID
        return internal_id

    # ---- admin API (for the app's backend: no token) ----------------------------------------

    def describe_user(self, app_user_id: BytesLike) -> dict:
        """{"appUserID", "internalWaveUserID" (None: never logged in), "session" ("live",
        "expired", "logged_out" or "unknown"), "groups" (a count)}.  InvalidArgument for a
        malformed app user ID."""
        out = c_void_p()
        with self._use() as service:
            lib.wave_service_describe_user(service, as_text(app_user_id, "app_user_id"), ctypes.byref(out))
        return json.loads(take_string(out.value) or "null")

    def end_user_sessions(self, app_user_id: BytesLike) -> dict:
        """Ends every session of the app user without asking the app (the session, the
        credential, the VerneMQ passhash): {"internalWaveUserID", "sessionEnded",
        "passhashRetired"}.  NotFound for a user who never logged in; otherwise idempotent."""
        out = c_void_p()
        with self._use() as service:
            lib.wave_service_end_user_sessions(service, as_text(app_user_id, "app_user_id"), ctypes.byref(out))
        return json.loads(take_string(out.value) or "null")

    # ---- broker-side checks ---------------------------------------------------------------

    def authorize_register(self, client_id: BytesLike, username: BytesLike, password: BytesLike) -> bool:
        """May this client connect?  client_id must equal username (an internal ID) and
        password (str or bytes) be the user's current MQTT password."""
        secret = as_bytes(password, "password")
        with self._use() as service:
            status = lib.wave_service_authorize_register(service, as_text(client_id, "client_id"),
                                                         as_text(username, "username"), secret, len(secret), 0)
        return _decision(status)

    def authorize_publish(self, username: BytesLike, topic: BytesLike) -> bool:
        """May `username` publish to `topic` (a topic name, no wildcards)?"""
        with self._use() as service:
            status = lib.wave_service_authorize_publish(service, as_text(username, "username"), as_text(topic, "topic"), 0)
        return _decision(status)

    def authorize_subscribe(self, username: BytesLike, topic_filters: Iterable[BytesLike]) -> bool:
        """May `username` subscribe to every one of `topic_filters`?  True only when all are
        granted; see authorize_subscribe_each() for one answer per filter."""
        return all(self.authorize_subscribe_each(username, topic_filters))

    def authorize_subscribe_each(self, username: BytesLike, topic_filters: Iterable[BytesLike]) -> List[bool]:
        """[True or False per filter, in order].  Raises on a fault (for all the filters)."""
        filters, count = _string_array(topic_filters, "topic_filters")
        if count == 0:  # an MQTT SUBSCRIBE carries at least one filter
            raise errors.InvalidArgument("topic_filters must not be empty", errors.InvalidArgument.status)
        results = (c_int * count)()
        with self._use() as service:
            status = lib.wave_service_authorize_subscribe(service, as_text(username, "username"), filters, count,
                                                          0, results)
        all_granted = _decision(status)  # raises on a fault
        granted = [result == 0 for result in results]
        if all(granted) != all_granted:  # never grant on an inconsistent answer
            raise errors.InternalError("authorize_subscribe: the status and the per-filter results disagree",
                                       errors.InternalError.status)
        return granted
