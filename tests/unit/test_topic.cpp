#include <doctest/doctest.h>
#include "topic/topic.hpp"
TEST_CASE("placeholder build") { CHECK(wave::topic::is_valid_name("a")); }
