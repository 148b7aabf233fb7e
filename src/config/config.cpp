#include "config/config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/error.hpp"
#include "common/utf8.hpp"

namespace wave {
namespace {

// A config file is small; refusing huge ones keeps a wrong path (a log, a device) harmless.
constexpr std::size_t kMaxConfigBytes = 1 << 20;
// The depth of Wave's own topics (conversations/private/<a>/<b>, conversations/group/<gid>/
// <member>): a smaller topicMaxDepth would make every check of them a fault.
constexpr std::int64_t kWaveTopicDepth = 4;

class FieldError {
 public:
  FieldError(std::string_view origin, std::string_view field) : origin_(origin), field_(field) {}
  [[noreturn]] void operator()(const std::string& problem) const {
    fail(WAVE_ERR_CONFIG, origin_ + ": field \"" + field_ + "\": " + problem);
  }

 private:
  std::string origin_;
  std::string field_;
};

std::string json_type_name(const rapidjson::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsBool()) return "a boolean";
  if (value.IsNumber()) return "a number";
  if (value.IsString()) return "a string";
  if (value.IsArray()) return "an array";
  return "an object";
}

std::string read_string(const rapidjson::Value& value, const FieldError& error, bool allow_empty) {
  if (!value.IsString()) error("must be a string, not " + json_type_name(value));
  std::string text(value.GetString(), value.GetStringLength());
  if (!allow_empty && text.empty()) error("must not be empty");
  if (text.find('\0') != std::string::npos) error("must not contain a NUL character");
  // RapidJSON 1.1 decodes a lone low-surrogate escape ("\udc00") into bytes that are not
  // UTF-8 (the encoding check covers raw bytes only); such a value could not be shown as JSON.
  if (!is_valid_utf8(text)) error("must be valid UTF-8 (a \\u escape of a lone surrogate is not)");
  return text;
}

std::int64_t read_integer(const rapidjson::Value& value, const FieldError& error, std::int64_t min,
                          std::int64_t max) {
  if (!value.IsInt64()) {
    if (value.IsNumber()) error("must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    error("must be a number, not " + json_type_name(value));
  }
  const std::int64_t number = value.GetInt64();
  if (number < min || number > max)
    error("must be from " + std::to_string(min) + " to " + std::to_string(max) + " (got " +
          std::to_string(number) + ")");
  return number;
}

bool read_bool(const rapidjson::Value& value, const FieldError& error) {
  if (!value.IsBool()) error("must be true or false, not " + json_type_name(value));
  return value.GetBool();
}

bool has_control_or_space(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return true;
  }
  return false;
}

void check_http_url(const std::string& url, const FieldError& error) {
  const bool http = url.rfind("http://", 0) == 0;
  const bool https = url.rfind("https://", 0) == 0;
  if (!http && !https) error("must be an http:// or https:// URL");
  if (has_control_or_space(url)) error("must not contain spaces or control characters");
  const std::size_t host_start = url.find("://") + 3;
  const std::size_t host_end = url.find_first_of("/?#", host_start);
  const std::string authority = url.substr(host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
  if (authority.empty() || authority.front() == ':' || authority.front() == '@')
    error("must name a host (e.g. https://app.example.com/auth/check)");
}

void check_uri_scheme(const std::string& uri, const FieldError& error,
                      std::initializer_list<std::string_view> schemes) {
  if (has_control_or_space(uri)) error("must not contain spaces or control characters");
  for (const auto scheme : schemes) {
    if (uri.size() > scheme.size() && uri.compare(0, scheme.size(), scheme) == 0) return;
  }
  std::string list;
  for (const auto scheme : schemes) list += (list.empty() ? "" : " or ") + std::string(scheme);
  error("must start with " + list);
}

void check_listen_address(const std::string& address, const FieldError& error) {
  std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size())
    error("must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080");
  const std::string host = address.substr(0, colon);
  if (host.front() == '[' ? host.back() != ']' : host.find(':') != std::string::npos)
    error("an IPv6 host must be written in brackets, e.g. [::1]:8080");
  if (has_control_or_space(host)) error("must not contain spaces or control characters");
  const std::string port = address.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    error("the port must be a number from 1 to 65535");
  const long number = std::strtol(port.c_str(), nullptr, 10);
  if (number < 1 || number > 65535) error("the port must be a number from 1 to 65535");
}

PasswordScheme parse_scheme(const std::string& name, const FieldError& error) {
  if (name == "auto") return PasswordScheme::automatic;
  if (name == "token") return PasswordScheme::token;
  if (name == "sha256") return PasswordScheme::sha256;
  error("must be \"auto\", \"token\" or \"sha256\" (got \"" + name + "\")");
}

std::string printable_key(std::string_view key) {
  std::string text;
  for (const char c : key.substr(0, 80)) {
    const auto byte = static_cast<unsigned char>(c);
    text += (byte >= 0x20 && byte < 0x7f) ? std::string(1, c) : "?";
  }
  return key.size() > 80 ? text + "..." : text;
}

LogLevel parse_log_level(const std::string& name, const FieldError& error) {
  if (name == "debug") return LogLevel::debug;
  if (name == "info") return LogLevel::info;
  if (name == "warning") return LogLevel::warning;
  if (name == "error") return LogLevel::error;
  error("must be \"debug\", \"info\", \"warning\" or \"error\" (got \"" + name + "\")");
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "info";
}

// webhookCacheMaxAgeSeconds: {"auth_on_register": N, "auth_on_publish": N, "auth_on_subscribe": N},
// every key optional; errors name the nested field.
WebhookCacheMaxAge read_webhook_cache_max_age(const rapidjson::Value& value, std::string_view origin,
                                              const FieldError& error) {
  if (!value.IsObject())
    error("must be an object such as {\"auth_on_register\": 0, \"auth_on_publish\": 30, "
          "\"auth_on_subscribe\": 30}, not " + json_type_name(value));
  WebhookCacheMaxAge ages;
  std::set<std::string> seen;
  for (const auto& member : value.GetObject()) {
    const std::string key(member.name.GetString(), member.name.GetStringLength());
    const FieldError nested(origin, "webhookCacheMaxAgeSeconds." + printable_key(key));
    if (!seen.insert(key).second) nested("appears more than once");
    if (key == "auth_on_register") ages.auth_on_register = read_integer(member.value, nested, 0, 86400);
    else if (key == "auth_on_publish") ages.auth_on_publish = read_integer(member.value, nested, 0, 86400);
    else if (key == "auth_on_subscribe") ages.auth_on_subscribe = read_integer(member.value, nested, 0, 86400);
    else nested("unknown hook (expected auth_on_register, auth_on_publish or auth_on_subscribe)");
  }
  return ages;
}

std::vector<std::string> read_cors_origins(const rapidjson::Value& value, const FieldError& error) {
  if (!value.IsArray()) error("must be an array of origins (e.g. [\"https://app.example.com\"] or [\"*\"]), not " +
                              json_type_name(value));
  std::vector<std::string> origins;
  for (const auto& item : value.GetArray()) {
    std::string origin = read_string(item, error, false);
    if (has_control_or_space(origin)) error("an origin must not contain spaces or control characters");
    if (origin != "*" && origin.rfind("http://", 0) != 0 && origin.rfind("https://", 0) != 0)
      error("each origin must be \"*\" or start with http:// or https:// (got \"" + printable_key(origin) + "\")");
    if (origin != "*" && origin.back() == '/') error("an origin has no path: drop the trailing \"/\"");
    origins.push_back(std::move(origin));
  }
  if (origins.size() > 1 && std::find(origins.begin(), origins.end(), "*") != origins.end())
    error("\"*\" allows every origin and must be the only entry");
  return origins;
}

std::vector<std::string> read_admin_api_keys(const rapidjson::Value& value, const FieldError& error) {
  if (!value.IsArray())
    error("must be an array of SHA-256 digests of the admin keys (64 lowercase hex characters each), not " +
          json_type_name(value));
  std::vector<std::string> digests;
  for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
    const rapidjson::Value& item = value[i];
    const std::string where = "entry " + std::to_string(i);
    // The value is never echoed: someone may paste a key where its digest belongs.
    if (!item.IsString()) error(where + " must be a string (a SHA-256 digest in hex), not " + json_type_name(item));
    const std::string_view digest(item.GetString(), item.GetStringLength());
    const bool hex = digest.size() == 64 && std::all_of(digest.begin(), digest.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (!hex)
      error(where + " must be a SHA-256 digest: 64 lowercase hex characters (printf %s KEY | sha256sum), "
                    "not the key itself");
    digests.emplace_back(digest);
  }
  return digests;
}

struct FieldSpec {
  const char* name;
  std::function<void(Config&, const rapidjson::Value&, const FieldError&)> apply;
};

const std::vector<FieldSpec>& field_specs() {
  static const std::vector<FieldSpec> specs = {
      {"authenticationCheckEndpoint",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.authentication_check_endpoint = read_string(v, e, false);
         check_http_url(c.authentication_check_endpoint, e);
       }},
      {"tokenValidationRegex",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.token_validation_regex = read_string(v, e, false); }},
      {"tokenMaxLength",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.token_max_length = static_cast<std::size_t>(read_integer(v, e, 1, 65536));
       }},
      {"httpConnectTimeoutMs",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.http_connect_timeout_ms = read_integer(v, e, 1, 600000); }},
      {"httpTimeoutMs",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.http_timeout_ms = read_integer(v, e, 1, 600000); }},
      {"httpVerifyTLS",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.http_verify_tls = read_bool(v, e); }},
      {"httpCAFile",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.http_ca_file = read_string(v, e, true); }},
      {"storage",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         const std::string name = read_string(v, e, false);
         if (name == "servers") c.storage = StorageBackend::servers;
         else if (name == "memory") c.storage = StorageBackend::memory;
         else e("must be \"servers\" (Redis and MongoDB) or \"memory\" (got \"" + name + "\")");
       }},
      {"redisURI",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.redis_uri = read_string(v, e, false);
         check_uri_scheme(c.redis_uri, e, {"redis://", "unix://"});
       }},
      {"redisKeyPrefix",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.redis_key_prefix = read_string(v, e, true);
         if (c.redis_key_prefix.size() > 256) e("must be at most 256 bytes");
       }},
      {"redisPoolSize",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.redis_pool_size = static_cast<int>(read_integer(v, e, 1, 1024)); }},
      {"redisTimeoutMs",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.redis_timeout_ms = read_integer(v, e, 1, 600000); }},
      {"mongoURI",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.mongo_uri = read_string(v, e, false);
         check_uri_scheme(c.mongo_uri, e, {"mongodb://", "mongodb+srv://"});
       }},
      {"mongoDatabase",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.mongo_database = read_string(v, e, false);
         // MongoDB's rules for database names (no /\. "$ or space, under 64 bytes).
         if (c.mongo_database.size() > 63 || c.mongo_database.find_first_of("/\\. \"$") != std::string::npos)
           e("must be a MongoDB database name: under 64 bytes, without / \\ . \" $ or spaces");
       }},
      {"mongoTimeoutMs",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.mongo_timeout_ms = read_integer(v, e, 1, 600000); }},
      {"bcryptCost",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.bcrypt_cost = static_cast<int>(read_integer(v, e, 4, 31)); }},
      {"sessionTTLSeconds",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.session_ttl_seconds = read_integer(v, e, 1, 31536000); }},
      {"mqttPasswordScheme",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.mqtt_password_scheme = parse_scheme(read_string(v, e, false), e); }},
      {"credentialCacheSize",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.credential_cache_size = static_cast<std::size_t>(read_integer(v, e, 0, 10000000));
       }},
      {"credentialCacheTTLSeconds",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.credential_cache_ttl_seconds = read_integer(v, e, 0, 86400); }},
      {"credentialSweepIntervalSeconds",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.credential_sweep_interval_seconds = read_integer(v, e, 1, 86400);
       }},
      {"topicMaxDepth",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         const std::int64_t depth = read_integer(v, e, 1, 1024);
         if (depth < kWaveTopicDepth)
           e("must be at least " + std::to_string(kWaveTopicDepth) + ", the depth of Wave's own topics "
             "(conversations/group/<groupID>/<member>); got " + std::to_string(depth));
         c.topic_max_depth = static_cast<int>(depth);
       }},
      {"listenAddress",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.listen_address = read_string(v, e, false);
         check_listen_address(c.listen_address, e);
       }},
      {"webhookCacheMaxAgeSeconds",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.webhook_cache_max_age = read_webhook_cache_max_age(v, c.origin, e);
       }},
      {"serverIOThreads",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_io_threads = static_cast<int>(read_integer(v, e, 1, 64)); }},
      {"serverWorkerThreads",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_worker_threads = static_cast<int>(read_integer(v, e, 1, 256)); }},
      {"serverWorkerQueueLimit",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_worker_queue_limit = read_integer(v, e, 1, 1000000); }},
      {"serverCredentialThreads",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_credential_threads = static_cast<int>(read_integer(v, e, 1, 64)); }},
      {"serverCredentialQueueLimit",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_credential_queue_limit = read_integer(v, e, 1, 1000000); }},
      {"serverMaxConnections",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_max_connections = read_integer(v, e, 1, 1000000); }},
      {"serverMaxHeaderBytes",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_max_header_bytes = read_integer(v, e, 1024, 1048576); }},
      {"serverMaxBodyBytes",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_max_body_bytes = read_integer(v, e, 1024, 16777216); }},
      {"serverIdleTimeoutSeconds",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_idle_timeout_seconds = read_integer(v, e, 1, 3600); }},
      {"serverRequestTimeoutSeconds",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_request_timeout_seconds = read_integer(v, e, 1, 600); }},
      {"serverShutdownGraceSeconds",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_shutdown_grace_seconds = read_integer(v, e, 0, 3600); }},
      {"serverTLSCertFile",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_tls_cert_file = read_string(v, e, true); }},
      {"serverTLSKeyFile",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_tls_key_file = read_string(v, e, true); }},
      {"logLevel",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.log_level = parse_log_level(read_string(v, e, false), e); }},
      {"corsAllowedOrigins",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.cors_allowed_origins = read_cors_origins(v, e); }},
      {"vernemqAPIURL",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) {
         c.vernemq_api_url = read_string(v, e, true);
         // Plain http://host:port: the key travels in a header, never in the URL (or a log).
         const std::string& url = c.vernemq_api_url;
         if (!url.empty()) {
           if (!url.starts_with("http://")) e("must start with http:// (VerneMQ's HTTP listener)");
           const std::string rest = url.substr(7);
           if (rest.empty() || rest.find_first_of("/@?# ") != std::string::npos || rest.find(':') == std::string::npos)
             e("must be http://HOST:PORT, without a path, user or query");
         }
       }},
      {"vernemqAPIKeyFile",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.vernemq_api_key_file = read_string(v, e, true); }},
      {"maxGroupsPerUser",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.max_groups_per_user = read_integer(v, e, 1, 100000); }},
      {"maxGroupMembers",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.max_group_members = read_integer(v, e, 2, 100000); }},
      {"groupCreationsPerHour",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.group_creations_per_hour = read_integer(v, e, 1, 100000); }},
      {"credentialChangesPerHour",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.credential_changes_per_hour = read_integer(v, e, 1, 100000); }},
      {"credentialChangeBurst",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.credential_change_burst = read_integer(v, e, 1, 1000); }},
      {"adminAPIKeys",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.admin_api_keys = read_admin_api_keys(v, e); }},
      {"serverAPIRequestsPerSecond",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_api_requests_per_second = read_integer(v, e, 0, 100000); }},
      {"serverAPIRequestBurst",
       [](Config& c, const rapidjson::Value& v, const FieldError& e) { c.server_api_request_burst = read_integer(v, e, 1, 100000); }},
  };
  return specs;
}

// Levenshtein distance, to suggest the field a typo meant.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}


// Query parameters whose values are credentials: any name containing one of these
// (case-insensitive): apikey, api_key, access_token, token, key, secret, password, pwd, sig...
bool is_secret_parameter(std::string_view name) {
  std::string lower;
  for (const char c : name) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const std::string_view word : {"key", "token", "secret", "pass", "pwd", "sig", "cred", "session", "auth"}) {
    if (word == "auth" && (lower == "authsource" || lower == "authmechanism")) continue;  // MongoDB's, not secrets
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

// `query` without its '?': every secret-looking parameter's value becomes "***".
std::string redact_query(std::string_view query) {
  std::string out;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find_first_of("&;", start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    const std::size_t equals = pair.find('=');
    if (equals != std::string_view::npos && is_secret_parameter(pair.substr(0, equals)))
      out.append(pair.substr(0, equals + 1)).append("***");
    else
      out.append(pair);
    if (end == query.size()) break;
    out.push_back(query[end]);
    start = end + 1;
  }
  return out;
}

// Every credential in a URI replaced by "***": the userinfo's password (the userinfo runs
// to the LAST '@' of the authority, so a password holding '@', ':', '/' or "%40" is cut
// whole; a userinfo without ':' is taken for a bare secret), secret-looking query
// parameters, and a fragment.  Used only for display: over-redacting is harmless.
std::string redact_uri(const std::string& uri) {
  const std::size_t scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return uri.empty() ? uri : "***";
  const std::size_t authority_start = scheme_end + 3;
  std::string out = uri.substr(0, authority_start);
  std::string rest = uri.substr(authority_start);
  // The fragment first (it may hold '@' or '?'), then the userinfo: the last '@' before
  // the first '?', or, when none is there (the '?' is the password's), the last '@' at all.
  std::string fragment;
  if (const std::size_t hash = rest.find('#'); hash != std::string::npos) {
    fragment = "#***";
    rest.resize(hash);
  }
  const std::size_t question = rest.find('?');
  std::size_t at = question == std::string::npos ? rest.rfind('@') : rest.rfind('@', question);
  if (at == std::string::npos) at = rest.rfind('@');
  if (at != std::string::npos) {
    const std::string userinfo = rest.substr(0, at);
    const std::size_t colon = userinfo.find(':');
    out += colon == std::string::npos ? std::string("***") : userinfo.substr(0, colon + 1) + "***";
    rest = rest.substr(at);  // from the '@'
  }
  if (const std::size_t query = rest.find('?'); query != std::string::npos)
    rest = rest.substr(0, query + 1) + redact_query(std::string_view(rest).substr(query + 1));
  return out + rest + fragment;
}

}  // namespace

Config parse_config(std::string_view json, std::string_view origin_view) {
  const std::string origin(origin_view.empty() ? "<string>" : origin_view);
  rapidjson::Document document;
  // Iterative parsing: a deeply nested document cannot exhaust the stack.  Encoding is
  // validated so that strings are UTF-8 by the time anyone reads them.
  document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (document.HasParseError())
    fail(WAVE_ERR_CONFIG, origin + ": not valid JSON at byte " + std::to_string(document.GetErrorOffset()) + ": " +
                              rapidjson::GetParseError_En(document.GetParseError()));
  if (!document.IsObject()) fail(WAVE_ERR_CONFIG, origin + ": the config must be a JSON object, not " + json_type_name(document));

  Config config;
  config.origin = origin;
  std::set<std::string> seen;
  for (const auto& member : document.GetObject()) {
    const std::string key(member.name.GetString(), member.name.GetStringLength());
    if (!seen.insert(key).second)
      fail(WAVE_ERR_CONFIG, origin + ": field \"" + printable_key(key) + "\" appears more than once");
    const auto& specs = field_specs();
    const auto spec = std::find_if(specs.begin(), specs.end(), [&](const FieldSpec& s) { return key == s.name; });
    if (spec == specs.end()) {
      std::string message = origin + ": unknown field \"" + printable_key(key) + "\"";
      const FieldSpec* closest = nullptr;
      std::size_t best = 4;  // suggest only close matches
      for (const auto& candidate : specs) {
        const std::size_t distance = edit_distance(key, candidate.name);
        if (distance < best) best = distance, closest = &candidate;
      }
      if (closest != nullptr) message += " (did you mean \"" + std::string(closest->name) + "\"?)";
      fail(WAVE_ERR_CONFIG, message);
    }
    spec->apply(config, member.value, FieldError(origin, key));
  }
  for (const char* required : {"authenticationCheckEndpoint", "tokenValidationRegex"}) {
    if (seen.count(required) == 0) fail(WAVE_ERR_CONFIG, origin + ": field \"" + required + "\" is required");
  }
  if (config.server_tls_cert_file.empty() != config.server_tls_key_file.empty())
    FieldError(origin, config.server_tls_cert_file.empty() ? "serverTLSCertFile" : "serverTLSKeyFile")(
        "serverTLSCertFile and serverTLSKeyFile go together: set both (HTTPS) or neither (plain HTTP)");
  if (config.vernemq_api_url.empty() != config.vernemq_api_key_file.empty())
    FieldError(origin, config.vernemq_api_url.empty() ? "vernemqAPIURL" : "vernemqAPIKeyFile")(
        "vernemqAPIURL and vernemqAPIKeyFile go together: set both (disconnect revoked users) or neither");
  if (config.http_connect_timeout_ms > config.http_timeout_ms)
    FieldError(origin, "httpConnectTimeoutMs")("must not exceed httpTimeoutMs (" + std::to_string(config.http_timeout_ms) + ")");
  try {
    config.token_validator = std::make_shared<const TokenValidator>(config.token_validation_regex, config.token_max_length);
  } catch (const Error& error) {
    FieldError(origin, "tokenValidationRegex")(error.what());
  }
  return config;
}

Config load_config_file(const std::string& path) {
  if (path.empty()) fail(WAVE_ERR_CONFIG, "the config file path is empty");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(WAVE_ERR_CONFIG, path + ": cannot open the config file: " + std::strerror(errno));
  std::string text;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes)
      fail(WAVE_ERR_CONFIG, path + ": the config file is larger than 1 MiB; is this the right file?");
  }
  if (in.bad()) fail(WAVE_ERR_CONFIG, path + ": cannot read the config file");
  return parse_config(text, path);
}

Config load_config_from_environment() {
  const char* path = std::getenv("WAVE_CONFIG_FILE_PATH");
  if (path == nullptr || *path == '\0')
    fail(WAVE_ERR_CONFIG, "WAVE_CONFIG_FILE_PATH is not set: point it at Wave's JSON config file, or pass a path");
  return load_config_file(path);
}

std::string config_to_json(const Config& config) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const auto str = [&](const char* key, const std::string& value) { w.Key(key); w.String(value); };
  const auto num = [&](const char* key, std::int64_t value) { w.Key(key); w.Int64(value); };
  w.StartObject();
  str("authenticationCheckEndpoint", redact_uri(config.authentication_check_endpoint));
  str("tokenValidationRegex", config.token_validation_regex);
  num("tokenMaxLength", static_cast<std::int64_t>(config.token_max_length));
  num("httpConnectTimeoutMs", config.http_connect_timeout_ms);
  num("httpTimeoutMs", config.http_timeout_ms);
  w.Key("httpVerifyTLS"); w.Bool(config.http_verify_tls);
  str("httpCAFile", config.http_ca_file);
  str("storage", config.storage == StorageBackend::memory ? "memory" : "servers");
  str("redisURI", redact_uri(config.redis_uri));
  str("redisKeyPrefix", config.redis_key_prefix);
  num("redisPoolSize", config.redis_pool_size);
  num("redisTimeoutMs", config.redis_timeout_ms);
  str("mongoURI", redact_uri(config.mongo_uri));
  str("mongoDatabase", config.mongo_database);
  num("mongoTimeoutMs", config.mongo_timeout_ms);
  num("bcryptCost", config.bcrypt_cost);
  num("sessionTTLSeconds", config.session_ttl_seconds);
  str("mqttPasswordScheme", std::string(password_scheme_name(config.mqtt_password_scheme)));
  num("credentialCacheSize", static_cast<std::int64_t>(config.credential_cache_size));
  num("credentialCacheTTLSeconds", config.credential_cache_ttl_seconds);
  num("credentialSweepIntervalSeconds", config.credential_sweep_interval_seconds);
  num("topicMaxDepth", config.topic_max_depth);
  str("listenAddress", config.listen_address);
  w.Key("webhookCacheMaxAgeSeconds");
  w.StartObject();
  num("auth_on_register", config.webhook_cache_max_age.auth_on_register);
  num("auth_on_publish", config.webhook_cache_max_age.auth_on_publish);
  num("auth_on_subscribe", config.webhook_cache_max_age.auth_on_subscribe);
  w.EndObject();
  num("serverIOThreads", config.server_io_threads);
  num("serverWorkerThreads", config.server_worker_threads);
  num("serverWorkerQueueLimit", config.server_worker_queue_limit);
  num("serverCredentialThreads", config.server_credential_threads);
  num("serverCredentialQueueLimit", config.server_credential_queue_limit);
  num("serverMaxConnections", config.server_max_connections);
  num("serverMaxHeaderBytes", config.server_max_header_bytes);
  num("serverMaxBodyBytes", config.server_max_body_bytes);
  num("serverIdleTimeoutSeconds", config.server_idle_timeout_seconds);
  num("serverRequestTimeoutSeconds", config.server_request_timeout_seconds);
  num("serverShutdownGraceSeconds", config.server_shutdown_grace_seconds);
  str("serverTLSCertFile", config.server_tls_cert_file);
  str("serverTLSKeyFile", config.server_tls_key_file);
  str("logLevel", log_level_name(config.log_level));
  w.Key("corsAllowedOrigins");
  w.StartArray();
  for (const auto& origin : config.cors_allowed_origins) w.String(origin);
  w.EndArray();
  str("vernemqAPIURL", config.vernemq_api_url);
  str("vernemqAPIKeyFile", config.vernemq_api_key_file);
  num("maxGroupsPerUser", config.max_groups_per_user);
  num("maxGroupMembers", config.max_group_members);
  num("groupCreationsPerHour", config.group_creations_per_hour);
  num("credentialChangesPerHour", config.credential_changes_per_hour);
  num("credentialChangeBurst", config.credential_change_burst);
  w.Key("adminAPIKeys");
  w.StartArray();
  for (const auto& digest : config.admin_api_keys) w.String(digest);
  w.EndArray();
  num("serverAPIRequestsPerSecond", config.server_api_requests_per_second);
  num("serverAPIRequestBurst", config.server_api_request_burst);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace wave
