// The Wave service's hot paths against real servers: login with a warm session,
// authorize_register and authorize_publish (from the in-process cache, and from the
// stores with the cache off).  Operations per second come from Google Benchmark; round
// trips per operation are counted by wrapping the real stores (each store call is one
// round trip to Redis or MongoDB), and app endpoint calls by the service's own counter.
//
// Servers come from WAVE_BENCH_REDIS_URI, WAVE_BENCH_MONGO_URI and WAVE_BENCH_APP_URI (the
// harness's app server); tools/bench-service.sh starts them and runs this in Release.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mongo/mongo_directory_store.hpp"
#include "redis/redis_session_store.hpp"
#include "service/service.hpp"

namespace {

std::atomic<std::uint64_t> redis_calls{0};
std::atomic<std::uint64_t> mongo_calls{0};

// Forwards to the real Redis store, counting calls.
class CountingSessions final : public wave::SessionStore {
 public:
  explicit CountingSessions(std::shared_ptr<wave::SessionStore> inner) : inner_(std::move(inner)) {}
  std::optional<std::string> find_session(std::string_view token) override {
    ++redis_calls;
    return inner_->find_session(token);
  }
  std::vector<std::optional<std::string>> find_internal_ids(const std::vector<std::string>& ids) override {
    ++redis_calls;
    return inner_->find_internal_ids(ids);
  }
  wave::MapResult map_user(const wave::MapRequest& request) override {
    ++redis_calls;
    return inner_->map_user(request);
  }
  std::optional<wave::CredentialRecord> find_credential(std::string_view internal_id) override {
    ++redis_calls;
    return inner_->find_credential(internal_id);
  }
  bool forget_credential(std::string_view internal_id, std::string_view digest) override {
    ++redis_calls;
    return inner_->forget_credential(internal_id, digest);
  }
  std::optional<wave::RevokeResult> revoke(std::string_view token) override {
    ++redis_calls;
    return inner_->revoke(token);
  }
  std::vector<std::string> claim_expired(std::size_t max, std::chrono::seconds lease) override {
    ++redis_calls;
    return inner_->claim_expired(max, lease);
  }
  void unschedule(std::string_view internal_id) override {
    ++redis_calls;
    inner_->unschedule(internal_id);
  }
  std::optional<std::string> mapped_token(std::string_view app_user_id) override {
    ++redis_calls;
    return inner_->mapped_token(app_user_id);
  }
  wave::RateAnswer take_rate_token(std::string_view bucket, std::int64_t burst,
                                   std::chrono::milliseconds refill) override {
    ++redis_calls;
    return inner_->take_rate_token(bucket, burst, refill);
  }

 private:
  std::shared_ptr<wave::SessionStore> inner_;
};

// Forwards to the real MongoDB store, counting calls.
class CountingDirectory final : public wave::DirectoryStore {
 public:
  explicit CountingDirectory(std::shared_ptr<wave::DirectoryStore> inner) : inner_(std::move(inner)) {}
  std::string claim_identity(std::string_view a, std::string_view b) override { return count(), inner_->claim_identity(a, b); }
  std::optional<std::string> find_identity(std::string_view a) override { return count(), inner_->find_identity(a); }
  std::vector<std::optional<std::string>> find_identities(const std::vector<std::string>& a) override {
    return count(), inner_->find_identities(a);
  }
  std::optional<wave::AclDocument> find_acl(std::string_view a) override { return count(), inner_->find_acl(a); }
  bool record_password_digest(std::string_view a, std::string_view b, std::string_view c) override {
    return count(), inner_->record_password_digest(a, b, c);
  }
  std::optional<wave::AclDocument> find_acl_by_password_digest(std::string_view a) override {
    return count(), inner_->find_acl_by_password_digest(a);
  }
  bool upsert_credentials(std::string_view a, std::string_view b, std::string_view c, std::string_view d,
                          std::string_view e, const std::vector<std::string>& f,
                          const std::vector<std::string>& g) override {
    return count(), inner_->upsert_credentials(a, b, c, d, e, f, g);
  }
  bool replace_passhash(std::string_view a, std::string_view b, std::string_view c, std::string_view d) override {
    return count(), inner_->replace_passhash(a, b, c, d);
  }
  void add_patterns(std::string_view a, const std::vector<std::string>& b, const std::vector<std::string>& c) override {
    count();
    inner_->add_patterns(a, b, c);
  }
  void remove_patterns(std::string_view a, const std::vector<std::string>& b,
                       const std::vector<std::string>& c) override {
    count();
    inner_->remove_patterns(a, b, c);
  }
  void insert_group(const wave::Group& g) override {
    count();
    inner_->insert_group(g);
  }
  std::optional<wave::Group> find_group(std::string_view a) override { return count(), inner_->find_group(a); }
  bool add_group_member(std::string_view a, std::string_view b) override { return count(), inner_->add_group_member(a, b); }
  bool remove_group_member(std::string_view a, std::string_view b) override {
    return count(), inner_->remove_group_member(a, b);
  }
  std::optional<wave::Group> delete_group(std::string_view a) override { return count(), inner_->delete_group(a); }
  std::vector<wave::Group> groups_of(std::string_view a) override { return count(), inner_->groups_of(a); }
  std::int64_t count_groups_of(std::string_view a) override { return count(), inner_->count_groups_of(a); }

 private:
  static void count() { ++mongo_calls; }
  std::shared_ptr<wave::DirectoryStore> inner_;
};

std::string env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::fprintf(stderr, "bench_service: %s is not set (tools/bench-service.sh sets it)\n", name);
    std::exit(2);
  }
  return value;
}

struct World {
  std::string name = "bench_" + std::to_string(::getpid());
  std::unique_ptr<wave::Service> cached;    // the default in-process credential cache
  std::unique_ptr<wave::Service> uncached;  // credentialCacheSize 0: every check hits a store
  std::vector<wave::Credentials> users;     // logged in, with warm sessions
  std::vector<std::string> tokens;
};

World& world() {
  static World* w = [] {
    auto* result = new World;
    const std::string json =
        "{\"authenticationCheckEndpoint\":\"" + env("WAVE_BENCH_APP_URI") +
        "\",\"tokenValidationRegex\":\"[A-Za-z0-9:_.-]{1,200}\",\"bcryptCost\":10,\"sessionTTLSeconds\":3600,"
        "\"redisURI\":\"" + env("WAVE_BENCH_REDIS_URI") + "\",\"redisKeyPrefix\":\"" + result->name +
        ":\",\"redisPoolSize\":16,\"mongoURI\":\"" + env("WAVE_BENCH_MONGO_URI") + "\",\"mongoDatabase\":\"" +
        result->name + "\"";
    auto make = [&](const std::string& extra) {
      wave::Config config = wave::parse_config(json + extra + "}", "<bench>");
      auto sessions = std::make_shared<CountingSessions>(std::make_shared<wave::RedisSessionStore>(wave::RedisOptions{
          config.redis_uri, config.redis_key_prefix, config.redis_pool_size, config.redis_timeout_ms}));
      auto directory = std::make_shared<CountingDirectory>(std::make_shared<wave::MongoDirectoryStore>(
          wave::MongoOptions{config.mongo_uri, config.mongo_database, config.mongo_timeout_ms}));
      return std::make_unique<wave::Service>(config, sessions, directory);
    };
    result->cached = make("");
    result->uncached = make(",\"credentialCacheSize\":0");
    for (int i = 0; i < 64; ++i) {
      result->tokens.push_back("user:bench-" + result->name + "-" + std::to_string(i) + ":token");
      result->users.push_back(result->cached->login(result->tokens.back()));
    }
    return result;
  }();
  return *w;
}

// Reports round trips and app calls per operation for the measured loop.
class TripCounter {
 public:
  explicit TripCounter(wave::Service& service)
      : service_(service), redis_(redis_calls.load()), mongo_(mongo_calls.load()), app_(service.stats().app_checks),
        bcrypt_(service.stats().bcrypt_hashes) {}
  void report(benchmark::State& state) const {
    const auto avg = benchmark::Counter::kAvgIterations;
    state.counters["redis_rt"] = benchmark::Counter(static_cast<double>(redis_calls.load() - redis_), avg);
    state.counters["mongo_rt"] = benchmark::Counter(static_cast<double>(mongo_calls.load() - mongo_), avg);
    state.counters["app_calls"] = benchmark::Counter(static_cast<double>(service_.stats().app_checks - app_), avg);
    state.counters["bcrypt"] = benchmark::Counter(static_cast<double>(service_.stats().bcrypt_hashes - bcrypt_), avg);
  }

 private:
  wave::Service& service_;
  std::uint64_t redis_, mongo_, app_, bcrypt_;
};

void BM_LoginWarmSession(benchmark::State& state) {
  World& w = world();
  const std::string& token = w.tokens[static_cast<std::size_t>(state.thread_index()) % w.tokens.size()];
  TripCounter trips(*w.cached);
  for (auto _ : state) benchmark::DoNotOptimize(w.cached->login(token));
  state.SetItemsProcessed(state.iterations());
  if (state.threads() == 1) trips.report(state);
}

template <bool Cached>
void BM_AuthorizeRegister(benchmark::State& state) {
  World& w = world();
  wave::Service& service = Cached ? *w.cached : *w.uncached;
  const auto& user = w.users[static_cast<std::size_t>(state.thread_index()) % w.users.size()];
  if (!service.authorize_register(user.client_id, user.username, user.password).granted) {
    state.SkipWithError("authorize_register refused a valid credential");
    return;
  }
  TripCounter trips(service);
  for (auto _ : state)
    benchmark::DoNotOptimize(service.authorize_register(user.client_id, user.username, user.password).granted);
  state.SetItemsProcessed(state.iterations());
  if (state.threads() == 1) trips.report(state);
}

template <bool Cached>
void BM_AuthorizePublish(benchmark::State& state) {
  World& w = world();
  wave::Service& service = Cached ? *w.cached : *w.uncached;
  const std::size_t index = static_cast<std::size_t>(state.thread_index()) % w.users.size();
  const auto& user = w.users[index];
  const std::string topic =
      "conversations/private/" + user.internal_id + "/" + w.users[(index + 1) % w.users.size()].internal_id;
  if (!service.authorize_publish(user.username, topic).granted) {
    state.SkipWithError("authorize_publish refused an allowed topic");
    return;
  }
  TripCounter trips(service);
  for (auto _ : state) benchmark::DoNotOptimize(service.authorize_publish(user.username, topic).granted);
  state.SetItemsProcessed(state.iterations());
  if (state.threads() == 1) trips.report(state);
}

}  // namespace

BENCHMARK(BM_LoginWarmSession)->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK_TEMPLATE(BM_AuthorizeRegister, true)->Name("BM_AuthorizeRegister/cache")->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK_TEMPLATE(BM_AuthorizeRegister, false)->Name("BM_AuthorizeRegister/redis")->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK_TEMPLATE(BM_AuthorizePublish, true)->Name("BM_AuthorizePublish/cache")->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK_TEMPLATE(BM_AuthorizePublish, false)->Name("BM_AuthorizePublish/mongo")->Threads(1)->Threads(4)->UseRealTime();

BENCHMARK_MAIN();
