// Wave's configuration: the app's settings (authenticationCheckEndpoint,
// tokenValidationRegex) and Wave's own, read from a JSON file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/password.hpp"
#include "token/token.hpp"

namespace wave {

// Where identities and ACLs live: real servers, or in this process (embedded zero-setup
// use and demos; not durable, not shared between processes).
enum class StorageBackend { servers, memory };

// How long VerneMQ may cache a grant, per auth hook (the _m5 hooks use their base hook's
// value); 0 = send no cache-control header.  Register defaults to 0: VerneMQ's register
// cache keys on peer address and password and never evicts expired entries.
struct WebhookCacheMaxAge {
  std::int64_t auth_on_register = 0;    // 0..86400
  std::int64_t auth_on_publish = 30;    // 0..86400
  std::int64_t auth_on_subscribe = 30;  // 0..86400
};

// wave-server's log threshold.
enum class LogLevel { debug, info, warning, error };

struct Config {
  std::string origin;  // the file (or "<string>") this came from, for messages

  // Required (the app's settings).
  std::string authentication_check_endpoint;  // authenticationCheckEndpoint (http/https URL)
  std::string token_validation_regex;         // tokenValidationRegex (RE2 syntax, full match)

  // Token checks.
  std::size_t token_max_length = 4096;  // tokenMaxLength, 1..65536

  // App endpoint client.
  std::int64_t http_connect_timeout_ms = 2000;  // httpConnectTimeoutMs, 1..600000
  std::int64_t http_timeout_ms = 5000;          // httpTimeoutMs (total), 1..600000
  bool http_verify_tls = true;                  // httpVerifyTLS
  std::string http_ca_file;                     // httpCAFile ("" = system store)

  // Stores.
  StorageBackend storage = StorageBackend::servers;      // storage: "servers" | "memory"
  std::string redis_uri = "redis://127.0.0.1:6379/0";    // redisURI (redis:// or unix://)
  std::string redis_key_prefix;                          // redisKeyPrefix ("" = seed's keys)
  int redis_pool_size = 8;                               // redisPoolSize, 1..1024
  std::int64_t redis_timeout_ms = 2000;                  // redisTimeoutMs, 1..600000
  std::string mongo_uri = "mongodb://127.0.0.1:27017/";  // mongoURI
  std::string mongo_database = "wave";                   // mongoDatabase
  std::int64_t mongo_timeout_ms = 5000;                  // mongoTimeoutMs, 1..600000

  // Credentials.
  int bcrypt_cost = 14;                                    // bcryptCost, 4..31
  std::int64_t session_ttl_seconds = 3600;                 // sessionTTLSeconds, 1..31536000
  PasswordScheme mqtt_password_scheme = PasswordScheme::automatic;  // mqttPasswordScheme
  std::size_t credential_cache_size = 10000;               // credentialCacheSize, 0..10000000
  std::int64_t credential_cache_ttl_seconds = 30;          // credentialCacheTTLSeconds, 0..86400
  std::int64_t credential_sweep_interval_seconds = 60;     // credentialSweepIntervalSeconds, 1..86400

  // MQTT / webhook server.
  int topic_max_depth = 10;                  // topicMaxDepth, 1..1024 (VerneMQ topic_max_depth)
  std::string listen_address = "127.0.0.1:8080";  // listenAddress host:port
  WebhookCacheMaxAge webhook_cache_max_age;        // webhookCacheMaxAgeSeconds (an object)

  // wave-server (examples/server): threads, pools, limits, TLS, logging, CORS.
  int server_io_threads = 1;                        // serverIOThreads, 1..64
  int server_worker_threads = 8;                    // serverWorkerThreads, 1..256
  std::int64_t server_worker_queue_limit = 1024;    // serverWorkerQueueLimit, 1..1000000
  int server_credential_threads = 1;                // serverCredentialThreads, 1..64
  std::int64_t server_credential_queue_limit = 64;  // serverCredentialQueueLimit, 1..1000000
  std::int64_t server_max_connections = 10000;      // serverMaxConnections, 1..1000000
  std::int64_t server_max_header_bytes = 8192;      // serverMaxHeaderBytes, 1024..1048576
  std::int64_t server_max_body_bytes = 65536;       // serverMaxBodyBytes, 1024..16777216
  std::int64_t server_idle_timeout_seconds = 75;    // serverIdleTimeoutSeconds, 1..3600
  std::int64_t server_request_timeout_seconds = 10; // serverRequestTimeoutSeconds, 1..600
  std::int64_t server_shutdown_grace_seconds = 20;  // serverShutdownGraceSeconds, 0..3600
  std::string server_tls_cert_file;                 // serverTLSCertFile ("" = plain HTTP)
  std::string server_tls_key_file;                  // serverTLSKeyFile (both or neither)
  LogLevel log_level = LogLevel::info;              // logLevel: debug|info|warning|error
  std::vector<std::string> cors_allowed_origins;    // corsAllowedOrigins: exact origins, or ["*"]
  std::string vernemq_api_url;       // vernemqAPIURL: "http://host:port" of VerneMQ's HTTP API ("" = none)
  std::string vernemq_api_key_file;  // vernemqAPIKeyFile: a file holding its API key (with vernemqAPIURL)
  // adminAPIKeys: SHA-256 digests (64 lowercase hex characters) of the keys that may use
  // wave-server's admin API ([] = the admin API is off).  Digests, not keys: not secret.
  std::vector<std::string> admin_api_keys;
  std::int64_t server_api_requests_per_second = 100;  // serverAPIRequestsPerSecond, 0..100000 (0 = no limit)
  std::int64_t server_api_request_burst = 200;        // serverAPIRequestBurst, 1..100000

  // The compiled token format check (built once at load).
  std::shared_ptr<const TokenValidator> token_validator;

  // Limits against group spam and bcrypt amplification (per user; issue 10 §2, §3).
  std::int64_t max_groups_per_user = 500;          // maxGroupsPerUser, 1..100000
  std::int64_t max_group_members = 1000;           // maxGroupMembers, 2..100000 (owner included)
  std::int64_t group_creations_per_hour = 60;      // groupCreationsPerHour, 1..100000 (burst: the same)
  std::int64_t credential_changes_per_hour = 20;   // credentialChangesPerHour, 1..100000
  std::int64_t credential_change_burst = 5;        // credentialChangeBurst, 1..1000
};

// Parses a config document; throws wave::Error(WAVE_ERR_CONFIG) with a message naming
// `origin` and the offending field.
Config parse_config(std::string_view json, std::string_view origin);

// Reads and parses the file at `path`.
Config load_config_file(const std::string& path);

// Reads the file named by WAVE_CONFIG_FILE_PATH.
Config load_config_from_environment();

// The effective configuration as JSON, every credential in a URI (the password of its
// userinfo, secret-looking query parameters, a fragment) replaced by "***".
std::string config_to_json(const Config& config);

}  // namespace wave
