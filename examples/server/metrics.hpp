// wave-server's counters and their Prometheus text rendering (exposition format 0.0.4).
// Relaxed atomics indexed by enums; every label set exists from the start at 0; no label
// ever holds a token, password, client ID, topic or raw path.
#pragma once

#include <wave/wave.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "router.hpp"
#include "webhooks.hpp"

namespace wave_server {

enum class Pool { backend, credential };
inline constexpr std::size_t kPoolCount = 2;
std::string_view pool_name(Pool pool);

// The status codes wave-server answers with; anything else is counted as "other".
inline constexpr std::array<int, 15> kStatusCodes = {200, 201, 204, 400, 401, 403, 404, 405, 408, 409, 413, 500, 502, 503, 504};
// Upper bounds (seconds) of the request latency histogram: sub-millisecond for cached
// webhooks up to bcrypt logins.
inline constexpr std::array<double, 14> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,    0.25,  0.5,    1,     2.5,   5,    10};

class Metrics {
 public:
  // `service` (may be null) supplies libwave's own counters (wave_service_counter()).
  explicit Metrics(std::string version, const wave_service* service = nullptr);

  void count_request(Route route, int status, double seconds);
  void count_decision(Hook hook, Outcome outcome);

  std::atomic<std::int64_t> connections_active{0};
  std::atomic<std::uint64_t> connections_refused{0};  // over serverMaxConnections, or while draining
  std::array<std::atomic<std::int64_t>, kPoolCount> pool_in_flight{};
  std::array<std::atomic<std::uint64_t>, kPoolCount> pool_rejected{};
  std::atomic<std::uint64_t> log_lines_dropped{0};
  std::atomic<std::uint64_t> api_address_limited{0};  // /v1 requests refused by the per-address limit

  // The whole exposition, every line ending in '\n'.
  std::string render() const;

 private:
  void render_library(std::string& out) const;
  static constexpr std::size_t kCodeSlots = kStatusCodes.size() + 1;  // + "other"
  static constexpr std::size_t kBucketSlots = kLatencyBuckets.size() + 1;  // + "+Inf"
  std::string version_;
  const wave_service* service_;
  std::array<std::array<std::atomic<std::uint64_t>, kCodeSlots>, kRouteCount> requests_{};
  // Per route: the count of observations per bucket (not cumulative; rendered cumulative).
  std::array<std::array<std::atomic<std::uint64_t>, kBucketSlots>, kRouteCount> latency_buckets_{};
  std::array<std::atomic<std::uint64_t>, kRouteCount> latency_sum_micros_{};
  std::array<std::array<std::atomic<std::uint64_t>, kOutcomeCount>, kHookCount> decisions_{};
};

// A Prometheus label value, escaped (backslash, double quote, newline).
std::string escape_label_value(std::string_view value);

}  // namespace wave_server
