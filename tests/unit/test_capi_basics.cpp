// The C ABI conventions, exercised through the real shared library (only <wave/wave.h>).
#include <doctest/doctest.h>

#include <cstring>
#include <set>
#include <thread>
#include <string>

#include <wave/wave.h>

namespace {
const char kConfig[] =
    R"({"authenticationCheckEndpoint": "http://127.0.0.1:1/check", "tokenValidationRegex": "[a-z0-9]{4,64}",
        "redisURI": "redis://:pw@127.0.0.1:6379/0"})";
const uint8_t* bytes(const char* text) { return reinterpret_cast<const uint8_t*>(text); }
}  // namespace

TEST_SUITE("capi") {
  TEST_CASE("versions agree between header and library") {
    CHECK(std::string(wave_version_string()) == WAVE_VERSION_STRING);
    CHECK(wave_version_number() == WAVE_VERSION_NUMBER);
  }

  TEST_CASE("every status has a name; unknown values don't crash") {
    std::set<std::string> names;
    for (int s = 0; s <= WAVE_ERR_RATE_LIMITED; ++s) names.insert(wave_status_str(static_cast<wave_status>(s)));
    CHECK(names.size() == static_cast<size_t>(WAVE_ERR_RATE_LIMITED) + 1);
    CHECK(names.count("WAVE_ERR_UNKNOWN") == 0);
    CHECK(std::string(wave_status_str(WAVE_ERR_RATE_LIMITED)) == "WAVE_ERR_RATE_LIMITED");
    volatile int first_unused = WAVE_ERR_RATE_LIMITED + 1;  // not a constant: no conversion warning
    CHECK(std::string(wave_status_str(static_cast<wave_status>(first_unused))) == "WAVE_ERR_UNKNOWN");
  }

  TEST_CASE("status values are fixed forever") {
    CHECK(WAVE_OK == 0);
    CHECK(WAVE_ERR_INVALID_ARGUMENT == 1);
    CHECK(WAVE_ERR_CONFIG == 4);
    CHECK(WAVE_ERR_INVALID_TOKEN == 5);
    CHECK(WAVE_ERR_DENIED == 6);
    CHECK(WAVE_ERR_UNAVAILABLE == 8);
    CHECK(WAVE_ERR_TIMEOUT == 9);
    CHECK(WAVE_ERR_UPSTREAM == 12);
    CHECK(WAVE_ERR_BACKEND == 14);
    CHECK(WAVE_ERR_WOULD_BLOCK == 15);
    CHECK(WAVE_ERR_RATE_LIMITED == 16);
  }

  TEST_CASE("NULL arguments return errors, out-params are cleared, the message is set") {
    wave_config* config = reinterpret_cast<wave_config*>(0x1);
    CHECK(wave_config_parse(nullptr, 0, nullptr, &config) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(config == nullptr);
    CHECK(std::string(wave_last_error_message()).find("json") != std::string::npos);
    CHECK(wave_config_load("/x", nullptr) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_token_check(nullptr, bytes("abcd"), 4) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_uuid_v4(nullptr) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_config_to_json(nullptr, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
    wave_config_free(nullptr);
    wave_string_free(nullptr);
  }

  TEST_CASE("config and token check through the ABI") {
    wave_config* config = nullptr;
    REQUIRE(wave_config_parse(kConfig, sizeof kConfig - 1, "inline", &config) == WAVE_OK);
    CHECK(std::string(wave_last_error_message()).empty());
    CHECK(wave_token_check(config, bytes("abcd1234"), 8) == WAVE_OK);
    CHECK(wave_token_check(config, bytes("ABCD"), 4) == WAVE_ERR_INVALID_TOKEN);
    CHECK(std::string(wave_last_error_message()).find("tokenValidationRegex") != std::string::npos);
    CHECK(wave_token_check(config, bytes("abc\ndef"), 7) == WAVE_ERR_INVALID_TOKEN);
    CHECK(wave_token_check(config, nullptr, 0) == WAVE_ERR_INVALID_TOKEN);
    char* json = nullptr;
    REQUIRE(wave_config_to_json(config, &json) == WAVE_OK);
    CHECK(std::string(json).find(":***@") != std::string::npos);
    CHECK(std::string(json).find(":pw@") == std::string::npos);
    wave_string_free(json);
    wave_config_free(config);
  }

  TEST_CASE("config errors carry the field name") {
    const char bad[] = R"({"authenticationCheckEndpoint": "http://a/b", "tokenValidationRegex": ".+", "bcryptCost": 99})";
    wave_config* config = nullptr;
    CHECK(wave_config_parse(bad, sizeof bad - 1, "bad.json", &config) == WAVE_ERR_CONFIG);
    CHECK(config == nullptr);
    const std::string message = wave_last_error_message();
    CHECK(message.find("bad.json") != std::string::npos);
    CHECK(message.find("bcryptCost") != std::string::npos);
  }

  TEST_CASE("UUIDs and the password scheme") {
    char uuid[WAVE_UUID_STRING_SIZE];
    REQUIRE(wave_uuid_v4(uuid) == WAVE_OK);
    CHECK(std::strlen(uuid) == 36);
    CHECK(wave_uuid_is_canonical(uuid) == 1);
    CHECK(wave_uuid_is_canonical(nullptr) == 0);

    char password[WAVE_MQTT_PASSWORD_SIZE];
    size_t length = 0;
    REQUIRE(wave_mqtt_password(bytes("abc"), 3, WAVE_PASSWORD_AUTO, password, &length) == WAVE_OK);
    CHECK(std::string(password) == "abc");
    CHECK(length == 3);
    REQUIRE(wave_mqtt_password(bytes("abc"), 3, WAVE_PASSWORD_SHA256, password, &length) == WAVE_OK);
    CHECK(std::string(password) == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    const std::string long_token(100, 'x');
    CHECK(wave_mqtt_password(bytes(long_token.c_str()), long_token.size(), WAVE_PASSWORD_TOKEN, password, &length) ==
          WAVE_ERR_INVALID_ARGUMENT);
    CHECK(password[0] == '\0');
    CHECK(wave_mqtt_password(bytes("abc"), 3, static_cast<wave_password_scheme>(3), password, &length) ==
          WAVE_ERR_INVALID_ARGUMENT);

    wave_password_scheme scheme = WAVE_PASSWORD_AUTO;
    CHECK(wave_password_scheme_parse("sha256", &scheme) == WAVE_OK);
    CHECK(scheme == WAVE_PASSWORD_SHA256);
    CHECK(wave_password_scheme_parse("md5", &scheme) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(std::string(wave_password_scheme_name(WAVE_PASSWORD_TOKEN)) == "token");
    CHECK(wave_password_scheme_name(static_cast<wave_password_scheme>(3)) == nullptr);
  }

  TEST_CASE("global init is reference-counted") {
    REQUIRE(wave_global_init() == WAVE_OK);
    REQUIRE(wave_global_init() == WAVE_OK);
    wave_global_cleanup();
    wave_global_cleanup();
    wave_global_cleanup();  // one too many: harmless
  }

  TEST_CASE("error messages are per thread") {
    wave_config* config = nullptr;
    CHECK(wave_config_parse("{", 1, "t", &config) == WAVE_ERR_CONFIG);
    std::string other;
    std::thread([&] { other = wave_last_error_message(); }).join();
    CHECK(other.empty());
    CHECK(std::string(wave_last_error_message()).find("not valid JSON") != std::string::npos);
  }

  TEST_CASE("getters, predicates and frees leave the last error alone") {
    // A failed call sets the message; a caller reading results or asking yes/no questions
    // while handling it must still find it (wave_common.h).
    REQUIRE(wave_token_check(nullptr, bytes("abcd"), 4) == WAVE_ERR_INVALID_ARGUMENT);
    const std::string message = wave_last_error_message();
    REQUIRE(message == "config must not be NULL");

    wave_filter* filter = nullptr;
    wave_acl_patterns* patterns = nullptr;
    wave_authorizer* authorizer = nullptr;
    const char* const all[] = {"#"};
    REQUIRE(wave_filter_compile("a/+", 0, &filter) == WAVE_OK);
    REQUIRE(wave_acl_private_patterns("1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b", &patterns) == WAVE_OK);
    REQUIRE(wave_authorizer_new(all, 1, all, 1, 0, &authorizer) == WAVE_OK);
    REQUIRE(wave_token_check(nullptr, bytes("abcd"), 4) == WAVE_ERR_INVALID_ARGUMENT);  // set it again

    // common and crypto
    CHECK(wave_status_str(WAVE_ERR_DENIED) != nullptr);
    CHECK(wave_last_error_retry_after_ms() == 0);  // not a rate refusal: 0
    CHECK(wave_version_number() == WAVE_VERSION_NUMBER);
    CHECK(wave_version_string() != nullptr);
    CHECK(wave_uuid_is_canonical("not a uuid") == 0);
    CHECK(wave_uuid_is_canonical(nullptr) == 0);
    CHECK(wave_password_scheme_name(static_cast<wave_password_scheme>(3)) == nullptr);
    wave_string_free(nullptr);
    wave_config_free(nullptr);
    // topic and acl: valid and invalid input, real and NULL handles
    CHECK(wave_topic_is_valid_name("a/#", 0) == 0);
    CHECK(wave_topic_is_valid_name(nullptr, 0) == 0);
    CHECK(wave_topic_is_valid_filter(nullptr, 0) == 0);
    CHECK(wave_topic_matches("a/#/b", "a", 0) == -1);
    CHECK(wave_topic_matches(nullptr, nullptr, 0) == -1);
    CHECK(wave_filter_covers(nullptr, "a", 0) == -1);
    CHECK(wave_filter_matches(filter, "a/b", 3) == 1);
    CHECK(wave_filter_matches(filter, "a/+", 3) == -1);
    CHECK(wave_filter_matches(nullptr, "a", 1) == -1);
    CHECK(std::string(wave_filter_text(filter)) == "a/+");
    CHECK(wave_filter_text(nullptr) == nullptr);
    CHECK(wave_acl_is_valid_group_id(nullptr) == 0);
    CHECK(wave_acl_is_valid_group_id("no/slash") == 0);
    CHECK(wave_acl_patterns_publish_count(patterns) == 1);
    CHECK(wave_acl_patterns_publish(patterns, 5) == nullptr);
    CHECK(wave_acl_patterns_subscribe_count(nullptr) == 0);
    CHECK(wave_acl_patterns_subscribe(nullptr, 0) == nullptr);
    CHECK(wave_authorizer_may_publish(authorizer, "a/+") == 0);
    CHECK(wave_authorizer_may_publish(nullptr, "a") == 0);
    CHECK(wave_authorizer_may_subscribe(authorizer, nullptr) == 0);
    // service result handles
    CHECK(wave_credentials_internal_id(nullptr) == nullptr);
    CHECK(wave_credentials_password(nullptr) == nullptr);
    CHECK(wave_credentials_group_count(nullptr) == 0);
    CHECK(wave_credentials_subscribe_acl(nullptr, 0) == nullptr);
    CHECK(wave_resolution_count(nullptr) == 0);
    CHECK(wave_resolution_app_user_id(nullptr, 0) == nullptr);
    CHECK(wave_group_name(nullptr) == nullptr);
    CHECK(wave_group_member(nullptr, 0) == nullptr);
    CHECK(wave_group_creation_group(nullptr) == nullptr);
    CHECK(wave_group_creation_unknown_count(nullptr) == 0);
    CHECK(wave_group_list_count(nullptr) == 0);
    CHECK(wave_group_list_get(nullptr, 0) == nullptr);
    wave_filter_free(filter);
    wave_acl_patterns_free(patterns);
    wave_authorizer_free(authorizer);
    wave_service_free(nullptr);

    CHECK(std::string(wave_last_error_message()) == message);
  }
}
