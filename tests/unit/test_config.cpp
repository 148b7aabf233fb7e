#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.hpp"
#include "config/config.hpp"

namespace {

const std::string kMinimal =
    R"({"authenticationCheckEndpoint": "https://app.example.com/auth", "tokenValidationRegex": "[A-Za-z0-9._-]{8,512}"})";

// The message parse_config throws for `json`; fails the test if it parses.
std::string config_error(const std::string& json) {
  try {
    (void)wave::parse_config(json, "test.json");
  } catch (const wave::Error& error) {
    CHECK(error.status() == WAVE_ERR_CONFIG);
    return error.what();
  }
  FAIL("the config was accepted: " << json);
  return {};
}

// kMinimal plus one more field.
std::string with_field(const std::string& field_json) {
  return kMinimal.substr(0, kMinimal.size() - 1) + ", " + field_json + "}";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("a minimal config gets the documented defaults") {
    const auto config = wave::parse_config(kMinimal, "test.json");
    CHECK(config.authentication_check_endpoint == "https://app.example.com/auth");
    CHECK(config.bcrypt_cost == 14);
    CHECK(config.token_max_length == 4096);
    CHECK(config.mqtt_password_scheme == wave::PasswordScheme::automatic);
    CHECK(config.storage == wave::StorageBackend::servers);
    CHECK(config.topic_max_depth == 10);
    CHECK(config.redis_key_prefix.empty());
    CHECK(config.http_verify_tls);
    REQUIRE(config.token_validator != nullptr);
    CHECK(config.token_validator->is_valid("abcdefgh"));
    CHECK_FALSE(config.token_validator->is_valid("short"));
  }

  TEST_CASE("every optional field is read") {
    const auto config = wave::parse_config(R"({
      "authenticationCheckEndpoint": "http://127.0.0.1:9000/check",
      "tokenValidationRegex": ".+",
      "tokenMaxLength": 100, "httpConnectTimeoutMs": 100, "httpTimeoutMs": 200,
      "httpVerifyTLS": false, "httpCAFile": "/etc/ssl/ca.pem", "storage": "memory",
      "redisURI": "unix:///run/redis.sock?db=2", "redisKeyPrefix": "wave:", "redisPoolSize": 4,
      "redisTimeoutMs": 300, "mongoURI": "mongodb://u:p@db:27017/", "mongoDatabase": "vernemq",
      "mongoTimeoutMs": 400, "bcryptCost": 10, "sessionTTLSeconds": 60, "mqttPasswordScheme": "sha256",
      "credentialCacheSize": 5, "credentialCacheTTLSeconds": 7, "topicMaxDepth": 12,
      "listenAddress": "[::1]:8443",
      "webhookCacheMaxAgeSeconds": {"auth_on_register": 5, "auth_on_publish": 0, "auth_on_subscribe": 86400},
      "serverIOThreads": 2, "serverWorkerThreads": 3, "serverWorkerQueueLimit": 4, "serverCredentialThreads": 5,
      "serverCredentialQueueLimit": 6, "serverMaxConnections": 7, "serverMaxHeaderBytes": 1024,
      "serverMaxBodyBytes": 16777216, "serverIdleTimeoutSeconds": 8, "serverRequestTimeoutSeconds": 9,
      "serverShutdownGraceSeconds": 0, "serverTLSCertFile": "/etc/wave/cert.pem",
      "serverTLSKeyFile": "/etc/wave/key.pem", "logLevel": "debug",
      "corsAllowedOrigins": ["https://app.example.com", "http://localhost:3000"]})",
                                           "all.json");
    CHECK(config.token_max_length == 100);
    CHECK(config.http_timeout_ms == 200);
    CHECK_FALSE(config.http_verify_tls);
    CHECK(config.storage == wave::StorageBackend::memory);
    CHECK(config.redis_uri == "unix:///run/redis.sock?db=2");
    CHECK(config.redis_key_prefix == "wave:");
    CHECK(config.mongo_database == "vernemq");
    CHECK(config.bcrypt_cost == 10);
    CHECK(config.mqtt_password_scheme == wave::PasswordScheme::sha256);
    CHECK(config.credential_cache_size == 5);
    CHECK(config.topic_max_depth == 12);
    CHECK(config.listen_address == "[::1]:8443");
    CHECK(config.webhook_cache_max_age.auth_on_register == 5);
    CHECK(config.webhook_cache_max_age.auth_on_publish == 0);
    CHECK(config.webhook_cache_max_age.auth_on_subscribe == 86400);
    CHECK(config.server_io_threads == 2);
    CHECK(config.server_worker_threads == 3);
    CHECK(config.server_worker_queue_limit == 4);
    CHECK(config.server_credential_threads == 5);
    CHECK(config.server_credential_queue_limit == 6);
    CHECK(config.server_max_connections == 7);
    CHECK(config.server_max_header_bytes == 1024);
    CHECK(config.server_max_body_bytes == 16777216);
    CHECK(config.server_idle_timeout_seconds == 8);
    CHECK(config.server_request_timeout_seconds == 9);
    CHECK(config.server_shutdown_grace_seconds == 0);
    CHECK(config.server_tls_cert_file == "/etc/wave/cert.pem");
    CHECK(config.server_tls_key_file == "/etc/wave/key.pem");
    CHECK(config.log_level == wave::LogLevel::debug);
    REQUIRE(config.cors_allowed_origins.size() == 2);
    CHECK(config.cors_allowed_origins[1] == "http://localhost:3000");
  }

  TEST_CASE("server fields have the documented defaults") {
    const auto config = wave::parse_config(kMinimal, "defaults.json");
    CHECK(config.listen_address == "127.0.0.1:8080");
    CHECK(config.webhook_cache_max_age.auth_on_register == 0);
    CHECK(config.webhook_cache_max_age.auth_on_publish == 30);
    CHECK(config.webhook_cache_max_age.auth_on_subscribe == 30);
    CHECK(config.server_io_threads == 1);
    CHECK(config.server_worker_threads == 8);
    CHECK(config.server_worker_queue_limit == 1024);
    CHECK(config.server_credential_threads == 1);
    CHECK(config.server_credential_queue_limit == 64);
    CHECK(config.server_max_connections == 10000);
    CHECK(config.server_max_header_bytes == 8192);
    CHECK(config.server_max_body_bytes == 65536);
    CHECK(config.server_idle_timeout_seconds == 75);
    CHECK(config.server_request_timeout_seconds == 10);
    CHECK(config.server_shutdown_grace_seconds == 20);
    CHECK(config.server_tls_cert_file.empty());
    CHECK(config.log_level == wave::LogLevel::info);
    CHECK(config.cors_allowed_origins.empty());
  }

  TEST_CASE("webhookCacheMaxAgeSeconds is an object of per-hook ages") {
    const auto partial = wave::parse_config(with_field(R"("webhookCacheMaxAgeSeconds": {"auth_on_publish": 7})"), "x");
    CHECK(partial.webhook_cache_max_age.auth_on_publish == 7);
    CHECK(partial.webhook_cache_max_age.auth_on_register == 0);
    CHECK(partial.webhook_cache_max_age.auth_on_subscribe == 30);
    CHECK(contains(config_error(with_field(R"("webhookCacheMaxAgeSeconds": 30)")), "must be an object"));
    const std::string unknown = config_error(with_field(R"("webhookCacheMaxAgeSeconds": {"on_publish": 1})"));
    CHECK(contains(unknown, "\"webhookCacheMaxAgeSeconds.on_publish\""));
    CHECK(contains(unknown, "unknown hook"));
    const std::string range = config_error(with_field(R"("webhookCacheMaxAgeSeconds": {"auth_on_register": 86401})"));
    CHECK(contains(range, "\"webhookCacheMaxAgeSeconds.auth_on_register\""));
    CHECK(contains(range, "from 0 to 86400"));
    CHECK(contains(config_error(with_field(R"("webhookCacheMaxAgeSeconds": {"auth_on_subscribe": "5"})")),
                   "must be a number, not a string"));
    CHECK(contains(config_error(with_field(R"("webhookCacheMaxAgeSeconds": {"auth_on_publish": -1})")), "from 0 to 86400"));
  }

  TEST_CASE("server fields: bad types and out-of-range values name the field") {
    struct Case {
      const char* field_json;
      const char* field;
      const char* problem;
    };
    const Case cases[] = {
        {R"("serverIOThreads": 0)", "serverIOThreads", "from 1 to 64"},
        {R"("serverIOThreads": "2")", "serverIOThreads", "must be a number"},
        {R"("serverWorkerThreads": 257)", "serverWorkerThreads", "from 1 to 256"},
        {R"("serverWorkerQueueLimit": 1000001)", "serverWorkerQueueLimit", "from 1 to 1000000"},
        {R"("serverCredentialThreads": 65)", "serverCredentialThreads", "from 1 to 64"},
        {R"("serverCredentialQueueLimit": 0)", "serverCredentialQueueLimit", "from 1 to 1000000"},
        {R"("serverMaxConnections": 0)", "serverMaxConnections", "from 1 to 1000000"},
        {R"("serverMaxHeaderBytes": 1023)", "serverMaxHeaderBytes", "from 1024 to 1048576"},
        {R"("serverMaxBodyBytes": 16777217)", "serverMaxBodyBytes", "from 1024 to 16777216"},
        {R"("serverIdleTimeoutSeconds": 3601)", "serverIdleTimeoutSeconds", "from 1 to 3600"},
        {R"("serverRequestTimeoutSeconds": 0)", "serverRequestTimeoutSeconds", "from 1 to 600"},
        {R"("serverShutdownGraceSeconds": -1)", "serverShutdownGraceSeconds", "from 0 to 3600"},
        {R"("serverShutdownGraceSeconds": 1.5)", "serverShutdownGraceSeconds", "whole number"},
        {R"("serverTLSCertFile": 1)", "serverTLSCertFile", "must be a string"},
        {R"("serverTLSCertFile": "/c.pem")", "serverTLSKeyFile", "go together"},
        {R"("serverTLSKeyFile": "/k.pem")", "serverTLSCertFile", "go together"},
        {R"("logLevel": "verbose")", "logLevel", "\"debug\", \"info\", \"warning\" or \"error\""},
        {R"("logLevel": 1)", "logLevel", "must be a string"},
        {R"("corsAllowedOrigins": "*")", "corsAllowedOrigins", "must be an array"},
        {R"("corsAllowedOrigins": [1])", "corsAllowedOrigins", "must be a string"},
        {R"("corsAllowedOrigins": ["*", "https://a.example"])", "corsAllowedOrigins", "only entry"},
        {R"("corsAllowedOrigins": ["app.example.com"])", "corsAllowedOrigins", "http:// or https://"},
        {R"("corsAllowedOrigins": ["https://a.example/"])", "corsAllowedOrigins", "trailing"},
        {R"("serverMaxConnectionz": 5)", "serverMaxConnectionz", "did you mean \"serverMaxConnections\""},
    };
    for (const auto& c : cases) {
      CAPTURE(c.field_json);
      const std::string message = config_error(with_field(c.field_json));
      CHECK(contains(message, std::string("\"") + c.field + "\""));
      CHECK(contains(message, c.problem));
    }
  }

  TEST_CASE("server fields survive the JSON round trip") {
    const auto config = wave::parse_config(
        with_field(R"("webhookCacheMaxAgeSeconds": {"auth_on_register": 3}, "serverIOThreads": 4, "logLevel": "warning",
                      "corsAllowedOrigins": ["*"], "serverTLSCertFile": "/c", "serverTLSKeyFile": "/k")"),
        "x");
    const auto again = wave::parse_config(wave::config_to_json(config), "roundtrip");
    CHECK(again.webhook_cache_max_age.auth_on_register == 3);
    CHECK(again.webhook_cache_max_age.auth_on_publish == 30);
    CHECK(again.server_io_threads == 4);
    CHECK(again.log_level == wave::LogLevel::warning);
    REQUIRE(again.cors_allowed_origins.size() == 1);
    CHECK(again.cors_allowed_origins[0] == "*");
    CHECK(again.server_tls_key_file == "/k");
    CHECK(contains(wave::config_to_json(config), R"("webhookCacheMaxAgeSeconds":{"auth_on_register":3,"auth_on_publish":30,"auth_on_subscribe":30})"));
  }

  TEST_CASE("required fields") {
    CHECK(contains(config_error(R"({"tokenValidationRegex": ".+"})"), "\"authenticationCheckEndpoint\" is required"));
    CHECK(contains(config_error(R"({"authenticationCheckEndpoint": "http://a/b"})"), "\"tokenValidationRegex\" is required"));
  }

  TEST_CASE("errors name the file and the field") {
    const std::string message = config_error(with_field(R"("bcryptCost": 3)"));
    CHECK(contains(message, "test.json"));
    CHECK(contains(message, "\"bcryptCost\""));
    CHECK(contains(message, "from 4 to 31 (got 3)"));
  }

  TEST_CASE("unknown fields are refused, with a suggestion for typos") {
    const std::string message = config_error(with_field(R"("bcryptCosts": 12)"));
    CHECK(contains(message, "unknown field \"bcryptCosts\""));
    CHECK(contains(message, "did you mean \"bcryptCost\""));
    CHECK(contains(config_error(with_field(R"("zzz": 1)")), "unknown field \"zzz\""));
  }

  TEST_CASE("wrong types are refused") {
    CHECK(contains(config_error(with_field(R"("bcryptCost": "12")")), "must be a number, not a string"));
    CHECK(contains(config_error(with_field(R"("bcryptCost": 12.5)")), "whole number"));
    CHECK(contains(config_error(with_field(R"("httpVerifyTLS": "yes")")), "true or false"));
    CHECK(contains(config_error(with_field(R"("redisURI": null)")), "must be a string, not null"));
    CHECK(contains(config_error(R"({"authenticationCheckEndpoint": 5, "tokenValidationRegex": ".+"})"),
                   "\"authenticationCheckEndpoint\": must be a string"));
  }

  TEST_CASE("invalid values are refused") {
    CHECK(contains(config_error(with_field(R"("mqttPasswordScheme": "plain")")), "\"auto\", \"token\" or \"sha256\""));
    CHECK(contains(config_error(with_field(R"("storage": "disk")")), "\"storage\""));
    CHECK(contains(config_error(with_field(R"("redisURI": "http://x")")), "redis://"));
    CHECK(contains(config_error(with_field(R"("mongoURI": "redis://x")")), "mongodb://"));
    CHECK(contains(config_error(with_field(R"("mongoDatabase": "a.b")")), "\"mongoDatabase\""));
    CHECK(contains(config_error(with_field(R"("listenAddress": "8080")")), "host:port"));
    CHECK(contains(config_error(with_field(R"("listenAddress": "0.0.0.0:70000")")), "65535"));
    CHECK(contains(config_error(with_field(R"("listenAddress": "::1:80")")), "brackets"));
    CHECK(contains(config_error(with_field(R"("tokenMaxLength": 0)")), "\"tokenMaxLength\""));
    CHECK(contains(config_error(with_field(R"("sessionTTLSeconds": -1)")), "\"sessionTTLSeconds\""));
    CHECK(contains(config_error(with_field(R"("httpConnectTimeoutMs": 9000)")), "must not exceed httpTimeoutMs"));
    CHECK(contains(config_error(R"({"authenticationCheckEndpoint": "ftp://a/b", "tokenValidationRegex": ".+"})"),
                   "http:// or https://"));
    CHECK(contains(config_error(R"({"authenticationCheckEndpoint": "http:///path", "tokenValidationRegex": ".+"})"),
                   "must name a host"));
    CHECK(contains(config_error(R"({"authenticationCheckEndpoint": "http://a b/", "tokenValidationRegex": ".+"})"),
                   "spaces"));
  }

  TEST_CASE("a regex that does not compile names the field") {
    const std::string message =
        config_error(R"({"authenticationCheckEndpoint": "http://a/b", "tokenValidationRegex": "([a-z]"})");
    CHECK(contains(message, "\"tokenValidationRegex\""));
    CHECK(contains(message, "does not compile"));
  }

  TEST_CASE("bad JSON, non-objects, duplicates, bad UTF-8 and deep nesting") {
    CHECK(contains(config_error("{"), "not valid JSON"));
    CHECK(contains(config_error(""), "not valid JSON"));
    CHECK(contains(config_error("[1,2]"), "must be a JSON object"));
    CHECK(contains(config_error(kMinimal + " trailing"), "not valid JSON"));
    CHECK(contains(config_error(with_field(R"("bcryptCost": 12, "bcryptCost": 13)")), "more than once"));
    CHECK(contains(config_error("{\"authenticationCheckEndpoint\": \"http://a/\xff\", \"tokenValidationRegex\": \".+\"}"),
                   "not valid JSON"));
    // RapidJSON passes a lone low-surrogate escape through as bytes that are not UTF-8.
    const std::string surrogate =
        config_error(R"({"authenticationCheckEndpoint": "http://a/\udc00", "tokenValidationRegex": ".+"})");
    CHECK(contains(surrogate, "\"authenticationCheckEndpoint\""));
    CHECK(contains(surrogate, "must be valid UTF-8"));
    CHECK(contains(config_error(with_field(R"("redisKeyPrefix": "w\uDFFF:")")), "must be valid UTF-8"));
    CHECK(contains(config_error(std::string(100000, '[') + std::string(100000, ']')), "must be a JSON object"));
    CHECK(contains(config_error(with_field("\"x\": " + std::string(100000, '[') + std::string(100000, ']'))),
                   "unknown field"));
  }

  TEST_CASE("files: missing, readable, from the environment") {
    CHECK_THROWS_AS(wave::load_config_file("/nonexistent/wave.json"), wave::Error);
    try {
      wave::load_config_file("/nonexistent/wave.json");
    } catch (const wave::Error& error) {
      CHECK(contains(error.what(), "/nonexistent/wave.json"));
      CHECK(contains(error.what(), "No such file"));
    }
    const auto path = std::filesystem::temp_directory_path() / ("wave-config-test-" + std::to_string(::getpid()) + ".json");
    {
      std::ofstream out(path);
      out << kMinimal;
    }
    CHECK(wave::load_config_file(path.string()).bcrypt_cost == 14);
    ::setenv("WAVE_CONFIG_FILE_PATH", path.string().c_str(), 1);
    CHECK(wave::load_config_from_environment().origin == path.string());
    ::unsetenv("WAVE_CONFIG_FILE_PATH");
    try {
      wave::load_config_from_environment();
      FAIL("loaded without WAVE_CONFIG_FILE_PATH");
    } catch (const wave::Error& error) {
      CHECK(error.status() == WAVE_ERR_CONFIG);
      CHECK(contains(error.what(), "WAVE_CONFIG_FILE_PATH is not set"));
    }
    std::filesystem::remove(path);
  }

  TEST_CASE("the effective config as JSON redacts URI passwords") {
    const auto config = wave::parse_config(
        with_field(R"("redisURI": "redis://:hunter2@cache:6379/1", "mongoURI": "mongodb://admin:s3cret@db/")"), "x");
    const std::string json = wave::config_to_json(config);
    CHECK_FALSE(contains(json, "hunter2"));
    CHECK_FALSE(contains(json, "s3cret"));
    CHECK(contains(json, "redis://:***@cache:6379/1"));
    CHECK(contains(json, "mongodb://admin:***@db/"));
    CHECK(contains(json, "\"bcryptCost\":14"));
    // The output is itself a valid config.
    CHECK(wave::parse_config(json, "roundtrip").redis_uri == "redis://:***@cache:6379/1");
  }

  TEST_CASE("every credential in every URI is redacted, whatever the password holds") {
    // Passwords with '@', ':', '/', '%40' and '?': the userinfo runs to the last '@'.
    const char* const passwords[] = {"p@ss", "p:a@s:s", "a/b@c", "x%40y", "q?r@s", "@@", "h/u@n:t%40er"};
    for (const char* password : passwords) {
      const std::string secret = password;
      const auto config = wave::parse_config(
          with_field(R"("redisURI": "redis://user:)" + secret + R"(@cache:6379/1", "mongoURI": "mongodb://admin:)" +
                     secret + R"(@db:27017/wave?authSource=admin&tls=true")"),
          "x");
      const std::string json = wave::config_to_json(config);
      INFO(json);
      CHECK(contains(json, "redis://user:***@cache:6379/1"));
      CHECK(contains(json, "mongodb://admin:***@db:27017/wave?authSource=admin&tls=true"));
      CHECK_FALSE(contains(json, secret));
    }
    // The app endpoint: userinfo, secret-looking query parameters, a fragment.
    const auto config = wave::parse_config(
        R"({"authenticationCheckEndpoint": "https://svc:pa%40ss@app.example.com/auth/check?apikey=K1&region=eu&token=T2&Api_Key=K3&x-secret=S4&password=P5#frag-T6",
            "tokenValidationRegex": ".+", "redisURI": "redis://:only@cache", "mongoURI": "mongodb://justuser@db/"})",
        "x");
    const std::string json = wave::config_to_json(config);
    INFO(json);
    for (const char* secret : {"pa%40ss", "K1", "T2", "K3", "S4", "P5", "frag-T6", "only", "justuser"})
      CHECK_FALSE(contains(json, secret));
    CHECK(contains(json, "https://svc:***@app.example.com/auth/check?apikey=***&region=eu&token=***&Api_Key=***"
                         "&x-secret=***&password=***#***"));
    CHECK(contains(json, "redis://:***@cache"));
    CHECK(contains(json, "mongodb://***@db/"));
  }

  TEST_CASE("topicMaxDepth below the depth of Wave's own topics is refused, naming the minimum") {
    const std::string message = config_error(with_field(R"("topicMaxDepth": 3)"));
    CHECK(contains(message, "\"topicMaxDepth\""));
    CHECK(contains(message, "at least 4"));
    CHECK(wave::parse_config(with_field(R"("topicMaxDepth": 4)"), "x").topic_max_depth == 4);
  }

  TEST_CASE("the limits: defaults, read, range-checked, in the effective config") {
    const auto defaults = wave::parse_config(kMinimal, "x");
    CHECK(defaults.max_groups_per_user == 500);
    CHECK(defaults.max_group_members == 1000);
    CHECK(defaults.group_creations_per_hour == 60);
    CHECK(defaults.credential_changes_per_hour == 20);
    CHECK(defaults.credential_change_burst == 5);
    const auto config = wave::parse_config(
        with_field(R"("maxGroupsPerUser": 7, "maxGroupMembers": 8, "groupCreationsPerHour": 9,
                      "credentialChangesPerHour": 10, "credentialChangeBurst": 11)"),
        "x");
    CHECK(config.max_groups_per_user == 7);
    CHECK(config.max_group_members == 8);
    CHECK(config.group_creations_per_hour == 9);
    CHECK(config.credential_changes_per_hour == 10);
    CHECK(config.credential_change_burst == 11);
    const std::string json = wave::config_to_json(config);
    for (const char* field : {"\"maxGroupsPerUser\":7", "\"maxGroupMembers\":8", "\"groupCreationsPerHour\":9",
                              "\"credentialChangesPerHour\":10", "\"credentialChangeBurst\":11"})
      CHECK(contains(json, field));
    CHECK(contains(config_error(with_field(R"("maxGroupMembers": 1)")), "\"maxGroupMembers\""));
    CHECK(contains(config_error(with_field(R"("maxGroupsPerUser": 0)")), "\"maxGroupsPerUser\""));
    CHECK(contains(config_error(with_field(R"("credentialChangeBurst": 0)")), "\"credentialChangeBurst\""));
    CHECK(contains(config_error(with_field(R"("groupCreationsPerHour": 0)")), "\"groupCreationsPerHour\""));
  }

  TEST_CASE("adminAPIKeys: SHA-256 digests in lowercase hex, default none, round trip") {
    CHECK(wave::parse_config(with_field(R"("bcryptCost": 14)"), "x").admin_api_keys.empty());
    const std::string digest(64, 'a');
    const std::string other = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const auto config =
        wave::parse_config(with_field("\"adminAPIKeys\": [\"" + digest + "\", \"" + other + "\"]"), "x");
    REQUIRE(config.admin_api_keys.size() == 2);
    CHECK(config.admin_api_keys[1] == other);
    const std::string json = wave::config_to_json(config);
    CHECK(contains(json, "\"adminAPIKeys\":[\"" + digest + "\",\"" + other + "\"]"));
    CHECK(wave::parse_config(json, "roundtrip").admin_api_keys == config.admin_api_keys);

    struct Case {
      std::string field_json;
      const char* problem;
    };
    const Case cases[] = {
        {R"("adminAPIKeys": "abc")", "must be an array"},
        {"\"adminAPIKeys\": [\"" + digest + "\", 5]", "entry 1 must be a string"},
        {R"("adminAPIKeys": ["my-secret-admin-key"])", "entry 0 must be a SHA-256 digest"},
        {"\"adminAPIKeys\": [\"" + std::string(64, 'A') + "\"]", "64 lowercase hex"},
        {"\"adminAPIKeys\": [\"" + std::string(63, 'a') + "\"]", "64 lowercase hex"},
        {"\"adminAPIKeys\": [\"" + digest + "\", \"" + std::string(64, 'g') + "\"]", "entry 1"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.field_json);
      const std::string message = config_error(with_field(c.field_json));
      CHECK(contains(message, "\"adminAPIKeys\""));
      CHECK(contains(message, c.problem));
      // A key pasted where its digest belongs is not echoed.
      CHECK_FALSE(contains(message, "my-secret-admin-key"));
    }
  }
}
