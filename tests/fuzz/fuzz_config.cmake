wave_add_fuzzer(config SOURCES fuzz_config.cpp COMPONENTS config token crypto common)
