#include <doctest/doctest.h>

#include <string>

#include "common/error.hpp"
#include "token/token.hpp"

using wave::TokenValidator;

TEST_SUITE("token") {
  TEST_CASE("a full match is required, not a substring") {
    TokenValidator validator("[a-z]{4}", 4096);
    CHECK(validator.is_valid("abcd"));
    CHECK_FALSE(validator.is_valid("abcde"));
    CHECK_FALSE(validator.is_valid("xabcd"));
    CHECK_FALSE(validator.is_valid("abc"));
  }

  TEST_CASE("anchors in the pattern are harmless") {
    TokenValidator validator("^[A-Za-z0-9]+$", 4096);
    CHECK(validator.is_valid("Abc123"));
    CHECK_FALSE(validator.is_valid("Abc 123"));
  }

  TEST_CASE("the length bound applies before the regex") {
    TokenValidator validator(".*", 10);
    CHECK(validator.is_valid(std::string(10, 'a')));
    const std::string reason = validator.problem(std::string(11, 'a'));
    CHECK(reason.find("11 bytes") != std::string::npos);
    CHECK(reason.find("at most 10") != std::string::npos);
  }

  TEST_CASE("only printable ASCII passes, whatever the regex") {
    TokenValidator validator("(?s).*", 4096);  // (?s): the regex alone would accept newlines
    CHECK(validator.is_valid("a b~!"));
    for (const std::string& bad : {std::string("a\nb"), std::string("a\rb"), std::string("a\tb"),
                                  std::string("a\0b", 3), std::string("a\x7f"), std::string("caf\xc3\xa9"),
                                  std::string("\xff")}) {
      CAPTURE(bad.size());
      CHECK_FALSE(validator.is_valid(bad));
    }
    CHECK(validator.problem("a\nb").find("0x0a at offset 1") != std::string::npos);
  }

  TEST_CASE("the empty token is refused") {
    TokenValidator validator(".*", 4096);
    CHECK_FALSE(validator.is_valid(""));
  }

  TEST_CASE("reasons never contain the token") {
    TokenValidator validator("[0-9]+", 4096);
    const std::string secret = "s3cr3t-token-value";
    CHECK(validator.problem(secret).find(secret) == std::string::npos);
    try {
      validator.check(secret);
      FAIL("check() accepted a malformed token");
    } catch (const wave::Error& error) {
      CHECK(error.status() == WAVE_ERR_INVALID_TOKEN);
      CHECK(std::string(error.what()).find(secret) == std::string::npos);
    }
  }

  TEST_CASE("a catastrophic-backtracking pattern runs in linear time") {
    // (a+)+$ takes exponential time in backtracking engines on "aaaa...!"; RE2 does not
    // backtrack.  If this test finishes at all, the engine is not exponential.
    TokenValidator validator("(a+)+", 65536);
    std::string input(60000, 'a');
    input.push_back('b');
    CHECK_FALSE(validator.is_valid(input));
    CHECK(validator.is_valid(std::string(60000, 'a')));
  }

  TEST_CASE("a pattern that does not compile is a config error") {
    CHECK_THROWS_AS(TokenValidator("([a-z]", 10), wave::Error);
    try {
      TokenValidator validator("([a-z]", 10);
    } catch (const wave::Error& error) {
      CHECK(error.status() == WAVE_ERR_CONFIG);
      CHECK(std::string(error.what()).find("missing )") != std::string::npos);
    }
    // Backreferences are not linear-time: RE2 refuses them at load.
    CHECK_THROWS_AS(TokenValidator("(a)\\1", 10), wave::Error);
  }

  TEST_CASE("a zero maximum length is refused") {
    CHECK_THROWS_AS(TokenValidator(".*", 0), wave::Error);
  }
}
