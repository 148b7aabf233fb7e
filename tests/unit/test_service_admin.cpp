// The admin API of the service (Service::describe_user, Service::end_user_sessions) over its
// in-memory stores, against the REAL app endpoint of the test harness (fixture `app`).  The
// same flow runs on Redis and MongoDB, through the C API, in
// tests/integration/test_invalidation_capi.cpp.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "integration/test_service_support.hpp"
#include "service/service.hpp"
#include "store/memory_stores.hpp"
#include "unit/fake_clock.hpp"

namespace {

using wave_test::status_of;
using Fields = std::map<std::string, std::string>;

// A service over in-memory stores whose session clock the test moves.
struct AdminRig {
  std::string app = wave_test::fixture_uri("app");
  wave_test::FakeClock clock;
  std::shared_ptr<wave::MemorySessionStore> sessions =
      std::make_shared<wave::MemorySessionStore>([this] { return clock.read(); });
  std::shared_ptr<wave::MemoryDirectoryStore> directory = std::make_shared<wave::MemoryDirectoryStore>();
  std::unique_ptr<wave::Service> service;

  AdminRig() {
    service = std::make_unique<wave::Service>(
        wave_test::service_config(app, {{"storage", wave_test::quoted("memory")},
                                        {"sessionTTLSeconds", "60"},
                                        {"credentialSweepIntervalSeconds", "30"}}),
        sessions, directory);
  }
};

std::string user(const char* name) { return wave_test::unique_name(name); }
std::string token_of(const std::string& app_user) { return "user:" + app_user + ":t1"; }

}  // namespace

TEST_SUITE("service.admin") {
  TEST_CASE("describe_user: unknown, live, expired, logged out; the group count; malformed IDs") {
    AdminRig rig;
    const std::string app_user = user("ada");
    const auto nobody = rig.service->describe_user(app_user);
    CHECK(nobody.app_user_id == app_user);
    CHECK_FALSE(nobody.internal_id);
    CHECK(nobody.session == wave::SessionState::unknown);
    CHECK(nobody.groups == 0);

    const std::string token = token_of(app_user);
    const auto credentials = rig.service->login(token);
    rig.service->create_group(token, "one", {});
    rig.service->create_group(token, "two", {});
    const auto live = rig.service->describe_user(app_user);
    REQUIRE(live.internal_id);
    CHECK(*live.internal_id == credentials.internal_id);
    CHECK(live.session == wave::SessionState::live);
    CHECK(live.groups == 2);

    rig.clock.advance(std::chrono::seconds(61));  // the session expired; the passhash did not
    CHECK(rig.service->describe_user(app_user).session == wave::SessionState::expired);

    rig.service->end_user_sessions(app_user);
    const auto out = rig.service->describe_user(app_user);
    CHECK(out.session == wave::SessionState::logged_out);
    CHECK(out.groups == 2);  // memberships stay: only the credentials went

    for (const std::string& bad : {std::string(), std::string("a\nb"), std::string(1025, 'x'), std::string("\xff")}) {
      CHECK(status_of([&] { rig.service->describe_user(bad); }) == WAVE_ERR_INVALID_ARGUMENT);
      CHECK(status_of([&] { rig.service->end_user_sessions(bad); }) == WAVE_ERR_INVALID_ARGUMENT);
    }
  }

  TEST_CASE("end_user_sessions: every path refuses at once, without the app; idempotent; NOT_FOUND for strangers") {
    AdminRig rig;
    const std::string app_user = user("bob");
    const std::string token = token_of(app_user);
    const auto credentials = rig.service->login(token);
    const std::string me = credentials.internal_id;
    const std::string topic = "conversations/private/" + me + "/x";
    CHECK(rig.service->authorize_register(me, me, credentials.password).granted);  // cached now
    CHECK(rig.service->authorize_publish(me, topic).granted);

    const auto app_calls = rig.service->stats().app_checks;
    const auto ended = rig.service->end_user_sessions(app_user);
    CHECK(rig.service->stats().app_checks == app_calls);  // the app was not asked
    CHECK(ended.internal_id == me);
    CHECK(ended.session_ended);
    CHECK(ended.passhash_retired);
    CHECK_FALSE(rig.sessions->find_session(token));
    CHECK_FALSE(rig.sessions->find_credential(me));
    CHECK_FALSE(rig.sessions->mapped_token(app_user));
    CHECK_FALSE(rig.service->authorize_register(me, me, credentials.password).granted);
    CHECK_FALSE(rig.service->authorize_publish(me, topic).granted);
    const auto doc = rig.directory->find_acl(me);
    REQUIRE(doc);
    CHECK(doc->credential_id.rfind("revoked-", 0) == 0);
    CHECK_FALSE(wave_test::python_bcrypt_verifies(credentials.password, doc->passhash));
    // Off the sweep's schedule: nothing is left to retire.
    rig.clock.advance(std::chrono::seconds(61));
    CHECK(rig.service->sweep_expired(100).claimed == 0);

    const auto again = rig.service->end_user_sessions(app_user);
    CHECK(again.internal_id == me);
    CHECK_FALSE(again.session_ended);
    CHECK_FALSE(again.passhash_retired);
    CHECK(status_of([&] { rig.service->end_user_sessions(user("stranger")); }) == WAVE_ERR_NOT_FOUND);

    // The app stays the authority: a token it still accepts logs in again.
    const auto back = rig.service->login(token);
    CHECK(back.internal_id == me);
    CHECK(rig.service->describe_user(app_user).session == wave::SessionState::live);
    CHECK(rig.service->authorize_register(me, me, back.password).granted);
  }

  TEST_CASE("end_user_sessions of an expired session: the passhash goes, and the CONNECT renewal is refused") {
    // Without a session the token still renews through the app on a CONNECT (the app
    // accepts it): after end_user_sessions the logged-out document must refuse that too.
    AdminRig rig;
    const std::string app_user = user("cyd");
    const std::string token = token_of(app_user);
    const auto credentials = rig.service->login(token);
    const std::string me = credentials.internal_id;
    rig.clock.advance(std::chrono::seconds(61));
    const auto ended = rig.service->end_user_sessions(app_user);
    CHECK_FALSE(ended.session_ended);  // it had expired already
    CHECK(ended.passhash_retired);
    CHECK_FALSE(rig.service->authorize_register(me, me, token).granted);
    CHECK_FALSE(wave_test::python_bcrypt_verifies(credentials.password, rig.directory->find_acl(me)->passhash));
  }
}
