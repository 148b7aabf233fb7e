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

#include "integration/capi_servers.hpp"
#include "integration/raw_mongo.hpp"
#include "integration/test_service_support.hpp"

namespace {

using namespace std::chrono_literals;
using wave_test::connect;
using wave_test::Heard;

std::string unique_name(const char* tag) { return wave_test::unique_name("adm", tag); }

wave_service* open_service(const std::string& name) {
  return wave_test::open_capi_service(name, "servers", "\"sessionTTLSeconds\":300,\"credentialCacheTTLSeconds\":300,");
}

// The JSON an admin call on `app_user_id` returned (freed here), or "" on failure.
using AdminCall = wave_status (*)(wave_service*, const char*, char**);
std::string admin_json(AdminCall call, wave_service* service, const std::string& app_user_id, wave_status* status) {
  char* json = nullptr;
  const wave_status result = call(service, app_user_id.c_str(), &json);
  if (status != nullptr) *status = result;
  std::string text = json != nullptr ? json : "";
  wave_string_free(json);
  return text;
}

std::string describe(wave_service* service, const std::string& app_user_id, wave_status* status = nullptr) {
  return admin_json(wave_service_describe_user, service, app_user_id, status);
}

std::string end_sessions(wave_service* service, const std::string& app_user_id, wave_status* status = nullptr) {
  return admin_json(wave_service_end_user_sessions, service, app_user_id, status);
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

    const wave_test::Login alice = wave_test::login(a, token);
    const std::string& me = alice.internal_id;
    const std::string& password = alice.password;
    CHECK(wave_test::python_bcrypt_verifies(password, raw.acl(me).text("passhash")));
    REQUIRE(connect(b, me, password, 0) == WAVE_OK);
    REQUIRE(connect(b, me, password, WAVE_CHECK_CACHED_ONLY) == WAVE_OK);  // in b's cache now
    CHECK(describe(b, app_user) ==
          "{\"appUserID\":\"" + app_user + "\",\"internalWaveUserID\":\"" + me + "\",\"session\":\"live\",\"groups\":0}");

    CHECK(end_sessions(a, app_user) ==
          "{\"internalWaveUserID\":\"" + me + "\",\"sessionEnded\":true,\"passhashRetired\":true}");
    CHECK(heard.wait_for(WAVE_INVALIDATION_CREDENTIAL, me, 1000ms));
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
