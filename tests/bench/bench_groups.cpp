// Login of a user in many groups (issue 10 §2): the warm-session login reads the user's
// document and memberships and reconciles the group patterns with hash sets, so its cost
// grows linearly with the number of groups.  In-memory stores, so the figure is Wave's own
// CPU time: add the round trips (one per store call: 4 for a warm login: session, credential, document, memberships) for real servers.
// No app endpoint is called (the session is warm; the endpoint in the config is never used).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "acl/acl.hpp"
#include "config/config.hpp"
#include "crypto/password.hpp"
#include "crypto/uuid.hpp"
#include "service/service.hpp"
#include "store/memory_stores.hpp"

namespace {

struct World {
  std::shared_ptr<wave::MemorySessionStore> sessions = std::make_shared<wave::MemorySessionStore>();
  std::shared_ptr<wave::MemoryDirectoryStore> directory = std::make_shared<wave::MemoryDirectoryStore>();
  std::unique_ptr<wave::Service> service;
  std::string token = "bench-token-of-a-user-in-many-groups";

  explicit World(std::size_t groups) {
    const wave::Config config = wave::parse_config(
        R"({"authenticationCheckEndpoint": "http://127.0.0.1:9/never-called", "tokenValidationRegex": "[a-z-]+",
            "storage": "memory", "maxGroupsPerUser": 100000})",
        "bench");
    service = std::make_unique<wave::Service>(config, sessions, directory);
    // A logged-in user (a warm session and its document), as a first login leaves them.
    const std::string app_user = "bench-user";
    const std::string me = directory->claim_identity(app_user, wave::uuid_v4());
    wave::MapRequest request;
    request.app_user_id = app_user;
    request.internal_id = me;
    request.token = token;
    request.password_digest = wave::sha256_hex(wave::mqtt_password(token, wave::PasswordScheme::automatic));
    request.credential_id = wave::uuid_v4();
    request.ttl = std::chrono::hours(24);
    const auto mapped = sessions->map_user(request);
    const auto own = wave::acl::private_patterns(me);
    directory->upsert_credentials(me, app_user, "a passhash (never verified by a warm login)", mapped.credential_id,
                                  "", own.publish, own.subscribe);
    // Member of `groups` groups, each with one other member, patterns in place.
    std::vector<std::string> publish, subscribe;
    for (std::size_t i = 0; i < groups; ++i) {
      const std::string gid = wave::uuid_v4();
      directory->insert_group(wave::Group{gid, "group " + std::to_string(i), me, {me, wave::uuid_v4()}});
      const auto patterns = wave::acl::group_patterns(gid, me);
      publish.insert(publish.end(), patterns.publish.begin(), patterns.publish.end());
      subscribe.insert(subscribe.end(), patterns.subscribe.begin(), patterns.subscribe.end());
    }
    directory->add_patterns(me, publish, subscribe);
  }
};

void BM_LoginInGroups(benchmark::State& state) {
  const auto groups = static_cast<std::size_t>(state.range(0));
  World world(groups);
  if (world.service->login(world.token).groups.size() != groups) {
    state.SkipWithError("the login did not report every group");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(world.service->login(world.token));
  state.counters["groups"] = static_cast<double>(groups);
  state.counters["bcrypt_runs"] = static_cast<double>(world.service->stats().bcrypt_runs);
  state.counters["app_calls"] = static_cast<double>(world.service->stats().app_checks);
}

// A login that must repair every group pattern (an interrupted operation lost them all):
// the adds, the second look at the memberships, and the withdrawal check, all hash-based.
void BM_LoginRepairingGroups(benchmark::State& state) {
  const auto groups = static_cast<std::size_t>(state.range(0));
  World world(groups);
  const auto me = world.service->login(world.token).internal_id;
  for (auto _ : state) {
    state.PauseTiming();
    const auto doc = world.directory->find_acl(me);
    std::vector<std::string> publish, subscribe;
    for (const auto& p : doc->publish_acl)
      if (wave::acl::is_group_pattern(p)) publish.push_back(p);
    for (const auto& p : doc->subscribe_acl)
      if (wave::acl::is_group_pattern(p)) subscribe.push_back(p);
    world.directory->remove_patterns(me, publish, subscribe);
    state.ResumeTiming();
    benchmark::DoNotOptimize(world.service->login(world.token));
  }
  state.counters["groups"] = static_cast<double>(groups);
}

}  // namespace

BENCHMARK(BM_LoginInGroups)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LoginRepairingGroups)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
