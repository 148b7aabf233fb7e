# What the stores parse from outside: the app endpoint's answer (status + JSON body) and the
# Redis URI must never crash, fail only with their documented status, and never leak the
# Redis password into a message.
wave_add_fuzzer(app_answer SOURCES fuzz_app_answer.cpp COMPONENTS appauth common)
wave_add_fuzzer(redis_uri SOURCES fuzz_redis_uri.cpp COMPONENTS redis common)
# Cache invalidation messages come off the network: strict, total, round-tripping.
wave_add_fuzzer(invalidation_message SOURCES fuzz_invalidation_message.cpp COMPONENTS redis common)
