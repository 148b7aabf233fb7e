// The Wave service when its servers fail: Redis wiped, killed or frozen; MongoDB down; the
// app endpoint slow, broken or gone.  Each fault gives its own status, never a grant, and
// the same service recovers by itself when the server returns.  Servers that get stopped
// are private to the test (PrivateServer), so other tests never see the outage.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "acl/acl.hpp"
#include "integration/raw_mongo.hpp"
#include "integration/test_service_raw.hpp"
#include "integration/test_backends.hpp"
#include "integration/test_service_support.hpp"
#include "service/service.hpp"

namespace {

using wave_test::status_of;

std::string user(const char* name) { return wave_test::unique_name(name); }
std::string token_of(const std::string& app_user, const char* tag = "t1") { return "user:" + app_user + ":" + tag; }

bool is_fault(wave_status status) {
  return status == WAVE_ERR_UNAVAILABLE || status == WAVE_ERR_TIMEOUT || status == WAVE_ERR_BACKEND;
}

// A broker-side check that must not grant: a refusal or a fault, never a grant.
template <class Check>
wave_status broker_outcome(Check&& check) {
  wave_status status = WAVE_OK;
  const wave_status thrown = status_of([&] { status = check().granted ? WAVE_OK : WAVE_ERR_DENIED; });
  return thrown != WAVE_OK ? thrown : status;
}

// Pauses a private server's process (SIGSTOP) so that it accepts connections but never
// answers: the way to see a TIMEOUT rather than UNAVAILABLE.
class Frozen {
 public:
  Frozen(const std::string& private_name, const std::string& kind) {
    const auto pid_file = std::filesystem::path(std::getenv("WAVE_TEST_STATE_DIR")) / ("private-" + private_name) /
                          (kind + ".pid");
    pid_ = std::stoi(wave_test::read_text_file(pid_file));
    REQUIRE(pid_ > 0);
    REQUIRE(::kill(pid_, SIGSTOP) == 0);
  }
  ~Frozen() { ::kill(pid_, SIGCONT); }
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;

 private:
  int pid_ = 0;
};

}  // namespace

TEST_SUITE("service.faults") {
  TEST_CASE("Redis wiped (FLUSHALL): the next login gets the same internal ID back from MongoDB") {
    const std::string name = wave_test::unique_name("wipe");
    wave_test::PrivateServer redis("redis", name);
    const std::string mongo = wave_test::fixture_uri("mongo");
    const std::string app = wave_test::fixture_uri("app");
    wave_test::RawMongo raw(mongo, name);
    wave::Service service = wave_test::service_on(wave_test::servers_config(redis.uri(), mongo, app, name));
    const std::string token = token_of(user("wiped"));
    const auto before = service.login(token);
    CHECK(wave_test::redis_cli(redis.uri(), "FLUSHALL") == "OK");
    CHECK(wave_test::redis_cli(redis.uri(), "DBSIZE") == "0");

    const auto after = service.login(token);
    CHECK(after.internal_id == before.internal_id);
    CHECK(service.stats().bcrypt_hashes == 2);  // a new credential after the loss, once
    service.login(token);
    CHECK(service.stats().bcrypt_hashes == 2);
    CHECK(raw.find("vmq_acl_auth").size() == 1);
    CHECK(wave_test::python_bcrypt_verifies(token, raw.acl(after.internal_id).text("passhash")));
    CHECK(service.authorize_register(after.internal_id, after.internal_id, token).granted);
  }

  TEST_CASE("Redis killed mid-run: distinct errors and no grant, then recovery without a restart") {
    const std::string name = wave_test::unique_name("rkill");
    wave_test::PrivateServer redis("redis", name);
    const std::string mongo = wave_test::fixture_uri("mongo");
    const std::string app = wave_test::fixture_uri("app");
    wave_test::RawMongo raw(mongo, name);
    wave::Service service = wave_test::service_on(wave_test::servers_config(redis.uri(), mongo, app, name, {{"credentialCacheSize", "0"}}));
    const std::string alice = user("alice");
    const std::string token = token_of(alice);
    const auto c = service.login(token);
    const std::string id = c.internal_id;
    CHECK(service.authorize_register(id, id, token).granted);

    redis.stop();
    CHECK(status_of([&] { service.login(token); }) == WAVE_ERR_UNAVAILABLE);
    CHECK(status_of([&] { service.login(token_of(user("newcomer"))); }) == WAVE_ERR_UNAVAILABLE);
    CHECK(broker_outcome([&] { return service.authorize_register(id, id, token); }) == WAVE_ERR_UNAVAILABLE);
    CHECK(status_of([&] { service.resolve(token, {alice}); }) == WAVE_ERR_UNAVAILABLE);
    CHECK(status_of([&] { service.revoke(token); }) == WAVE_ERR_UNAVAILABLE);
    CHECK(status_of([&] { service.create_group(token, "g", {}); }) == WAVE_ERR_UNAVAILABLE);
    // A wrong password is still refused (a fault or a denial, never a grant).
    CHECK(broker_outcome([&] { return service.authorize_register(id, id, "wrong"); }) != WAVE_OK);
    const std::string message = wave_test::message_of([&] { service.login(token); });
    CHECK(message.find(token) == std::string::npos);
    CHECK(service.stats().session_store_errors >= 7);  // one per failed call above, at least
    CHECK(service.stats().directory_store_errors == 0);

    redis.start();  // same port, empty
    const auto again = service.login(token);
    CHECK(again.internal_id == id);
    CHECK(service.authorize_register(id, id, token).granted);
    CHECK(status_of([&] { service.resolve(token, {alice}); }) == WAVE_OK);
  }

  TEST_CASE("Redis frozen: TIMEOUT, not a grant; back when it answers again") {
    const std::string name = wave_test::unique_name("rfreeze");
    wave_test::PrivateServer redis("redis", name);
    const std::string mongo = wave_test::fixture_uri("mongo");
    const std::string app = wave_test::fixture_uri("app");
    wave_test::RawMongo raw(mongo, name);
    wave::Service service = wave_test::service_on(wave_test::servers_config(redis.uri(), mongo, app, name,
                                                    {{"credentialCacheSize", "0"}, {"redisTimeoutMs", "300"}}));
    const std::string token = token_of(user("frozen"));
    const auto c = service.login(token);
    {
      Frozen frozen(name, "redis");
      CHECK(status_of([&] { service.login(token); }) == WAVE_ERR_TIMEOUT);
      CHECK(broker_outcome([&] { return service.authorize_register(c.internal_id, c.internal_id, token); }) ==
            WAVE_ERR_TIMEOUT);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(service.login(token).internal_id == c.internal_id);
    CHECK(service.authorize_register(c.internal_id, c.internal_id, token).granted);
  }

  TEST_CASE("MongoDB down: a distinct error and no grant, then recovery without a restart") {
    if (std::getenv("WAVE_TEST_MONGO_URI") != nullptr) {
      MESSAGE("WAVE_TEST_MONGO_URI names an external MongoDB this test cannot stop: the outage part is not run");
      return;
    }
    const std::string name = wave_test::unique_name("mdown");
    wave_test::PrivateServer mongo("mongo", name);
    const std::string redis = wave_test::fixture_uri("redis");
    const std::string app = wave_test::fixture_uri("app");
    wave::Service service = wave_test::service_on(wave_test::servers_config(redis, mongo.uri(), app, name,
                                                    {{"credentialCacheSize", "0"}, {"mongoTimeoutMs", "1000"}}));
    const std::string token = token_of(user("mona"));
    const auto c = service.login(token);
    const std::string id = c.internal_id;
    const std::string topic = "conversations/private/" + id + "/" + id;
    CHECK(service.authorize_publish(id, topic).granted);

    mongo.stop();
    const wave_status login_status = status_of([&] { service.login(token); });
    CHECK(is_fault(login_status));
    CHECK(is_fault(status_of([&] { service.login(token_of(user("other"))); })));
    CHECK(is_fault(broker_outcome([&] { return service.authorize_publish(id, topic); })));
    CHECK(is_fault(status_of([&] { service.list_groups(token); })));
    CHECK(service.stats().directory_store_errors >= 4);
    // The password check needs only Redis: a live credential still connects.
    CHECK(service.authorize_register(id, id, token).granted);
    CHECK_FALSE(service.authorize_register(id, id, token + "x").granted);

    mongo.start();
    bool recovered = false;
    for (int i = 0; i < 50 && !recovered; ++i) {  // the driver rediscovers the server
      recovered = status_of([&] { service.login(token); }) == WAVE_OK;
      if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    CHECK(recovered);
    CHECK(service.authorize_publish(id, topic).granted);
  }

  TEST_CASE("app endpoint faults: slow, 500, garbage, down, gone: distinct errors, no grant, recovery") {
    const std::string name = wave_test::unique_name("appf");
    wave_test::PrivateServer app("app", name);
    const std::string redis = wave_test::fixture_uri("redis");
    const std::string mongo = wave_test::fixture_uri("mongo");
    wave_test::RawMongo raw(mongo, name);
    wave::Service service = wave_test::service_on(wave_test::servers_config(redis, mongo, app.uri(), name,
                                                    {{"httpTimeoutMs", "600"}, {"httpConnectTimeoutMs", "500"}, {"credentialCacheSize", "0"},
                                                     {"sessionTTLSeconds", "2"}}));
    const std::string kay = user("kay");
    CHECK(status_of([&] { service.login("slow2000:" + kay); }) == WAVE_ERR_TIMEOUT);
    CHECK(status_of([&] { service.login("error500" + kay); }) == WAVE_ERR_UPSTREAM);
    CHECK(status_of([&] { service.login("garbage" + kay); }) == WAVE_ERR_UPSTREAM);
    CHECK(status_of([&] { service.login("redirect" + kay); }) == WAVE_ERR_UPSTREAM);
    CHECK(status_of([&] { service.login("invalid" + kay); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK(raw.find("vmq_acl_auth").empty());
    CHECK(raw.find("wave_identities").empty());
    CHECK(service.stats().app_errors == 4);  // slow, 500, garbage, redirect
    CHECK(service.stats().app_invalid == 1);
    CHECK(service.stats().app_valid == 0);

    const std::string token = token_of(kay);
    const auto c = service.login(token);
    wave_test::app_control(app.uri(), "mode", "down");
    CHECK(service.login(token).internal_id == c.internal_id);  // a live session needs no app
    CHECK(status_of([&] { service.login(token_of(user("late"))); }) == WAVE_ERR_UPSTREAM);
    std::this_thread::sleep_for(std::chrono::milliseconds(2300));  // the session expires
    CHECK(status_of([&] { service.login(token); }) == WAVE_ERR_UPSTREAM);
    CHECK(broker_outcome([&] { return service.authorize_register(c.internal_id, c.internal_id, token); }) ==
          WAVE_ERR_UPSTREAM);

    wave_test::app_control(app.uri(), "mode", "up");  // back: the same service recovers
    CHECK(service.login(token).internal_id == c.internal_id);
    CHECK(service.authorize_register(c.internal_id, c.internal_id, token).granted);

    // Gone altogether (the harness restarts the app on another port, so this ends the case).
    std::this_thread::sleep_for(std::chrono::milliseconds(2300));
    app.stop();
    CHECK(status_of([&] { service.login(token); }) == WAVE_ERR_UNAVAILABLE);
    CHECK(broker_outcome([&] { return service.authorize_register(c.internal_id, c.internal_id, token); }) ==
          WAVE_ERR_UNAVAILABLE);
  }

  TEST_CASE("Redis wiped (FLUSHALL): a CONNECT renews the session from MongoDB and runs no bcrypt") {
    const std::string name = wave_test::unique_name("renew");
    wave_test::PrivateServer redis("redis", name);
    const std::string mongo = wave_test::fixture_uri("mongo");
    const std::string app = wave_test::fixture_uri("app");
    wave_test::RawMongo raw(mongo, name);
    // No in-process cache: every check goes to the stores, as in a freshly started broker hook.
    wave::Service service =
        wave_test::service_on(wave_test::servers_config(redis.uri(), mongo, app, name, {{"credentialCacheSize", "0"}}));
    const std::string token = token_of(user("wiped"));
    const auto c = service.login(token);
    const std::string id = c.internal_id;
    const std::string passhash = raw.acl(id).text("passhash");
    CHECK(wave_test::redis_cli(redis.uri(), "FLUSHALL") == "OK");

    const auto before = service.stats();
    CHECK(service.authorize_register(id, id, token).granted);
    const auto after = service.stats();
    CHECK(after.bcrypt_runs == before.bcrypt_runs);  // the bug: this ran a whole login, bcrypt included
    CHECK(after.bcrypt_hashes == before.bcrypt_hashes);
    CHECK(after.register_fallbacks == before.register_fallbacks + 1);
    CHECK(after.app_valid == before.app_valid + 1);
    // The session and the credential digest are back in Redis; MongoDB is untouched.
    CHECK(wave_test::redis_cli(redis.uri(), "GET '" + name + ":session:" + token + "'") == id);
    CHECK(wave_test::redis_cli(redis.uri(), "EXISTS '" + name + ":credential:" + id + "'") == "1");
    CHECK(raw.acl(id).text("passhash") == passhash);
    // The next CONNECT is answered by Redis again, and a wrong password is refused there.
    CHECK(service.authorize_register(id, id, token).granted);
    CHECK_FALSE(service.authorize_register(id, id, token + "x").granted);
    CHECK(service.stats().register_fallbacks == after.register_fallbacks);
    CHECK(service.stats().bcrypt_runs == before.bcrypt_runs);
    CHECK(service.login(token).internal_id == id);

    // Another user's valid token is refused without bcrypt and without a trace in Redis.
    const std::string other = token_of(user("other"));
    service.login(other);
    CHECK(wave_test::redis_cli(redis.uri(), "FLUSHALL") == "OK");
    const auto runs = service.stats().bcrypt_runs;
    CHECK_FALSE(service.authorize_register(id, id, other).granted);
    CHECK(wave_test::redis_cli(redis.uri(), "DBSIZE") == "0");
    CHECK(service.stats().bcrypt_runs == runs);

    // A logged-out user (revoke retired the passhash) is refused: no renewal, no bcrypt.
    CHECK(service.authorize_register(id, id, token).granted);  // renewed again
    service.revoke(token);
    CHECK(wave_test::redis_cli(redis.uri(), "FLUSHALL") == "OK");
    const auto revoked_runs = service.stats().bcrypt_runs;
    const auto fallbacks = service.stats().register_fallbacks;
    CHECK_FALSE(service.authorize_register(id, id, token).granted);
    CHECK(service.stats().bcrypt_runs == revoked_runs);
    CHECK(service.stats().register_fallbacks == fallbacks);
    CHECK(wave_test::redis_cli(redis.uri(), "DBSIZE") == "0");
  }

  TEST_CASE("ping: OK while Redis and MongoDB answer; the fault names the backend that does not") {
    const std::string name = wave_test::unique_name("ping");
    wave_test::PrivateServer redis("redis", name + "_redis");  // each private server in its own state dir
    const bool own_mongo = std::getenv("WAVE_TEST_MONGO_URI") == nullptr;
    std::unique_ptr<wave_test::PrivateServer> private_mongo;
    if (own_mongo) private_mongo = std::make_unique<wave_test::PrivateServer>("mongo", name + "_mongo");
    const std::string mongo = own_mongo ? private_mongo->uri() : wave_test::fixture_uri("mongo");
    const wave::Config config = wave_test::servers_config(redis.uri(), mongo, wave_test::fixture_uri("app"), name,
                                                          {{"redisTimeoutMs", "500"}, {"mongoTimeoutMs", "1000"}});
    const wave::Backends backends(config);
    CHECK(status_of([&] { backends.ping(); }) == WAVE_OK);

    // A URI's password never reaches the message.
    const auto with_password = [](const std::string& uri, const char* userinfo) {
      const auto scheme_end = uri.find("://");
      REQUIRE(scheme_end != std::string::npos);
      return uri.substr(0, scheme_end + 3) + userinfo + "@" + uri.substr(scheme_end + 3);
    };
    redis.stop();
    CHECK(status_of([&] { backends.ping(); }) == WAVE_ERR_UNAVAILABLE);
    CHECK(wave_test::message_of([&] { backends.ping(); }).starts_with("redis: "));
    {
      const wave::Backends secret(wave_test::servers_config(with_password(redis.uri(), ":s3cret-pw"), mongo,
                                                            wave_test::fixture_uri("app"), name,
                                                            {{"redisTimeoutMs", "500"}, {"mongoTimeoutMs", "1000"}}));
      const std::string message = wave_test::message_of([&] { secret.ping(); });
      CHECK(message.starts_with("redis: "));
      CHECK(message.find("s3cret-pw") == std::string::npos);
    }
    redis.start();
    CHECK(status_of([&] { backends.ping(); }) == WAVE_OK);  // back without a restart

    if (!own_mongo) {
      MESSAGE("WAVE_TEST_MONGO_URI names an external MongoDB this test cannot stop: the MongoDB part is not run");
      return;
    }
    private_mongo->stop();
    CHECK(is_fault(status_of([&] { backends.ping(); })));
    CHECK(wave_test::message_of([&] { backends.ping(); }).starts_with("mongodb: "));
    {
      const wave::Backends secret(wave_test::servers_config(redis.uri(), with_password(mongo, "wave:s3cret-pw"),
                                                            wave_test::fixture_uri("app"), name,
                                                            {{"redisTimeoutMs", "500"}, {"mongoTimeoutMs", "1000"}}));
      const std::string message = wave_test::message_of([&] { secret.ping(); });
      CHECK(message.starts_with("mongodb: "));
      CHECK(message.find("s3cret-pw") == std::string::npos);
    }
    private_mongo->start();
    bool recovered = false;
    for (int i = 0; i < 50 && !recovered; ++i) {  // the driver rediscovers the server
      recovered = status_of([&] { backends.ping(); }) == WAVE_OK;
      if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    CHECK(recovered);
  }
}
