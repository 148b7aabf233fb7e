// The admin API through the public C API on the real servers (Redis, FerretDB, the app):
// two wave_service handles, as two wave-server instances.  Ending a user's sessions on one
// reaches the other's cache at once, and VerneMQ's MongoDB path (the passhash, checked by
// python3-bcrypt) refuses the old password.
#include <doctest/doctest.h>

#include <wave/wave.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "integration/raw_mongo.hpp"
#include "integration/test_service_support.hpp"

namespace {

using namespace std::chrono_literals;

std::string unique_name(const char* tag) {
  char id[WAVE_UUID_STRING_SIZE];
  REQUIRE(wave_uuid_v4(id) == WAVE_OK);
  return std::string("adm_") + tag + "_" + std::string(id, 8);
}

wave_service* open_service(const std::string& name) {
  const std::string json =
      "{\"authenticationCheckEndpoint\":\"" + wave_test::fixture_uri("app") +
      "\",\"tokenValidationRegex\":\"[A-Za-z0-9:_.-]{1,200}\",\"bcryptCost\":4,\"storage\":\"servers\""
      ",\"sessionTTLSeconds\":300,\"credentialCacheTTLSeconds\":300,\"redisURI\":\"" +
      wave_test::fixture_uri("redis") + "\",\"redisKeyPrefix\":\"" + name + ":\",\"mongoURI\":\"" +
      wave_test::fixture_uri("mongo") + "\",\"mongoDatabase\":\"" + name + "\"}";
  wave_config* config = nullptr;
  REQUIRE(wave_config_parse(json.data(), json.size(), "test", &config) == WAVE_OK);
  wave_service* service = nullptr;
  const wave_status status = wave_service_new(config, &service);
  wave_config_free(config);
  REQUIRE(status == WAVE_OK);
  return service;
}

// Credential changes a listener was told about, waited for with a deadline.
struct Heard {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> credential_changes;

  static void record(wave_invalidation_kind kind, const char* internal_id, void* userdata) {
    auto& self = *static_cast<Heard*>(userdata);
    if (kind != WAVE_INVALIDATION_CREDENTIAL) return;
    {
      std::lock_guard lock(self.mutex);
      self.credential_changes.emplace_back(internal_id);
    }
    self.changed.notify_all();
  }

  bool wait_for(const std::string& id, std::chrono::milliseconds within) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, within, [&] {
      for (const auto& heard : credential_changes)
        if (heard == id) return true;
      return false;
    });
  }
};

// The JSON a call returned (freed here), or "" on failure.
std::string describe(wave_service* service, const std::string& app_user_id, wave_status* status = nullptr) {
  char* json = nullptr;
  const wave_status result = wave_service_describe_user(service, app_user_id.c_str(), &json);
  if (status != nullptr) *status = result;
  std::string text = json != nullptr ? json : "";
  wave_string_free(json);
  return text;
}

std::string end_sessions(wave_service* service, const std::string& app_user_id, wave_status* status = nullptr) {
  char* json = nullptr;
  const wave_status result = wave_service_end_user_sessions(service, app_user_id.c_str(), &json);
  if (status != nullptr) *status = result;
  std::string text = json != nullptr ? json : "";
  wave_string_free(json);
  return text;
}

wave_status connect(wave_service* service, const std::string& internal_id, const std::string& password,
                    unsigned flags) {
  return wave_service_authorize_register(service, internal_id.c_str(), internal_id.c_str(),
                                         reinterpret_cast<const uint8_t*>(password.data()), password.size(), flags);
}

}  // namespace

TEST_SUITE("admin.capi") {
  TEST_CASE("end_user_sessions on one handle: the other refuses the old password at once, and so does the passhash") {
    const std::string name = unique_name("end");
    wave_test::RawMongo raw(wave_test::fixture_uri("mongo"), name);
    wave_service* a = open_service(name);
    wave_service* b = open_service(name);
    Heard heard;
    REQUIRE(wave_service_listen_invalidations(b, Heard::record, &heard) == WAVE_OK);

    const std::string app_user = name + "_alice";
    const std::string token = "user:" + app_user + ":t1";
    CHECK(describe(a, app_user) ==
          "{\"appUserID\":\"" + app_user + "\",\"internalWaveUserID\":null,\"session\":\"unknown\",\"groups\":0}");
    wave_status status = WAVE_OK;
    CHECK(end_sessions(a, app_user, &status).empty());
    CHECK(status == WAVE_ERR_NOT_FOUND);

    wave_credentials* credentials = nullptr;
    REQUIRE(wave_service_login(a, reinterpret_cast<const uint8_t*>(token.data()), token.size(), &credentials) ==
            WAVE_OK);
    const std::string me = wave_credentials_internal_id(credentials);
    const std::string password = wave_credentials_password(credentials);
    wave_credentials_free(credentials);
    CHECK(wave_test::python_bcrypt_verifies(password, raw.acl(me).text("passhash")));
    REQUIRE(connect(b, me, password, 0) == WAVE_OK);
    REQUIRE(connect(b, me, password, WAVE_CHECK_CACHED_ONLY) == WAVE_OK);  // in b's cache now
    CHECK(describe(b, app_user) ==
          "{\"appUserID\":\"" + app_user + "\",\"internalWaveUserID\":\"" + me + "\",\"session\":\"live\",\"groups\":0}");

    CHECK(end_sessions(a, app_user) ==
          "{\"internalWaveUserID\":\"" + me + "\",\"sessionEnded\":true,\"passhashRetired\":true}");
    CHECK(heard.wait_for(me, 1000ms));
    // b's cached grant went with the announcement; the stores refuse the password, and the
    // token itself (the CONNECT renewal through the app, which still accepts it) too.
    CHECK(connect(b, me, password, WAVE_CHECK_CACHED_ONLY) == WAVE_ERR_WOULD_BLOCK);
    CHECK(connect(b, me, password, 0) == WAVE_ERR_DENIED);
    CHECK(connect(b, me, token, 0) == WAVE_ERR_DENIED);
    const auto doc = raw.acl(me);
    CHECK(doc.text("wave_credential_id").rfind("revoked-", 0) == 0);
    CHECK_FALSE(wave_test::python_bcrypt_verifies(password, doc.text("passhash")));
    CHECK(describe(b, app_user) == "{\"appUserID\":\"" + app_user + "\",\"internalWaveUserID\":\"" + me +
                                       "\",\"session\":\"logged_out\",\"groups\":0}");

    // Idempotent, from either handle.
    CHECK(end_sessions(b, app_user) ==
          "{\"internalWaveUserID\":\"" + me + "\",\"sessionEnded\":false,\"passhashRetired\":false}");

    // Arguments.
    CHECK(describe(a, "", &status).empty());
    CHECK(status == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(end_sessions(a, "bad\x01id", &status).empty());
    CHECK(status == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_service_describe_user(a, app_user.c_str(), nullptr) == WAVE_ERR_INVALID_ARGUMENT);
    char* json = nullptr;
    CHECK(wave_service_end_user_sessions(a, nullptr, &json) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(json == nullptr);
    CHECK(wave_service_describe_user(nullptr, app_user.c_str(), &json) == WAVE_ERR_INVALID_ARGUMENT);

    wave_service_free(b);
    wave_service_free(a);
  }
}
