#include "metrics.hpp"

#include <cmath>
#include <cstdio>

namespace wave_server {
namespace {

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// Fixed notation without trailing zeros ("0.0005", "1", "2.5"), as Prometheus clients print `le`.
std::string format_bound(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", value);
  std::string s(text);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string format_seconds(std::uint64_t micros) {
  char text[48];
  std::snprintf(text, sizeof text, "%llu.%06llu", static_cast<unsigned long long>(micros / 1000000),
                static_cast<unsigned long long>(micros % 1000000));
  return text;
}

}  // namespace

// libwave's own counters, one read each (relaxed atomics inside: cheap, consistent per counter).
void Metrics::render_library(std::string& out) const {
  const auto read = [&](wave_counter counter) { return wave_service_counter(service_, counter); };
  const auto sample = [&](std::string_view series, std::uint64_t value) {
    out.append(series).append(" ").append(std::to_string(value)).append("\n");
  };
  const auto seconds = [](std::uint64_t nanoseconds) { return format_seconds(nanoseconds / 1000); };
  header(out, "wave_cache_requests_total", "counter", "Broker checks looked up in libwave's in-process cache, by result.");
  sample("wave_cache_requests_total{result=\"hit\"}", read(WAVE_COUNTER_CACHE_HITS));
  sample("wave_cache_requests_total{result=\"miss\"}", read(WAVE_COUNTER_CACHE_MISSES));
  header(out, "wave_cache_entries", "gauge", "Users in libwave's in-process cache.");
  sample("wave_cache_entries", read(WAVE_COUNTER_CACHE_ENTRIES));
  header(out, "wave_app_requests_total", "counter", "Calls to the app's token endpoint, by outcome.");
  const std::uint64_t valid = read(WAVE_COUNTER_APP_VALID), invalid = read(WAVE_COUNTER_APP_INVALID),
                      error = read(WAVE_COUNTER_APP_ERROR);
  sample("wave_app_requests_total{outcome=\"valid\"}", valid);
  sample("wave_app_requests_total{outcome=\"invalid\"}", invalid);
  sample("wave_app_requests_total{outcome=\"error\"}", error);
  header(out, "wave_app_request_duration_seconds", "summary", "Time spent in calls to the app's token endpoint.");
  out.append("wave_app_request_duration_seconds_sum ").append(seconds(read(WAVE_COUNTER_APP_NANOSECONDS))).append("\n");
  sample("wave_app_request_duration_seconds_count", valid + invalid + error);
  header(out, "wave_backend_errors_total", "counter", "Faults of the backends libwave uses, by backend.");
  sample("wave_backend_errors_total{backend=\"redis\"}", read(WAVE_COUNTER_REDIS_ERRORS));
  sample("wave_backend_errors_total{backend=\"mongodb\"}", read(WAVE_COUNTER_MONGO_ERRORS));
  sample("wave_backend_errors_total{backend=\"app\"}", error);
  header(out, "wave_bcrypt_runs_total", "counter", "bcrypt hashes and verifications run (logins that changed a credential, revokes).");
  const std::uint64_t bcrypt_runs = read(WAVE_COUNTER_BCRYPT_RUNS);
  sample("wave_bcrypt_runs_total", bcrypt_runs);
  header(out, "wave_bcrypt_duration_seconds", "summary", "Time spent in bcrypt.");
  out.append("wave_bcrypt_duration_seconds_sum ").append(seconds(read(WAVE_COUNTER_BCRYPT_NANOSECONDS))).append("\n");
  sample("wave_bcrypt_duration_seconds_count", bcrypt_runs);
  header(out, "wave_logins_total", "counter", "Logins, by whether a live session answered (warm) or the app was asked (cold).");
  sample("wave_logins_total{kind=\"warm\"}", read(WAVE_COUNTER_WARM_LOGINS));
  sample("wave_logins_total{kind=\"cold\"}", read(WAVE_COUNTER_COLD_LOGINS));
  header(out, "wave_register_renewals_total", "counter", "CONNECT checks that renewed an expired session through the app.");
  sample("wave_register_renewals_total", read(WAVE_COUNTER_REGISTER_FALLBACKS));
  header(out, "wave_credential_sweep_total", "counter", "Expired sessions settled by the sweep, by result (renewed, retired, fault).");
  sample("wave_credential_sweep_total{result=\"renewed\"}", read(WAVE_COUNTER_SWEEP_RENEWED));
  sample("wave_credential_sweep_total{result=\"retired\"}", read(WAVE_COUNTER_SWEEP_RETIRED));
  sample("wave_credential_sweep_total{result=\"fault\"}", read(WAVE_COUNTER_SWEEP_FAULTS));
}

std::string_view pool_name(Pool pool) { return pool == Pool::backend ? "backend" : "credential"; }

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

Metrics::Metrics(std::string version, const wave_service* service) : version_(std::move(version)), service_(service) {}

void Metrics::count_request(Route route, int status, double seconds) {
  const auto r = static_cast<std::size_t>(route);
  std::size_t code = kStatusCodes.size();
  for (std::size_t i = 0; i < kStatusCodes.size(); ++i)
    if (kStatusCodes[i] == status) code = i;
  requests_[r][code].fetch_add(1, std::memory_order_relaxed);
  std::size_t bucket = kLatencyBuckets.size();
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i)
    if (seconds <= kLatencyBuckets[i]) {
      bucket = i;
      break;
    }
  latency_buckets_[r][bucket].fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t micros = seconds > 0 ? static_cast<std::uint64_t>(std::llround(seconds * 1e6)) : 0;
  latency_sum_micros_[r].fetch_add(micros, std::memory_order_relaxed);
}

void Metrics::count_decision(Hook hook, Outcome outcome) {
  decisions_[static_cast<std::size_t>(hook)][static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(32768);
  const auto load = [](const auto& atomic) { return std::to_string(atomic.load(std::memory_order_relaxed)); };

  header(out, "wave_http_requests_total", "counter", "HTTP requests answered, by route template and status code.");
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    const std::string route = escape_label_value(route_template(static_cast<Route>(r)));
    for (std::size_t c = 0; c < kCodeSlots; ++c) {
      const std::string code = c < kStatusCodes.size() ? std::to_string(kStatusCodes[c]) : "other";
      out.append("wave_http_requests_total{route=\"").append(route).append("\",code=\"").append(code).append("\"} ");
      out.append(load(requests_[r][c])).append("\n");
    }
  }

  header(out, "wave_http_request_duration_seconds", "histogram",
         "Time from a request's first byte to its response being queued, by route template.");
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    const std::string route = escape_label_value(route_template(static_cast<Route>(r)));
    // One read of every bucket: the +Inf bucket and _count come from the same sum.
    std::array<std::uint64_t, kBucketSlots> counts{};
    for (std::size_t b = 0; b < kBucketSlots; ++b) counts[b] = latency_buckets_[r][b].load(std::memory_order_relaxed);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBucketSlots; ++b) {
      cumulative += counts[b];
      const std::string le = b < kLatencyBuckets.size() ? format_bound(kLatencyBuckets[b]) : "+Inf";
      out.append("wave_http_request_duration_seconds_bucket{route=\"").append(route).append("\",le=\"").append(le);
      out.append("\"} ").append(std::to_string(cumulative)).append("\n");
    }
    out.append("wave_http_request_duration_seconds_sum{route=\"").append(route).append("\"} ");
    out.append(format_seconds(latency_sum_micros_[r].load(std::memory_order_relaxed))).append("\n");
    out.append("wave_http_request_duration_seconds_count{route=\"").append(route).append("\"} ");
    out.append(std::to_string(cumulative)).append("\n");
  }

  header(out, "wave_webhook_decisions_total", "counter", "VerneMQ webhook answers, by hook and result (allow, deny, error).");
  for (std::size_t h = 0; h < kHookCount; ++h)
    for (std::size_t o = 0; o < kOutcomeCount; ++o) {
      out.append("wave_webhook_decisions_total{hook=\"").append(hook_name(static_cast<Hook>(h)));
      out.append("\",result=\"").append(outcome_name(static_cast<Outcome>(o))).append("\"} ");
      out.append(load(decisions_[h][o])).append("\n");
    }

  if (service_ != nullptr) render_library(out);

  header(out, "wave_worker_queue_depth", "gauge", "Jobs queued or running in a worker pool.");
  for (std::size_t p = 0; p < kPoolCount; ++p)
    out.append("wave_worker_queue_depth{pool=\"").append(pool_name(static_cast<Pool>(p))).append("\"} ").append(load(pool_in_flight[p])).append("\n");
  header(out, "wave_worker_rejected_total", "counter", "Jobs refused because their pool was at its in-flight limit.");
  for (std::size_t p = 0; p < kPoolCount; ++p)
    out.append("wave_worker_rejected_total{pool=\"").append(pool_name(static_cast<Pool>(p))).append("\"} ").append(load(pool_rejected[p])).append("\n");

  header(out, "wave_connections_active", "gauge", "Open client connections.");
  out.append("wave_connections_active ").append(load(connections_active)).append("\n");
  header(out, "wave_connections_refused_total", "counter", "Connections closed at once: over serverMaxConnections, or arriving while the server drains.");
  out.append("wave_connections_refused_total ").append(load(connections_refused)).append("\n");
  header(out, "wave_api_address_limited_total", "counter", "Management API requests refused by the per-client-address limit (429).");
  out.append("wave_api_address_limited_total ").append(load(api_address_limited)).append("\n");
  header(out, "wave_log_lines_dropped_total", "counter", "Log lines dropped because the log writer's queue was full.");
  out.append("wave_log_lines_dropped_total ").append(load(log_lines_dropped)).append("\n");
  header(out, "wave_build_info", "gauge", "Always 1; the version of libwave this server runs on.");
  out.append("wave_build_info{version=\"").append(escape_label_value(version_)).append("\"} 1\n");
  return out;
}

}  // namespace wave_server
