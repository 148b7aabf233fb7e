// wave-server internals shared by the listener, the sessions and the server: the state every
// connection sees (settings, libwave, pools, metrics, log, the session registry) and small
// Beast helpers.  Not part of any API.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <wave/wave.h>

#include "access_log.hpp"
#include "health.hpp"
#include "metrics.hpp"
#include "rate_limiter.hpp"
#include "server_settings.hpp"
#include "worker_pool.hpp"

namespace wave_server::server_detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

inline constexpr std::size_t kFirstReadBytes = 4096;
inline constexpr auto kLingerTime = std::chrono::seconds(2);      // reading leftovers before closing after an error
inline constexpr std::size_t kLingerMaxBytes = 1 << 20;
inline constexpr auto kReadinessCacheTime = std::chrono::seconds(1);
inline constexpr auto kAcceptBackoffExhausted = std::chrono::milliseconds(100);  // EMFILE / ENFILE / ENOBUFS
inline constexpr auto kAcceptBackoffOther = std::chrono::milliseconds(10);
inline constexpr int kCredentialPoolNice = 10;

// What a drain needs of any session, plain or TLS.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void drain() = 0;
};

// What every session shares: settings, libwave, pools, metrics, the log, the registry of
// open sessions (so a drain can close idle ones).
struct Shared {
  Shared(ServerSettings s, const wave_config* c, wave_service* svc, Logger& l, Metrics& m)
      : settings(std::move(s)),
        config(c),
        service(svc),
        logger(l),
        metrics(m),
        backend_pool(settings.worker_threads, settings.worker_queue_limit, 0,
                     m.pool_in_flight[static_cast<std::size_t>(Pool::backend)],
                     m.pool_rejected[static_cast<std::size_t>(Pool::backend)]),
        credential_pool(settings.credential_threads, settings.credential_queue_limit, kCredentialPoolNice,
                        m.pool_in_flight[static_cast<std::size_t>(Pool::credential)],
                        m.pool_rejected[static_cast<std::size_t>(Pool::credential)]) {}

  ServerSettings settings;
  const wave_config* config;
  wave_service* service;
  Logger& logger;
  Metrics& metrics;
  WorkerPool backend_pool;
  WorkerPool credential_pool;
  ReadinessCache readiness;
  AddressRateLimiter api_limiter{settings.api_requests_per_second, settings.api_request_burst};
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> next_connection{1};
  std::mutex sessions_mutex;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  std::optional<net::ssl::context> tls;  // set when serverTLSCertFile/KeyFile are
};

// Beast 1.74 speaks boost::string_view; the rest of the server std::string_view.
inline std::string_view sv(beast::string_view text) { return {text.data(), text.size()}; }
inline beast::string_view bsv(std::string_view text) { return {text.data(), text.size()}; }

inline std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

inline std::string status_json(std::string_view status, std::string_view reason) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("status");
  w.String(status.data(), static_cast<rapidjson::SizeType>(status.size()));
  if (!reason.empty()) {
    w.Key("reason");
    w.String(reason.data(), static_cast<rapidjson::SizeType>(reason.size()));
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

using Headers = std::vector<std::pair<std::string, std::string>>;

}  // namespace wave_server::server_detail
