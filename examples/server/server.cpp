#include "server.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "listener.hpp"
#include "maintenance.hpp"
#include "shared_state.hpp"

namespace wave_server {

using namespace server_detail;

struct Server::Impl {
  Impl(ServerSettings settings, const wave_config* config, wave_service* service, Logger& logger, Metrics& metrics)
      : io_threads(settings.io_threads),
        grace(std::chrono::seconds(settings.shutdown_grace_seconds)),
        shared(std::move(settings), config, service, logger, metrics),
        context(io_threads),
        signals(context, SIGINT, SIGTERM),
        drain_timer(context),
        maintenance(context, shared) {
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
    maintenance.stop();  // no more callbacks into this server from libwave's listener
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
    maintenance.stop();
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
  Maintenance maintenance;  // after `shared` and `context`: it uses both
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
  impl.maintenance.start();
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
