#include "maintenance.hpp"

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <openssl/evp.h>

namespace wave_server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

constexpr std::size_t kSweepBatch = 1000;
constexpr auto kVerneMQTimeout = std::chrono::seconds(5);

void relay(wave_invalidation_kind kind, const char* internal_id, void* userdata) {
  static_cast<Maintenance*>(userdata)->on_invalidation(kind, internal_id);
}

std::string read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("vernemqAPIKeyFile \"" + path + "\": cannot be read");
  std::string key;
  std::getline(in, key);
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
  if (key.empty()) throw std::runtime_error("vernemqAPIKeyFile \"" + path + "\": the first line holds no key");
  return key;
}

std::string basic_authorization(const std::string& user) {
  const std::string credentials = user + ":";
  std::string encoded(4 * ((credentials.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                     reinterpret_cast<const unsigned char*>(credentials.data()),
                                     static_cast<int>(credentials.size()));
  encoded.resize(static_cast<std::size_t>(length));
  return "Basic " + encoded;
}

// Percent-encodes a query value (internal IDs are UUIDs; anything else is encoded anyway).
std::string query_value(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

Maintenance::Maintenance(net::io_context& context, server_detail::Shared& shared)
    : context_(context), shared_(shared), timer_(context) {
  const std::string& url = shared.settings.vernemq_api_url;
  if (url.empty()) return;
  const std::string authority = url.substr(std::string("http://").size());
  const std::size_t colon = authority.rfind(':');
  api_host_ = authority.substr(0, colon);
  api_port_ = authority.substr(colon + 1);
  api_authorization_ = basic_authorization(read_key_file(shared.settings.vernemq_api_key_file));
}

Maintenance::~Maintenance() { stop(); }

void Maintenance::start() {
  if (wave_service_listen_invalidations(shared_.service, relay, this) != WAVE_OK)
    throw std::runtime_error(std::string("cannot listen for invalidations: ") + wave_last_error_message());
  schedule_sweep();
}

void Maintenance::stop() {
  if (stopped_.exchange(true)) return;
  timer_.cancel();
  // Detach: returns once a running relay() call has returned.
  wave_service_listen_invalidations(shared_.service, nullptr, nullptr);
}

void Maintenance::on_invalidation(wave_invalidation_kind kind, const char* internal_id) {
  if (kind != WAVE_INVALIDATION_CREDENTIAL || api_authorization_.empty() || stopped_.load()) return;
  std::string id(internal_id);
  const bool accepted = shared_.backend_pool.try_submit([this, id] { disconnect(id); });
  if (!accepted)
    shared_.logger.write(LogLine(LogLevel::warning, "vernemq_disconnect").field("result", "overloaded").field("client_id", id));
}

void Maintenance::disconnect(const std::string& internal_id) {
  // A private io_context on this worker thread: Beast enforces its timeouts on async
  // operations only, and this call must never hang a worker.
  net::io_context local;
  beast::tcp_stream stream(local);
  net::ip::tcp::resolver resolver(local);
  http::request<http::empty_body> request(http::verb::get,
                                          "/api/v1/session/disconnect?client-id=" + query_value(internal_id), 11);
  request.set(http::field::host, api_host_ + ":" + api_port_);
  request.set(http::field::authorization, api_authorization_);
  request.set(http::field::connection, "close");
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code failure;
  const auto fail_with = [&](beast::error_code ec) { failure = ec; };
  stream.expires_after(kVerneMQTimeout);
  resolver.async_resolve(api_host_, api_port_, [&](beast::error_code ec, net::ip::tcp::resolver::results_type found) {
    if (ec) return fail_with(ec);
    stream.async_connect(found, [&](beast::error_code ec2, const net::ip::tcp::endpoint&) {
      if (ec2) return fail_with(ec2);
      http::async_write(stream, request, [&](beast::error_code ec3, std::size_t) {
        if (ec3) return fail_with(ec3);
        http::async_read(stream, buffer, response, [&](beast::error_code ec4, std::size_t) {
          if (ec4) fail_with(ec4);
        });
      });
    });
  });
  local.run();
  LogLine line(failure || response.result() != http::status::ok ? LogLevel::warning : LogLevel::info,
               "vernemq_disconnect");
  line.field("client_id", internal_id);
  if (failure) {
    line.field("result", "error").field("reason", failure.message());
  } else {
    line.field("status", static_cast<int>(response.result_int()));
    line.field("result", response.result() == http::status::ok ? "done" : "refused");
  }
  shared_.logger.write(std::move(line));
}

void Maintenance::schedule_sweep() {
  if (stopped_.load()) return;
  timer_.expires_after(std::chrono::seconds(shared_.settings.credential_sweep_interval_seconds));
  timer_.async_wait([this](beast::error_code ec) {
    if (ec || stopped_.load()) return;
    sweep();
    schedule_sweep();
  });
}

void Maintenance::sweep() {
  if (sweeping_.exchange(true)) return;  // the previous sweep is still running
  const bool accepted = shared_.credential_pool.try_submit([this] {
    std::size_t claimed = 0, renewed = 0, retired = 0;
    const wave_status status = wave_service_sweep_expired(shared_.service, kSweepBatch, &claimed, &renewed, &retired);
    if (status != WAVE_OK) {
      shared_.logger.write(LogLine(LogLevel::warning, "credential_sweep")
                               .field("result", "error")
                               .field("reason", wave_last_error_message()));
    } else if (claimed > 0) {
      shared_.logger.write(LogLine(LogLevel::info, "credential_sweep")
                               .field("claimed", static_cast<std::int64_t>(claimed))
                               .field("renewed", static_cast<std::int64_t>(renewed))
                               .field("retired", static_cast<std::int64_t>(retired)));
    }
    sweeping_.store(false);
  });
  if (!accepted) sweeping_.store(false);  // the pool is busy or draining: next interval
}

}  // namespace wave_server
