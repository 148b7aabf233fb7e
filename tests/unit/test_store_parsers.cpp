// The parsers in front of the stores, without servers: the app endpoint's answer
// (interpret_app_answer), the Redis URI (parse_redis_uri) and the cache invalidation
// messages (parse_invalidation_message).
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "appauth/app_auth_client.hpp"
#include "common/error.hpp"
#include "integration/test_errors.hpp"
#include "redis/invalidation_message.hpp"
#include "redis/redis_uri.hpp"

using namespace std::string_literals;
using namespace std::string_view_literals;
using wave::AppAuthVerdict;
using wave::interpret_app_answer;
using wave::parse_redis_uri;
using wave_test::error_of;

namespace {

constexpr std::string_view kEndpoint = "http://app.example/auth/check";
const std::string kWhere = "the app's authentication endpoint "s + std::string(kEndpoint);

wave::AppAuthAnswer answer(long status, std::string_view body) { return interpret_app_answer(status, body, kEndpoint); }

// The UPSTREAM error an answer must be, with its message.
std::string upstream_message(long status, std::string_view body) {
  const auto error = error_of([&] { answer(status, body); });
  CHECK(error.status() == WAVE_ERR_UPSTREAM);
  const std::string message = error.what();
  CHECK(message.starts_with(kWhere));
  return message;
}

}  // namespace

TEST_CASE("app answer: 400, 401 and 403 are invalid whatever the body") {
  for (const long status : {400L, 401L, 403L}) {
    for (const std::string_view body : {""sv, "{\"userID\":\"alice\"}"sv, "not json"sv, "\xff\x00"sv}) {
      CAPTURE(status);
      const auto result = answer(status, body);
      CHECK(result.verdict == AppAuthVerdict::invalid);
      CHECK(result.user_id.empty());
      CHECK(result.http_status == status);
    }
  }
}

TEST_CASE("app answer: 200 with a non-empty string userID is valid") {
  auto result = answer(200, R"({"userID":"alice"})");
  CHECK(result.verdict == AppAuthVerdict::valid);
  CHECK(result.user_id == "alice");
  CHECK(result.http_status == 200);

  // Other members, whitespace, escapes and non-ASCII user IDs are fine.
  result = answer(200, " \n{\"name\": \"A\", \"userID\" : \"b\\u00e9\\\"c\", \"n\": [1, {\"x\": null}]}\t");
  CHECK(result.verdict == AppAuthVerdict::valid);
  CHECK(result.user_id == "b\xc3\xa9\"c");
  CHECK(answer(200, "{\"userID\":\"\xe6\x97\xa5\xf0\x9f\x98\x80\"}").user_id == "\xe6\x97\xa5\xf0\x9f\x98\x80");
  CHECK(answer(200, R"({"userID":"\ud83d\ude00"})").user_id == "\xf0\x9f\x98\x80");  // surrogate pair

  // Nesting far deeper than any stack could recurse: the parser is iterative.
  const std::string deep = "{\"deep\":" + std::string(100000, '[') + std::string(100000, ']') + ",\"userID\":\"d\"}";
  CHECK(answer(200, deep).user_id == "d");
}

TEST_CASE("app answer: other statuses are upstream errors naming the status") {
  for (const long status : {300L, 301L, 302L, 304L, 307L, 308L, 399L}) {
    CAPTURE(status);
    const std::string message = upstream_message(status, R"({"userID":"alice"})");
    CHECK(message.find("redirect HTTP " + std::to_string(status)) != std::string::npos);
    CHECK(message.find("configure the final URL") != std::string::npos);
  }
  for (const long status : {0L, -1L, 100L, 199L, 201L, 204L, 299L, 402L, 404L, 429L, 500L, 502L, 503L, 999L}) {
    CAPTURE(status);
    const std::string message = upstream_message(status, R"({"userID":"alice"})");
    CHECK(message.find(" answered HTTP " + std::to_string(status) + " (expected 200") != std::string::npos);
  }
}

TEST_CASE("app answer: a 200 body that is not a valid answer is an upstream error") {
  struct Case {
    std::string body;
    std::string expected;  // in the message
  };
  const std::vector<Case> cases = {
      {"", "not JSON (The document is empty. at byte 0)"},
      {"   ", "not JSON"},
      {"not json", "not JSON (Invalid value. at byte 1)"},  // "n" could begin null
      {"{\"userID\":\"alice\"", "not JSON"},
      {"{\"userID\":\"alice\"} trailing", "not JSON"},
      {"{\"userID\":\"alice\",}", "not JSON"},
      {"{'userID':'alice'}", "not JSON"},
      {std::string(100000, '['), "not JSON"},  // deep and unterminated: an error, not a crash
      {"{\"userID\":\"\xff\"}", "not JSON (Invalid encoding in string."},
      {"{\"userID\":\"\xc0\xaf\"}", "not JSON (Invalid encoding in string."},   // overlong '/'
      {"{\"userID\":\"\xed\xa0\x80\"}", "not JSON (Invalid encoding in string."},  // a UTF-16 surrogate
      {"{\"userID\":\"a\xe6\x97\"}", "not JSON (Invalid encoding in string."},  // truncated sequence
      {R"({"userID":"\ud800"})", "not JSON"},                                  // lone surrogate escape
      {R"({"userID":"\x41"})", "not JSON"},                                    // not a JSON escape
      {"[]", "JSON that is not an object"},
      {"[{\"userID\":\"alice\"}]", "JSON that is not an object"},
      {"\"alice\"", "JSON that is not an object"},
      {"null", "JSON that is not an object"},
      {"42", "JSON that is not an object"},
      {"{}", "without a \"userID\" field"},
      {R"({"userid":"alice","UserID":"bob"})", "without a \"userID\" field"},
      {R"({"user":{"userID":"alice"}})", "without a \"userID\" field"},
      {R"({"userID":42})", "\"userID\" that is not a string"},
      {R"({"userID":null})", "\"userID\" that is not a string"},
      {R"({"userID":true})", "\"userID\" that is not a string"},
      {R"({"userID":["alice"]})", "\"userID\" that is not a string"},
      {R"({"userID":{"id":"alice"}})", "\"userID\" that is not a string"},
      {R"({"userID":""})", "an empty \"userID\""},
      {R"({"userID":"\u0000"})", "\"userID\" containing a NUL character"},
      {R"({"userID":"alice\u0000admin"})", "\"userID\" containing a NUL character"},
      // RapidJSON 1.1 decodes a lone low surrogate into non-UTF-8 bytes: refused by Wave.
      {R"({"userID":"\udc00"})", "\"userID\" that is not valid UTF-8"},
      {R"({"userID":"alice\udfff"})", "\"userID\" that is not valid UTF-8"},
      // RapidJSON stops at NUL: what follows must not hide behind a valid-looking prefix.
      {std::string("{\"userID\":\"alice\"}\0junk", 23), "a NUL byte in its body"},
      {std::string("{\"userID\":\"alice\"}\0", 19), "a NUL byte in its body"},
  };
  for (const auto& [body, expected] : cases) {
    CAPTURE(body.substr(0, 60));
    const std::string message = upstream_message(200, body);
    CHECK(message.find(expected) != std::string::npos);
    CHECK(message.find("alice") == std::string::npos);  // the body's strings are not repeated
  }
}

TEST_CASE("app answer: messages name the endpoint they were given") {
  const auto error = error_of([] { interpret_app_answer(500, "", "https://other.example/x"); });
  CHECK(std::string(error.what()).starts_with("the app's authentication endpoint https://other.example/x answered"));
}

namespace {

struct GoodUri {
  std::string uri;
  bool unix_socket;
  std::string host;
  int port;
  int db;
  std::string user;
  std::string password;  // "" = none
  std::string display;
};

}  // namespace

TEST_CASE("Redis URI: accepted forms") {
  const std::vector<GoodUri> cases = {
      {"redis://127.0.0.1", false, "127.0.0.1", 6379, 0, "", "", "127.0.0.1:6379"},
      {"redis://localhost/", false, "localhost", 6379, 0, "", "", "localhost:6379"},
      {"redis://localhost:6380", false, "localhost", 6380, 0, "", "", "localhost:6380"},
      {"redis://localhost:6380/15", false, "localhost", 6380, 15, "", "", "localhost:6380"},
      {"redis://my_host-1.example.org:1/0", false, "my_host-1.example.org", 1, 0, "", "", "my_host-1.example.org:1"},
      {"redis://h:65535/1048576", false, "h", 65535, 1048576, "", "", "h:65535"},
      {"redis://:s3cret@db.example", false, "db.example", 6379, 0, "", "s3cret", "db.example:6379"},
      {"redis://wave:userpw@host.example:1/15", false, "host.example", 1, 15, "wave", "userpw", "host.example:1"},
      {"redis://:s3cret%3Ap%40ss@h/2", false, "h", 6379, 2, "", "s3cret:p@ss", "h:6379"},
      {"redis://us%65r%2f:p%2Fw%25@h", false, "h", 6379, 0, "user/", "p/w%", "h:6379"},
      {"redis://u:a:b@h", false, "h", 6379, 0, "u", "a:b", "h:6379"},  // the first ':' ends the user
      {"redis://:p@ss@h", false, "h", 6379, 0, "", "p@ss", "h:6379"},  // the last '@' ends the user info
      {"redis://[::1]", false, "::1", 6379, 0, "", "", "[::1]:6379"},
      {"redis://[::1]:6379/1", false, "::1", 6379, 1, "", "", "[::1]:6379"},
      {"redis://:pw@[2001:db8::7]:7000/3", false, "2001:db8::7", 7000, 3, "", "pw", "[2001:db8::7]:7000"},
      {"unix:///run/redis/redis.sock", true, "/run/redis/redis.sock", 6379, 0, "", "", "unix:/run/redis/redis.sock"},
      {"unix:///run/redis/redis.sock?db=2", true, "/run/redis/redis.sock", 6379, 2, "", "", "unix:/run/redis/redis.sock"},
      {"unix:///tmp/my%20redis.sock", true, "/tmp/my redis.sock", 6379, 0, "", "", "unix:/tmp/my redis.sock"},
      {"unix:///s?db=1048576", true, "/s", 6379, 1048576, "", "", "unix:/s"},
  };
  for (const auto& expected : cases) {
    CAPTURE(expected.uri);
    const wave::RedisEndpoint endpoint = parse_redis_uri(expected.uri);
    CHECK(endpoint.unix_socket == expected.unix_socket);
    CHECK(endpoint.host == expected.host);
    CHECK(endpoint.port == expected.port);
    CHECK(endpoint.db == expected.db);
    CHECK(endpoint.user == expected.user);
    CHECK(endpoint.password == expected.password);
    CHECK(endpoint.has_password == !expected.password.empty());
    CHECK(endpoint.display == expected.display);
  }
}

TEST_CASE("Redis URI: bad ones are configuration errors that say why and never echo the password") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "is empty"},
      {"localhost:6379", "must start with redis:// or unix://"},
      {"http://127.0.0.1:6379", "must start with redis:// or unix://"},
      {"REDIS://127.0.0.1", "must start with redis:// or unix://"},
      {"rediss://:hunter2@127.0.0.1:6379", "uses TLS (rediss://)"},
      {"redis://", "has no host"},
      {"unix:///tmp/redis%00.sock", "has a NUL byte (%00) in its socket path"},
      {"redis://:hunter2%00x@127.0.0.1:6379", "has a NUL byte (%00) in its password"},
      {"redis://:6379", "has no host"},
      {"redis://:hunter2@", "has no host"},
      {"redis://[]", "has no host"},
      {"redis://127.0.0.1:0", "has a port outside 1-65535"},
      {"redis://127.0.0.1:65536", "has a port outside 1-65535"},
      {"redis://127.0.0.1:-1", "has a port outside 1-65535"},
      {"redis://127.0.0.1:port", "has a port outside 1-65535"},
      {"redis://127.0.0.1:", "has an empty port"},
      {"redis://[::1]:", "has an empty port"},
      {"redis://127.0.0.1:6379/-1", "has a database that is not a non-negative number"},
      {"redis://127.0.0.1:6379/db", "has a database that is not a non-negative number"},
      {"redis://127.0.0.1/1048577", "has a database that is not a non-negative number"},
      {"redis://a/b@127.0.0.1", "has a database that is not a non-negative number"},
      {"redis://127.0.0.1:6379/0?timeout=1", "has a query or fragment"},
      {"redis://:hunter2@127.0.0.1#x", "has a query or fragment"},
      {"redis://hunter2@127.0.0.1", "has user info without ':'"},
      {"redis://user:@127.0.0.1", "has an empty password"},
      {"redis://:%zzhunter2@127.0.0.1", "has a bad percent-escape in its password"},
      {"redis://:hunter2%4@127.0.0.1", "has a bad percent-escape in its password"},
      {"redis://:hunter2%@127.0.0.1", "has a bad percent-escape in its password"},
      {"redis://us%g0:hunter2@127.0.0.1", "has a bad percent-escape in its user name"},
      {"redis://[::1:6379", "has an unterminated [IPv6] host"},
      {"redis://[::1]6379", "has text after the [IPv6] host"},
      {"redis://[fe80::1%25eth0]", "has a host with characters that are not allowed"},
      {"redis://:hunter2@h*st", "has a host with characters that are not allowed"},
      {"redis://host name", "contains spaces or control characters"},
      {"redis://:hunter2@host\tname", "contains spaces or control characters"},
      {"redis://host\x7f", "contains spaces or control characters"},
      {"redis://host\n", "contains spaces or control characters"},
      {"redis://ho\0st"s, "contains spaces or control characters"},
      {"unix://", "names no absolute socket path after unix://"},
      {"unix://relative/path", "names no absolute socket path after unix://"},
      {"unix:///", "names no socket file"},
      {"unix:///tmp/", "names no socket file"},
      {"unix:///tmp/redis.sock#x", "has a fragment"},
      {"unix:///tmp/redis.sock?", "accepts only ?db=N"},
      {"unix:///tmp/redis.sock?db=", "accepts only ?db=N"},
      {"unix:///tmp/redis.sock?db=x", "accepts only ?db=N"},
      {"unix:///tmp/redis.sock?db=-1", "accepts only ?db=N"},
      {"unix:///tmp/redis.sock?db=1&db=2", "accepts only ?db=N"},
      {"unix:///tmp/redis.sock?password=hunter2", "accepts only ?db=N"},
      {"unix:///tmp/redis%zz.sock", "has a bad percent-escape in its socket path"},
  };
  for (const auto& [uri, expected] : cases) {
    CAPTURE(uri);
    const auto error = error_of([&] { parse_redis_uri(uri); });
    CHECK(error.status() == WAVE_ERR_CONFIG);
    const std::string message = error.what();
    CHECK(message.starts_with("the Redis URI " + expected));
    CHECK(message.find("hunter2") == std::string::npos);
    CHECK(message.find("expected redis://[[user]:password@]host[:port][/db] or unix:///path/to/socket[?db=N]") !=
          std::string::npos);
  }
}

TEST_CASE("Redis URI: the display never comes from the password") {
  // The password looks like a host and port; the display is the host's alone.
  const auto endpoint = parse_redis_uri("redis://:evil.example%3A1@good.example");
  CHECK(endpoint.password == "evil.example:1");
  CHECK(endpoint.display == "good.example:6379");
}

// ---- Invalidation messages (redis/invalidation_message.hpp) ---------------------------------

TEST_CASE("invalidation message: format and parse round-trip") {
  using wave::InvalidationKind;
  const std::string uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
  CHECK(wave::format_invalidation_message(InvalidationKind::credential, uuid) == "credential:" + uuid);
  CHECK(wave::format_invalidation_message(InvalidationKind::acl, "user_1.a") == "acl:user_1.a");
  for (const auto kind : {InvalidationKind::credential, InvalidationKind::acl}) {
    for (const std::string& id : {uuid, std::string("A"), std::string(wave::kMaxInvalidationIdSize, 'z')}) {
      const auto parsed = wave::parse_invalidation_message(wave::format_invalidation_message(kind, id));
      REQUIRE(parsed.has_value());
      CHECK(parsed->kind == kind);
      CHECK(parsed->internal_id == id);
    }
  }
}

TEST_CASE("invalidation message: anything but <kind>:<id> is refused") {
  for (const std::string& message : std::vector<std::string>{
           "", ":", "acl", "acl:", ":id", "credential", "credentials:id", "Credential:id", "ACL:id", " acl:id",
           "acl :id", "acl: id", "acl:id ", "acl:id\n", "acl:a:b", "acl::b", "acl:a/b", "acl:a+b", "acl:a#b",
           "acl:*", std::string("acl:a\0b", 7), std::string("acl\0:a", 6), "acl:\xc3\xa9t\xc3\xa9",
           "acl:\xff", "acl:" + std::string(wave::kMaxInvalidationIdSize + 1, 'a'), "session:id"}) {
    CAPTURE(message);
    CHECK_FALSE(wave::parse_invalidation_message(message).has_value());
  }
}

TEST_CASE("invalidation message: an invalid ID is refused without echoing it") {
  for (const std::string& id : std::vector<std::string>{"", "a b", "a:b", "secret/one", std::string(129, 'x')}) {
    const auto error = error_of([&] { wave::format_invalidation_message(wave::InvalidationKind::acl, id); });
    CHECK(error.status() == WAVE_ERR_INVALID_ARGUMENT);
    if (!id.empty()) CHECK(std::string(error.what()).find(id) == std::string::npos);
  }
}
