// Wave's configuration: the app's settings (authenticationCheckEndpoint,
// tokenValidationRegex) and Wave's own, read from a JSON file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/password.hpp"
#include "token/token.hpp"

namespace wave {

// Where identities and ACLs live: real servers, or in this process (embedded zero-setup
// use and demos; not durable, not shared between processes).
enum class StorageBackend { servers, memory };

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

  // MQTT / webhook server.
  int topic_max_depth = 10;                  // topicMaxDepth, 1..1024 (VerneMQ topic_max_depth)
  std::string listen_address = "127.0.0.1:8080";  // listenAddress host:port
  std::int64_t webhook_cache_max_age_seconds = 30;  // webhookCacheMaxAgeSeconds, 0..86400

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
