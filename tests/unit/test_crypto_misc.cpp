#include <doctest/doctest.h>

#include <set>
#include <string>

#include "common/error.hpp"
#include "common/secure.hpp"
#include "crypto/password.hpp"
#include "crypto/uuid.hpp"

TEST_SUITE("uuid") {
  TEST_CASE("UUIDv4 has the canonical form, version 4 and the RFC variant") {
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
      const std::string uuid = wave::uuid_v4();
      REQUIRE(uuid.size() == 36);
      CHECK(wave::is_canonical_uuid(uuid));
      CHECK(uuid[14] == '4');
      CHECK(std::string("89ab").find(uuid[19]) != std::string::npos);
      seen.insert(uuid);
    }
    CHECK(seen.size() == 2000);
  }

  TEST_CASE("canonical form checks") {
    CHECK(wave::is_canonical_uuid("1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b"));
    CHECK_FALSE(wave::is_canonical_uuid("1B4E28BA-2FA1-4D3B-A3F5-EF19B5A7633B"));  // uppercase
    CHECK_FALSE(wave::is_canonical_uuid("1b4e28ba2fa14d3ba3f5ef19b5a7633b"));
    CHECK_FALSE(wave::is_canonical_uuid("1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633"));
    CHECK_FALSE(wave::is_canonical_uuid("1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b0"));
    CHECK_FALSE(wave::is_canonical_uuid("1b4e28ba-2fa1-4d3b-a3f5+ef19b5a7633b"));
    CHECK_FALSE(wave::is_canonical_uuid("1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633g"));
    CHECK_FALSE(wave::is_canonical_uuid("+"));
    CHECK_FALSE(wave::is_canonical_uuid(""));
  }
}

TEST_SUITE("password") {
  using wave::PasswordScheme;

  TEST_CASE("SHA-256 and base64url match known vectors") {
    CHECK(wave::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(wave::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const auto encode = [](std::string_view text) {
      return wave::base64url_encode(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    };
    CHECK(encode("") == "");
    CHECK(encode("f") == "Zg");
    CHECK(encode("fo") == "Zm8");
    CHECK(encode("foo") == "Zm9v");
    CHECK(encode("foob") == "Zm9vYg");
    CHECK(encode("\xfb\xff") == "-_8");
  }

  TEST_CASE("auto: the token itself up to 72 bytes, the digest beyond") {
    const std::string short_token(72, 't');
    CHECK(wave::mqtt_password(short_token, PasswordScheme::automatic) == short_token);
    const std::string long_token(73, 't');
    const std::string derived = wave::mqtt_password(long_token, PasswordScheme::automatic);
    CHECK(derived.size() == 43);
    const auto digest = wave::sha256(long_token);
    CHECK(derived == wave::base64url_encode(digest.data(), digest.size()));
    CHECK(derived.find('=') == std::string::npos);
  }

  TEST_CASE("auto closes the 72-byte prefix hole") {
    // Two JWT-like tokens sharing their first 72 bytes must get different passwords.
    const std::string prefix(72, 'h');
    const auto a = wave::mqtt_password(prefix + ".signatureA", PasswordScheme::automatic);
    const auto b = wave::mqtt_password(prefix + ".signatureB", PasswordScheme::automatic);
    CHECK(a != b);
    CHECK(a.size() <= 72);
  }

  TEST_CASE("token: refuses tokens over 72 bytes with a clear error") {
    CHECK(wave::mqtt_password("abc", PasswordScheme::token) == "abc");
    try {
      (void)wave::mqtt_password(std::string(73, 'x'), PasswordScheme::token);
      FAIL("a 73-byte token was accepted under the token scheme");
    } catch (const wave::Error& error) {
      CHECK(error.status() == WAVE_ERR_INVALID_ARGUMENT);
      CHECK(std::string(error.what()).find("72") != std::string::npos);
    }
  }

  TEST_CASE("sha256: always derived") {
    CHECK(wave::mqtt_password("abc", PasswordScheme::sha256) == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  }

  TEST_CASE("NUL bytes are refused in every scheme") {
    for (auto scheme : {PasswordScheme::automatic, PasswordScheme::token, PasswordScheme::sha256})
      CHECK_THROWS_AS((void)wave::mqtt_password(std::string("a\0b", 3), scheme), wave::Error);
  }

  TEST_CASE("constant-time comparison") {
    CHECK(wave::constant_time_equal("abc", "abc"));
    CHECK_FALSE(wave::constant_time_equal("abc", "abd"));
    CHECK_FALSE(wave::constant_time_equal("abc", "ab"));
    CHECK(wave::constant_time_equal("", ""));
  }
}
