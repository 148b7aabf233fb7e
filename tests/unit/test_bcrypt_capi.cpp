#include <doctest/doctest.h>
#include <wave/wave.h>
TEST_CASE("placeholder") { char out[61]; CHECK(wave_bcrypt_hash((const uint8_t*)"x", 1, 4, out) == WAVE_OK); }
