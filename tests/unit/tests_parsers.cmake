# The parsers in front of the stores, exposed for tests and fuzzing: the app endpoint's
# answer and the Redis URI (no servers: label unit).
wave_add_test(store_parsers SOURCES test_store_parsers.cpp COMPONENTS appauth redis common)
