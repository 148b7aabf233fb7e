"""Loads libwave once and declares every C function's signature in one table."""
import ctypes
import ctypes.util
import os

from . import errors

EXPECTED_MAJOR = 0


class _Opaque(ctypes.Structure):
    pass


def opaque_pointer(c_name):
    """A pointer type of its own for one opaque C handle (`c_name`), so ctypes refuses to
    pass one kind of handle where another is expected."""
    return ctypes.POINTER(type(c_name, (_Opaque,), {}))


ConfigPtr = opaque_pointer("wave_config")
FilterPtr = opaque_pointer("wave_filter")
PatternsPtr = opaque_pointer("wave_acl_patterns")
AuthorizerPtr = opaque_pointer("wave_authorizer")

c_char_p = ctypes.c_char_p
c_size_t = ctypes.c_size_t
c_int = ctypes.c_int
c_uint8_p = ctypes.POINTER(ctypes.c_uint8)
c_void_p = ctypes.c_void_p


def _candidates():
    env = os.environ.get("WAVE_LIBRARY")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("libwave.so", "libwave.so.0", "libwave.dylib"):
        yield os.path.join(here, name)
    found = ctypes.util.find_library("wave")
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        tried.append(path)
        try:
            return ctypes.CDLL(path)
        except OSError as error:
            tried[-1] = f"{path} ({error})"
    raise ImportError("wavemq: could not load libwave; tried: " + "; ".join(tried or ["nothing"]) +
                      ". Set WAVE_LIBRARY to the path of libwave.so.")


def _check_status(result, func, args):
    if result != 0:
        raise errors.from_status(result, lib.wave_last_error_message().decode("utf-8", "replace"))
    return result


# (name, argtypes, restype, errcheck)
_SIGNATURES = [
    ("wave_status_str", [c_int], c_char_p, None),
    ("wave_last_error_message", [], c_char_p, None),
    ("wave_version_string", [], c_char_p, None),
    ("wave_version_number", [], ctypes.c_uint32, None),
    ("wave_string_free", [c_void_p], None, None),
    ("wave_global_init", [], c_int, _check_status),
    ("wave_global_cleanup", [], None, None),
    # config and token
    ("wave_config_load", [c_char_p, ctypes.POINTER(ConfigPtr)], c_int, _check_status),
    ("wave_config_parse", [c_char_p, c_size_t, c_char_p, ctypes.POINTER(ConfigPtr)], c_int, _check_status),
    ("wave_config_free", [ConfigPtr], None, None),
    ("wave_config_to_json", [ConfigPtr, ctypes.POINTER(c_void_p)], c_int, _check_status),
    ("wave_token_check", [ConfigPtr, c_char_p, c_size_t], c_int, None),
    # crypto
    ("wave_bcrypt_hash", [c_char_p, c_size_t, c_int, c_char_p], c_int, _check_status),
    ("wave_bcrypt_hash_with_prefix", [c_char_p, c_size_t, c_int, c_int, c_char_p], c_int, _check_status),
    ("wave_bcrypt_verify", [c_char_p, c_size_t, c_char_p], c_int, None),
    ("wave_uuid_v4", [c_char_p], c_int, _check_status),
    ("wave_uuid_is_canonical", [c_char_p], c_int, None),
    ("wave_mqtt_password", [c_char_p, c_size_t, c_int, c_char_p, ctypes.POINTER(c_size_t)], c_int, _check_status),
    # topics
    ("wave_topic_is_valid_name", [c_char_p], c_int, None),
    ("wave_topic_is_valid_filter", [c_char_p], c_int, None),
    ("wave_topic_matches", [c_char_p, c_char_p], c_int, None),
    ("wave_filter_compile", [c_char_p, ctypes.POINTER(FilterPtr)], c_int, _check_status),
    ("wave_filter_matches", [FilterPtr, c_char_p, c_size_t], c_int, None),
    ("wave_filter_free", [FilterPtr], None, None),
    ("wave_filter_covers", [c_char_p, c_char_p], c_int, None),
    # Wave's scheme
    ("wave_acl_private_patterns", [c_char_p, ctypes.POINTER(PatternsPtr)], c_int, _check_status),
    ("wave_acl_group_patterns", [c_char_p, c_char_p, ctypes.POINTER(PatternsPtr)], c_int, _check_status),
    ("wave_acl_patterns_publish_count", [PatternsPtr], c_size_t, None),
    ("wave_acl_patterns_publish", [PatternsPtr, c_size_t], c_char_p, None),
    ("wave_acl_patterns_subscribe_count", [PatternsPtr], c_size_t, None),
    ("wave_acl_patterns_subscribe", [PatternsPtr, c_size_t], c_char_p, None),
    ("wave_acl_patterns_free", [PatternsPtr], None, None),
    ("wave_topic_identify_sender", [c_char_p, ctypes.POINTER(c_int), c_char_p, c_char_p], c_int, _check_status),
    ("wave_authorizer_new_ex", [ctypes.POINTER(c_char_p), c_size_t, ctypes.POINTER(c_char_p), c_size_t,
                                ctypes.c_uint, ctypes.POINTER(AuthorizerPtr)], c_int, _check_status),
    ("wave_authorizer_may_publish", [AuthorizerPtr, c_char_p], c_int, None),
    ("wave_authorizer_may_subscribe", [AuthorizerPtr, c_char_p], c_int, None),
    ("wave_authorizer_free", [AuthorizerPtr], None, None),
]

lib = _load()


def declare(signatures):
    """Applies (name, argtypes, restype, errcheck) rows to the loaded library."""
    for name, argtypes, restype, errcheck in signatures:
        func = getattr(lib, name)
        func.argtypes = argtypes
        func.restype = restype
        if errcheck is not None:
            func.errcheck = errcheck


declare(_SIGNATURES)

_major = lib.wave_version_number() // 10000
if _major != EXPECTED_MAJOR:
    raise ImportError(f"wavemq: libwave {lib.wave_version_string().decode()} has major version {_major}, "
                      f"these bindings need {EXPECTED_MAJOR}")


def take_string(pointer):
    """Copies a Wave-allocated C string and frees it."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.wave_string_free(pointer)


check_status = _check_status
