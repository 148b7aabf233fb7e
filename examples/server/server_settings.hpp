// wave-server's settings, read back from the library's effective configuration
// (wave_config_to_json): the library validates every field; the server only reads them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <wave/wave.h>

#include "access_log.hpp"
#include "webhooks.hpp"

namespace wave_server {

struct ServerSettings {
  std::string listen_address = "127.0.0.1:8080";
  CacheAges cache_ages;
  int io_threads = 1;
  int worker_threads = 8;
  std::int64_t worker_queue_limit = 1024;
  int credential_threads = 1;
  std::int64_t credential_queue_limit = 64;
  std::int64_t max_connections = 10000;
  std::int64_t max_header_bytes = 8192;
  std::int64_t max_body_bytes = 65536;
  std::int64_t idle_timeout_seconds = 75;
  std::int64_t request_timeout_seconds = 10;
  std::int64_t shutdown_grace_seconds = 20;
  std::string tls_cert_file;
  std::string tls_key_file;
  LogLevel log_level = LogLevel::info;
  std::vector<std::string> cors_allowed_origins;
  std::int64_t credential_sweep_interval_seconds = 60;
  std::string vernemq_api_url;       // "" = no disconnects through VerneMQ's HTTP API
  std::string vernemq_api_key_file;
  std::int64_t api_requests_per_second = 100;  // per client address, 0 = no limit
  std::int64_t api_request_burst = 200;
  std::vector<std::string> admin_api_keys;  // SHA-256 digests (lowercase hex) of the admin keys

  // The value for Access-Control-Allow-Origin, or "" when `origin` may not call the API.
  std::string cors_allow_origin(std::string_view origin) const;
};

// Reads the settings from the config's effective JSON (wave_config_to_json); throws
// std::runtime_error when the library cannot give it, or a field is missing or mistyped (a
// library/server version mismatch).
ServerSettings read_server_settings(const wave_config* config);

// "host:port" / "[v6]:port" → host and port; false when malformed.  Port 0 is allowed.
bool split_host_port(std::string_view address, std::string& host, std::string& port);

}  // namespace wave_server
