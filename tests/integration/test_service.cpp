// The Wave service on the real servers: redis-server, FerretDB (MongoDB) and the app's
// HTTP endpoint (fixtures redis, mongo, app).  Documents are read back with the MongoDB C
// driver and keys with redis-cli, so the tests see what VerneMQ and operators see.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "acl/acl.hpp"
#include "crypto/uuid.hpp"
#include "integration/raw_mongo.hpp"
#include "integration/test_service_raw.hpp"
#include "integration/test_backends.hpp"
#include "integration/test_service_support.hpp"
#include "redis/redis_session_store.hpp"
#include "service/service.hpp"

namespace {

using wave_test::status_of;

// A service on the shared fixture servers, in a Redis key prefix and MongoDB database of
// its own.  more() builds further services on the same stores: other processes (the
// webhook server, another CLI run) as far as the tests can tell.
struct Rig {
  std::string name;
  std::string redis = wave_test::fixture_uri("redis");
  std::string mongo = wave_test::fixture_uri("mongo");
  std::string app = wave_test::fixture_uri("app");
  wave_test::RawMongo raw;
  std::map<std::string, std::string> fields;
  std::unique_ptr<wave::Service> service;

  explicit Rig(const char* tag, std::map<std::string, std::string> extra = {})
      : name(wave_test::unique_name(tag)), raw(mongo, name), fields(std::move(extra)) {
    service = more();
  }
  std::unique_ptr<wave::Service> more(std::map<std::string, std::string> overrides = {}) {
    for (const auto& [key, value] : fields) overrides.try_emplace(key, value);
    return wave_test::new_service_on(wave_test::servers_config(redis, mongo, app, name, overrides));
  }
  std::string redis_key(const std::string& key) const { return "'" + name + ":" + key + "'"; }
};

std::string user(const char* name) { return wave_test::unique_name(name); }
std::string token_of(const std::string& app_user, const char* tag = "t1") { return "user:" + app_user + ":" + tag; }

bool has(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// Whether any of the document's patterns names the group.
bool mentions(const wave_test::BsonDoc& doc, const std::string& group_id) {
  for (const char* field : {"publish_acl", "subscribe_acl"})
    for (const auto& pattern : doc.patterns(field))
      if (pattern.find(group_id) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_SUITE("service.servers") {
  TEST_CASE("login: the vmq_acl_auth document field by field, its passhash verified by python3-bcrypt") {
    Rig rig("doc", {{"sessionTTLSeconds", "300"}});
    const std::string alice = user("alice");
    const std::string token = token_of(alice);
    const auto c = rig.service->login(token);
    REQUIRE(wave::acl::is_valid_user_id(c.internal_id));

    const auto doc = rig.raw.acl(c.internal_id);
    CHECK(doc.text("mountpoint") == "");
    CHECK(doc.text("client_id") == c.internal_id);
    CHECK(doc.text("username") == c.internal_id);
    const std::string passhash = doc.text("passhash");
    CHECK(passhash.size() == 60);
    CHECK(passhash.rfind("$2a$04$", 0) == 0);  // $2a$ (VerneMQ's bcrypt), the configured cost
    CHECK(wave_test::python_bcrypt_verifies(c.password, passhash));
    CHECK_FALSE(wave_test::python_bcrypt_verifies(c.password + "x", passhash));
    const auto own = wave::acl::private_patterns(c.internal_id);
    CHECK(doc.patterns("publish_acl") == own.publish);
    CHECK(doc.patterns("subscribe_acl") == own.subscribe);
    CHECK(doc.patterns("publish_acl") == std::vector<std::string>{"conversations/private/" + c.internal_id + "/+"});
    CHECK(doc.patterns("subscribe_acl") == std::vector<std::string>{"conversations/private/+/" + c.internal_id});
    CHECK(doc.text("wave_app_user_id") == alice);
    CHECK_FALSE(doc.text("wave_credential_id").empty());
    for (const auto& key : doc.keys())
      CHECK_MESSAGE((key == "_id" || key == "mountpoint" || key == "client_id" || key == "username" ||
                     key == "passhash" || key == "publish_acl" || key == "subscribe_acl" || key.rfind("wave_", 0) == 0),
                    key);
    CHECK(rig.raw.find_where("vmq_acl_auth", "client_id", "*").empty());
    CHECK(rig.raw.find("vmq_acl_auth").size() == 1);
    CHECK(rig.raw.find_where("wave_identities", "_id", alice).size() == 1);

    // Redis: the seed's key layout, under this test's prefix.
    CHECK(wave_test::redis_cli(rig.redis, "GET " + rig.redis_key("session:" + token)) == c.internal_id);
    CHECK(wave_test::redis_cli(rig.redis, "HGET " + rig.redis_key("mapping:" + alice) + " internalWaveUserID") ==
          c.internal_id);
    CHECK(wave_test::redis_cli(rig.redis, "HGET " + rig.redis_key("mapping:" + alice) + " token") == token);
    const int ttl = std::stoi(wave_test::redis_cli(rig.redis, "TTL " + rig.redis_key("session:" + token)));
    CHECK(ttl > 0);
    CHECK(ttl <= 300);

    CHECK(c.client_id == c.internal_id);
    CHECK(c.username == c.internal_id);
    CHECK(c.password == token);
    CHECK(c.publish_acl == own.publish);
    CHECK(c.subscribe_acl == own.subscribe);
  }

  TEST_CASE("rate limits hold across processes: credential changes and group creations share Redis buckets") {
    Rig rig("rates", {{"credentialChangeBurst", "2"}, {"groupCreationsPerHour", "1"}});
    auto other = rig.more();
    const std::string me = user("rita");
    rig.service->login(token_of(me, "t1"));  // bcrypt: one token
    other->login(token_of(me, "t2"));        // another process's rotation: the second
    for (int i = 0; i < 3; ++i) CHECK(rig.service->login(token_of(me, "t2")).app_user_id == me);  // warm: never limited
    CHECK(status_of([&] { other->revoke(token_of(me, "t2")); }) == WAVE_ERR_RATE_LIMITED);
    CHECK(rig.service->login(token_of(me, "t2")).app_user_id == me);  // the refused revoke changed nothing
    try {
      rig.service->login(token_of(me, "t3"));
      FAIL("a third credential change was allowed");
    } catch (const wave::Error& error) {
      CHECK(error.status() == WAVE_ERR_RATE_LIMITED);
      CHECK(error.retry_after_ms() > 0);
    }
    CHECK(other->login(token_of(me, "t2")).app_user_id == me);  // refused before it rotated
    CHECK(rig.service->stats().rate_limited + other->stats().rate_limited == 2);
    const std::string owner = user("gail");
    rig.service->login(token_of(owner));
    rig.service->create_group(token_of(owner), "first", {});
    CHECK(status_of([&] { other->create_group(token_of(owner), "second", {}); }) == WAVE_ERR_RATE_LIMITED);
  }

  TEST_CASE("a repeat login runs no bcrypt and asks nobody, in this process or another") {
    Rig rig("repeat");
    const std::string token = token_of(user("bob"));
    const auto first = rig.service->login(token);
    CHECK(rig.service->stats().bcrypt_hashes == 1);
    const std::string credential = rig.raw.acl(first.internal_id).text("wave_credential_id");
    const std::string passhash = rig.raw.acl(first.internal_id).text("passhash");
    const int calls = wave_test::app_calls_for(rig.app, token);

    for (int i = 0; i < 3; ++i) CHECK(rig.service->login(token).internal_id == first.internal_id);
    auto other = rig.more();
    CHECK(other->login(token).internal_id == first.internal_id);
    CHECK(rig.service->stats().bcrypt_hashes == 1);
    CHECK(other->stats().bcrypt_hashes == 0);
    CHECK(other->stats().warm_logins == 1);
    CHECK(wave_test::app_calls_for(rig.app, token) == calls);
    CHECK(rig.raw.acl(first.internal_id).text("wave_credential_id") == credential);
    CHECK(rig.raw.acl(first.internal_id).text("passhash") == passhash);
  }

  TEST_CASE("64 parallel first logins of one user: one internal ID, one document, one identity") {
    // Python's http.server (the harness's app) listens with a backlog of 5: TCP retries
    // the other connects after 1 s, 3 s...; generous timeouts keep that from failing them.
    Rig rig("race", {{"httpConnectTimeoutMs", "15000"}, {"httpTimeoutMs", "30000"}});
    const std::string carol = user("carol");
    const std::string token = token_of(carol);
    std::vector<std::unique_ptr<wave::Service>> services;
    for (int i = 0; i < 4; ++i) services.push_back(rig.more());  // four "processes"
    std::vector<std::string> ids(64);
    std::vector<wave_status> statuses(64, WAVE_OK);
    std::vector<std::thread> threads;
    for (int i = 0; i < 64; ++i)
      threads.emplace_back([&, i] {
        statuses[i] = status_of([&] { ids[i] = services[i % 4]->login(token).internal_id; });
      });
    for (auto& t : threads) t.join();
    for (const auto status : statuses) CHECK(status == WAVE_OK);
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 1);
    std::uint64_t bcrypts = 0;
    for (const auto& s : services) bcrypts += s->stats().bcrypt_hashes;
    CHECK(bcrypts >= 1);
    CHECK(bcrypts <= 4);  // at most once per process, however many logins race
    CHECK(rig.raw.find("vmq_acl_auth").size() == 1);
    CHECK(rig.raw.find("wave_identities").size() == 1);
    const auto doc = rig.raw.acl(ids[0]);
    CHECK(wave_test::python_bcrypt_verifies(token, doc.text("passhash")));
    CHECK(doc.patterns("publish_acl").size() == 1);
    CHECK(doc.patterns("subscribe_acl").size() == 1);
  }

  TEST_CASE("rotation: same internal ID; the old token refused by login, register and MongoDB") {
    Rig rig("rotate");
    auto broker = rig.more({{"credentialCacheSize", "0"}});  // another process, no cache
    const std::string dan = user("dan");
    const std::string old_token = token_of(dan, "old");
    const std::string new_token = token_of(dan, "new");
    const auto before = rig.service->login(old_token);
    const std::string id = before.internal_id;
    CHECK(rig.service->authorize_register(id, id, old_token).granted);
    CHECK(broker->authorize_register(id, id, old_token).granted);

    wave_test::app_control(rig.app, "revoke", old_token);  // the app replaced the token
    const auto after = rig.service->login(new_token);
    CHECK(after.internal_id == id);
    CHECK(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("session:" + old_token)) == "0");
    CHECK(wave_test::redis_cli(rig.redis, "HGET " + rig.redis_key("mapping:" + dan) + " token") == new_token);
    CHECK(wave_test::redis_cli(rig.redis, "HGET " + rig.redis_key("mapping:" + dan) + " internalWaveUserID") == id);

    CHECK(status_of([&] { rig.service->login(old_token); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK_FALSE(rig.service->authorize_register(id, id, old_token).granted);
    CHECK_FALSE(broker->authorize_register(id, id, old_token).granted);
    CHECK(broker->authorize_register(id, id, new_token).granted);
    const std::string passhash = rig.raw.acl(id).text("passhash");
    CHECK_FALSE(wave_test::python_bcrypt_verifies(old_token, passhash));
    CHECK(wave_test::python_bcrypt_verifies(new_token, passhash));
    CHECK(rig.raw.find("vmq_acl_auth").size() == 1);
  }

  TEST_CASE("revoke is immediate: session, register, publish, and VerneMQ's MongoDB path") {
    Rig rig("revoke");
    auto broker = rig.more({{"credentialCacheSize", "0"}});
    const std::string token = token_of(user("erin"));
    const auto c = rig.service->login(token);
    const std::string id = c.internal_id;
    const std::string topic = "conversations/private/" + id + "/" + wave::uuid_v4();
    CHECK(broker->authorize_register(id, id, token).granted);
    CHECK(rig.service->authorize_publish(id, topic).granted);

    const auto outcome = rig.service->revoke(token);
    CHECK(outcome.session_ended);
    CHECK(outcome.passhash_replaced);
    CHECK(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("session:" + token)) == "0");
    CHECK(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("credential:" + id)) == "0");
    CHECK_FALSE(rig.service->authorize_register(id, id, token).granted);
    CHECK_FALSE(broker->authorize_register(id, id, token).granted);
    CHECK_FALSE(rig.service->authorize_publish(id, topic).granted);
    CHECK_FALSE(broker->authorize_publish(id, topic).granted);
    const auto doc = rig.raw.acl(id);
    CHECK(doc.text("passhash").rfind("$2a$04$", 0) == 0);
    CHECK_FALSE(wave_test::python_bcrypt_verifies(token, doc.text("passhash")));
    CHECK(doc.patterns("publish_acl").size() == 1);  // the ACLs stay; only the password goes
    CHECK(status_of([&] { rig.service->revoke(token); }) == WAVE_ERR_NOT_FOUND);
    // The identity survives a logout.
    CHECK(rig.service->login(token).internal_id == id);
    CHECK(broker->authorize_register(id, id, token).granted);
  }

  TEST_CASE("session TTL: after it the app is asked again, so a token the app revoked stops working") {
    Rig rig("ttl", {{"sessionTTLSeconds", "1"}, {"credentialCacheSize", "0"}});
    const std::string token = token_of(user("fay"));
    const auto c = rig.service->login(token);
    wave_test::app_control(rig.app, "revoke", token);
    CHECK(rig.service->login(token).internal_id == c.internal_id);  // within the TTL: the session holds
    std::this_thread::sleep_for(std::chrono::milliseconds(1600));
    CHECK(status_of([&] { rig.service->login(token); }) == WAVE_ERR_INVALID_TOKEN);
    CHECK_FALSE(rig.service->authorize_register(c.internal_id, c.internal_id, token).granted);
    CHECK(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("session:" + token)) == "0");
  }

  TEST_CASE("resolve: Redis, then MongoDB for users Redis does not know") {
    Rig rig("resolve");
    const std::string gus = user("gus");
    const std::string hal = user("hal");
    const auto g = rig.service->login(token_of(gus));
    const auto h = rig.service->login(token_of(hal));
    wave_test::redis_cli(rig.redis, "DEL " + rig.redis_key("mapping:" + hal));
    const auto resolved = rig.service->resolve(token_of(gus), {hal, gus, "nobody-" + gus});
    REQUIRE(resolved.size() == 3);
    CHECK(resolved[0].internal_id == std::optional<std::string>(h.internal_id));
    CHECK(resolved[1].internal_id == std::optional<std::string>(g.internal_id));
    CHECK_FALSE(resolved[2].internal_id);
  }

  TEST_CASE("groups on the real stores: memberships in wave_groups, patterns with $addToSet/$pull") {
    Rig rig("groups");
    const std::string owner_app = user("ida");
    const std::string member_app = user("jon");
    const std::string owner_token = token_of(owner_app);
    const std::string member_token = token_of(member_app);
    const auto owner = rig.service->login(owner_token);
    const auto member = rig.service->login(member_token);

    const auto created = rig.service->create_group(owner_token, "crew", {member_app, "ghost-" + owner_app});
    const std::string gid = created.group.id;
    CHECK(created.unknown_app_user_ids == std::vector<std::string>{"ghost-" + owner_app});
    const auto stored = rig.raw.find_where("wave_groups", "_id", gid);
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].text("name") == "crew");
    CHECK(stored[0].text("owner") == owner.internal_id);
    CHECK(stored[0].strings("members") == std::vector<std::string>{owner.internal_id, member.internal_id});
    const auto patterns = wave::acl::group_patterns(gid, member.internal_id);
    auto doc = rig.raw.acl(member.internal_id);
    for (const auto& p : patterns.publish) CHECK(has(doc.patterns("publish_acl"), p));
    for (const auto& p : patterns.subscribe) CHECK(has(doc.patterns("subscribe_acl"), p));
    CHECK(wave_test::python_bcrypt_verifies(member_token, doc.text("passhash")));  // untouched

    // A repeated add changes nothing ($addToSet): no duplicates.
    CHECK_FALSE(rig.service->add_group_member(owner_token, gid, member_app));
    doc = rig.raw.acl(member.internal_id);
    CHECK(doc.patterns("publish_acl").size() == 2);
    CHECK(doc.patterns("subscribe_acl").size() == 2);
    CHECK(rig.service->login(member_token).groups == std::vector<std::string>{gid});

    CHECK(status_of([&] { rig.service->add_group_member(member_token, gid, owner_app); }) == WAVE_ERR_DENIED);
    CHECK(status_of([&] { rig.service->leave_group(owner_token, gid); }) == WAVE_ERR_CONFLICT);
    rig.service->leave_group(member_token, gid);
    doc = rig.raw.acl(member.internal_id);
    for (const auto& p : patterns.publish) CHECK_FALSE(has(doc.patterns("publish_acl"), p));
    CHECK(rig.raw.find_where("wave_groups", "_id", gid)[0].strings("members") ==
          std::vector<std::string>{owner.internal_id});

    CHECK(rig.service->add_group_member(owner_token, gid, member_app));
    CHECK(rig.service->group_members(member_token, gid).members.size() == 2);
    CHECK(rig.service->list_groups(owner_token).size() == 1);
    rig.service->delete_group(owner_token, gid);
    CHECK(rig.raw.find_where("wave_groups", "_id", gid).empty());
    for (const auto& id : {owner.internal_id, member.internal_id}) {
      const auto d = rig.raw.acl(id);
      CHECK(d.patterns("publish_acl").size() == 1);
      CHECK(d.patterns("subscribe_acl").size() == 1);
    }
    CHECK(rig.service->list_groups(member_token).empty());
  }
  TEST_CASE("a revoke during a login's bcrypt: the login fails and no usable passhash of the token stays") {
    Rig rig("revrace", {{"credentialCacheSize", "0"}});
    auto slow = rig.more({{"bcryptCost", "13"}});  // a login whose bcrypt takes a while (~0.4 s)
    wave::RedisSessionStore redis(wave::RedisOptions{rig.redis, rig.name + ":", 2, 1000});
    const std::string app_user = user("rita");
    const std::string token = token_of(app_user, "new");
    // The document holds an older credential, so the login with `token` must run bcrypt.
    const std::string id = rig.service->login(token_of(app_user, "old")).internal_id;
    const std::string topic = "conversations/private/" + id + "/" + wave::uuid_v4();

    std::atomic<bool> login_done{false};
    wave_status login_status = WAVE_OK;
    std::jthread login([&] {
      login_status = status_of([&] { slow->login(token); });
      login_done = true;
    });
    // Once session:<token> exists, the login has mapped its new credential in Redis and is
    // on its way to (or in) bcrypt, which takes far longer than the revoke: revoke the token
    // now, from another process.  Wherever the revoke lands before the login's write, the
    // outcome must be the same.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool mapped = false;
    while (!login_done && !mapped && std::chrono::steady_clock::now() < deadline) {
      mapped = redis.find_session(token).has_value();
      if (!mapped) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(mapped);
    REQUIRE_FALSE(login_done.load());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // typically inside the bcrypt by now
    const auto outcome = rig.service->revoke(token);
    login.join();

    CHECK(outcome.session_ended);
    CHECK(login_status == WAVE_ERR_CONFLICT);
    CHECK(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("session:" + token)) == "0");
    CHECK(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("credential:" + id)) == "0");
    const auto doc = rig.raw.acl(id);
    CHECK(doc.text("wave_credential_id").rfind("revoked-", 0) == 0);
    CHECK_FALSE(wave_test::python_bcrypt_verifies(token, doc.text("passhash")));  // VerneMQ's path refuses it
    CHECK_FALSE(rig.service->authorize_register(id, id, token).granted);
    CHECK_FALSE(rig.service->authorize_publish(id, topic).granted);
    CHECK(rig.raw.find("vmq_acl_auth").size() == 1);

    // The app still accepts the token: logging in again starts over, as after any revoke.
    CHECK(rig.service->login(token).internal_id == id);
    CHECK(wave_test::python_bcrypt_verifies(token, rig.raw.acl(id).text("passhash")));
    CHECK(rig.service->authorize_publish(id, topic).granted);
  }

  TEST_CASE("revoke of a token whose session is gone but whose Redis credential is not: both go") {
    Rig rig("revcred");
    auto broker = rig.more({{"credentialCacheSize", "0"}});
    const std::string app_user = user("sven");
    const std::string token = token_of(app_user);
    const std::string id = rig.service->login(token).internal_id;
    CHECK(broker->authorize_register(id, id, token).granted);
    CHECK(rig.service->authorize_register(id, id, token).granted);  // now in rig.service's cache too

    // The session key alone is lost (evicted, or deleted by hand); the credential stays.
    wave_test::redis_cli(rig.redis, "DEL " + rig.redis_key("session:" + token));
    REQUIRE(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("credential:" + id)) == "1");
    const auto outcome = rig.service->revoke(token);
    CHECK_FALSE(outcome.session_ended);
    CHECK(outcome.passhash_replaced);
    CHECK(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("credential:" + id)) == "0");
    CHECK_FALSE(broker->authorize_register(id, id, token).granted);
    CHECK_FALSE(rig.service->authorize_register(id, id, token).granted);
    CHECK_FALSE(wave_test::python_bcrypt_verifies(token, rig.raw.acl(id).text("passhash")));

    // Only that token's credential goes: revoking it again leaves a newer token's alone.
    const std::string newer = token_of(app_user, "t2");
    CHECK(rig.service->login(newer).internal_id == id);
    CHECK(status_of([&] { rig.service->revoke(token); }) == WAVE_ERR_NOT_FOUND);
    CHECK(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("credential:" + id)) == "1");
    CHECK(broker->authorize_register(id, id, newer).granted);
  }

  TEST_CASE("Redis and MongoDB disagreeing on an internal ID: CONFLICT, and nothing written to Redis") {
    Rig rig("idclash");
    const std::string app_user = user("tess");
    const std::string first_token = token_of(app_user, "t1");
    const std::string id = rig.service->login(first_token).internal_id;
    const std::string wrong = wave::uuid_v4();
    wave_test::redis_cli(rig.redis, "HSET " + rig.redis_key("mapping:" + app_user) + " internalWaveUserID " + wrong);

    const std::string token = token_of(app_user, "t2");
    CHECK(status_of([&] { rig.service->login(token); }) == WAVE_ERR_CONFLICT);
    CHECK(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("session:" + token)) == "0");
    CHECK(wave_test::redis_cli(rig.redis, "EXISTS " + rig.redis_key("credential:" + wrong)) == "0");
    CHECK(wave_test::redis_cli(rig.redis, "HGET " + rig.redis_key("mapping:" + app_user) + " token") == first_token);
    CHECK(rig.raw.find_where("vmq_acl_auth", "client_id", wrong).empty());

    // As the message says: delete the mapping, and it is rebuilt from MongoDB.
    wave_test::redis_cli(rig.redis, "DEL " + rig.redis_key("mapping:" + app_user));
    CHECK(rig.service->login(token).internal_id == id);
  }

  TEST_CASE("a fault midway through a group delete leaves the group, so that a retry finishes the job") {
    Rig rig("gdel");
    const std::string owner_app = user("olaf");
    const std::string a_app = user("anna");
    const std::string b_app = user("bert");
    const std::string owner_token = token_of(owner_app);
    const auto owner = rig.service->login(owner_token);
    const auto a = rig.service->login(token_of(a_app));
    const auto b = rig.service->login(token_of(b_app));
    const auto created = rig.service->create_group(owner_token, "crew", {a_app, b_app});
    const std::string gid = created.group.id;
    REQUIRE(created.group.members == std::vector<std::string>{owner.internal_id, a.internal_id, b.internal_id});
    for (const auto& id : {owner.internal_id, a.internal_id, b.internal_id}) REQUIRE(mentions(rig.raw.acl(id), gid));

    // Damage the second member's document so that MongoDB refuses to pull patterns from it:
    // a real server error in the middle of the delete (after the owner, before b).
    const std::string a_filter = R"({"client_id": ")" + a.internal_id + R"("})";
    const auto a_subscribe = rig.raw.acl(a.internal_id).patterns("subscribe_acl");
    REQUIRE(rig.raw.update("vmq_acl_auth", a_filter, R"({"$set": {"subscribe_acl": "damaged"}})") == 0);
    CHECK(status_of([&] { rig.service->delete_group(owner_token, gid); }) == WAVE_ERR_BACKEND);
    CHECK(rig.raw.find_where("wave_groups", "_id", gid).size() == 1);  // still there for the retry

    // An operator repairs the document; the retry finishes what the first attempt began.
    std::string repair = R"({"$set": {"subscribe_acl": [)";
    for (std::size_t i = 0; i < a_subscribe.size(); ++i)
      repair += (i == 0 ? "" : ",") + std::string(R"({"pattern": ")") + a_subscribe[i] + R"("})";
    repair += "]}}";
    REQUIRE(rig.raw.update("vmq_acl_auth", a_filter, repair) == 0);
    CHECK(status_of([&] { rig.service->delete_group(owner_token, gid); }) == WAVE_OK);
    CHECK(rig.raw.find_where("wave_groups", "_id", gid).empty());
    for (const auto& id : {owner.internal_id, a.internal_id, b.internal_id}) {
      CAPTURE(id);
      const auto doc = rig.raw.acl(id);
      CHECK_FALSE(mentions(doc, gid));
      CHECK(doc.patterns("publish_acl").size() == 1);  // the private patterns stay
      CHECK(doc.patterns("subscribe_acl").size() == 1);
    }
    CHECK(status_of([&] { rig.service->delete_group(owner_token, gid); }) == WAVE_ERR_NOT_FOUND);
  }
}
