#include <doctest/doctest.h>
#include "mongo/mongo_directory_store.hpp"
TEST_CASE("placeholder build") {}
