"""Sizes and enum values of libwave's C headers that the library cannot report at run time.

Named exactly as in include/wave/*.h; tests/python/test_package.py parses the headers and
checks every name here against them, so a change in C that is not made here fails a test.
"""

# wave_common.h
WAVE_UUID_STRING_SIZE = 37
WAVE_LOG_DEBUG = 0
WAVE_LOG_INFO = 1
WAVE_LOG_WARNING = 2
WAVE_LOG_ERROR = 3
# wave_crypto.h
WAVE_BCRYPT_HASH_SIZE = 61
WAVE_BCRYPT_MAX_PASSWORD = 72
WAVE_BCRYPT_MIN_COST = 4
WAVE_BCRYPT_MAX_COST = 31
WAVE_BCRYPT_2A = 0
WAVE_BCRYPT_2B = 1
WAVE_BCRYPT_2Y = 2
WAVE_MQTT_PASSWORD_SIZE = 73
# wave_topic.h
WAVE_TOPIC_MAX_LENGTH = 65535
WAVE_TOPIC_DEFAULT_MAX_DEPTH = 10
WAVE_TOPIC_UNLIMITED_DEPTH = 65536
# wave_acl.h
WAVE_TOPIC_GROUP_ID_SIZE = 65
WAVE_CONVERSATION_PRIVATE = 1
WAVE_CONVERSATION_GROUP = 2
