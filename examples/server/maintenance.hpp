// What wave-server does besides answering requests:
//  - listens on Wave's invalidation channel (wave_service_listen_invalidations), so a revoke
//    or rotation made by any instance drops this instance's cached grants at once; and, with
//    vernemqAPIURL set, disconnects the user's live VerneMQ sessions through VerneMQ's HTTP
//    management API (GET /api/v1/session/disconnect?client-id=<id>), on a backend worker;
//  - sweeps expired sessions every credentialSweepIntervalSeconds on the credential pool
//    (wave_service_sweep_expired), so a token the app stopped accepting also stops working on
//    VerneMQ's own MongoDB path.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "shared_state.hpp"

namespace wave_server {

class Maintenance {
 public:
  // Reads the VerneMQ API key file (std::runtime_error naming the field when unreadable).
  Maintenance(boost::asio::io_context& context, server_detail::Shared& shared);
  ~Maintenance();
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  // Starts listening and the sweep timer (std::runtime_error when libwave refuses).
  void start();
  // Stops the timer and detaches from the listener (waits for a running callback).
  void stop();

  // Called on libwave's listener thread.
  void on_invalidation(wave_invalidation_kind kind, const char* internal_id);

 private:
  void schedule_sweep();
  void sweep();
  void disconnect(const std::string& internal_id);  // on a backend worker; blocking

  boost::asio::io_context& context_;
  server_detail::Shared& shared_;
  boost::asio::steady_timer timer_;
  std::string api_host_;
  std::string api_port_;
  std::string api_authorization_;  // "Basic base64(key:)"; never logged
  std::atomic<bool> sweeping_{false};
  std::atomic<bool> stopped_{false};
};

}  // namespace wave_server
