// One client connection of wave-server (plain or TLS): keep-alive loop, limits, deadlines,
// routing, worker-pool round trips, responses and the access-log line.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "admin_api.hpp"
#include "api.hpp"
#include "router.hpp"
#include "shared_state.hpp"
#include "webhooks.hpp"

namespace wave_server::server_detail {

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
    const bool leader = shared_.readiness.begin_check();
    if (!leader)
      if (auto previous = shared_.readiness.last()) return send_readiness(*previous);
    Shared* shared = &shared_;
    const bool accepted = submit(
        shared_.backend_pool,
        [shared] {
          Readiness readiness = check_backends(shared->service);
          shared->readiness.store(readiness);
          return readiness;
        },
        [](Session& self, Readiness readiness) { self.send_readiness(readiness); });
    if (!accepted) {
      if (leader) shared_.readiness.abandon();
      send_readiness(Readiness{false, "overloaded"});
    }
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
    // Answered here, on the I/O thread, when libwave's in-process cache can; only misses
    // go on to the worker pool.
    wave_service* service = shared_.service;
    const CacheAges ages = shared_.settings.cache_ages;
    if (auto cached = decide_webhook_cached(service, *parsed, ages)) return finish_webhook(std::move(*cached));
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
    // Per client address, before anything costs a backend call.
    if (const auto wait = shared_.api_limiter.take(address_of_peer(peer_), Clock::now())) {
      shared_.metrics.api_address_limited.fetch_add(1, std::memory_order_relaxed);
      return send_api(api_rate_limited("too many requests from this address", *wait));
    }
    if (is_admin_route(route_)) return handle_admin();
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
    if (!accepted)
      send_api(shared_.draining.load()
                   ? api_error(503, "shutting_down", "this instance is shutting down: retry (another instance)")
                   : api_error(503, "overloaded", "the server is at its limit of requests in progress: retry"));
  }

  // The admin API: an admin key instead of a token.  The key is checked here (one SHA-256)
  // and never copied, logged or passed on.
  void handle_admin() {
    const auto& request = parser_->get();
    const auto field = request.find(http::field::authorization);
    const std::string_view authorization = field == request.end() ? std::string_view{} : sv(field->value());
    const auto& digests = shared_.settings.admin_api_keys;
    if (!admin_key_accepted(digests, authorization)) {
      ApiResponse answer = admin_unauthorized(!digests.empty());
      Headers headers;
      headers.emplace_back("WWW-Authenticate", "Bearer");
      return reply(answer.status, "application/json", std::move(answer.body), std::move(headers));
    }
    auto prepared = prepare_admin_call(match_);
    if (auto* answer = std::get_if<ApiResponse>(&prepared)) return send_api(std::move(*answer));
    auto call = std::make_shared<AdminCall>(std::move(std::get<AdminCall>(prepared)));
    // Ending sessions runs a bcrypt (the retired passhash): the credential pool, like logins.
    WorkerPool& pool = call->end_sessions ? shared_.credential_pool : shared_.backend_pool;
    wave_service* service = shared_.service;
    const auto until = deadline();
    const bool accepted = submit(
        pool,
        [service, call, until] {
          return Clock::now() > until ? api_error(503, "overloaded", "the request waited too long for a worker: retry")
                                      : execute_admin_call(service, *call);
        },
        [](Session& self, ApiResponse response) { self.send_api(std::move(response)); });
    if (!accepted)
      send_api(shared_.draining.load()
                   ? api_error(503, "shutting_down", "this instance is shutting down: retry (another instance)")
                   : api_error(503, "overloaded", "the server is at its limit of requests in progress: retry"));
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
    if (response.retry_after_seconds > 0) headers.emplace_back("Retry-After", std::to_string(response.retry_after_seconds));
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

}  // namespace wave_server::server_detail
