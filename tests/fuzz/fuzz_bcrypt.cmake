# bcrypt hash strings from arbitrary bytes: parse, format and verify must never crash.
wave_add_fuzzer(bcrypt_verify SOURCES fuzz_bcrypt_verify.cpp COMPONENTS crypto common)
