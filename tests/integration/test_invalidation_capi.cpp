// Changes made by one process reach the others' caches: two wave_service handles on the
// same real Redis and FerretDB (as two wave-server instances, or a server and a broker
// plugin), through the public C API.
#include <doctest/doctest.h>

#include <wave/wave.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "integration/capi_servers.hpp"

namespace {

using namespace std::chrono_literals;
using wave_test::connect;
using wave_test::Heard;
using wave_test::login;
using wave_test::Login;
using wave_test::open_capi_service;

std::string unique_name(const char* tag) { return wave_test::unique_name("inv", tag); }

}  // namespace

TEST_SUITE("invalidation") {
  TEST_CASE("a revoke in one process empties the other's cache within a second and tells its listener") {
    const std::string name = unique_name("revoke");
    wave_service* a = open_capi_service(name);
    wave_service* b = open_capi_service(name);
    Heard heard;
    REQUIRE(wave_service_listen_invalidations(b, Heard::record, &heard) == WAVE_OK);
    Heard replaced;  // a second call replaces the callback; the first one hears nothing more
    REQUIRE(wave_service_listen_invalidations(b, Heard::record, &replaced) == WAVE_OK);
    REQUIRE(wave_service_listen_invalidations(b, Heard::record, &heard) == WAVE_OK);

    const std::string token = "user:" + name + ":t1";
    const Login alice = login(a, token);
    REQUIRE(connect(b, alice, 0) == WAVE_OK);
    REQUIRE(connect(b, alice, WAVE_CHECK_CACHED_ONLY) == WAVE_OK);  // now in b's cache
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(wave_service_revoke(a, reinterpret_cast<const uint8_t*>(token.data()), token.size(), nullptr) == WAVE_OK);
    CHECK(heard.wait_for(WAVE_INVALIDATION_CREDENTIAL, alice.internal_id, 1000ms));
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    // b's cached grant is gone: a cache-only check must now ask the stores, which refuse.
    CHECK(connect(b, alice, WAVE_CHECK_CACHED_ONLY) == WAVE_ERR_WOULD_BLOCK);
    CHECK(connect(b, alice, 0) == WAVE_ERR_DENIED);
    wave_service_free(b);  // stops the listener first
    wave_service_free(a);
  }

  TEST_CASE("group membership changes are announced as ACL changes") {
    const std::string name = unique_name("acl");
    wave_service* a = open_capi_service(name);
    wave_service* b = open_capi_service(name);
    Heard heard;
    REQUIRE(wave_service_listen_invalidations(b, Heard::record, &heard) == WAVE_OK);
    const std::string owner_token = "user:" + name + "-owner:t";
    const std::string member_app = name + "-member";
    login(a, owner_token);
    const Login member = login(a, "user:" + member_app + ":t");
    const char* members[] = {member_app.c_str()};
    wave_group_creation* creation = nullptr;
    REQUIRE(wave_service_group_create(a, reinterpret_cast<const uint8_t*>(owner_token.data()), owner_token.size(),
                                      "team", members, 1, &creation) == WAVE_OK);
    const std::string group_id = wave_group_id(wave_group_creation_group(creation));
    wave_group_creation_free(creation);
    CHECK(heard.wait_for(WAVE_INVALIDATION_ACL, member.internal_id, 1000ms));
    // b learns the group topic, then loses it at once when the member is removed.
    const std::string topic = "conversations/group/" + group_id + "/" + member.internal_id;
    CHECK(wave_service_authorize_publish(b, member.internal_id.c_str(), topic.c_str(), 0) == WAVE_OK);
    {
      std::lock_guard lock(heard.mutex);
      heard.events.clear();
    }
    REQUIRE(wave_service_group_remove_member(a, reinterpret_cast<const uint8_t*>(owner_token.data()),
                                             owner_token.size(), group_id.c_str(), member_app.c_str(),
                                             nullptr) == WAVE_OK);
    CHECK(heard.wait_for(WAVE_INVALIDATION_ACL, member.internal_id, 1000ms));
    CHECK(wave_service_authorize_publish(b, member.internal_id.c_str(), topic.c_str(), 0) == WAVE_ERR_DENIED);
    wave_service_free(b);
    wave_service_free(a);
  }

  TEST_CASE("WAVE_CHECK_NO_APP refuses a CONNECT that would need the app, and asks nobody") {
    const std::string name = unique_name("noapp");
    wave_service* a = open_capi_service(name);
    const Login alice = login(a, "user:" + name + ":t1");
    // Redis loses the credential (as when its session expires): only the app can renew it.
    const std::string del = "redis-cli -u '" + wave_test::fixture_uri("redis") + "' DEL '" + name + ":credential:" +
                            alice.internal_id + "' >/dev/null";
    REQUIRE(std::system(del.c_str()) == 0);
    wave_service* fresh = open_capi_service(name);  // an empty in-process cache
    const auto app_calls = [&] {
      return wave_service_counter(fresh, WAVE_COUNTER_APP_VALID) + wave_service_counter(fresh, WAVE_COUNTER_APP_INVALID) +
             wave_service_counter(fresh, WAVE_COUNTER_APP_ERROR);
    };
    CHECK(connect(fresh, alice, WAVE_CHECK_NO_APP) == WAVE_ERR_DENIED);
    CHECK(app_calls() == 0);
    CHECK(connect(fresh, alice, WAVE_CHECK_NO_APP | WAVE_CHECK_CACHED_ONLY) == WAVE_ERR_WOULD_BLOCK);
    CHECK(connect(fresh, alice, 4u) == WAVE_ERR_INVALID_ARGUMENT);  // a reserved bit
    // Control: without the flag the same CONNECT renews the session through the app.
    CHECK(connect(fresh, alice, 0) == WAVE_OK);
    CHECK(app_calls() == 1);
    wave_service_free(fresh);
    wave_service_free(a);
  }

  TEST_CASE("two servers sweep expired sessions at once: every user settled exactly once") {
    const std::string name = unique_name("sweep");
    const std::string ttl = "\"sessionTTLSeconds\":1,\"credentialSweepIntervalSeconds\":30,";
    wave_service* a = open_capi_service(name, "servers", ttl);
    wave_service* b = open_capi_service(name, "servers", ttl);
    constexpr int kUsers = 40;
    for (int i = 0; i < kUsers; ++i) login(a, "user:" + name + "-" + std::to_string(i) + ":t");
    std::this_thread::sleep_for(2100ms);  // every session expired
    size_t claimed[2] = {0, 0}, renewed[2] = {0, 0}, retired[2] = {0, 0};
    wave_status status[2] = {WAVE_OK, WAVE_OK};
    std::string other_error;
    std::thread other([&] {
      status[1] = wave_service_sweep_expired(b, 1000, &claimed[1], &renewed[1], &retired[1]);
      other_error = wave_last_error_message();
    });
    status[0] = wave_service_sweep_expired(a, 1000, &claimed[0], &renewed[0], &retired[0]);
    other.join();
    CHECK(status[0] == WAVE_OK);
    CHECK_MESSAGE(status[1] == WAVE_OK, other_error);
    CHECK(claimed[0] + claimed[1] == kUsers);  // no user claimed twice, none left out
    CHECK(renewed[0] + renewed[1] == kUsers);  // the app still accepts every token
    CHECK(retired[0] + retired[1] == 0);
    CHECK(wave_service_counter(a, WAVE_COUNTER_SWEEP_FAULTS) + wave_service_counter(b, WAVE_COUNTER_SWEEP_FAULTS) == 0);
    wave_service_free(b);
    wave_service_free(a);
  }

  TEST_CASE("storage memory: the service's own changes are reported, synchronously") {
    const std::string name = unique_name("memory");
    wave_service* service = open_capi_service(name, "memory");
    Heard heard;
    REQUIRE(wave_service_listen_invalidations(service, Heard::record, &heard) == WAVE_OK);
    const std::string token = "user:" + name + ":t1";
    const Login alice = login(service, token);
    REQUIRE(wave_service_revoke(service, reinterpret_cast<const uint8_t*>(token.data()), token.size(), nullptr) ==
            WAVE_OK);
    CHECK(heard.wait_for(WAVE_INVALIDATION_CREDENTIAL, alice.internal_id, 0ms));
    wave_service_free(service);
  }
}
