# Config, token format check, UUIDv4, MQTT password scheme and the C ABI conventions.
wave_add_test(config SOURCES test_config.cpp COMPONENTS config token crypto common)
wave_add_test(token SOURCES test_token.cpp COMPONENTS token common)
wave_add_test(crypto_misc SOURCES test_crypto_misc.cpp COMPONENTS crypto common)
# The C ABI through the real shared library: conventions, config and token, UUID, password.
wave_add_test(capi_basics SOURCES test_capi_basics.cpp LIBS wave::wave)
# wave_set_log_handler(): Wave's fault messages and mongo-c-driver's, through the real library.
wave_add_test(log_capi SOURCES test_log_capi.cpp LIBS wave::wave ${WAVE_MONGOC_TARGET})
