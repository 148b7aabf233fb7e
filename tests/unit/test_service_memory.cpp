// The Wave service over its in-memory stores (the embedded mode), against the REAL app
// endpoint of the test harness (fixture `app`): login, sessions and their expiry,
// rotation, revoke, groups and the broker-side checks.  The same flows run against Redis
// and MongoDB in tests/integration/test_service*.cpp.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "acl/acl.hpp"
#include "common/error.hpp"
#include "crypto/password.hpp"
#include "crypto/uuid.hpp"
#include "integration/test_service_support.hpp"
#include "store/memory_stores.hpp"
#include "service/service.hpp"
#include "unit/fake_clock.hpp"

namespace {

using wave_test::FakeClock;
using wave_test::status_of;
using Fields = std::map<std::string, std::string>;

// A service over in-memory stores whose session clock the test moves.
struct Rig {
  std::string app = wave_test::fixture_uri("app");
  FakeClock clock;
  std::shared_ptr<wave::MemorySessionStore> sessions =
      std::make_shared<wave::MemorySessionStore>([this] { return clock.read(); });
  std::shared_ptr<wave::MemoryDirectoryStore> directory = std::make_shared<wave::MemoryDirectoryStore>();
  std::unique_ptr<wave::Service> service;

  explicit Rig(std::map<std::string, std::string> fields = {}) {
    fields.try_emplace("storage", wave_test::quoted("memory"));
    fields.try_emplace("sessionTTLSeconds", "600");
    service = std::make_unique<wave::Service>(wave_test::service_config(app, fields), sessions, directory);
  }
};

// The shared in-memory directory, with a hook that runs right before each passhash write
// (upsert_credentials) goes through: a way to put another service's call exactly there.
class WriteGate final : public wave::DirectoryStore {
 public:
  explicit WriteGate(std::shared_ptr<wave::DirectoryStore> inner) : inner_(std::move(inner)) {}
  std::function<void()> before_write;
  std::function<void()> before_identity;  // runs before each find_identity (the renewal's lookup)
  std::function<void()> after_acl_read;   // runs after each find_acl read, before it returns
  std::function<void()> around_groups;    // runs before each membership or pattern write and
                                          // after each group read: a way to interleave two
                                          // services' group calls
  std::atomic<int> writes{0};

  bool upsert_credentials(std::string_view a, std::string_view b, std::string_view c, std::string_view d,
                          std::string_view e, const std::vector<std::string>& f,
                          const std::vector<std::string>& g) override {
    if (writes++ == 0 && before_write) before_write();
    return inner_->upsert_credentials(a, b, c, d, e, f, g);
  }
  std::string claim_identity(std::string_view a, std::string_view b) override { return inner_->claim_identity(a, b); }
  std::optional<std::string> find_identity(std::string_view a) override {
    if (before_identity) {
      const auto hook = before_identity;  // a copy: the hook may reset before_identity
      hook();
    }
    return inner_->find_identity(a);
  }
  std::vector<std::optional<std::string>> find_identities(const std::vector<std::string>& a) override {
    return inner_->find_identities(a);
  }
  std::optional<wave::AclDocument> find_acl(std::string_view a) override {
    auto doc = inner_->find_acl(a);
    if (after_acl_read) after_acl_read();
    return doc;
  }
  bool replace_passhash(std::string_view a, std::string_view b, std::string_view c, std::string_view d) override {
    return inner_->replace_passhash(a, b, c, d);
  }
  bool record_password_digest(std::string_view a, std::string_view b, std::string_view c) override {
    return inner_->record_password_digest(a, b, c);
  }
  std::optional<wave::AclDocument> find_acl_by_password_digest(std::string_view a) override {
    return inner_->find_acl_by_password_digest(a);
  }
  void add_patterns(std::string_view a, const std::vector<std::string>& b, const std::vector<std::string>& c) override {
    if (around_groups) around_groups();
    inner_->add_patterns(a, b, c);
  }
  void remove_patterns(std::string_view a, const std::vector<std::string>& b,
                       const std::vector<std::string>& c) override {
    if (around_groups) around_groups();
    inner_->remove_patterns(a, b, c);
  }
  void insert_group(const wave::Group& g) override { inner_->insert_group(g); }
  std::optional<wave::Group> find_group(std::string_view a) override {
    auto group = inner_->find_group(a);
    if (around_groups) around_groups();
    return group;
  }
  bool add_group_member(std::string_view a, std::string_view b) override {
    if (around_groups) around_groups();
    return inner_->add_group_member(a, b);
  }
  bool remove_group_member(std::string_view a, std::string_view b) override {
    if (around_groups) around_groups();
    return inner_->remove_group_member(a, b);
  }
  std::optional<wave::Group> delete_group(std::string_view a) override { return inner_->delete_group(a); }
  std::vector<wave::Group> groups_of(std::string_view a) override { return inner_->groups_of(a); }
  std::int64_t count_groups_of(std::string_view a) override { return inner_->count_groups_of(a); }

 private:
  std::shared_ptr<wave::DirectoryStore> inner_;
};

// The shared in-memory session store, with a hook that runs after find_credential has read
// and before it returns: a broker check paused between its read and its cache fill.
class ReadGate final : public wave::SessionStore {
 public:
  explicit ReadGate(std::shared_ptr<wave::SessionStore> inner) : inner_(std::move(inner)) {}
  std::function<void()> after_credential_read;

  std::optional<wave::CredentialRecord> find_credential(std::string_view a) override {
    auto record = inner_->find_credential(a);
    if (after_credential_read) std::exchange(after_credential_read, nullptr)();
    return record;
  }
  std::optional<std::string> find_session(std::string_view a) override { return inner_->find_session(a); }
  std::vector<std::optional<std::string>> find_internal_ids(const std::vector<std::string>& a) override {
    return inner_->find_internal_ids(a);
  }
  wave::MapResult map_user(const wave::MapRequest& a) override { return inner_->map_user(a); }
  bool forget_credential(std::string_view a, std::string_view b) override { return inner_->forget_credential(a, b); }
  std::optional<wave::RevokeResult> revoke(std::string_view a) override { return inner_->revoke(a); }
  std::vector<std::string> claim_expired(std::size_t a, std::chrono::seconds b) override {
    return inner_->claim_expired(a, b);
  }
  void unschedule(std::string_view a) override { inner_->unschedule(a); }
  std::optional<std::string> mapped_token(std::string_view a) override { return inner_->mapped_token(a); }
  wave::RateAnswer take_rate_token(std::string_view a, std::int64_t b, std::chrono::milliseconds c) override {
    return inner_->take_rate_token(a, b, c);
  }

 private:
  std::shared_ptr<wave::SessionStore> inner_;
};

// An app user of this test run only (the app server is shared with other tests).
std::string user(const char* name) { return wave_test::unique_name(name); }
std::string token_of(const std::string& app_user, const char* tag = "t1") { return "user:" + app_user + ":" + tag; }

}  // namespace

TEST_SUITE("service.memory") {
  TEST_CASE("login: credentials, the ACL document, and a warm login asks nobody") {
    Rig rig;
    const std::string alice = user("alice");
    const std::string token = token_of(alice);
    const auto credentials = rig.service->login(token);
    CHECK(wave::acl::is_valid_user_id(credentials.internal_id));
    CHECK(credentials.client_id == credentials.internal_id);
    CHECK(credentials.username == credentials.internal_id);
    CHECK(credentials.password == token);  // scheme auto, a short token
    CHECK(credentials.app_user_id == alice);
    const auto own = wave::acl::private_patterns(credentials.internal_id);
    CHECK(credentials.publish_acl == own.publish);
    CHECK(credentials.subscribe_acl == own.subscribe);
    CHECK(credentials.groups.empty());
    CHECK(wave_test::app_calls_for(rig.app, token) == 1);

    const auto doc = rig.directory->find_acl(credentials.internal_id);
    REQUIRE(doc);
    CHECK(doc->passhash.rfind("$2a$04$", 0) == 0);
    CHECK(doc->app_user_id == alice);
    CHECK(wave_test::python_bcrypt_verifies(token, doc->passhash));

    const auto before = rig.service->stats();
    for (int i = 0; i < 5; ++i) CHECK(rig.service->login(token).internal_id == credentials.internal_id);
    const auto after = rig.service->stats();
    CHECK(after.bcrypt_hashes == before.bcrypt_hashes);  // never on a repeat login
    CHECK(after.app_checks == before.app_checks);
    CHECK(after.warm_logins == before.warm_logins + 5);
    CHECK(wave_test::app_calls_for(rig.app, token) == 1);
    CHECK(rig.directory->find_acl(credentials.internal_id)->passhash == doc->passhash);
  }

  TEST_CASE("malformed tokens never reach the app; app refusals and faults never grant") {
    Rig rig(Fields{{"httpTimeoutMs", "700"}, {"httpConnectTimeoutMs", "500"}});
    const auto checks = rig.service->stats().app_checks;
    CHECK(status_of([&] { rig.service->login(""); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK(status_of([&] { rig.service->login("has space"); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK(status_of([&] { rig.service->login(std::string(201, 'a')); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK(status_of([&] { rig.service->login(std::string("a\0b", 3)); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK(rig.service->stats().app_checks == checks);

    const std::string tag = wave_test::unique_name("f");
    CHECK(status_of([&] { rig.service->login("invalid" + tag); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK(status_of([&] { rig.service->login("unauthorized" + tag); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK(status_of([&] { rig.service->login("error500" + tag); }) == WAVE_ERR_UPSTREAM);
    CHECK(status_of([&] { rig.service->login("garbage" + tag); }) == WAVE_ERR_UPSTREAM);
    CHECK(status_of([&] { rig.service->login("emptyid" + tag); }) == WAVE_ERR_UPSTREAM);
    CHECK(status_of([&] { rig.service->login("oversize" + tag); }) == WAVE_ERR_UPSTREAM);
    CHECK(status_of([&] { rig.service->login("slow1500:" + user("slowpoke")); }) == WAVE_ERR_TIMEOUT);
    // The messages never carry the token.
    const std::string secret = "error500" + tag + "secret";
    CHECK(wave_test::message_of([&] { rig.service->login(secret); }).find(secret) == std::string::npos);
    // Nothing was mapped for any of them.
    CHECK_FALSE(rig.sessions->find_session("error500" + tag));
    CHECK_FALSE(rig.sessions->find_session("garbage" + tag));
  }

  TEST_CASE("a session lasts the TTL from the app's answer: then the app is asked again") {
    Rig rig(Fields{{"sessionTTLSeconds", "60"}, {"credentialCacheSize", "0"}});
    const std::string bob = user("bob");
    const std::string token = token_of(bob);
    const auto first = rig.service->login(token);
    wave_test::app_control(rig.app, "revoke", token);  // the app stops accepting it
    rig.clock.advance(std::chrono::seconds(59));
    CHECK(rig.service->login(token).internal_id == first.internal_id);  // still inside the TTL
    CHECK(rig.service->authorize_register(first.internal_id, first.internal_id, token).granted);
    rig.clock.advance(std::chrono::seconds(1));  // warm logins did not extend it
    CHECK(status_of([&] { rig.service->login(token); }) == WAVE_ERR_INVALID_TOKEN);
    const auto decision = rig.service->authorize_register(first.internal_id, first.internal_id, token);
    CHECK_FALSE(decision.granted);
    CHECK(wave_test::app_calls_for(rig.app, token) == 3);  // first login, re-login, register fallback
  }

  TEST_CASE("an expired session of a token the app still accepts is renewed without bcrypt") {
    Rig rig(Fields{{"sessionTTLSeconds", "60"}, {"credentialCacheSize", "0"}});
    const std::string token = token_of(user("renew"));
    const auto first = rig.service->login(token);
    rig.clock.advance(std::chrono::seconds(61));
    const auto bcrypts = rig.service->stats().bcrypt_hashes;
    // The broker's check falls back to the app (the password is the token) and renews it.
    CHECK(rig.service->authorize_register(first.internal_id, first.internal_id, token).granted);
    CHECK(rig.service->stats().register_fallbacks == 1);
    CHECK(rig.service->login(token).internal_id == first.internal_id);
    CHECK(rig.service->stats().bcrypt_hashes == bcrypts);
  }

  TEST_CASE("rotation: same internal ID, the old token refused on every path") {
    Rig rig;
    const std::string carol = user("carol");
    const std::string old_token = token_of(carol, "old");
    const std::string new_token = token_of(carol, "new");
    const auto before = rig.service->login(old_token);
    CHECK(rig.service->authorize_register(before.internal_id, before.internal_id, old_token).granted);  // cached
    wave_test::app_control(rig.app, "revoke", old_token);  // the app rotated the token
    const auto after = rig.service->login(new_token);
    CHECK(after.internal_id == before.internal_id);
    CHECK(status_of([&] { rig.service->login(old_token); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK_FALSE(rig.service->authorize_register(after.internal_id, after.internal_id, old_token).granted);
    CHECK(rig.service->authorize_register(after.internal_id, after.internal_id, new_token).granted);
    const auto doc = rig.directory->find_acl(after.internal_id);
    CHECK_FALSE(wave_test::python_bcrypt_verifies(old_token, doc->passhash));
    CHECK(wave_test::python_bcrypt_verifies(new_token, doc->passhash));
  }

  TEST_CASE("revoke: immediate on every path; then nothing to revoke; a new login works") {
    Rig rig;
    const std::string token = token_of(user("dora"));
    const auto credentials = rig.service->login(token);
    const std::string me = credentials.internal_id;
    const std::string topic = "conversations/private/" + me + "/" + wave::uuid_v4();
    CHECK(rig.service->authorize_register(me, me, token).granted);
    CHECK(rig.service->authorize_publish(me, topic).granted);

    const auto outcome = rig.service->revoke(token);
    CHECK(outcome.internal_id == me);
    CHECK(outcome.session_ended);
    CHECK(outcome.passhash_replaced);
    CHECK_FALSE(rig.service->authorize_register(me, me, token).granted);
    CHECK_FALSE(rig.service->authorize_publish(me, topic).granted);
    CHECK_FALSE(rig.service->authorize_subscribe(me, {"conversations/private/+/" + me})[0].granted);
    const auto doc = rig.directory->find_acl(me);
    CHECK(doc->passhash.rfind("$2a$04$", 0) == 0);
    CHECK_FALSE(wave_test::python_bcrypt_verifies(token, doc->passhash));
    CHECK(status_of([&] { rig.service->revoke(token); }) == WAVE_ERR_NOT_FOUND);

    // The app still accepts the token: logging in again is a new session and credential.
    const auto again = rig.service->login(token);
    CHECK(again.internal_id == me);
    CHECK(wave_test::python_bcrypt_verifies(token, rig.directory->find_acl(me)->passhash));
    CHECK(rig.service->authorize_register(me, me, token).granted);
    CHECK(rig.service->authorize_publish(me, topic).granted);
  }

  TEST_CASE("revoke of a token without a session: the app says whose it is") {
    Rig rig(Fields{{"sessionTTLSeconds", "60"}});
    const std::string token = token_of(user("eve"));
    const auto credentials = rig.service->login(token);
    rig.clock.advance(std::chrono::seconds(61));  // the session expired
    const auto outcome = rig.service->revoke(token);
    CHECK_FALSE(outcome.session_ended);
    CHECK(outcome.passhash_replaced);  // recognised by the passhash (bcrypt: not a hot path)
    CHECK(outcome.internal_id == credentials.internal_id);
    CHECK(status_of([&] { rig.service->revoke("invalid" + wave_test::unique_name("r")); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK(status_of([&] { rig.service->revoke(token_of(user("never"))); }) == WAVE_ERR_NOT_FOUND);
  }

  TEST_CASE("revoke of a token the app already invalidated: the durable record finds it, no app, no bcrypt") {
    // The app logged the user out; the session expired.  Before the durable digest record,
    // revoke asked the app, heard "invalid", failed, and the passhash stayed a working
    // password on VerneMQ's MongoDB path for good.
    Rig rig(Fields{{"sessionTTLSeconds", "60"}});
    const std::string token = token_of(user("ina"));
    const auto credentials = rig.service->login(token);
    const auto doc = rig.directory->find_acl(credentials.internal_id);
    REQUIRE(doc);
    CHECK(doc->password_digest == wave::sha256_hex(credentials.password));
    rig.clock.advance(std::chrono::seconds(61));
    wave_test::app_control(rig.app, "revoke", token);
    const auto before = rig.service->stats();
    const auto outcome = rig.service->revoke(token);
    const auto after = rig.service->stats();
    wave_test::app_control(rig.app, "unrevoke", token);
    CHECK(outcome.internal_id == credentials.internal_id);
    CHECK(outcome.passhash_replaced);
    CHECK(after.app_checks == before.app_checks);
    CHECK(after.bcrypt_verifies == before.bcrypt_verifies);
    const auto retired = rig.directory->find_acl(credentials.internal_id);
    REQUIRE(retired);
    CHECK(retired->credential_id.rfind("revoked-", 0) == 0);
    CHECK(retired->password_digest.empty());  // retired with its credential
    CHECK_FALSE(wave_test::python_bcrypt_verifies(credentials.password, retired->passhash));
    CHECK(status_of([&] { rig.service->revoke(token); }) != WAVE_OK);  // nothing left to revoke
  }

  TEST_CASE("the sweep: an expired session is renewed while the app accepts its token, retired once it does not") {
    Rig rig(Fields{{"sessionTTLSeconds", "60"}, {"credentialSweepIntervalSeconds", "30"}});
    const std::string kept_token = token_of(user("kay"));
    const std::string dropped_token = token_of(user("dan"));
    const auto kept = rig.service->login(kept_token);
    const auto dropped = rig.service->login(dropped_token);
    CHECK(rig.service->sweep_expired(100).claimed == 0);  // nothing expired yet
    rig.clock.advance(std::chrono::seconds(61));
    wave_test::app_control(rig.app, "revoke", dropped_token);  // the app logged Dan out
    const auto bcrypt_before = rig.service->stats().bcrypt_hashes;
    const auto outcome = rig.service->sweep_expired(100);
    wave_test::app_control(rig.app, "unrevoke", dropped_token);
    CHECK(outcome.claimed == 2);
    CHECK(outcome.renewed == 1);
    CHECK(outcome.retired == 1);
    CHECK(outcome.faults == 0);
    // Kay: a new session from the app's answer, no bcrypt, her passhash untouched.
    CHECK(rig.sessions->find_credential(kept.internal_id));
    CHECK(wave_test::python_bcrypt_verifies(kept.password, rig.directory->find_acl(kept.internal_id)->passhash));
    // Dan: VerneMQ's MongoDB path refuses him now, and so does every Wave check.
    const auto doc = rig.directory->find_acl(dropped.internal_id);
    REQUIRE(doc);
    CHECK(doc->credential_id.rfind("revoked-", 0) == 0);
    CHECK_FALSE(wave_test::python_bcrypt_verifies(dropped.password, doc->passhash));
    CHECK_FALSE(rig.service->authorize_register(dropped.internal_id, dropped.internal_id, dropped.password).granted);
    CHECK(rig.service->stats().bcrypt_hashes == bcrypt_before + 1);  // the retired passhash only
    CHECK(rig.service->stats().sweep_retired == 1);
    // Claimed users are rescheduled a lease ahead: a second sweep right away finds nothing,
    // and Dan is off the schedule for good.
    CHECK(rig.service->sweep_expired(100).claimed == 0);
    rig.clock.advance(std::chrono::seconds(61));
    const auto later = rig.service->sweep_expired(100);
    CHECK(later.claimed == 1);  // Kay's renewed session expired again
    CHECK(later.renewed == 1);
  }

  TEST_CASE("the sweep leaves a user scheduled when the app cannot answer") {
    Rig rig(Fields{{"sessionTTLSeconds", "60"}, {"credentialSweepIntervalSeconds", "30"}});
    const auto credentials = rig.service->login(token_of(user("fay")));
    rig.clock.advance(std::chrono::seconds(61));
    // Another process on the same stores whose app endpoint is unreachable sweeps first.
    const std::string unreachable = "http://127.0.0.1:" + std::to_string(wave_test::unused_loopback_port()) + "/auth/check";
    wave::Service cut_off(wave_test::service_config(unreachable, {{"storage", wave_test::quoted("memory")},
                                                                  {"sessionTTLSeconds", "60"},
                                                                  {"credentialSweepIntervalSeconds", "30"}}),
                          rig.sessions, rig.directory);
    const auto outcome = cut_off.sweep_expired(100);
    CHECK(outcome.claimed == 1);
    CHECK(outcome.faults == 1);
    CHECK(wave_test::python_bcrypt_verifies(credentials.password,
                                            rig.directory->find_acl(credentials.internal_id)->passhash));
    rig.clock.advance(std::chrono::seconds(31));  // the lease passed: tried again
    CHECK(rig.service->sweep_expired(100).renewed == 1);
  }

  TEST_CASE("authorize_register: the identity rules and every password scheme") {
    for (const char* scheme : {"auto", "token", "sha256"}) {
      CAPTURE(scheme);
      Rig rig(Fields{{"mqttPasswordScheme", wave_test::quoted(scheme)}});
      const std::string token = token_of(user("frank"));
      const auto c = rig.service->login(token);
      if (std::string(scheme) == "sha256") CHECK(c.password != token);
      CHECK(c.password == wave::mqtt_password(token, std::string(scheme) == "sha256" ? wave::PasswordScheme::sha256
                                                                                    : wave::PasswordScheme::token));
      CHECK(rig.service->authorize_register(c.client_id, c.username, c.password).granted);
      CHECK(rig.service->authorize_register(c.client_id, c.username, c.password).granted);  // cached
      CHECK_FALSE(rig.service->authorize_register(c.client_id, c.username, c.password + "x").granted);
      CHECK_FALSE(rig.service->authorize_register(wave::uuid_v4(), c.username, c.password).granted);
      CHECK_FALSE(rig.service->authorize_register("+", "+", c.password).granted);
      CHECK_FALSE(rig.service->authorize_register(c.client_id, c.username, "").granted);
      const std::string stranger = wave::uuid_v4();
      CHECK_FALSE(rig.service->authorize_register(stranger, stranger, c.password).granted);
    }
  }

  TEST_CASE("authorize_publish and authorize_subscribe follow the ACL document") {
    Rig rig;
    const auto a = rig.service->login(token_of(user("gina")));
    const auto b = rig.service->login(token_of(user("hank")));
    const std::string me = a.internal_id;
    CHECK(rig.service->authorize_publish(me, "conversations/private/" + me + "/" + b.internal_id).granted);
    CHECK_FALSE(rig.service->authorize_publish(me, "conversations/private/" + b.internal_id + "/" + me).granted);
    CHECK_FALSE(rig.service->authorize_publish(me, "conversations/private/" + me + "/+").granted);
    CHECK_FALSE(rig.service->authorize_publish(me, "conversations/private/" + me + "/x/y").granted);
    const auto decisions = rig.service->authorize_subscribe(
        me, {"conversations/private/+/" + me, "conversations/private/" + b.internal_id + "/" + me,
             "conversations/private/+/+", "conversations/private/#", "$share/g/conversations/private/+/" + me, "#"});
    REQUIRE(decisions.size() == 6);
    CHECK(decisions[0].granted);
    CHECK(decisions[1].granted);
    CHECK_FALSE(decisions[2].granted);
    CHECK_FALSE(decisions[3].granted);
    CHECK(decisions[4].granted);
    CHECK_FALSE(decisions[5].granted);
    const std::string stranger = wave::uuid_v4();
    CHECK_FALSE(rig.service->authorize_publish(stranger, "conversations/private/" + stranger + "/x").granted);
    CHECK_FALSE(rig.service->authorize_publish("#", "a").granted);
    CHECK(rig.service->authorize_subscribe(stranger, {"a", "b"}).size() == 2);
  }

  TEST_CASE("resolve: known and unknown app users, for a caller with a valid token only") {
    Rig rig;
    const std::string ivy = user("ivy");
    const std::string jay = user("jay");
    const auto i = rig.service->login(token_of(ivy));
    const auto resolved = rig.service->resolve(token_of(ivy), {jay, ivy, "nobody-" + ivy});
    REQUIRE(resolved.size() == 3);
    CHECK_FALSE(resolved[0].internal_id);
    CHECK(resolved[1].internal_id == std::optional<std::string>(i.internal_id));
    CHECK(resolved[2].app_user_id == "nobody-" + ivy);
    CHECK_FALSE(resolved[2].internal_id);
    CHECK(status_of([&] { rig.service->resolve("invalid-x", {ivy}); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK(status_of([&] { rig.service->resolve(token_of(ivy), {""}); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { rig.service->resolve(token_of(ivy), std::vector<std::string>(1001, ivy)); }) ==
          WAVE_ERR_INVALID_ARGUMENT);
  }

  TEST_CASE("groups: create, add, remove, leave, delete, list, members") {
    Rig rig;
    const std::string owner_app = user("kim");
    const std::string member_app = user("lee");
    const std::string late_app = user("max");
    const std::string owner_token = token_of(owner_app);
    const std::string member_token = token_of(member_app);
    const std::string late_token = token_of(late_app);
    const auto owner = rig.service->login(owner_token);
    const auto member = rig.service->login(member_token);
    const auto late = rig.service->login(late_token);

    const auto created = rig.service->create_group(owner_token, "Team \xC3\xA9t\xC3\xA9", {member_app, "ghost-" + owner_app, member_app});
    const std::string gid = created.group.id;
    CHECK(wave::acl::is_valid_group_id(gid));
    CHECK(created.group.owner == owner.internal_id);
    CHECK(created.group.members == std::vector<std::string>{owner.internal_id, member.internal_id});
    CHECK(created.unknown_app_user_ids == std::vector<std::string>{"ghost-" + owner_app});
    const std::string member_topic = "conversations/group/" + gid + "/" + member.internal_id;
    CHECK(rig.service->authorize_publish(member.internal_id, member_topic).granted);
    CHECK_FALSE(rig.service->authorize_publish(owner.internal_id, member_topic).granted);  // sender = topic
    CHECK(rig.service->authorize_subscribe(owner.internal_id, {"conversations/group/" + gid + "/+"})[0].granted);
    CHECK(rig.service->login(member_token).groups == std::vector<std::string>{gid});
    const auto group_patterns = wave::acl::group_patterns(gid, member.internal_id);
    const auto doc = rig.directory->find_acl(member.internal_id);
    for (const auto& p : group_patterns.publish) CHECK(std::count(doc->publish_acl.begin(), doc->publish_acl.end(), p) == 1);
    for (const auto& p : group_patterns.subscribe)
      CHECK(std::count(doc->subscribe_acl.begin(), doc->subscribe_acl.end(), p) == 1);

    // Owner-only operations.
    CHECK(status_of([&] { rig.service->add_group_member(member_token, gid, late_app); }) == WAVE_ERR_DENIED);
    CHECK(status_of([&] { rig.service->delete_group(member_token, gid); }) == WAVE_ERR_DENIED);
    CHECK(status_of([&] { rig.service->remove_group_member(member_token, gid, owner_app); }) == WAVE_ERR_DENIED);
    CHECK(status_of([&] { rig.service->group_members(late_token, gid); }) == WAVE_ERR_DENIED);
    CHECK(status_of([&] { rig.service->add_group_member(owner_token, gid, "ghost-" + owner_app); }) ==
          WAVE_ERR_NOT_FOUND);
    CHECK(status_of([&] { rig.service->add_group_member(owner_token, wave::uuid_v4(), late_app); }) ==
          WAVE_ERR_NOT_FOUND);
    CHECK(status_of([&] { rig.service->add_group_member(owner_token, "a/b", late_app); }) ==
          WAVE_ERR_INVALID_ARGUMENT);

    CHECK(rig.service->add_group_member(owner_token, gid, late_app));
    CHECK_FALSE(rig.service->add_group_member(owner_token, gid, late_app));  // idempotent
    CHECK(rig.service->group_members(late_token, gid).members.size() == 3);
    CHECK(rig.service->authorize_publish(late.internal_id, "conversations/group/" + gid + "/" + late.internal_id).granted);

    CHECK(rig.service->remove_group_member(owner_token, gid, member_app));
    CHECK_FALSE(rig.service->authorize_publish(member.internal_id, member_topic).granted);
    CHECK(rig.service->list_groups(member_token).empty());
    CHECK(status_of([&] { rig.service->leave_group(member_token, gid); }) == WAVE_ERR_NOT_FOUND);
    CHECK(status_of([&] { rig.service->remove_group_member(owner_token, gid, owner_app); }) == WAVE_ERR_CONFLICT);
    CHECK(status_of([&] { rig.service->leave_group(owner_token, gid); }) == WAVE_ERR_CONFLICT);

    rig.service->leave_group(late_token, gid);
    CHECK_FALSE(rig.service->authorize_publish(late.internal_id, "conversations/group/" + gid + "/" + late.internal_id).granted);
    CHECK(rig.service->list_groups(owner_token).size() == 1);

    rig.service->delete_group(owner_token, gid);
    CHECK(rig.service->list_groups(owner_token).empty());
    CHECK(status_of([&] { rig.service->group_members(owner_token, gid); }) == WAVE_ERR_NOT_FOUND);
    for (const auto& id : {owner.internal_id, member.internal_id, late.internal_id}) {
      const auto d = rig.directory->find_acl(id);
      for (const auto& p : d->publish_acl) CHECK(p.find(gid) == std::string::npos);
      for (const auto& p : d->subscribe_acl) CHECK(p.find(gid) == std::string::npos);
    }
    CHECK(status_of([&] { rig.service->create_group(owner_token, "", {}); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { rig.service->create_group(owner_token, "bad\nname", {}); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { rig.service->create_group(owner_token, "\xC3", {}); }) == WAVE_ERR_INVALID_ARGUMENT);
  }

  TEST_CASE("login repairs group patterns that an interrupted operation left behind") {
    Rig rig;
    const std::string token = token_of(user("nina"));
    const auto me = rig.service->login(token);
    const auto created = rig.service->create_group(token, "g", {});
    const auto patterns = wave::acl::group_patterns(created.group.id, me.internal_id);
    rig.directory->remove_patterns(me.internal_id, patterns.publish, patterns.subscribe);  // lost
    const std::string stale_gid = wave::uuid_v4();
    const auto stale = wave::acl::group_patterns(stale_gid, me.internal_id);
    rig.directory->add_patterns(me.internal_id, stale.publish, stale.subscribe);  // left over
    const auto again = rig.service->login(token);
    for (const auto& p : patterns.publish) CHECK(std::count(again.publish_acl.begin(), again.publish_acl.end(), p) == 1);
    for (const auto& p : stale.publish) CHECK(std::count(again.publish_acl.begin(), again.publish_acl.end(), p) == 0);
    const auto doc = rig.directory->find_acl(me.internal_id);
    CHECK(doc->publish_acl == again.publish_acl);
    CHECK(doc->subscribe_acl == again.subscribe_acl);
  }

  TEST_CASE("64 parallel first logins of one user: one ID, one passhash computed") {
    // The harness's app server (Python's http.server) has a listen backlog of 5: connects
    // beyond it are retried by TCP after 1 s, 3 s...  Generous timeouts keep that from
    // looking like an app outage.
    Rig rig(Fields{{"httpConnectTimeoutMs", "15000"}, {"httpTimeoutMs", "30000"}});
    const std::string token = token_of(user("olga"));
    std::vector<std::string> ids(64);
    std::vector<std::string> errors(64);
    std::vector<std::thread> threads;
    for (int i = 0; i < 64; ++i)
      threads.emplace_back([&, i] { errors[i] = wave_test::message_of([&] { ids[i] = rig.service->login(token).internal_id; }); });
    for (auto& t : threads) t.join();
    for (const auto& error : errors) CHECK(error == "");
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 1);
    CHECK(rig.service->stats().bcrypt_hashes == 1);
    CHECK(wave_test::python_bcrypt_verifies(token, rig.directory->find_acl(ids[0])->passhash));
  }
  TEST_CASE("a revoke just before a login writes its passhash: the login fails and no usable passhash stays") {
    // The login runs in `racing`, whose directory is the shared in-memory one seen through
    // WriteGate; the revoke runs in rig.service (another process, as far as the stores can
    // tell) at the one moment that matters: after the login's last look at Redis and
    // before its write.
    Rig rig(Fields{{"credentialCacheSize", "0"}});
    auto gate = std::make_shared<WriteGate>(rig.directory);
    wave::Service racing(wave_test::service_config(rig.app, {{"storage", wave_test::quoted("memory")}}), rig.sessions, gate);
    const std::string app_user = user("uma");
    const std::string token = token_of(app_user);
    wave::RevokeOutcome outcome;

    SUBCASE("first login: no document yet, so the write lands and is taken back") {
      gate->before_write = [&] { outcome = rig.service->revoke(token); };
    }
    SUBCASE("rotation: the document holds the previous token's credential") {
      rig.service->login(token_of(app_user, "previous"));
      gate->before_write = [&] { outcome = rig.service->revoke(token); };
    }
    const wave_status status = status_of([&] { racing.login(token); });
    REQUIRE(gate->writes >= 1);
    CHECK(status == WAVE_ERR_CONFLICT);
    CHECK(outcome.session_ended);
    const std::string id = outcome.internal_id;
    const auto doc = rig.directory->find_acl(id);
    REQUIRE(doc);
    CHECK(doc->credential_id.rfind("revoked-", 0) == 0);
    CHECK_FALSE(wave_test::python_bcrypt_verifies(token, doc->passhash));  // VerneMQ's path refuses it
    CHECK_FALSE(rig.sessions->find_credential(id));
    CHECK_FALSE(rig.service->authorize_register(id, id, token).granted);  // no re-login through the app
    CHECK_FALSE(racing.authorize_publish(id, "conversations/private/" + id + "/x").granted);
    // The app still accepts the token: logging in again starts over, as after any revoke.
    CHECK(rig.service->login(token).internal_id == id);
    CHECK(wave_test::python_bcrypt_verifies(token, rig.directory->find_acl(id)->passhash));
  }

  TEST_CASE("a check that read the stores just before a revoke does not cache its grant") {
    // One service: the revoke drops the cache entry while the check is between its read and
    // its fill, so without the cache's tickets the revoked password would stay granted
    // for credentialCacheTTLSeconds.
    Rig rig;
    auto sessions = std::make_shared<ReadGate>(rig.sessions);
    auto directory = std::make_shared<WriteGate>(rig.directory);
    wave::Service service(wave_test::service_config(rig.app, {{"storage", wave_test::quoted("memory")}}), sessions,
                          directory);
    const std::string token = token_of(user("tia"));
    const auto credentials = service.login(token);
    const std::string& id = credentials.internal_id;
    const std::string topic = "conversations/private/" + id + "/x";
    using wave::CheckMode;

    sessions->after_credential_read = [&] { service.revoke(token); };
    service.authorize_register(id, id, credentials.password);  // read before the revoke
    CHECK(service.authorize_register(id, id, credentials.password, CheckMode::cached_only).would_block);
    CHECK_FALSE(service.authorize_register(id, id, credentials.password).granted);

    const auto again = service.login(token);  // the app still accepts it: a new session
    REQUIRE(again.internal_id == id);
    bool revoked = false;
    directory->after_acl_read = [&] {
      if (!std::exchange(revoked, true)) service.revoke(token);
    };
    service.authorize_publish(id, topic);  // nothing cached: it reads the document, then the revoke lands
    directory->after_acl_read = nullptr;
    REQUIRE(revoked);
    CHECK(service.authorize_publish(id, topic, CheckMode::cached_only).would_block);
    CHECK_FALSE(service.authorize_publish(id, topic).granted);
  }

  TEST_CASE("the register fallback refuses an invalid token and another user's token with one reason") {
    Rig rig(Fields{{"sessionTTLSeconds", "60"}, {"credentialCacheSize", "0"}});
    const auto mine = rig.service->login(token_of(user("vera")));
    const std::string theirs = token_of(user("walt"));
    rig.service->login(theirs);
    rig.clock.advance(std::chrono::seconds(61));  // no live credential: the fallback asks the app
    const std::string me = mine.internal_id;
    const auto other_users = rig.service->authorize_register(me, me, theirs);
    const auto invalid = rig.service->authorize_register(me, me, "invalid" + wave_test::unique_name("guess"));
    CHECK_FALSE(other_users.granted);
    CHECK_FALSE(invalid.granted);
    CHECK(std::strcmp(other_users.reason, invalid.reason) == 0);
    CHECK(rig.service->stats().register_fallbacks == 2);
  }

  TEST_CASE("a wiped session store: the CONNECT check renews the session, with no bcrypt") {
    Rig rig(Fields{{"credentialCacheSize", "0"}});
    const std::string token = token_of(user("wendy"));
    const auto c = rig.service->login(token);
    const std::string id = c.internal_id;
    const std::string passhash = rig.directory->find_acl(id)->passhash;
    rig.sessions->clear();  // FLUSHALL
    const auto before = rig.service->stats();
    CHECK(rig.service->authorize_register(id, id, token).granted);
    const auto after = rig.service->stats();
    CHECK(after.bcrypt_runs == before.bcrypt_runs);
    CHECK(after.bcrypt_nanoseconds == before.bcrypt_nanoseconds);
    CHECK(after.register_fallbacks == before.register_fallbacks + 1);
    CHECK(rig.sessions->find_session(token) == id);
    REQUIRE(rig.sessions->find_credential(id));
    CHECK(rig.sessions->find_credential(id)->password_digest == wave::sha256_hex(token));
    CHECK(rig.directory->find_acl(id)->passhash == passhash);  // the document is not rewritten here
    // A login afterwards is warm and keeps the internal ID; its credential is new, so it
    // writes the passhash there (once), not in the CONNECT check.
    const auto again = rig.service->login(token);
    CHECK(again.internal_id == id);
    CHECK(rig.service->stats().bcrypt_hashes == after.bcrypt_hashes + 1);
    CHECK(wave_test::python_bcrypt_verifies(token, rig.directory->find_acl(id)->passhash));
    // A session store that kept the mapping (only the session expired) keeps the credential
    // ID too: renewal, then login, and no bcrypt anywhere.
    rig.clock.advance(std::chrono::seconds(601));
    const auto runs = rig.service->stats().bcrypt_runs;
    CHECK(rig.service->authorize_register(id, id, token).granted);
    CHECK(rig.service->login(token).internal_id == id);
    CHECK(rig.service->stats().bcrypt_runs == runs);
  }

  TEST_CASE("a revoke while the renewal asks the app: the renewal refuses and takes its session back") {
    Rig rig(Fields{{"credentialCacheSize", "0"}});
    auto gate = std::make_shared<WriteGate>(rig.directory);
    wave::Service broker(wave_test::service_config(rig.app, {{"storage", wave_test::quoted("memory")},
                                                             {"credentialCacheSize", "0"}}),
                         rig.sessions, gate);
    const std::string token = token_of(user("xena"));
    const std::string id = rig.service->login(token).internal_id;
    rig.sessions->clear();
    gate->before_identity = [&] {
      gate->before_identity = nullptr;
      rig.service->revoke(token);  // no session left: the app and bcrypt say it is this token's
    };
    const auto runs = broker.stats().bcrypt_runs;
    const auto decision = broker.authorize_register(id, id, token);
    CHECK_FALSE(decision.granted);
    CHECK(broker.stats().bcrypt_runs == runs);
    CHECK_FALSE(rig.sessions->find_session(token));
    CHECK_FALSE(rig.sessions->find_credential(id));
    CHECK(rig.directory->find_acl(id)->credential_id.rfind("revoked-", 0) == 0);
    CHECK_FALSE(broker.authorize_register(id, id, token).granted);
  }

  TEST_CASE("cache-only checks answer from the cache or say they would block") {
    Rig rig;
    const std::string token = token_of(user("yuri"));
    const std::string id = rig.service->login(token).internal_id;
    const std::string topic = "conversations/private/" + id + "/x";
    using wave::CheckMode;
    CHECK(rig.service->authorize_register(id, id, token, CheckMode::cached_only).would_block);
    CHECK(rig.service->authorize_publish(id, topic, CheckMode::cached_only).would_block);
    for (const auto& d : rig.service->authorize_subscribe(id, {"#", topic}, CheckMode::cached_only))
      CHECK(d.would_block);
    const auto blocked = rig.service->authorize_register(id, id, token, CheckMode::cached_only);
    CHECK_FALSE(blocked.granted);  // never a grant
    CHECK_FALSE(rig.service->authorize_register(id, "x", token, CheckMode::cached_only).would_block);  // no I/O needed
    CHECK(rig.service->authorize_register(id, id, token).granted);
    CHECK(rig.service->authorize_publish(id, topic).granted);
    const auto stats = rig.service->stats();
    CHECK(stats.cache_entries == 1);
    CHECK(rig.service->authorize_register(id, id, token, CheckMode::cached_only).granted);
    CHECK(rig.service->authorize_publish(id, topic, CheckMode::cached_only).granted);
    const auto answers = rig.service->authorize_subscribe(id, {"#", "conversations/private/+/" + id}, CheckMode::cached_only);
    CHECK_FALSE(answers.at(0).granted);
    CHECK_FALSE(answers.at(0).would_block);
    CHECK(answers.at(1).granted);
    CHECK(rig.service->stats().cache_hits == stats.cache_hits + 3);
    CHECK(rig.service->stats().would_block == 4);
    // A revoke through this service drops the entry: cache-only must not grant it any longer.
    rig.service->revoke(token);
    CHECK(rig.service->authorize_register(id, id, token, CheckMode::cached_only).would_block);
    CHECK(rig.service->stats().cache_entries == 0);
  }
}

// ---- Issue 10: limits, rate limits, concurrent membership changes, refusals -------------

namespace {

bool has_group_patterns(const wave::AclDocument& doc, const std::string& gid, const std::string& member) {
  const auto patterns = wave::acl::group_patterns(gid, member);
  const auto in = [](const std::vector<std::string>& set, const std::string& p) {
    return std::find(set.begin(), set.end(), p) != set.end();
  };
  return in(doc.publish_acl, patterns.publish.at(0)) && in(doc.subscribe_acl, patterns.subscribe.at(0));
}

bool has_any_group_pattern(const wave::AclDocument& doc, const std::string& gid) {
  for (const auto& p : doc.publish_acl)
    if (p.find(gid) != std::string::npos) return true;
  for (const auto& p : doc.subscribe_acl)
    if (p.find(gid) != std::string::npos) return true;
  return false;
}

template <class F>
std::uint32_t retry_after_of(F&& call) {
  try {
    call();
  } catch (const wave::Error& error) {
    return error.status() == WAVE_ERR_RATE_LIMITED ? error.retry_after_ms() : 0;
  }
  return 0;
}

}  // namespace

TEST_SUITE("service.limits") {
  TEST_CASE("group limits: members per group, groups per user (creator and added user): CONFLICT") {
    Rig rig(Fields{{"maxGroupsPerUser", "2"}, {"maxGroupMembers", "3"}});
    const std::string a = user("lim-a"), b = user("lim-b"), c = user("lim-c"), d = user("lim-d");
    for (const auto& u : {a, b, c, d}) rig.service->login(token_of(u));
    // Members at create: the owner counts.
    CHECK(status_of([&] { rig.service->create_group(token_of(a), "big", {b, c, d}); }) == WAVE_ERR_CONFLICT);
    const auto g1 = rig.service->create_group(token_of(a), "g1", {b, c});
    CHECK(g1.group.members.size() == 3);
    // Members at add (a full group), while an existing member's add stays idempotent.
    CHECK(status_of([&] { rig.service->add_group_member(token_of(a), g1.group.id, d); }) == WAVE_ERR_CONFLICT);
    CHECK_FALSE(rig.service->add_group_member(token_of(a), g1.group.id, b));
    // The creator's count: a is in g1; a second group is allowed, a third is not.
    const auto g2 = rig.service->create_group(token_of(a), "g2", {});
    CHECK(status_of([&] { rig.service->create_group(token_of(a), "g3", {}); }) == WAVE_ERR_CONFLICT);
    // The victim's count at add: b is in g1; d creates g4 and g5 with b... the second is refused.
    const auto g4 = rig.service->create_group(token_of(d), "g4", {});
    CHECK(rig.service->add_group_member(token_of(d), g4.group.id, b));
    CHECK(rig.service->list_groups(token_of(b)).size() == 2);
    CHECK(status_of([&] { rig.service->add_group_member(token_of(a), g2.group.id, b); }) == WAVE_ERR_CONFLICT);
    // ... and a requested member at create.
    CHECK(status_of([&] { rig.service->create_group(token_of(c), "g5", {b}); }) == WAVE_ERR_CONFLICT);
    CHECK(rig.service->list_groups(token_of(b)).size() == 2);
    // Nothing of the refused calls was written.
    CHECK(rig.service->list_groups(token_of(c)).size() == 1);
  }

  TEST_CASE("group creations per hour: a token bucket per creator, RATE_LIMITED with the retry time") {
    Rig rig(Fields{{"groupCreationsPerHour", "2"}});
    const std::string a = user("rate-a"), b = user("rate-b");
    rig.service->login(token_of(a));
    rig.service->login(token_of(b));
    rig.service->create_group(token_of(a), "one", {});
    rig.service->create_group(token_of(a), "two", {});
    const std::uint32_t wait = retry_after_of([&] { rig.service->create_group(token_of(a), "three", {}); });
    CHECK(wait > 0);
    CHECK(wait <= 30u * 60u * 1000u);  // one token every 30 minutes
    CHECK(rig.service->stats().rate_limited == 1);
    CHECK(rig.service->list_groups(token_of(a)).size() == 2);
    rig.service->create_group(token_of(b), "another user's bucket", {});  // per user
    rig.clock.advance(std::chrono::seconds(wait / 1000 + 1));
    rig.service->create_group(token_of(a), "three", {});
    CHECK(status_of([&] { rig.service->create_group(token_of(a), "four", {}); }) == WAVE_ERR_RATE_LIMITED);
    CHECK(rig.service->stats().rate_limited == 2);
  }

  TEST_CASE("credential changes (bcrypt) are limited per user; a warm login never is") {
    Rig rig(Fields{{"credentialChangeBurst", "2"}, {"credentialChangesPerHour", "6"}, {"bcryptCost", "4"}});
    const std::string a = user("cred-a");
    const auto first = rig.service->login(token_of(a, "t1"));  // bcrypt 1
    rig.service->login(token_of(a, "t2"));                     // rotation: bcrypt 2
    const auto bcrypts = rig.service->stats().bcrypt_runs;
    for (int i = 0; i < 5; ++i) CHECK(rig.service->login(token_of(a, "t2")).internal_id == first.internal_id);  // warm
    CHECK(rig.service->stats().bcrypt_runs == bcrypts);
    CHECK(rig.service->stats().rate_limited == 0);
    // A revoke is refused before it changes anything: the session stays.
    const std::uint32_t wait = retry_after_of([&] { rig.service->revoke(token_of(a, "t2")); });
    CHECK(wait > 0);
    CHECK(wait <= 10u * 60u * 1000u);  // one token every 10 minutes
    CHECK(rig.service->login(token_of(a, "t2")).internal_id == first.internal_id);
    CHECK(rig.service->stats().bcrypt_runs == bcrypts);
    // A login that would write a new passhash is refused too, without bcrypt, and before it
    // rotates: the current token keeps working.
    CHECK(status_of([&] { rig.service->login(token_of(a, "t3")); }) == WAVE_ERR_RATE_LIMITED);
    CHECK(rig.service->stats().bcrypt_runs == bcrypts);
    CHECK(rig.service->stats().rate_limited == 2);
    CHECK(rig.service->login(token_of(a, "t2")).internal_id == first.internal_id);
    CHECK(rig.service->stats().bcrypt_runs == bcrypts);
    rig.clock.advance(std::chrono::seconds(10 * 60 + 1));
    CHECK(rig.service->login(token_of(a, "t3")).internal_id == first.internal_id);
    CHECK(rig.service->stats().bcrypt_runs == bcrypts + 1);
  }

  TEST_CASE("add and remove of one member at once, 1000 times, two services: patterns iff member") {
    const std::string app = wave_test::fixture_uri("app");
    const auto config = wave_test::service_config(app, {{"storage", wave_test::quoted("memory")},
                                                        {"maxGroupsPerUser", "100000"}});
    auto sessions = std::make_shared<wave::MemorySessionStore>();
    auto memory = std::make_shared<wave::MemoryDirectoryStore>();
    auto gate = std::make_shared<WriteGate>(memory);
    wave::Service first(config, sessions, gate);
    wave::Service second(config, sessions, gate);
    const std::string owner = user("race-owner"), member = user("race-member");
    first.login(token_of(owner));
    const std::string member_id = first.login(token_of(member)).internal_id;
    const std::string gid = first.create_group(token_of(owner), "race", {}).group.id;
    gate->around_groups = [] {
      // Short random pauses between the steps, so that the two calls interleave every way.
      thread_local std::uint64_t state = std::hash<std::thread::id>{}(std::this_thread::get_id()) | 1u;
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      if (state % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(state % 50));
      else std::this_thread::yield();
    };
    int mismatches = 0;
    int members = 0;
    for (int round = 0; round < 1000; ++round) {
      std::thread adder([&] { first.add_group_member(token_of(owner), gid, member); });
      std::thread remover([&] { second.remove_group_member(token_of(owner), gid, member); });
      adder.join();
      remover.join();
      const auto group = memory->find_group(gid);
      const bool is_member = std::find(group->members.begin(), group->members.end(), member_id) != group->members.end();
      const auto doc = memory->find_acl(member_id);
      const bool patterns = has_group_patterns(*doc, gid, member_id);
      const bool any = has_any_group_pattern(*doc, gid);
      if (is_member != patterns || patterns != any) ++mismatches;
      members += is_member ? 1 : 0;
    }
    gate->around_groups = nullptr;
    CHECK(mismatches == 0);
    MESSAGE("rounds that ended with the member in the group: " << members << " of 1000");
  }

  TEST_CASE("tokens with surrounding spaces or over the app client's limit are refusals, on every path") {
    Rig rig(Fields{{"tokenValidationRegex", wave_test::quoted("[ A-Za-z0-9:_.-]+")},
                   {"tokenMaxLength", "20000"}});
    const std::string a = user("spaces");
    const std::string token = token_of(a);
    const auto credentials = rig.service->login(token);
    for (const std::string& bad : {" " + token, token + " ", std::string(9000, 'x')}) {
      CHECK(status_of([&] { rig.service->login(bad); }) == WAVE_ERR_INVALID_TOKEN);
      CHECK(status_of([&] { rig.service->revoke(bad); }) == WAVE_ERR_INVALID_TOKEN);
      CHECK(status_of([&] { rig.service->list_groups(bad); }) == WAVE_ERR_INVALID_TOKEN);
    }
    CHECK(status_of([&] { rig.service->login(std::string(20001, 'x')); }) == WAVE_ERR_INVALID_TOKEN);
    // A broker's CONNECT with such a password, when the session must be renewed: denied,
    // with the same reason as any other token that is not the user's.
    rig.sessions->clear();
    const auto spaced = rig.service->authorize_register(credentials.internal_id, credentials.internal_id, " " + token);
    CHECK_FALSE(spaced.granted);
    CHECK_FALSE(spaced.would_block);
    // One reason for every refusal that depends on the stores: a wrong password, an unknown
    // user, a logged-out user, a malformed token, all read the same to a broker.
    const auto unknown = rig.service->authorize_register(wave::uuid_v4(), "", token);
    const std::string stranger = wave::uuid_v4();
    const auto unknown_user = rig.service->authorize_register(stranger, stranger, token);
    CHECK_FALSE(unknown.granted);
    CHECK_FALSE(unknown_user.granted);
    CHECK(std::string(unknown_user.reason) == spaced.reason);
    rig.service->login(token);  // a live credential again
    const auto wrong = rig.service->authorize_register(credentials.internal_id, credentials.internal_id, token + "x");
    CHECK_FALSE(wrong.granted);
    CHECK(std::string(wrong.reason) == spaced.reason);
    rig.service->revoke(token);
    rig.sessions->clear();
    const auto logged_out = rig.service->authorize_register(credentials.internal_id, credentials.internal_id, token);
    CHECK_FALSE(logged_out.granted);
    CHECK(std::string(logged_out.reason) == spaced.reason);
  }
}
