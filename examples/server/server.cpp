#include "server.hpp"

#include <array>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api.hpp"
#include "health.hpp"
#include "router.hpp"
#include "webhooks.hpp"
#include "worker_pool.hpp"

namespace wave_server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kFirstReadBytes = 4096;
constexpr auto kLingerTime = std::chrono::seconds(2);      // reading leftovers before closing after an error
constexpr std::size_t kLingerMaxBytes = 1 << 20;
constexpr auto kReadinessCacheTime = std::chrono::seconds(1);
constexpr auto kAcceptBackoffExhausted = std::chrono::milliseconds(100);  // EMFILE / ENFILE / ENOBUFS
constexpr auto kAcceptBackoffOther = std::chrono::milliseconds(10);
constexpr int kCredentialPoolNice = 10;

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
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> next_connection{1};
  std::mutex sessions_mutex;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  std::optional<net::ssl::context> tls;  // set when serverTLSCertFile/KeyFile are
};

// Beast 1.74 speaks boost::string_view; the rest of the server std::string_view.
std::string_view sv(beast::string_view text) { return {text.data(), text.size()}; }
beast::string_view bsv(std::string_view text) { return {text.data(), text.size()}; }

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

std::string status_json(std::string_view status, std::string_view reason) {
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

// One client connection: read a request (idle wait, then a deadline from its first byte),
// answer it (on this strand, or through a worker pool and back), repeat while keep-alive.
// One request at a time, so pipelined requests are answered in order.
// `Stream` is beast::tcp_stream (plain HTTP) or beast::ssl_stream<beast::tcp_stream> (HTTPS).
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... Extra>
  Session(Shared& shared, tcp::socket&& socket, Extra&... extra)
      : stream_(std::move(socket), extra...), shared_(shared), serial_(shared.next_connection.fetch_add(1)) {
    beast::error_code ec;
    const auto remote = lowest().socket().remote_endpoint(ec);
    peer_ = ec ? "unknown" : endpoint_text(remote);
    shared_.metrics.connections_active.fetch_add(1);
  }

  ~Session() {
    {
      std::lock_guard lock(shared_.sessions_mutex);
      shared_.sessions.erase(this);
    }
    shared_.metrics.connections_active.fetch_sub(1);
  }

  void start() {
    {
      std::lock_guard lock(shared_.sessions_mutex);
      shared_.sessions.emplace(this, std::static_pointer_cast<SessionBase>(this->shared_from_this()));
    }
    if constexpr (kTls)
      net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::handshake, this->shared_from_this()));
    else
      net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::wait_for_request, this->shared_from_this()));
  }

  // Called once the server drains: an idle connection is closed now; a busy one answers
  // its request with Connection: close.
  void drain() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->close();
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // ---- reading ----------------------------------------------------------------------

  // TLS only: the handshake gets the request deadline (a slow handshake is a slow request).
  void handshake() {
    lowest().expires_after(std::chrono::seconds(shared_.settings.request_timeout_seconds));
    stream_.async_handshake(net::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->close();
      self->wait_for_request();
    });
  }

  void wait_for_request() {
    if (shared_.draining.load()) return close();
    if (buffer_.size() > 0) return read_request();  // a pipelined request is already here
    idle_ = true;
    lowest().expires_after(std::chrono::seconds(shared_.settings.idle_timeout_seconds));
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            beast::bind_front_handler(&Session::on_first_bytes, this->shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t bytes) {
    idle_ = false;
    buffer_.commit(bytes);
    if (ec) return close();  // idle timeout, peer closed, or closed by a drain
    read_request();
  }

  void read_request() {
    started_ = Clock::now();
    route_ = Route::unmatched;
    method_.clear();
    log_ = RequestLog{};
    parser_.emplace();
    // Limits before the header is read: a Content-Length over the limit fails as soon as
    // the header is complete (beast#1770).
    parser_->header_limit(static_cast<std::uint32_t>(shared_.settings.max_header_bytes));
    parser_->body_limit(static_cast<std::uint64_t>(shared_.settings.max_body_bytes));
    lowest().expires_after(std::chrono::seconds(shared_.settings.request_timeout_seconds));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, this->shared_from_this()));
  }

  // A client that sent "Expect: 100-continue" (curl does for bodies over 1 KiB) waits for a
  // 100 before sending its body; a body over the limit was already refused with the header.
  void on_header(beast::error_code ec, std::size_t bytes) {
    if (ec || parser_->is_done()) return on_read(ec, bytes);
    const auto expect = parser_->get().find(http::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = this->shared_from_this()](beast::error_code write_error, std::size_t) {
                         if (write_error) return self->close();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return close();
    if (ec) {  // name the route in the log and metrics when the request line was read
      const auto& partial = parser_->get();
      if (!partial.method_string().empty()) method_ = std::string(partial.method_string());
      if (!partial.target().empty()) route_ = match_route(sv(partial.target())).route;
    }
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      close_after_ = true;  // then on_write lingers: the client may still be sending
      const bool header = ec == http::error::header_limit;
      const auto answer = api_error(413, "too_large",
                                    header ? "the request header is larger than serverMaxHeaderBytes"
                                           : "the request body is larger than serverMaxBodyBytes");
      return reply(413, "application/json", answer.body, {});
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_method).category()) {
      close_after_ = true;  // then on_write lingers: the client may still be sending
      const auto answer = api_error(400, "bad_request", "malformed HTTP request");
      return reply(400, "application/json", answer.body, {});
    }
    if (ec) return close();  // timeout (the stream closed the socket), reset, ...
    handle_request();
  }

  // ---- dispatch ---------------------------------------------------------------------

  void handle_request() {
    auto& request = parser_->get();
    method_ = std::string(request.method_string());
    keep_alive_ = request.keep_alive();
    match_ = match_route(sv(request.target()));
    route_ = match_.route;
    if (route_ == Route::unmatched) return send_api(api_error(404, "not_found", "no such route"));
    if (!method_allowed(route_, method_)) {
      const auto answer = api_error(405, "method_not_allowed", "this route does not accept " + method_);
      Headers headers;
      headers.emplace_back("Allow", allowed_methods(route_));
      return reply(405, "application/json", answer.body, std::move(headers));
    }
    switch (route_) {
      case Route::healthz: return reply(200, "application/json", R"({"status":"ok"})", {});
      case Route::readyz: return handle_readyz();
      case Route::metrics: return reply(200, "text/plain; version=0.0.4; charset=utf-8", shared_.metrics.render(), {});
      case Route::webhooks:
      case Route::webhook_hook: return handle_webhook();
      default: return handle_api();
    }
  }

  // Runs `job` on `pool`, then `finish(result)` back on this connection's strand.  The job
  // holds this session and tracked work on its executor; it owns copies of its inputs.
  template <typename Job, typename Finish>
  bool submit(WorkerPool& pool, Job job, Finish finish) {
    auto executor = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
    return pool.try_submit([self = this->shared_from_this(), executor, job = std::move(job), finish = std::move(finish)]() mutable {
      auto result = job();
      net::post(executor, [self, finish = std::move(finish), result = std::move(result)]() mutable { finish(*self, std::move(result)); });
    });
  }

  Clock::time_point deadline() const {
    return started_ + std::chrono::seconds(shared_.settings.request_timeout_seconds);
  }

  // ---- probes -----------------------------------------------------------------------

  void handle_readyz() {
    if (shared_.draining.load()) return reply(503, "application/json", status_json("draining", ""), {});
    if (auto fresh = shared_.readiness.fresh(kReadinessCacheTime)) return send_readiness(*fresh);
    Shared* shared = &shared_;
    const bool accepted = submit(
        shared_.backend_pool,
        [shared] {
          Readiness readiness = check_backends(shared->service);
          shared->readiness.store(readiness);
          return readiness;
        },
        [](Session& self, Readiness readiness) { self.send_readiness(readiness); });
    if (!accepted) send_readiness(Readiness{false, "overloaded"});
  }

  void send_readiness(const Readiness& readiness) {
    if (readiness.ready) return reply(200, "application/json", status_json("ready", ""), {});
    reply(503, "application/json", status_json("unready", readiness.reason), {{"Retry-After", "1"}});
  }

  // ---- webhooks ---------------------------------------------------------------------

  void handle_webhook() {
    auto& request = parser_->get();
    std::optional<std::string_view> path_hook;
    if (route_ == Route::webhook_hook) path_hook = match_.params.at(0);
    std::optional<std::string_view> header_hook;
    if (const auto it = request.find("vernemq-hook"); it != request.end()) header_hook = sv(it->value());
    auto selected = select_hook(path_hook, header_hook);
    if (const auto* refusal = std::get_if<std::string>(&selected)) {
      log_.result = "deny";
      log_.reason = *refusal;
      return send_webhook(refusal_answer(*refusal));
    }
    const Hook hook = std::get<Hook>(selected);
    log_.hook = hook_name(hook);
    hook_ = hook;
    auto parsed = std::make_shared<ParsedWebhook>(parse_webhook(hook, request.body()));
    log_.client_id = parsed->client_id;
    if (!parsed->question) return finish_webhook(refusal_answer(parsed->refusal));
    // Wiring point for a cache-only check (WAVE_CHECK_CACHED_ONLY, another branch): run
    // decide_webhook's check_* here with that flag, on this I/O thread, and finish_webhook()
    // at once unless it reports a cache miss; only misses go on to the worker pool.
    wave_service* service = shared_.service;
    const CacheAges ages = shared_.settings.cache_ages;
    const auto until = deadline();
    const bool accepted = submit(
        shared_.backend_pool,
        [service, parsed, ages, until] {
          if (Clock::now() > until) return overloaded_answer();
          return decide_webhook(service, *parsed, ages);
        },
        [](Session& self, WebhookAnswer answer) { self.finish_webhook(std::move(answer)); });
    if (!accepted) finish_webhook(overloaded_answer());
  }

  void finish_webhook(WebhookAnswer answer) {
    shared_.metrics.count_decision(*hook_, answer.outcome);
    log_.result = std::string(outcome_name(answer.outcome));
    log_.reason = answer.reason;
    log_.detail = std::move(answer.detail);
    send_webhook(std::move(answer));
  }

  void send_webhook(WebhookAnswer answer) {
    Headers headers;
    if (answer.outcome == Outcome::allow && answer.max_age > 0)
      headers.emplace_back("cache-control", "max-age=" + std::to_string(answer.max_age));
    reply(200, "application/json", std::move(answer.body), std::move(headers));
  }

  // ---- management API ---------------------------------------------------------------

  void handle_api() {
    auto& request = parser_->get();
    if (method_ == "OPTIONS") return send_preflight();
    const auto token_field = request.find("token");
    if (token_field == request.end() || token_field->value().empty())
      return send_api(api_error(401, "invalid_token", "the token header is missing"));
    const std::string_view token = sv(token_field->value());
    // The format check is local and linear-time (RE2): answered here, no worker needed.
    if (wave_token_check(shared_.config, reinterpret_cast<const std::uint8_t*>(token.data()), token.size()) != WAVE_OK)
      return send_api(api_error(401, "invalid_token", wave_last_error_message()));
    auto prepared = prepare_api_call(match_, method_, token, request.body());
    if (auto* answer = std::get_if<ApiResponse>(&prepared)) return send_api(std::move(*answer));
    auto call = std::make_shared<ApiCall>(std::move(std::get<ApiCall>(prepared)));
    WorkerPool& pool = uses_credential_pool(call->operation) ? shared_.credential_pool : shared_.backend_pool;
    wave_service* service = shared_.service;
    const auto until = deadline();
    const bool accepted = submit(
        pool,
        [service, call, until] {
          ApiResponse response = Clock::now() > until
                                     ? api_error(503, "overloaded", "the request waited too long for a worker: retry")
                                     : execute_api_call(service, *call);
          std::fill(call->token.begin(), call->token.end(), '\0');
          return response;
        },
        [](Session& self, ApiResponse response) { self.send_api(std::move(response)); });
    if (!accepted) send_api(api_error(503, "overloaded", "the server is at its limit of requests in progress: retry"));
  }

  void add_cors(Headers& headers) {
    const auto& request = parser_->get();
    const auto origin = request.find(http::field::origin);
    if (origin == request.end()) return;
    const std::string allowed = shared_.settings.cors_allow_origin(sv(origin->value()));
    if (allowed.empty()) return;
    headers.emplace_back("Access-Control-Allow-Origin", allowed);
    headers.emplace_back("Vary", "Origin");
  }

  void send_preflight() {
    Headers headers;  // reply() adds Access-Control-Allow-Origin
    headers.emplace_back("Access-Control-Allow-Methods", allowed_methods(route_));
    headers.emplace_back("Access-Control-Allow-Headers", "token, content-type");
    headers.emplace_back("Access-Control-Max-Age", "600");
    reply(204, "", "", std::move(headers));
  }

  void send_api(ApiResponse response) {
    Headers headers;
    if (response.retry_after) headers.emplace_back("Retry-After", "1");
    reply(response.status, "application/json", std::move(response.body), std::move(headers));
  }

  // ---- writing ----------------------------------------------------------------------

  void reply(int status, std::string_view content_type, std::string body, Headers headers) {
    response_ = {};
    response_.version(parser_ && parser_->is_header_done() ? parser_->get().version() : 11);
    response_.result(static_cast<unsigned>(status));
    response_.set(http::field::server, "wave-server");
    if (!content_type.empty()) response_.set(http::field::content_type, bsv(content_type));
    if (is_api_route(route_) && parser_ && parser_->is_header_done()) add_cors(headers);
    for (auto& [name, value] : headers) response_.set(bsv(name), value);
    response_.body() = std::move(body);
    response_.keep_alive(keep_alive_ && !close_after_ && !shared_.draining.load());
    // Content-Length on every answer: without it the response would end at EOF and every
    // keep-alive client would reconnect.
    response_.prepare_payload();
    const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    shared_.metrics.count_request(route_, status, seconds);
    write_log(status, seconds);
    lowest().expires_after(std::chrono::seconds(shared_.settings.request_timeout_seconds));
    http::async_write(stream_, response_, beast::bind_front_handler(&Session::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return close();
    if (response_.need_eof()) return linger();
    parser_.reset();
    hook_.reset();
    wait_for_request();
  }

  // Closing with unread input sends a RST, which can destroy the answer in flight: shut the
  // send side, read (and drop) what the client still sends for a moment, then close.
  void linger() {
    if constexpr (kTls) {
      // TLS: send close_notify (bounded), then close; no half-close under TLS.
      lowest().expires_after(kLingerTime);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close(); });
      return;
    }
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    lowest().expires_after(kLingerTime);
    drain_input();
  }

  void drain_input() {
    stream_.async_read_some(net::buffer(discard_), [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
      self->drained_ += bytes;
      if (ec || self->drained_ > kLingerMaxBytes) return self->close();
      self->drain_input();
    });
  }

  void close() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  void write_log(int status, double seconds) {
    const LogLevel level = status >= 500 ? LogLevel::error : LogLevel::info;
    if (!shared_.logger.enabled(level)) return;
    LogLine line(level, "request");
    line.field("method", method_.empty() ? std::string_view("-") : std::string_view(method_), 16)
        .field("route", route_template(route_))
        .field("status", status)
        .number("duration_ms", seconds * 1000.0, 3)
        .field("peer", peer_)
        .field("conn", static_cast<std::int64_t>(serial_));
    if (!log_.hook.empty()) line.field("hook", log_.hook);
    if (!log_.result.empty()) line.field("result", log_.result);
    if (!log_.reason.empty()) line.field("reason", log_.reason);
    if (!log_.client_id.empty()) line.field("client_id", log_.client_id, 128);
    if (!log_.detail.empty() && shared_.logger.enabled(LogLevel::debug)) line.field("detail", log_.detail, 512);
    shared_.logger.write(std::move(line));
  }

  struct RequestLog {
    std::string hook;
    std::string result;
    std::string reason;
    std::string client_id;
    std::string detail;  // libwave's message, logged at debug level only
  };

  Stream stream_;
  Shared& shared_;
  std::uint64_t serial_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::array<char, 4096> discard_{};
  std::size_t drained_ = 0;
  Clock::time_point started_ = Clock::now();
  Route route_ = Route::unmatched;
  RouteMatch match_;
  std::string method_;
  std::optional<Hook> hook_;
  RequestLog log_;
  bool idle_ = false;
  bool keep_alive_ = true;
  bool close_after_ = false;
};

// Accepts connections on one address, on its own strand; each socket gets a strand of its
// own.  Accept errors never spin (a timer backs off) and never stop accepting for good.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& context, Shared& shared)
      : context_(context), shared_(shared), acceptor_(net::make_strand(context)), backoff_(acceptor_.get_executor()) {}

  tcp::endpoint open(const tcp::endpoint& endpoint) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    return acceptor_.local_endpoint();
  }

  void start() { net::dispatch(acceptor_.get_executor(), beast::bind_front_handler(&Listener::accept, this->shared_from_this())); }

  void stop() {
    net::post(acceptor_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->backoff_.cancel();
    });
  }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(context_), beast::bind_front_handler(&Listener::on_accept, this->shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open() || ec == net::error::operation_aborted) return;
    if (ec) {
      const bool exhausted = ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
                             ec == net::error::no_memory ||
                             ec == boost::system::errc::too_many_files_open_in_system;
      if (shared_.logger.enabled(LogLevel::warning))
        shared_.logger.write(LogLine(LogLevel::warning, "accept failed").field("error", ec.message()));
      backoff_.expires_after(exhausted ? kAcceptBackoffExhausted : kAcceptBackoffOther);
      backoff_.async_wait([self = this->shared_from_this()](beast::error_code wait_error) {
        if (!wait_error && self->acceptor_.is_open()) self->accept();
      });
      return;
    }
    if (shared_.metrics.connections_active.load() >= shared_.settings.max_connections || shared_.draining.load()) {
      shared_.metrics.connections_refused.fetch_add(1);
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (shared_.tls)
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(shared_, std::move(socket), *shared_.tls)->start();
      else
        std::make_shared<Session<beast::tcp_stream>>(shared_, std::move(socket))->start();
    }
    accept();
  }

  net::io_context& context_;
  Shared& shared_;
  tcp::acceptor acceptor_;
  net::steady_timer backoff_;
};

}  // namespace

struct Server::Impl {
  Impl(ServerSettings settings, const wave_config* config, wave_service* service, Logger& logger, Metrics& metrics)
      : io_threads(settings.io_threads),
        grace(std::chrono::seconds(settings.shutdown_grace_seconds)),
        shared(std::move(settings), config, service, logger, metrics),
        context(io_threads),
        signals(context, SIGINT, SIGTERM),
        drain_timer(context) {
    if (!shared.settings.tls_cert_file.empty()) load_tls();
  }

  // HTTPS: TLS 1.2 or later, the certificate chain and key from PEM files.
  void load_tls() {
    auto& tls = shared.tls.emplace(net::ssl::context::tls_server);
    tls.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 |
                    net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    for (const auto* file : {&shared.settings.tls_cert_file, &shared.settings.tls_key_file}) {
      if (std::FILE* probe = std::fopen(file->c_str(), "rb")) {
        std::fclose(probe);
      } else {
        const char* field = file == &shared.settings.tls_cert_file ? "serverTLSCertFile" : "serverTLSKeyFile";
        throw std::runtime_error(std::string(field) + " \"" + *file + "\": " + std::strerror(errno));
      }
    }
    beast::error_code ec;
    tls.use_certificate_chain_file(shared.settings.tls_cert_file, ec);
    if (ec) throw std::runtime_error("serverTLSCertFile \"" + shared.settings.tls_cert_file + "\": " + ec.message());
    tls.use_private_key_file(shared.settings.tls_key_file, net::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("serverTLSKeyFile \"" + shared.settings.tls_key_file + "\": " + ec.message());
  }

  ~Impl() {
    // Sessions and handlers left in the context (after a forced stop) go before `shared`.
    shared.backend_pool.join();
    shared.credential_pool.join();
  }

  void on_signal(beast::error_code ec, int signal_number) {
    if (ec) return;
    if (shared.draining.exchange(true)) {
      std::fputs("{\"level\":\"error\",\"msg\":\"second signal: exiting now\"}\n", stderr);
      std::_Exit(1);
    }
    signals.async_wait([this](beast::error_code e, int n) { on_signal(e, n); });
    shared.logger.write_always(LogLine(LogLevel::info, "draining")
                                   .field("signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
                                   .field("grace_seconds", static_cast<std::int64_t>(grace.count())));
    for (auto& listener : listeners) listener->stop();
    shared.backend_pool.stop_accepting();
    shared.credential_pool.stop_accepting();
    std::vector<std::shared_ptr<SessionBase>> open;
    {
      std::lock_guard lock(shared.sessions_mutex);
      for (auto& [pointer, weak] : shared.sessions)
        if (auto session = weak.lock()) open.push_back(std::move(session));
    }
    for (auto& session : open) session->drain();
    open.clear();
    drain_deadline = Clock::now() + grace;
    wait_for_drain();
  }

  void wait_for_drain() {
    const bool idle = shared.metrics.connections_active.load() == 0 && shared.backend_pool.in_flight() == 0 &&
                      shared.credential_pool.in_flight() == 0;
    if (idle || Clock::now() >= drain_deadline) {
      if (!idle) {
        forced = true;
        shared.logger.write_always(LogLine(LogLevel::warning, "grace period over: closing busy connections")
                                       .field("connections", shared.metrics.connections_active.load()));
      }
      context.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([this](beast::error_code ec) {
      if (!ec) wait_for_drain();
    });
  }

  int io_threads;
  std::chrono::seconds grace;
  Shared shared;
  net::io_context context;
  net::signal_set signals;
  net::steady_timer drain_timer;
  Clock::time_point drain_deadline{};
  bool forced = false;  // the grace period ended with work in flight
  std::vector<std::shared_ptr<Listener>> listeners;
  std::vector<std::string> addresses;
};

Server::Server(ServerSettings settings, const wave_config* config, wave_service* service, Logger& logger, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(settings), config, service, logger, metrics)) {}

Server::~Server() = default;

std::string Server::listen(std::string_view address) {
  std::string host, port;
  if (!split_host_port(address, host, port)) throw std::runtime_error("listen address \"" + std::string(address) + "\" is not host:port");
  tcp::resolver resolver(impl_->context);
  beast::error_code ec;
  const auto results = resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) throw std::runtime_error("cannot resolve \"" + host + "\": " + ec.message());
  auto listener = std::make_shared<Listener>(impl_->context, impl_->shared);
  try {
    const auto bound = listener->open(results.begin()->endpoint());
    impl_->listeners.push_back(listener);
    impl_->addresses.push_back(endpoint_text(bound));
    return impl_->addresses.back();
  } catch (const boost::system::system_error& error) {
    throw std::runtime_error("cannot listen on " + std::string(address) + ": " + error.code().message());
  }
}

int Server::run() {
  Impl& impl = *impl_;
  impl.signals.async_wait([&impl](beast::error_code ec, int n) { impl.on_signal(ec, n); });
  for (auto& listener : impl.listeners) listener->start();
  for (const auto& address : impl.addresses)
    impl.shared.logger.write_always(LogLine(LogLevel::info, "listening")
                                        .field("address", address)
                                        .field("tls", impl.shared.tls ? "on" : "off")
                                        .field("io_threads", impl.io_threads)
                                        .field("worker_threads", impl.shared.settings.worker_threads)
                                        .field("credential_threads", impl.shared.settings.credential_threads)
                                        .field("version", wave_version_string()));
  std::vector<std::thread> threads;
  for (int i = 1; i < impl.io_threads; ++i) threads.emplace_back([&impl] { impl.context.run(); });
  impl.context.run();
  for (auto& thread : threads) thread.join();
  if (impl.forced && impl.shared.backend_pool.in_flight() + impl.shared.credential_pool.in_flight() > 0) {
    // Worker threads are still inside libwave (a backend slower than the grace period):
    // waiting for them would break the bound, and freeing the service under them is
    // unsafe, so leave without running destructors.
    impl.shared.logger.write_always(LogLine(LogLevel::info, "stopped").field("forced", "true"));
    impl.shared.logger.stop();
    std::fflush(stdout);
    std::_Exit(0);
  }
  // Jobs still running finish (their results go nowhere); then nothing touches libwave.
  impl.shared.backend_pool.join();
  impl.shared.credential_pool.join();
  impl.shared.logger.write_always(LogLine(LogLevel::info, "stopped"));
  return 0;
}

}  // namespace wave_server
