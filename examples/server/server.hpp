// The HTTP server: a listener per address, one session per connection (keep-alive, limits,
// timeouts), the routes' handlers, worker pools for blocking libwave calls, and the
// SIGTERM/SIGINT drain.  Boost.Beast/Asio 1.74, callbacks (no coroutines: the fuzz build
// uses clang).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <wave/wave.h>

#include "access_log.hpp"
#include "metrics.hpp"
#include "server_settings.hpp"

namespace wave_server {

class Server {
 public:
  // `config` and `service` must outlive the server; `service` is shared by every thread.
  Server(ServerSettings settings, const wave_config* config, wave_service* service, Logger& logger, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on `address` ("host:port", port 0 = any free port); returns the
  // bound address.  Throws std::runtime_error when it cannot.
  std::string listen(std::string_view address);

  // Serves until SIGTERM/SIGINT, then drains (bounded by serverShutdownGraceSeconds) and
  // returns the exit status (0).  A second signal exits the process at once with status 1.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wave_server
