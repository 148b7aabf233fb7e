// The service's C API through the real shared library: handles, getters, JSON, statuses,
// NULL arguments, and the broker-side checks.  In-memory stores, the REAL app endpoint.
#include <doctest/doctest.h>
#include <wave/wave.h>

#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "integration/test_servers.hpp"

namespace {

std::string unique_user(const char* name) {
  static int counter = 0;
  return std::string(name) + "-capi-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

const uint8_t* bytes(const std::string& text) { return reinterpret_cast<const uint8_t*>(text.data()); }

struct ServiceFixture {
  wave_config* config = nullptr;
  wave_service* service = nullptr;
  explicit ServiceFixture(const std::string& more_fields = "") {
    const std::string json = "{\"authenticationCheckEndpoint\":\"" + wave_test::fixture_uri("app") +
                             "\",\"tokenValidationRegex\":\"[A-Za-z0-9:_.-]{1,200}\",\"storage\":\"memory\","
                             "\"bcryptCost\":4" + more_fields + "}";
    REQUIRE(wave_config_parse(json.data(), json.size(), "test", &config) == WAVE_OK);
    REQUIRE(wave_service_new(config, &service) == WAVE_OK);
    wave_config_free(config);  // the service keeps what it needs
    config = nullptr;
  }
  ~ServiceFixture() { wave_service_free(service); }

  wave_credentials* login(const std::string& token) {
    wave_credentials* credentials = nullptr;
    REQUIRE(wave_service_login(service, bytes(token), token.size(), &credentials) == WAVE_OK);
    return credentials;
  }
};

std::string take(char* text) {
  REQUIRE(text != nullptr);
  std::string copy(text);
  wave_string_free(text);
  return copy;
}

}  // namespace

TEST_SUITE("service.capi") {
  TEST_CASE("NULL arguments and handles") {
    wave_service* service = reinterpret_cast<wave_service*>(1);
    CHECK(wave_service_new(nullptr, &service) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(service == nullptr);
    CHECK(std::strlen(wave_last_error_message()) > 0);
    wave_service_free(nullptr);
    wave_credentials_free(nullptr);
    wave_resolution_free(nullptr);
    wave_group_free(nullptr);
    wave_group_creation_free(nullptr);
    wave_group_list_free(nullptr);
    CHECK(wave_group_creation_group(nullptr) == nullptr);
    CHECK(wave_group_creation_unknown_count(nullptr) == 0);
    CHECK(wave_group_creation_unknown(nullptr, 0) == nullptr);
    char* no_json = reinterpret_cast<char*>(1);
    CHECK(wave_group_creation_to_json(nullptr, &no_json) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(no_json == nullptr);
    CHECK(wave_credentials_internal_id(nullptr) == nullptr);
    CHECK(wave_credentials_publish_acl_count(nullptr) == 0);
    CHECK(wave_group_list_get(nullptr, 0) == nullptr);
    CHECK(wave_resolution_internal_id(nullptr, 0) == nullptr);

    ServiceFixture f;
    wave_credentials* credentials = reinterpret_cast<wave_credentials*>(1);
    CHECK(wave_service_login(nullptr, bytes("x"), 1, &credentials) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(credentials == nullptr);
    CHECK(wave_service_login(f.service, nullptr, 5, &credentials) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_service_login(f.service, bytes("x"), 1, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_service_authorize_publish(f.service, nullptr, "a", 0) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_service_authorize_register(f.service, "a", nullptr, bytes("p"), 1, 0) == WAVE_ERR_INVALID_ARGUMENT);
    const char* filters[] = {"a"};
    CHECK(wave_service_authorize_subscribe(f.service, "u", filters, 1, 0, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_service_group_leave(f.service, bytes("x"), 1, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
  }

  TEST_CASE("login: getters, JSON, and the broker-side checks") {
    ServiceFixture f;
    const std::string token = "user:" + unique_user("alice") + ":t";
    wave_credentials* c = f.login(token);
    const std::string id = wave_credentials_internal_id(c);
    CHECK(wave_uuid_is_canonical(id.c_str()) == 1);
    CHECK(std::string(wave_credentials_client_id(c)) == id);
    CHECK(std::string(wave_credentials_username(c)) == id);
    CHECK(std::string(wave_credentials_password(c)) == token);
    REQUIRE(wave_credentials_publish_acl_count(c) == 1);
    CHECK(std::string(wave_credentials_publish_acl(c, 0)) == "conversations/private/" + id + "/+");
    CHECK(wave_credentials_publish_acl(c, 1) == nullptr);
    REQUIRE(wave_credentials_subscribe_acl_count(c) == 1);
    CHECK(std::string(wave_credentials_subscribe_acl(c, 0)) == "conversations/private/+/" + id);
    CHECK(wave_credentials_group_count(c) == 0);
    CHECK(wave_credentials_group(c, 0) == nullptr);
    char* json = nullptr;
    REQUIRE(wave_credentials_to_json(c, &json) == WAVE_OK);
    const std::string text = take(json);
    for (const char* key : {"\"internalWaveUserID\":", "\"clientID\":", "\"username\":", "\"password\":",
                            "\"publishACL\":[", "\"subscribeACL\":[", "\"groups\":[]"})
      CHECK_MESSAGE(text.find(key) != std::string::npos, key);
    CHECK(text.find("\"internalWaveUserID\":\"" + id + "\"") != std::string::npos);

    CHECK(wave_service_authorize_register(f.service, id.c_str(), id.c_str(), bytes(token), token.size(), 0) == WAVE_OK);
    CHECK(wave_service_authorize_register(f.service, id.c_str(), id.c_str(), bytes("nope"), 4, 0) == WAVE_ERR_DENIED);
    CHECK(std::strlen(wave_last_error_message()) > 0);
    CHECK(std::string(wave_last_error_message()).find("nope") == std::string::npos);
    const std::string mine = "conversations/private/" + id + "/x";
    const std::string theirs = "conversations/private/x/" + id;
    CHECK(wave_service_authorize_publish(f.service, id.c_str(), mine.c_str(), 0) == WAVE_OK);
    CHECK(wave_service_authorize_publish(f.service, id.c_str(), theirs.c_str(), 0) == WAVE_ERR_DENIED);
    const std::string own_filter = "conversations/private/+/" + id;
    const char* filters[] = {own_filter.c_str(), "#", "conversations/private/+/+"};
    wave_status results[3] = {WAVE_ERR_INTERNAL, WAVE_ERR_INTERNAL, WAVE_ERR_INTERNAL};
    CHECK(wave_service_authorize_subscribe(f.service, id.c_str(), filters, 3, 0, results) == WAVE_ERR_DENIED);
    CHECK(results[0] == WAVE_OK);
    CHECK(results[1] == WAVE_ERR_DENIED);
    CHECK(results[2] == WAVE_ERR_DENIED);
    CHECK(wave_service_authorize_subscribe(f.service, id.c_str(), filters, 1, 0, results) == WAVE_OK);
    CHECK(wave_service_authorize_subscribe(f.service, id.c_str(), nullptr, 0, 0, nullptr) == WAVE_OK);

    char* revoked_id = nullptr;
    CHECK(wave_service_revoke(f.service, bytes(token), token.size(), &revoked_id) == WAVE_OK);
    CHECK(take(revoked_id) == id);
    CHECK(wave_service_authorize_register(f.service, id.c_str(), id.c_str(), bytes(token), token.size(), 0) ==
          WAVE_ERR_DENIED);
    CHECK(wave_service_revoke(f.service, bytes(token), token.size(), nullptr) == WAVE_ERR_NOT_FOUND);
    wave_credentials_free(c);
  }

  TEST_CASE("statuses: malformed and invalid tokens, upstream errors") {
    ServiceFixture f;
    wave_credentials* c = nullptr;
    CHECK(wave_service_login(f.service, bytes("bad token"), 9, &c) == WAVE_ERR_INVALID_TOKEN);
    CHECK(c == nullptr);
    const std::string invalid = "invalid-" + unique_user("x");
    CHECK(wave_service_login(f.service, bytes(invalid), invalid.size(), &c) == WAVE_ERR_INVALID_TOKEN);
    const std::string broken = "error500-" + unique_user("x");
    CHECK(wave_service_login(f.service, bytes(broken), broken.size(), &c) == WAVE_ERR_UPSTREAM);
    CHECK(std::string(wave_last_error_message()).find(broken) == std::string::npos);
    CHECK(c == nullptr);
  }

  TEST_CASE("resolve and groups") {
    ServiceFixture f;
    const std::string owner_app = unique_user("owner");
    const std::string member_app = unique_user("member");
    const std::string owner_token = "user:" + owner_app + ":t";
    const std::string member_token = "user:" + member_app + ":t";
    wave_credentials* owner = f.login(owner_token);
    wave_credentials* member = f.login(member_token);
    const std::string member_id = wave_credentials_internal_id(member);

    const char* ids[] = {member_app.c_str(), "ghost"};
    wave_resolution* resolution = nullptr;
    REQUIRE(wave_service_resolve(f.service, bytes(owner_token), owner_token.size(), ids, 2, &resolution) == WAVE_OK);
    REQUIRE(wave_resolution_count(resolution) == 2);
    CHECK(std::string(wave_resolution_internal_id(resolution, 0)) == member_id);
    CHECK(wave_resolution_internal_id(resolution, 1) == nullptr);
    CHECK(std::string(wave_resolution_app_user_id(resolution, 1)) == "ghost");
    char* json = nullptr;
    REQUIRE(wave_resolution_to_json(resolution, &json) == WAVE_OK);
    CHECK(take(json) == "[{\"appUserID\":\"" + member_app + "\",\"internalWaveUserID\":\"" + member_id +
                            "\"},{\"appUserID\":\"ghost\",\"internalWaveUserID\":null}]");
    wave_resolution_free(resolution);

    wave_group_creation* creation = nullptr;
    REQUIRE(wave_service_group_create(f.service, bytes(owner_token), owner_token.size(), "team \"one\"", ids, 2,
                                      &creation) == WAVE_OK);
    const wave_group* group = wave_group_creation_group(creation);
    REQUIRE(group != nullptr);
    const std::string gid = wave_group_id(group);
    CHECK(std::string(wave_group_name(group)) == "team \"one\"");
    CHECK(std::string(wave_group_owner(group)) == wave_credentials_internal_id(owner));
    CHECK(wave_group_member_count(group) == 2);
    CHECK(std::string(wave_group_member(group, 1)) == member_id);
    REQUIRE(wave_group_creation_unknown_count(creation) == 1);
    CHECK(std::string(wave_group_creation_unknown(creation, 0)) == "ghost");
    CHECK(wave_group_creation_unknown(creation, 1) == nullptr);
    REQUIRE(wave_group_creation_to_json(creation, &json) == WAVE_OK);
    const std::string group_json = take(json);
    CHECK(group_json.find("\"groupID\":\"" + gid + "\"") != std::string::npos);
    CHECK(group_json.find("\"name\":\"team \\\"one\\\"\"") != std::string::npos);
    CHECK(group_json.find("\"unknownAppUserIDs\":[\"ghost\"]") != std::string::npos);
    // The group alone has no create-only fields.
    REQUIRE(wave_group_to_json(group, &json) == WAVE_OK);
    const std::string plain_json = take(json);
    CHECK(plain_json.find("\"groupID\":\"" + gid + "\"") != std::string::npos);
    CHECK(plain_json.find("unknownAppUserIDs") == std::string::npos);
    wave_group_creation_free(creation);

    int changed = -1;
    CHECK(wave_service_group_add_member(f.service, bytes(member_token), member_token.size(), gid.c_str(),
                                        owner_app.c_str(), &changed) == WAVE_ERR_DENIED);
    CHECK(changed == 0);
    CHECK(wave_service_group_add_member(f.service, bytes(owner_token), owner_token.size(), gid.c_str(),
                                        member_app.c_str(), &changed) == WAVE_OK);
    CHECK(changed == 0);

    wave_group_list* list = nullptr;
    REQUIRE(wave_service_group_list(f.service, bytes(member_token), member_token.size(), &list) == WAVE_OK);
    REQUIRE(wave_group_list_count(list) == 1);
    CHECK(std::string(wave_group_id(wave_group_list_get(list, 0))) == gid);
    CHECK(wave_group_list_get(list, 1) == nullptr);
    REQUIRE(wave_group_list_to_json(list, &json) == WAVE_OK);
    CHECK(take(json).find(gid) != std::string::npos);
    wave_group_list_free(list);

    wave_group* members = nullptr;
    REQUIRE(wave_service_group_members(f.service, bytes(member_token), member_token.size(), gid.c_str(), &members) ==
            WAVE_OK);
    CHECK(wave_group_member_count(members) == 2);
    wave_group_free(members);

    CHECK(wave_service_group_leave(f.service, bytes(owner_token), owner_token.size(), gid.c_str()) == WAVE_ERR_CONFLICT);
    CHECK(wave_service_group_remove_member(f.service, bytes(owner_token), owner_token.size(), gid.c_str(),
                                           member_app.c_str(), &changed) == WAVE_OK);
    CHECK(changed == 1);
    CHECK(wave_service_group_leave(f.service, bytes(member_token), member_token.size(), gid.c_str()) ==
          WAVE_ERR_NOT_FOUND);
    CHECK(wave_service_group_delete(f.service, bytes(member_token), member_token.size(), gid.c_str()) ==
          WAVE_ERR_DENIED);
    CHECK(wave_service_group_delete(f.service, bytes(owner_token), owner_token.size(), gid.c_str()) == WAVE_OK);
    CHECK(wave_service_group_members(f.service, bytes(owner_token), owner_token.size(), gid.c_str(), &members) ==
          WAVE_ERR_NOT_FOUND);
    CHECK(members == nullptr);
    wave_credentials_free(owner);
    wave_credentials_free(member);
  }

  TEST_CASE("counters, cache-only checks and ping") {
    ServiceFixture f;
    CHECK(wave_service_counter(nullptr, WAVE_COUNTER_CACHE_HITS) == 0);
    CHECK(wave_service_ping(nullptr) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_service_ping(f.service) == WAVE_OK);  // memory storage: nothing to ping
    CHECK(std::string(wave_status_str(WAVE_ERR_WOULD_BLOCK)) == "WAVE_ERR_WOULD_BLOCK");

    // A getter never touches the last error, even for a value it does not know.
    wave_credentials* c = nullptr;
    CHECK(wave_service_login(f.service, bytes("bad token"), 9, &c) == WAVE_ERR_INVALID_TOKEN);
    const std::string message = wave_last_error_message();
    REQUIRE_FALSE(message.empty());
    volatile int unknown = 9999;  // a value from a newer header (not a constant: no conversion warning)
    CHECK(wave_service_counter(f.service, static_cast<wave_counter>(unknown)) == 0);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_COLD_LOGINS) == 0);
    CHECK(message == wave_last_error_message());

    const std::string token = "user:" + unique_user("cora") + ":t";
    c = f.login(token);
    const std::string id = wave_credentials_internal_id(c);
    wave_credentials_free(c);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_COLD_LOGINS) == 1);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_WARM_LOGINS) == 0);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_APP_VALID) == 1);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_APP_NANOSECONDS) > 0);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_BCRYPT_RUNS) == 1);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_BCRYPT_NANOSECONDS) > 0);
    wave_credentials_free(f.login(token));
    wave_credentials_free(f.login(token));
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_WARM_LOGINS) == 2);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_BCRYPT_RUNS) == 1);

    // Nothing cached yet: a cache-only check cannot answer, and says so.
    const std::string topic = "conversations/private/" + id + "/x";
    const std::string filter = "conversations/private/+/" + id;
    const char* filters[] = {filter.c_str(), "#"};
    wave_status results[2] = {WAVE_OK, WAVE_OK};
    CHECK(wave_service_authorize_register(f.service, id.c_str(), id.c_str(), bytes(token), token.size(),
                                          WAVE_CHECK_CACHED_ONLY) == WAVE_ERR_WOULD_BLOCK);
    CHECK(wave_service_authorize_publish(f.service, id.c_str(), topic.c_str(), WAVE_CHECK_CACHED_ONLY) ==
          WAVE_ERR_WOULD_BLOCK);
    CHECK(wave_service_authorize_subscribe(f.service, id.c_str(), filters, 2, WAVE_CHECK_CACHED_ONLY, results) ==
          WAVE_ERR_WOULD_BLOCK);
    CHECK(results[0] == WAVE_ERR_WOULD_BLOCK);
    CHECK(results[1] == WAVE_ERR_WOULD_BLOCK);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_WOULD_BLOCK) == 3);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_CACHE_MISSES) == 3);
    // A refusal that needs no I/O is answered either way.
    CHECK(wave_service_authorize_register(f.service, "a", "b", bytes(token), token.size(), WAVE_CHECK_CACHED_ONLY) ==
          WAVE_ERR_DENIED);
    // Reserved flag bits are refused, never ignored (2u is WAVE_CHECK_NO_APP now).
    CHECK(wave_service_authorize_publish(f.service, id.c_str(), topic.c_str(), 4u) == WAVE_ERR_INVALID_ARGUMENT);

    // Full checks fill the cache; then cache-only checks answer from it.
    CHECK(wave_service_authorize_register(f.service, id.c_str(), id.c_str(), bytes(token), token.size(), 0) == WAVE_OK);
    CHECK(wave_service_authorize_publish(f.service, id.c_str(), topic.c_str(), 0) == WAVE_OK);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_CACHE_ENTRIES) == 1);
    const uint64_t hits = wave_service_counter(f.service, WAVE_COUNTER_CACHE_HITS);
    CHECK(wave_service_authorize_register(f.service, id.c_str(), id.c_str(), bytes(token), token.size(),
                                          WAVE_CHECK_CACHED_ONLY) == WAVE_OK);
    CHECK(wave_service_authorize_publish(f.service, id.c_str(), topic.c_str(), WAVE_CHECK_CACHED_ONLY) == WAVE_OK);
    CHECK(wave_service_authorize_subscribe(f.service, id.c_str(), filters, 2, WAVE_CHECK_CACHED_ONLY, results) ==
          WAVE_ERR_DENIED);
    CHECK(results[0] == WAVE_OK);
    CHECK(results[1] == WAVE_ERR_DENIED);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_CACHE_HITS) == hits + 3);
    // A password the cache does not hold may be a rotated credential: only Redis can say.
    CHECK(wave_service_authorize_register(f.service, id.c_str(), id.c_str(), bytes("other"), 5,
                                          WAVE_CHECK_CACHED_ONLY) == WAVE_ERR_WOULD_BLOCK);

    const std::string invalid = "invalid" + unique_user("guess");
    CHECK(wave_service_login(f.service, bytes(invalid), invalid.size(), &c) == WAVE_ERR_INVALID_TOKEN);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_APP_INVALID) == 1);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_APP_ERROR) == 0);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_REDIS_ERRORS) == 0);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_MONGO_ERRORS) == 0);
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_REGISTER_FALLBACKS) == 0);
  }

  TEST_CASE("a rate refusal: WAVE_ERR_RATE_LIMITED, the retry time, the counter") {
    ServiceFixture f(",\"groupCreationsPerHour\":1");
    const std::string token = "user:" + unique_user("rater") + ":t";
    wave_credentials_free(f.login(token));
    wave_group_creation* creation = nullptr;
    REQUIRE(wave_service_group_create(f.service, bytes(token), token.size(), "one", nullptr, 0, &creation) == WAVE_OK);
    wave_group_creation_free(creation);
    CHECK(wave_last_error_retry_after_ms() == 0);
    CHECK(wave_service_group_create(f.service, bytes(token), token.size(), "two", nullptr, 0, &creation) ==
          WAVE_ERR_RATE_LIMITED);
    CHECK(creation == nullptr);
    const uint32_t wait = wave_last_error_retry_after_ms();
    CHECK(wait > 0);
    CHECK(wait <= 3600u * 1000u);
    const std::string message = wave_last_error_message();
    CHECK(message.find("groupCreationsPerHour") != std::string::npos);
    // Getters leave it alone; the next call that returns a status clears it.
    CHECK(wave_service_counter(f.service, WAVE_COUNTER_RATE_LIMITED) == 1);
    CHECK(wave_last_error_retry_after_ms() == wait);
    std::thread([] { CHECK(wave_last_error_retry_after_ms() == 0); }).join();   // per thread
    CHECK(wave_service_ping(f.service) == WAVE_OK);
    CHECK(wave_last_error_retry_after_ms() == 0);
  }
}
