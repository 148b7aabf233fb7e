#include <doctest/doctest.h>
#include "crypto/bcrypt.hpp"
TEST_CASE("placeholder") { CHECK(wave::bcrypt_hash("x", 4).size() == 60); }
