// The bcrypt section of the C API, through libwave's exported symbols: statuses, the
// thread-local message, NULL arguments and what `out` holds after a failure.
#include <climits>
#include <cstring>
#include <string>

#include <doctest/doctest.h>
#include <wave/wave.h>

namespace {

const uint8_t* bytes(const char* text) { return reinterpret_cast<const uint8_t*>(text); }

std::string last_error() { return wave_last_error_message(); }

}  // namespace

TEST_CASE("wave_bcrypt_hash writes a $2a$ hash that wave_bcrypt_verify accepts") {
  char out[WAVE_BCRYPT_HASH_SIZE];
  std::memset(out, 'z', sizeof out);
  REQUIRE(wave_bcrypt_hash(bytes("secret"), 6, 4, out) == WAVE_OK);
  CHECK(std::strlen(out) == WAVE_BCRYPT_HASH_SIZE - 1);
  CHECK(std::strncmp(out, "$2a$04$", 7) == 0);
  CHECK(last_error().empty());
  CHECK(wave_bcrypt_verify(bytes("secret"), 6, out) == WAVE_OK);
  CHECK(last_error().empty());
  CHECK(wave_bcrypt_verify(bytes("secreT"), 6, out) == WAVE_ERR_DENIED);
  CHECK(!last_error().empty());
  CHECK(last_error().find("secre") == std::string::npos);  // never the password
  CHECK(wave_bcrypt_verify(bytes("secret"), 5, out) == WAVE_ERR_DENIED);
  // The empty password is a password like any other.
  REQUIRE(wave_bcrypt_hash(bytes(""), 0, 4, out) == WAVE_OK);
  CHECK(wave_bcrypt_verify(bytes(""), 0, out) == WAVE_OK);
  CHECK(wave_bcrypt_verify(bytes("x"), 1, out) == WAVE_ERR_DENIED);
}

TEST_CASE("wave_bcrypt_hash_with_prefix: 2a, 2b, 2y") {
  const struct {
    wave_bcrypt_prefix prefix;
    const char* text;
  } prefixes[] = {{WAVE_BCRYPT_2A, "$2a$05$"}, {WAVE_BCRYPT_2B, "$2b$05$"}, {WAVE_BCRYPT_2Y, "$2y$05$"}};
  for (const auto& prefix : prefixes) {
    char out[WAVE_BCRYPT_HASH_SIZE];
    REQUIRE(wave_bcrypt_hash_with_prefix(bytes("pw"), 2, 5, prefix.prefix, out) == WAVE_OK);
    CHECK(std::strncmp(out, prefix.text, 7) == 0);
    CHECK(wave_bcrypt_verify(bytes("pw"), 2, out) == WAVE_OK);
  }
  char out[WAVE_BCRYPT_HASH_SIZE] = "previous";
  CHECK(wave_bcrypt_hash_with_prefix(bytes("pw"), 2, 5, static_cast<wave_bcrypt_prefix>(3), out) ==
        WAVE_ERR_INVALID_ARGUMENT);
  CHECK(out[0] == '\0');
  CHECK(last_error().find("prefix") != std::string::npos);
}

TEST_CASE("known answers through the C API") {
  CHECK(wave_bcrypt_verify(bytes("U*U"), 3, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW") == WAVE_OK);
  CHECK(wave_bcrypt_verify(bytes("\xff\xff\xa3"), 3, "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e") ==
        WAVE_OK);
  CHECK(wave_bcrypt_verify(bytes("password"), 8, "$2y$04$R5p8bH4p6bRSdTZc6UoXNePQC5cfFQdvBEiweGDDlwPjzzE821FjW") ==
        WAVE_OK);
}

TEST_CASE("refused inputs: cost, length, NUL, NULL") {
  char out[WAVE_BCRYPT_HASH_SIZE];
  const std::string p72(72, 'a');
  const std::string p73(73, 'a');
  for (const int cost : {WAVE_BCRYPT_MIN_COST - 1, WAVE_BCRYPT_MAX_COST + 1, 0, -4, INT_MIN, INT_MAX}) {
    std::strcpy(out, "previous");
    CHECK(wave_bcrypt_hash(bytes("pw"), 2, cost, out) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(out[0] == '\0');
    CHECK(last_error().find("cost") != std::string::npos);
  }
  std::strcpy(out, "previous");
  CHECK(wave_bcrypt_hash(bytes(p73.c_str()), p73.size(), 4, out) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(out[0] == '\0');
  CHECK(last_error().find("72") != std::string::npos);
  REQUIRE(wave_bcrypt_hash(bytes(p72.c_str()), p72.size(), 4, out) == WAVE_OK);
  // Verification reads the first 72 bytes only.
  CHECK(wave_bcrypt_verify(bytes(p73.c_str()), p73.size(), out) == WAVE_OK);

  CHECK(wave_bcrypt_hash(bytes("a\0b"), 3, 4, out) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(last_error().find("NUL") != std::string::npos);
  REQUIRE(wave_bcrypt_hash(bytes("a"), 1, 4, out) == WAVE_OK);
  CHECK(wave_bcrypt_verify(bytes("a\0a"), 3, out) == WAVE_ERR_DENIED);

  // NULL arguments: an error, never a crash.
  CHECK(wave_bcrypt_hash(nullptr, 0, 4, out) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(last_error().find("password") != std::string::npos);
  CHECK(wave_bcrypt_hash(nullptr, 5, 4, out) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_bcrypt_hash(bytes("pw"), 2, 4, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(last_error().find("out") != std::string::npos);
  CHECK(wave_bcrypt_hash_with_prefix(nullptr, 2, 4, WAVE_BCRYPT_2B, out) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_bcrypt_hash_with_prefix(bytes("pw"), 2, 4, WAVE_BCRYPT_2B, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_bcrypt_verify(nullptr, 0, out) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_bcrypt_verify(bytes("a"), 1, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(last_error().find("hash") != std::string::npos);
  CHECK(wave_bcrypt_verify(nullptr, 0, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
}

TEST_CASE("malformed hashes through the C API") {
  const char* const malformed[] = {
      "",
      "$2a$05$",
      "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
      "$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
      "$2a$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
      "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n",
      "$2a$05$CCCCCCCCCCCCCCCCCCCCCPE5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
      "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
      "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
      "abJnggxhB/yWI",
  };
  for (const char* hash : malformed) {
    CAPTURE(hash);
    CHECK(wave_bcrypt_verify(bytes("U*U"), 3, hash) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(last_error().rfind("malformed bcrypt hash", 0) == 0);
  }
  // A NUL inside the string ends it early: too short.
  const char embedded[] = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRG\0yh0XouQYb4YMJKvyOeW";
  CHECK(wave_bcrypt_verify(bytes("U*U"), 3, embedded) == WAVE_ERR_INVALID_ARGUMENT);
  // An unterminated buffer: read no further than one byte past a full hash.
  char unterminated[WAVE_BCRYPT_HASH_SIZE];
  std::memcpy(unterminated, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWX", WAVE_BCRYPT_HASH_SIZE);
  CHECK(wave_bcrypt_verify(bytes("U*U"), 3, unterminated) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(last_error().find("trailing") != std::string::npos);
}
