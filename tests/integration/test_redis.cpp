// RedisSessionStore against real redis-server processes: the `redis` fixture, private
// servers stopped and restarted mid-run, and servers started here on unix sockets / with
// passwords.  Stored data is checked with raw hiredis commands, independent of the store.
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "integration/test_errors.hpp"
#include "integration/test_servers.hpp"
#include "redis/redis_session_store.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using wave::MapRequest;
using wave::RedisOptions;
using wave::RedisSessionStore;
using wave_test::error_of;

// Unique per run and per call, so tests never see each other's keys.
std::string unique(const std::string& base) {
  static std::atomic<int> counter{0};
  static const std::string run = std::to_string(::getpid()) + "-" +
                                 std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  return base + "-" + run + "-" + std::to_string(counter++);
}

bool is_outage(wave_status status) { return status == WAVE_ERR_UNAVAILABLE || status == WAVE_ERR_TIMEOUT; }

// ---- Raw hiredis access, for checking what the store wrote ---------------------------

struct ReplyFree {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

class Raw {
 public:
  // redis://host:port/db as the harness writes it, or a unix socket path.
  explicit Raw(const std::string& uri, int db = -1) {
    if (uri.starts_with("redis://")) {
      const std::string rest = uri.substr(8);
      const auto colon = rest.find(':');
      const auto slash = rest.find('/');
      context_ = redisConnect(rest.substr(0, colon).c_str(), std::stoi(rest.substr(colon + 1, slash - colon - 1)));
      if (db < 0 && slash != std::string::npos && slash + 1 < rest.size()) db = std::stoi(rest.substr(slash + 1));
    } else {
      context_ = redisConnectUnix(uri.c_str());
    }
    REQUIRE(context_ != nullptr);
    REQUIRE(context_->err == 0);
    if (db > 0) REQUIRE(run({"SELECT", std::to_string(db)})->type == REDIS_REPLY_STATUS);
  }
  ~Raw() { redisFree(context_); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  Reply run(const std::vector<std::string>& argv) {
    std::vector<const char*> pointers;
    std::vector<size_t> lengths;
    for (const auto& arg : argv) {
      pointers.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), pointers.data(), lengths.data()));
    REQUIRE(reply != nullptr);
    return Reply(reply);
  }
  std::optional<std::string> get(const std::string& key) {
    const auto reply = run({"GET", key});
    if (reply->type == REDIS_REPLY_NIL) return std::nullopt;
    REQUIRE(reply->type == REDIS_REPLY_STRING);
    return std::string(reply->str, reply->len);
  }
  std::map<std::string, std::string> hash(const std::string& key) {
    const auto reply = run({"HGETALL", key});
    REQUIRE(reply->type == REDIS_REPLY_ARRAY);
    std::map<std::string, std::string> fields;
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
      fields[std::string(reply->element[i]->str, reply->element[i]->len)] =
          std::string(reply->element[i + 1]->str, reply->element[i + 1]->len);
    }
    return fields;
  }
  long long integer(const std::vector<std::string>& argv) {
    const auto reply = run(argv);
    REQUIRE(reply->type == REDIS_REPLY_INTEGER);
    return reply->integer;
  }
  long long ttl(const std::string& key) { return integer({"TTL", key}); }
  bool exists(const std::string& key) { return integer({"EXISTS", key}) == 1; }
  std::string info_field(const std::string& section, const std::string& field) {
    const auto reply = run({"INFO", section});
    REQUIRE(reply->type == REDIS_REPLY_STRING);
    const std::string text(reply->str, reply->len);
    const auto at = text.find(field + ":");
    REQUIRE(at != std::string::npos);
    const auto start = at + field.size() + 1;
    return text.substr(start, text.find('\r', start) - start);
  }

 private:
  redisContext* context_ = nullptr;
};

// ---- redis-server processes of the test's own ------------------------------------------

// A redis-server started with extra arguments in a temporary directory, stopped (SIGTERM,
// then waited for) on destruction.
class OwnRedis {
 public:
  explicit OwnRedis(std::vector<std::string> extra) {
    char pattern[] = "/tmp/wave-redis-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir_ = pattern;
    std::vector<std::string> args = {"redis-server", "--dir", dir_.string(), "--save", "", "--appendonly", "no",
                                     "--daemonize", "no", "--bind", "127.0.0.1", "--logfile",
                                     (dir_ / "redis.log").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    REQUIRE(::posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) == 0);
  }
  ~OwnRedis() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  OwnRedis(const OwnRedis&) = delete;
  OwnRedis& operator=(const OwnRedis&) = delete;
  const std::filesystem::path& dir() const { return dir_; }

  // Waits until `ready` holds (e.g. the socket answers), up to 10 s.
  template <typename Ready>
  void wait_until(Ready&& ready) {
    for (int i = 0; i < 200; ++i) {
      if (ready()) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL("redis-server did not start");
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

bool answers_ping_unix(const std::string& path) {
  redisContext* context = redisConnectUnix(path.c_str());
  bool ok = false;
  if (context != nullptr && context->err == 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
    ok = reply != nullptr;
    if (reply != nullptr) freeReplyObject(reply);
  }
  if (context != nullptr) redisFree(context);
  return ok;
}

bool accepts_tcp(int port) {
  redisContext* context = redisConnect("127.0.0.1", port);
  const bool ok = context != nullptr && context->err == 0;
  if (context != nullptr) redisFree(context);
  return ok;
}

// ---- Helpers -------------------------------------------------------------------------------

RedisOptions fixture_options(const std::string& prefix = "") {
  RedisOptions options;
  options.uri = wave_test::fixture_uri("redis");
  options.key_prefix = prefix;
  return options;
}

MapRequest request_for(const std::string& app_user, const std::string& token, const std::string& internal_id,
                       std::chrono::seconds ttl = 300s) {
  MapRequest request;
  request.app_user_id = app_user;
  request.internal_id = internal_id;
  request.token = token;
  request.password_digest = "digest-of-" + token;
  request.credential_id = unique("cred");
  request.ttl = ttl;
  return request;
}

}  // namespace

TEST_CASE("first login, repeat, rotation and revoke write exactly the documented keys") {
  RedisSessionStore store(fixture_options());
  Raw raw(wave_test::fixture_uri("redis"));
  const std::string app = unique("alice");
  const std::string token1 = unique("token1");
  const std::string id = unique("internal");

  // First login: the mapping is created with the proposed ID.
  auto first = request_for(app, token1, id, 100s);
  const auto created = store.map_user(first);
  CHECK(created.internal_id == id);
  CHECK(created.credential_id == first.credential_id);
  CHECK(created.token_changed);
  CHECK_FALSE(created.previous_token.has_value());

  CHECK(raw.get("session:" + token1) == id);
  CHECK(raw.ttl("session:" + token1) > 90);
  CHECK(raw.ttl("session:" + token1) <= 100);
  CHECK(raw.hash("mapping:" + app) == std::map<std::string, std::string>{
                                          {"token", token1}, {"internalWaveUserID", id}, {"credentialID", first.credential_id}});
  CHECK(raw.ttl("mapping:" + app) == -1);  // the mapping never expires
  CHECK(raw.hash("credential:" + id) == std::map<std::string, std::string>{{"passwordDigest", "digest-of-" + token1},
                                                                           {"appUserID", app},
                                                                           {"credentialID", first.credential_id}});
  CHECK(raw.ttl("credential:" + id) > 90);
  CHECK(raw.ttl("credential:" + id) <= 100);

  CHECK(store.find_session(token1) == id);
  const auto credential = store.find_credential(id);
  REQUIRE(credential.has_value());
  CHECK(credential->password_digest == "digest-of-" + token1);
  CHECK(credential->app_user_id == app);
  CHECK(credential->credential_id == first.credential_id);

  // Another internal ID than the mapping's (Redis and the durable record disagree): a
  // conflict, and nothing is written, not even the session of the token asked for.
  const std::string stray_token = unique("stray-token");
  auto disagreeing = request_for(app, stray_token, unique("other-internal"), 1000s);
  CHECK(error_of([&] { store.map_user(disagreeing); }).status() == WAVE_ERR_CONFLICT);
  CHECK_FALSE(raw.exists("session:" + stray_token));
  CHECK_FALSE(raw.exists("credential:" + disagreeing.internal_id));
  CHECK(raw.hash("mapping:" + app).at("token") == token1);
  CHECK(raw.hash("credential:" + id).at("credentialID") == first.credential_id);
  CHECK(raw.ttl("session:" + token1) <= 100);

  // Same token again (say the session expired): nothing changes but the TTLs.
  auto again = request_for(app, token1, id, 1000s);
  const auto repeated = store.map_user(again);
  CHECK(repeated.internal_id == id);
  CHECK(repeated.credential_id == first.credential_id);
  CHECK_FALSE(repeated.token_changed);
  CHECK_FALSE(repeated.previous_token.has_value());
  CHECK(raw.ttl("session:" + token1) > 900);
  CHECK(raw.ttl("credential:" + id) > 900);
  CHECK(raw.hash("mapping:" + app).at("credentialID") == first.credential_id);
  CHECK_FALSE(raw.exists("credential:" + disagreeing.internal_id));

  // Rotation: same internal ID, old session gone, new credential.
  const std::string token2 = unique("token2");
  auto rotate = request_for(app, token2, id, 100s);
  const auto rotated = store.map_user(rotate);
  CHECK(rotated.internal_id == id);
  CHECK(rotated.credential_id == rotate.credential_id);
  CHECK(rotated.token_changed);
  CHECK(rotated.previous_token == token1);
  CHECK_FALSE(raw.exists("session:" + token1));
  CHECK(store.find_session(token1) == std::nullopt);
  CHECK(raw.get("session:" + token2) == id);
  CHECK(raw.hash("mapping:" + app) == std::map<std::string, std::string>{
                                          {"token", token2}, {"internalWaveUserID", id}, {"credentialID", rotate.credential_id}});
  CHECK(raw.hash("credential:" + id).at("credentialID") == rotate.credential_id);
  CHECK(raw.hash("credential:" + id).at("passwordDigest") == "digest-of-" + token2);

  // Revoke: the session and credential go at once; the mapping keeps its internal ID.
  const auto revoked = store.revoke(token2);
  REQUIRE(revoked.has_value());
  CHECK(revoked->internal_id == id);
  CHECK(revoked->app_user_id == app);
  CHECK_FALSE(raw.exists("session:" + token2));
  CHECK_FALSE(raw.exists("credential:" + id));
  CHECK(raw.hash("mapping:" + app) ==
        std::map<std::string, std::string>{{"internalWaveUserID", id}, {"credentialID", rotate.credential_id}});
  CHECK(store.find_session(token2) == std::nullopt);
  CHECK(store.find_credential(id) == std::nullopt);
  CHECK(store.revoke(token2) == std::nullopt);
  CHECK(store.revoke(unique("never-seen")) == std::nullopt);
  CHECK(store.find_internal_ids({app}) == std::vector<std::optional<std::string>>{id});

  // Logging in again with the revoked token (the app still accepts it) needs a new credential.
  auto back = request_for(app, token2, id, 100s);
  const auto relogged = store.map_user(back);
  CHECK(relogged.internal_id == id);
  CHECK(relogged.token_changed);
  CHECK(relogged.credential_id == back.credential_id);
  CHECK_FALSE(relogged.previous_token.has_value());
  CHECK(raw.get("session:" + token2) == id);
}

TEST_CASE("revoke clears the mapping's token only when it names the revoked token") {
  RedisSessionStore store(fixture_options());
  Raw raw(wave_test::fixture_uri("redis"));
  const std::string app = unique("bob");
  const std::string id = unique("internal");
  const std::string current = unique("current");
  store.map_user(request_for(app, current, id));
  // A stray session of the same user under another token (e.g. written by an older Wave).
  const std::string stray = unique("stray");
  raw.run({"SET", "session:" + stray, id, "EX", "100"});

  const auto revoked = store.revoke(stray);
  REQUIRE(revoked.has_value());
  CHECK(revoked->internal_id == id);
  CHECK_FALSE(raw.exists("session:" + stray));
  CHECK(raw.hash("mapping:" + app).at("token") == current);  // untouched
  CHECK(raw.get("session:" + current) == id);
}

TEST_CASE("forget_credential is a compare-and-delete on the password digest") {
  RedisSessionStore store(fixture_options());
  Raw raw(wave_test::fixture_uri("redis"));
  const std::string app = unique("forget");
  const std::string id = unique("internal");
  const std::string token = unique("token");
  store.map_user(request_for(app, token, id));
  CHECK_FALSE(store.forget_credential(id, "digest-of-another-token"));
  CHECK(raw.exists("credential:" + id));
  CHECK(store.forget_credential(id, "digest-of-" + token));
  CHECK_FALSE(raw.exists("credential:" + id));
  CHECK(raw.get("session:" + token) == id);  // only the credential goes
  CHECK(raw.hash("mapping:" + app).at("token") == token);
  CHECK_FALSE(store.forget_credential(id, "digest-of-" + token));  // already gone
  CHECK_FALSE(store.forget_credential(unique("nobody"), "digest"));
}

TEST_CASE("sessions and credentials expire after the TTL; the mapping stays") {
  RedisSessionStore store(fixture_options());
  const std::string app = unique("ttl");
  const std::string token = unique("token");
  const std::string id = unique("internal");
  store.map_user(request_for(app, token, id, 1s));
  CHECK(store.find_session(token) == id);
  CHECK(store.find_credential(id).has_value());
  std::this_thread::sleep_for(2200ms);
  CHECK(store.find_session(token) == std::nullopt);
  CHECK(store.find_credential(id) == std::nullopt);
  CHECK(store.find_internal_ids({app}) == std::vector<std::optional<std::string>>{id});
  // The next login with the same token keeps ID and credential (no new passhash needed).
  const auto again = store.map_user(request_for(app, token, id, 60s));
  CHECK(again.internal_id == id);
  CHECK_FALSE(again.token_changed);
  CHECK(store.find_session(token) == id);
}

TEST_CASE("token buckets on Redis: burst, retry-after, refill, shared by two stores, expiring when full") {
  RedisSessionStore first(fixture_options());
  RedisSessionStore second(fixture_options());  // another process's store
  const std::string bucket = unique("credentials:");
  const auto refill = std::chrono::milliseconds(1500);
  CHECK(first.take_rate_token(bucket, 2, refill).allowed);
  CHECK(second.take_rate_token(bucket, 2, refill).allowed);
  const auto refused = first.take_rate_token(bucket, 2, refill);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after.count() >= 1);
  CHECK(refused.retry_after <= refill);
  CHECK_FALSE(second.take_rate_token(bucket, 2, refill).allowed);
  Raw raw(wave_test::fixture_uri("redis"));
  const auto state = raw.hash("rate:" + bucket);
  CHECK(state.at("tokens") == "0");
  CHECK(raw.run({"PTTL", "rate:" + bucket})->integer > 0);
  std::this_thread::sleep_for(refused.retry_after + 100ms);
  CHECK(second.take_rate_token(bucket, 2, refill).allowed);  // one token back
  CHECK_FALSE(first.take_rate_token(bucket, 2, refill).allowed);
  std::this_thread::sleep_for(2 * refill + 200ms);  // full again: the key is gone
  CHECK(raw.hash("rate:" + bucket).empty());
  CHECK(first.take_rate_token(bucket, 2, refill).allowed);
  // 64 concurrent takes from a fresh bucket: exactly the burst.
  const std::string contested = unique("groups:");
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 64; ++i)
    threads.emplace_back([&, i] {
      if ((i % 2 == 0 ? first : second).take_rate_token(contested, 10, std::chrono::hours(1)).allowed) ++taken;
    });
  for (auto& t : threads) t.join();
  CHECK(taken == 10);
}

TEST_CASE("a key prefix goes in front of every key") {
  const std::string prefix = unique("wave{t}") + ":";
  RedisSessionStore prefixed(fixture_options(prefix));
  RedisSessionStore plain(fixture_options());
  Raw raw(wave_test::fixture_uri("redis"));
  const std::string app = unique("carol");
  const std::string token = unique("token");
  const std::string id = unique("internal");
  prefixed.map_user(request_for(app, token, id));

  CHECK(raw.get(prefix + "session:" + token) == id);
  CHECK(raw.hash(prefix + "mapping:" + app).at("internalWaveUserID") == id);
  CHECK(raw.hash(prefix + "credential:" + id).at("appUserID") == app);
  CHECK_FALSE(raw.exists("session:" + token));
  CHECK_FALSE(raw.exists("mapping:" + app));
  CHECK_FALSE(raw.exists("credential:" + id));

  CHECK(prefixed.find_session(token) == id);
  CHECK(plain.find_session(token) == std::nullopt);
  CHECK(plain.find_internal_ids({app}) == std::vector<std::optional<std::string>>{std::nullopt});
  const auto revoked = prefixed.revoke(token);
  REQUIRE(revoked.has_value());
  CHECK(raw.hash(prefix + "mapping:" + app).count("token") == 0);
  CHECK_FALSE(raw.exists(prefix + "session:" + token));
}

TEST_CASE("64 concurrent first logins of one app user yield exactly one internal ID") {
  RedisSessionStore store(fixture_options());
  Raw raw(wave_test::fixture_uri("redis"));
  constexpr int kThreads = 64;

  SUBCASE("same token") {
    const std::string app = unique("storm");
    const std::string token = unique("token");
    std::vector<wave::MapResult> results(kThreads);
    std::vector<std::string> proposed(kThreads);
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    // As the service does: every login proposes the one durable internal ID.
    const std::string durable = unique("proposed");
    for (int t = 0; t < kThreads; ++t) proposed[t] = durable;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        try {
          results[t] = store.map_user(request_for(app, token, proposed[t]));
        } catch (const wave::Error&) {
          ++errors;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    REQUIRE(errors == 0);
    std::set<std::string> ids;
    std::set<std::string> credentials;
    int changed = 0;
    for (const auto& result : results) {
      ids.insert(result.internal_id);
      credentials.insert(result.credential_id);
      changed += result.token_changed ? 1 : 0;
    }
    CHECK(ids.size() == 1);
    CHECK(credentials.size() == 1);
    CHECK(changed == 1);  // one first login; the rest are repeats
    CHECK(std::find(proposed.begin(), proposed.end(), *ids.begin()) != proposed.end());
    CHECK(raw.hash("mapping:" + app).at("internalWaveUserID") == *ids.begin());
    CHECK(raw.get("session:" + token) == *ids.begin());
  }

  SUBCASE("64 different proposed internal IDs: one creates the mapping, the rest are conflicts") {
    const std::string app = unique("storm");
    std::vector<std::string> proposed(kThreads);
    std::vector<std::string> tokens(kThreads);
    std::vector<wave_status> statuses(kThreads, WAVE_OK);
    for (int t = 0; t < kThreads; ++t) {
      proposed[t] = unique("proposed");
      tokens[t] = unique("token");
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        try {
          store.map_user(request_for(app, tokens[t], proposed[t]));
        } catch (const wave::Error& error) {
          statuses[t] = error.status();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    int winners = 0;
    for (int t = 0; t < kThreads; ++t) {
      CHECK((statuses[t] == WAVE_OK || statuses[t] == WAVE_ERR_CONFLICT));
      if (statuses[t] == WAVE_OK) {
        ++winners;
        CHECK(raw.hash("mapping:" + app).at("internalWaveUserID") == proposed[t]);
        CHECK(raw.get("session:" + tokens[t]) == proposed[t]);
      } else {
        CHECK_FALSE(raw.exists("session:" + tokens[t]));  // a refused login wrote nothing
        CHECK_FALSE(raw.exists("credential:" + proposed[t]));
      }
    }
    CHECK(winners == 1);
  }

  SUBCASE("64 different tokens") {
    const std::string app = unique("storm");
    std::vector<wave::MapResult> results(kThreads);
    std::vector<std::string> tokens(kThreads);
    std::atomic<int> errors{0};
    for (int t = 0; t < kThreads; ++t) tokens[t] = unique("token");
    const std::string durable = unique("proposed");
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        try {
          results[t] = store.map_user(request_for(app, tokens[t], durable));
        } catch (const wave::Error&) {
          ++errors;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    REQUIRE(errors == 0);
    std::set<std::string> ids;
    for (const auto& result : results) ids.insert(result.internal_id);
    CHECK(ids.size() == 1);
    // Exactly one session survives: the token the mapping names; every other was rotated away.
    const std::string winner = raw.hash("mapping:" + app).at("token");
    int live = 0;
    for (const auto& token : tokens) live += raw.exists("session:" + token) ? 1 : 0;
    CHECK(live == 1);
    CHECK(raw.get("session:" + winner) == *ids.begin());
  }
}

TEST_CASE("batch lookup of internal IDs keeps the order, in one call") {
  RedisSessionStore store(fixture_options());
  std::vector<std::string> apps;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    apps.push_back(unique("batch"));
    ids.push_back(unique("internal"));
    store.map_user(request_for(apps.back(), unique("token"), ids.back()));
  }
  const std::string unknown = unique("unknown");
  const auto found = store.find_internal_ids({apps[3], unknown, apps[0], apps[3], apps[4]});
  CHECK(found == std::vector<std::optional<std::string>>{ids[3], std::nullopt, ids[0], ids[3], ids[4]});
  CHECK(store.find_internal_ids({}).empty());

  std::vector<std::string> many;
  for (int i = 0; i < 2000; ++i) many.push_back(i % 400 == 0 ? apps[static_cast<size_t>(i / 400)] : unique("nobody"));
  const auto result = store.find_internal_ids(many);
  REQUIRE(result.size() == many.size());
  for (size_t i = 0; i < many.size(); ++i) {
    if (i % 400 == 0) {
      CHECK(result[i] == ids[i / 400]);
    } else {
      CHECK(result[i] == std::nullopt);
    }
  }
}

TEST_CASE("a Redis outage is an error, never a grant or not-found; the same store recovers") {
  wave_test::PrivateServer server("redis", "redis-outage");
  RedisOptions options;
  options.uri = server.uri();
  options.timeout_ms = 500;
  options.pool_size = 4;
  RedisSessionStore store(options);
  const std::string app = unique("outage");
  const std::string token = unique("token");
  const std::string id = unique("internal");
  store.map_user(request_for(app, token, id));
  CHECK(store.find_session(token) == id);
  CHECK(Raw(server.uri()).info_field("memory", "number_of_cached_scripts") == "1");

  server.stop();
  for (int round = 0; round < 2; ++round) {  // twice: pooled and freshly dialled connections
    CHECK(is_outage(error_of([&] { store.find_session(token); }).status()));
    CHECK(is_outage(error_of([&] { store.find_credential(id); }).status()));
    CHECK(is_outage(error_of([&] { store.find_internal_ids({app}); }).status()));
    CHECK(is_outage(error_of([&] { store.map_user(request_for(app, token, id)); }).status()));
    CHECK(is_outage(error_of([&] { store.revoke(token); }).status()));
    CHECK(is_outage(error_of([&] { store.ping(); }).status()));
  }
  const auto message = std::string(error_of([&] { store.find_session(token); }).what());
  CHECK(message.find(token) == std::string::npos);
  CHECK(message.find("127.0.0.1") != std::string::npos);

  server.start();  // same port, empty (no persistence), no scripts loaded
  store.ping();
  CHECK(store.find_session(token) == std::nullopt);  // the data went with the old process
  const auto after = store.map_user(request_for(app, token, id));
  CHECK(after.internal_id == id);
  CHECK(after.token_changed);
  CHECK(store.find_session(token) == id);
  CHECK(Raw(server.uri()).info_field("memory", "number_of_cached_scripts") == "1");  // reloaded
  CHECK(store.revoke(token).has_value());
  CHECK(Raw(server.uri()).info_field("memory", "number_of_cached_scripts") == "2");
}

TEST_CASE("scripts are reloaded after SCRIPT FLUSH") {
  RedisSessionStore store(fixture_options());
  Raw raw(wave_test::fixture_uri("redis"));
  const std::string app = unique("flush");
  const std::string token = unique("token");
  const std::string id = unique("internal");
  store.map_user(request_for(app, token, id));
  REQUIRE(raw.run({"SCRIPT", "FLUSH"})->type == REDIS_REPLY_STATUS);
  CHECK(raw.info_field("memory", "number_of_cached_scripts") == "0");
  const auto rotated = store.map_user(request_for(app, unique("token"), id));
  CHECK(rotated.token_changed);
  CHECK(raw.info_field("memory", "number_of_cached_scripts") == "1");
  CHECK(store.revoke(token) == std::nullopt);  // rotated away
}

TEST_CASE("a Redis that does not answer in time is a timeout; the pool is bounded") {
  wave_test::PrivateServer server("redis", "redis-pause");
  RedisOptions options;
  options.uri = server.uri();
  options.timeout_ms = 300;
  options.pool_size = 1;
  RedisSessionStore store(options);
  store.ping();
  Raw raw(server.uri());
  REQUIRE(raw.run({"CLIENT", "PAUSE", "1500", "ALL"})->type == REDIS_REPLY_STATUS);

  const auto start = std::chrono::steady_clock::now();
  std::atomic<int> timeouts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      try {
        store.find_session("anything");
      } catch (const wave::Error& error) {
        if (error.status() == WAVE_ERR_TIMEOUT) ++timeouts;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(timeouts == 3);  // on the paused connection, or waiting for the single pool slot
  CHECK(elapsed < 1400ms);

  std::this_thread::sleep_for(1500ms);
  CHECK(store.find_session("anything") == std::nullopt);  // recovered
}

TEST_CASE("unix:// URI against a redis-server on a socket") {
  char pattern[] = "/tmp/wave-sock-XXXXXX";
  REQUIRE(::mkdtemp(pattern) != nullptr);
  const std::string socket = std::string(pattern) + "/redis.sock";
  OwnRedis redis({"--port", "0", "--unixsocket", socket, "--unixsocketperm", "700"});
  redis.wait_until([&] { return answers_ping_unix(socket); });

  RedisOptions options;
  options.uri = "unix://" + socket + "?db=3";
  RedisSessionStore store(options);
  const std::string app = unique("unix");
  const std::string token = unique("token");
  const std::string id = unique("internal");
  CHECK(store.map_user(request_for(app, token, id)).internal_id == id);
  CHECK(store.find_session(token) == id);
  Raw db3(socket, 3);
  CHECK(db3.get("session:" + token) == id);
  Raw db0(socket, 0);
  CHECK_FALSE(db0.exists("session:" + token));

  options.uri = "unix://" + socket;
  RedisSessionStore default_db(options);
  CHECK(default_db.find_session(token) == std::nullopt);

  options.uri = "unix://" + std::string(pattern) + "/missing.sock";
  RedisSessionStore missing(options);
  CHECK(error_of([&] { missing.ping(); }).status() == WAVE_ERR_UNAVAILABLE);
  std::filesystem::remove_all(pattern);
}

TEST_CASE("AUTH and SELECT from the URI") {
  const int port = wave_test::unused_loopback_port();
  OwnRedis redis({"--port", std::to_string(port), "--requirepass", "s3cret:p@ss",
                  "--user", "wave", "on", ">userpw", "~*", "&*", "+@all"});
  redis.wait_until([&] { return accepts_tcp(port); });
  const std::string host = "127.0.0.1:" + std::to_string(port);

  RedisOptions options;
  options.uri = "redis://:s3cret%3Ap%40ss@" + host + "/2";  // percent-escaped ':' and '@'
  RedisSessionStore store(options);
  const std::string token = unique("token");
  const std::string id = unique("internal");
  store.map_user(request_for(unique("auth"), token, id));
  CHECK(store.find_session(token) == id);

  options.uri = "redis://wave:userpw@" + host + "/2";  // a Redis 6+ ACL user
  RedisSessionStore as_user(options);
  CHECK(as_user.find_session(token) == id);

  options.uri = "redis://:s3cret%3Ap%40ss@" + host;  // database 0: not there
  RedisSessionStore db0(options);
  CHECK(db0.find_session(token) == std::nullopt);

  options.uri = "redis://:wrong-hunter2@" + host + "/2";
  RedisSessionStore wrong(options);
  const auto refused = error_of([&] { wrong.find_session(token); });
  CHECK(refused.status() == WAVE_ERR_CONFIG);
  CHECK(std::string(refused.what()).find("hunter2") == std::string::npos);

  options.uri = "redis://" + host + "/2";
  RedisSessionStore anonymous(options);
  CHECK(error_of([&] { anonymous.find_session(token); }).status() == WAVE_ERR_CONFIG);

  options.uri = "redis://:s3cret%3Ap%40ss@" + host + "/99999";
  RedisSessionStore bad_db(options);
  CHECK(error_of([&] { bad_db.ping(); }).status() == WAVE_ERR_CONFIG);
}

TEST_CASE("bad URIs and options are configuration errors that never echo the password") {
  for (const std::string uri :
       {"", "localhost:6379", "http://127.0.0.1:6379", "rediss://127.0.0.1:6379", "redis://", "redis://:6379",
        "redis://127.0.0.1:0", "redis://127.0.0.1:65536", "redis://127.0.0.1:port", "redis://127.0.0.1:",
        "redis://127.0.0.1:6379/-1", "redis://127.0.0.1:6379/db", "redis://127.0.0.1:6379/0?timeout=1",
        "redis://hunter2@127.0.0.1", "redis://user:@127.0.0.1", "redis://:%zzhunter2@127.0.0.1",
        "redis://[::1:6379", "redis://host name", "unix://", "unix://relative/path", "unix:///tmp/",
        "unix:///tmp/redis.sock?db=x", "unix:///tmp/redis.sock?password=hunter2", "redis://a/b@127.0.0.1"}) {
    CAPTURE(uri);
    RedisOptions options;
    options.uri = uri;
    const auto error = error_of([&] { RedisSessionStore store(options); });
    CHECK(error.status() == WAVE_ERR_CONFIG);
    CHECK(std::string(error.what()).find("hunter2") == std::string::npos);
  }
  RedisOptions options = fixture_options();
  options.pool_size = 0;
  CHECK(error_of([&] { RedisSessionStore store(options); }).status() == WAVE_ERR_CONFIG);
  options = fixture_options();
  options.timeout_ms = 0;
  CHECK(error_of([&] { RedisSessionStore store(options); }).status() == WAVE_ERR_CONFIG);

  // Accepted forms (not connected: construction does not dial).
  for (const std::string uri : {"redis://127.0.0.1", "redis://localhost:6380/", "redis://[::1]:6379/1",
                                "redis://user:pw@host.example:1/15", "unix:///run/redis/redis.sock",
                                "unix:///run/redis/redis.sock?db=2"}) {
    CAPTURE(uri);
    RedisOptions accepted;
    accepted.uri = uri;
    CHECK_NOTHROW(RedisSessionStore store(accepted));
  }
}

TEST_CASE("a Redis that is not running is unavailable") {
  RedisOptions options;
  options.uri = "redis://127.0.0.1:" + std::to_string(wave_test::unused_loopback_port());
  RedisSessionStore store(options);
  const auto error = error_of([&] { store.find_session("t"); });
  CHECK(error.status() == WAVE_ERR_UNAVAILABLE);
  CHECK(std::string(error.what()).find("Connection refused") != std::string::npos);
}

TEST_CASE("map_user rejects incomplete requests") {
  RedisSessionStore store(fixture_options());
  auto request = request_for(unique("x"), unique("t"), unique("i"));
  request.token.clear();
  CHECK(error_of([&] { store.map_user(request); }).status() == WAVE_ERR_INVALID_ARGUMENT);
  request = request_for(unique("x"), unique("t"), unique("i"));
  request.ttl = 0s;
  CHECK(error_of([&] { store.map_user(request); }).status() == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(store.find_session("") == std::nullopt);
  CHECK(store.revoke("") == std::nullopt);
}

TEST_CASE("foreign values under Wave's keys are backend errors, not answers") {
  RedisSessionStore store(fixture_options());
  Raw raw(wave_test::fixture_uri("redis"));
  const std::string token = unique("token");
  raw.run({"HSET", "session:" + token, "a", "b"});  // a hash where a string belongs
  CHECK(error_of([&] { store.find_session(token); }).status() == WAVE_ERR_BACKEND);
  const std::string app = unique("app");
  raw.run({"SET", "mapping:" + app, "x"});
  CHECK(error_of([&] { store.find_internal_ids({app}); }).status() == WAVE_ERR_BACKEND);
  CHECK(error_of([&] { store.map_user(request_for(app, unique("t"), unique("i"))); }).status() == WAVE_ERR_BACKEND);
  CHECK(store.find_session(unique("fine")) == std::nullopt);  // the connection is still good
}
