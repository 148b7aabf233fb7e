// Topic matching speed: Wave's compiled filters versus libmosquitto's
// mosquitto_topic_matches_sub on one corpus, plus the uncompiled matcher and the authorizer.
// A counting global operator new reports allocations per match (the target is 0).
#include <benchmark/benchmark.h>
#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "acl/acl.hpp"
#include "topic/topic.hpp"

// ---- Allocation counting -------------------------------------------------------------------

namespace {
std::atomic<std::size_t> g_allocations{0};

void* counted_alloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}

void* counted_aligned_alloc(std::size_t size, std::align_val_t alignment) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const auto align = static_cast<std::size_t>(alignment);
  const std::size_t rounded = (size + align - 1) / align * align;
  if (void* memory = std::aligned_alloc(align, rounded == 0 ? align : rounded)) return memory;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void* operator new(std::size_t size, std::align_val_t alignment) { return counted_aligned_alloc(size, alignment); }
void* operator new[](std::size_t size, std::align_val_t alignment) { return counted_aligned_alloc(size, alignment); }
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }

namespace {

// ---- The corpus ----------------------------------------------------------------------------

std::string uuid(std::mt19937& random) {
  static const char* const kHex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 36; ++i) id += (i == 8 || i == 13 || i == 18 || i == 23) ? '-' : kHex[random() % 16];
  return id;
}

struct Corpus {
  std::vector<std::string> filters;
  std::vector<std::string> topics;
  struct Pair {
    std::size_t filter;
    std::size_t topic;
  };
  std::vector<Pair> pairs;
  std::vector<Pair> same_depth_pairs;
  std::size_t expected_matches = 0;
};

// ACL-style filters (Wave's own patterns and common IoT shapes) and topics that match them,
// nearly match them (one level off, one level more or less, a '$' topic), or are unrelated.
const Corpus& corpus() {
  static const Corpus built = [] {
    Corpus c;
    std::mt19937 random(12345);
    const std::string me = uuid(random), other = uuid(random), gid = uuid(random);
    c.filters = {
        "conversations/private/" + me + "/+",
        "conversations/private/+/" + me,
        "conversations/group/" + gid + "/+",
        "conversations/group/" + gid + "/" + me,
        "sport/tennis/+/ranking",
        "sensors/+/+/temperature",
        "home/livingroom/#",
        "$SYS/broker/#",
        "#",
        "+/status",
    };
    c.topics = {
        "conversations/private/" + me + "/" + other,
        "conversations/private/" + other + "/" + me,
        "conversations/private/" + other + "/" + other,
        "conversations/private/" + me + "/" + other + "/extra",
        "conversations/group/" + gid + "/" + me,
        "conversations/group/" + gid + "/" + other,
        "conversations/group/" + uuid(random) + "/" + me,
        "sport/tennis/player1/ranking",
        "sport/tennis/player1/score",
        "sport/badminton/player1/ranking",
        "sensors/kitchen/sensor-17/temperature",
        "sensors/kitchen/sensor-17/humidity",
        "home/livingroom",
        "home/livingroom/lamp/brightness",
        "home/kitchen/lamp",
        "$SYS/broker/clients/connected",
        "$SYS/broker",
        "device-42/status",
        "device-42/status/battery",
    };
    for (int i = 0; i < 8192; ++i) {
      c.pairs.push_back({random() % c.filters.size(), random() % c.topics.size()});
    }
    // A harder second half: only pairs of equal depth, so that no matcher can answer from
    // the number of levels alone.
    auto levels = [](const std::string& text) { return std::count(text.begin(), text.end(), '/'); };
    while (c.same_depth_pairs.size() < 8192) {
      const Corpus::Pair pair{random() % c.filters.size(), random() % c.topics.size()};
      if (levels(c.filters[pair.filter]) == levels(c.topics[pair.topic]) &&
          c.filters[pair.filter].find('#') == std::string::npos) {
        c.same_depth_pairs.push_back(pair);
      }
    }
    for (const auto& pair : c.pairs) {
      bool match = false;
      mosquitto_topic_matches_sub(c.filters[pair.filter].c_str(), c.topics[pair.topic].c_str(), &match);
      c.expected_matches += match;
    }
    for (const auto& pair : c.same_depth_pairs) {
      bool match = false;
      mosquitto_topic_matches_sub(c.filters[pair.filter].c_str(), c.topics[pair.topic].c_str(), &match);
      c.expected_matches += match;
    }
    return c;
  }();
  return built;
}

void report(benchmark::State& state, std::size_t allocations, std::size_t matches) {
  state.counters["allocs_per_match"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  state.counters["match_rate"] =
      benchmark::Counter(static_cast<double>(matches), benchmark::Counter::kAvgIterations);
  state.SetItemsProcessed(state.iterations());
}

// ---- Benchmarks: one iteration is one (filter, topic) match ---------------------------------

// state.range(0): 0 = the mixed corpus, 1 = equal-depth pairs only.
const std::vector<Corpus::Pair>& pairs_for(const benchmark::State& state) {
  return state.range(0) == 0 ? corpus().pairs : corpus().same_depth_pairs;
}

void BM_Mosquitto_TopicMatchesSub(benchmark::State& state) {
  const Corpus& c = corpus();
  const auto& pairs = pairs_for(state);
  std::size_t index = 0, matches = 0;
  const std::size_t before = g_allocations.load();
  for (auto _ : state) {
    const auto& pair = pairs[index];
    if (++index == pairs.size()) index = 0;
    bool result = false;
    mosquitto_topic_matches_sub(c.filters[pair.filter].c_str(), c.topics[pair.topic].c_str(), &result);
    matches += result;
    benchmark::DoNotOptimize(result);
  }
  report(state, g_allocations.load() - before, matches);
}
BENCHMARK(BM_Mosquitto_TopicMatchesSub)->Arg(0)->Arg(1);

void BM_Wave_CompiledFilter(benchmark::State& state) {
  const Corpus& c = corpus();
  const auto& pairs = pairs_for(state);
  std::vector<wave::topic::CompiledFilter> compiled;
  for (const auto& filter : c.filters) compiled.emplace_back(filter);
  std::size_t index = 0, matches = 0;
  const std::size_t before = g_allocations.load();
  for (auto _ : state) {
    const auto& pair = pairs[index];
    if (++index == pairs.size()) index = 0;
    const std::string& topic = c.topics[pair.topic];
    const auto answer = compiled[pair.filter].matches(topic);
    matches += answer == wave::topic::Answer::yes;
    benchmark::DoNotOptimize(answer);
  }
  report(state, g_allocations.load() - before, matches);
}
BENCHMARK(BM_Wave_CompiledFilter)->Arg(0)->Arg(1);

// Parses the filter on every call: what wave_topic_matches() does.
void BM_Wave_UncompiledMatches(benchmark::State& state) {
  const Corpus& c = corpus();
  const auto& pairs = pairs_for(state);
  std::size_t index = 0, matches = 0;
  const std::size_t before = g_allocations.load();
  for (auto _ : state) {
    const auto& pair = pairs[index];
    if (++index == pairs.size()) index = 0;
    const auto answer = wave::topic::matches(c.filters[pair.filter], c.topics[pair.topic]);
    matches += answer == wave::topic::Answer::yes;
    benchmark::DoNotOptimize(answer);
  }
  report(state, g_allocations.load() - before, matches);
}
BENCHMARK(BM_Wave_UncompiledMatches)->Arg(0)->Arg(1);

// A user in state.range(0) groups: one publish check against all of the user's patterns.
void BM_Wave_AuthorizerPublish(benchmark::State& state) {
  std::mt19937 random(777);
  const std::string me = uuid(random);
  auto patterns = wave::acl::private_patterns(me);
  std::vector<std::string> groups;
  for (int i = 0; i < state.range(0); ++i) {
    groups.push_back(uuid(random));
    const auto more = wave::acl::group_patterns(groups.back(), me);
    patterns.publish.push_back(more.publish[0]);
    patterns.subscribe.push_back(more.subscribe[0]);
  }
  const wave::acl::Authorizer authorizer(patterns.publish, patterns.subscribe);
  std::vector<std::string> topics = {"conversations/private/" + me + "/" + uuid(random),
                                     "conversations/private/" + uuid(random) + "/" + me,
                                     "conversations/group/" + uuid(random) + "/" + me};
  for (const auto& group : groups) topics.push_back("conversations/group/" + group + "/" + me);
  std::size_t index = 0, allowed = 0;
  const std::size_t before = g_allocations.load();
  for (auto _ : state) {
    const bool ok = authorizer.may_publish(topics[index]);
    if (++index == topics.size()) index = 0;
    allowed += ok;
    benchmark::DoNotOptimize(ok);
  }
  report(state, g_allocations.load() - before, allowed);
}
BENCHMARK(BM_Wave_AuthorizerPublish)->Arg(0)->Arg(10)->Arg(1000);

void BM_Wave_AuthorizerSubscribe(benchmark::State& state) {
  std::mt19937 random(778);
  const std::string me = uuid(random), gid = uuid(random);
  auto patterns = wave::acl::private_patterns(me);
  const auto group = wave::acl::group_patterns(gid, me);
  patterns.subscribe.push_back(group.subscribe[0]);
  const wave::acl::Authorizer authorizer(patterns.publish, patterns.subscribe);
  const std::vector<std::string> filters = {"conversations/private/+/" + me,
                                            "$share/workers/conversations/private/+/" + me,
                                            "conversations/group/" + gid + "/+",
                                            "conversations/group/" + gid + "/#",
                                            "conversations/private/#"};
  std::size_t index = 0, allowed = 0;
  const std::size_t before = g_allocations.load();
  for (auto _ : state) {
    const bool ok = authorizer.may_subscribe(filters[index]);
    if (++index == filters.size()) index = 0;
    allowed += ok;
    benchmark::DoNotOptimize(ok);
  }
  report(state, g_allocations.load() - before, allowed);
}
BENCHMARK(BM_Wave_AuthorizerSubscribe);

// Control for the instrument: copying a topic into a std::string allocates once for each
// topic too long for the small-string buffer (17 of the 19), so this must report 17/19 =
// 0.89 allocations per iteration, or the zeros above prove nothing.
void BM_Control_CopyTopicToString(benchmark::State& state) {
  const Corpus& c = corpus();
  std::size_t index = 0;
  const std::size_t before = g_allocations.load();
  for (auto _ : state) {
    std::string copy = c.topics[index];
    if (++index == c.topics.size()) index = 0;
    benchmark::DoNotOptimize(copy.data());
  }
  report(state, g_allocations.load() - before, 0);
}
BENCHMARK(BM_Control_CopyTopicToString);

}  // namespace

int main(int argc, char** argv) {
  // The two matchers must agree on this corpus, or the comparison means nothing.
  const Corpus& c = corpus();
  std::size_t wave_matches = 0;
  for (const auto* pairs : {&c.pairs, &c.same_depth_pairs}) {
    for (const auto& pair : *pairs) {
      const wave::topic::CompiledFilter filter(c.filters[pair.filter]);
      wave_matches += filter.matches(c.topics[pair.topic]) == wave::topic::Answer::yes;
    }
  }
  if (wave_matches != c.expected_matches) {
    std::fprintf(stderr, "corpus disagreement: wave %zu matches, mosquitto %zu\n", wave_matches,
                 c.expected_matches);
    return 1;
  }
  std::printf("corpus: %zu filters, %zu topics, %zu + %zu pairs, %zu matches (Wave and mosquitto agree)\n",
              c.filters.size(), c.topics.size(), c.pairs.size(), c.same_depth_pairs.size(),
              c.expected_matches);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
