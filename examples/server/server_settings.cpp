#include "server_settings.hpp"

#include <memory>
#include <stdexcept>

#include <rapidjson/document.h>

namespace wave_server {
namespace {

const rapidjson::Value& member(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd()) throw std::runtime_error(std::string("the library's config has no \"") + name + "\"");
  return it->value;
}

std::int64_t integer(const rapidjson::Value& object, const char* name) {
  const auto& value = member(object, name);
  if (!value.IsInt64()) throw std::runtime_error(std::string("config field \"") + name + "\" is not an integer");
  return value.GetInt64();
}

std::string text(const rapidjson::Value& object, const char* name) {
  const auto& value = member(object, name);
  if (!value.IsString()) throw std::runtime_error(std::string("config field \"") + name + "\" is not a string");
  return std::string(value.GetString(), value.GetStringLength());
}

}  // namespace

std::string ServerSettings::cors_allow_origin(std::string_view origin) const {
  if (origin.empty()) return "";
  for (const auto& allowed : cors_allowed_origins) {
    if (allowed == "*") return "*";
    if (allowed == origin) return std::string(origin);
  }
  return "";
}

ServerSettings read_server_settings(const wave_config* config) {
  char* json = nullptr;
  if (wave_config_to_json(config, &json) != WAVE_OK) throw std::runtime_error(wave_last_error_message());
  const std::unique_ptr<char, decltype(&wave_string_free)> json_owner(json, &wave_string_free);
  rapidjson::Document document;
  document.Parse(json);
  if (document.HasParseError() || !document.IsObject()) throw std::runtime_error("the library's config JSON is unreadable");
  ServerSettings s;
  s.listen_address = text(document, "listenAddress");
  const auto& ages = member(document, "webhookCacheMaxAgeSeconds");
  if (!ages.IsObject()) throw std::runtime_error("config field \"webhookCacheMaxAgeSeconds\" is not an object");
  s.cache_ages.auth_on_register = integer(ages, "auth_on_register");
  s.cache_ages.auth_on_publish = integer(ages, "auth_on_publish");
  s.cache_ages.auth_on_subscribe = integer(ages, "auth_on_subscribe");
  s.io_threads = static_cast<int>(integer(document, "serverIOThreads"));
  s.worker_threads = static_cast<int>(integer(document, "serverWorkerThreads"));
  s.worker_queue_limit = integer(document, "serverWorkerQueueLimit");
  s.credential_threads = static_cast<int>(integer(document, "serverCredentialThreads"));
  s.credential_queue_limit = integer(document, "serverCredentialQueueLimit");
  s.max_connections = integer(document, "serverMaxConnections");
  s.max_header_bytes = integer(document, "serverMaxHeaderBytes");
  s.max_body_bytes = integer(document, "serverMaxBodyBytes");
  s.idle_timeout_seconds = integer(document, "serverIdleTimeoutSeconds");
  s.request_timeout_seconds = integer(document, "serverRequestTimeoutSeconds");
  s.shutdown_grace_seconds = integer(document, "serverShutdownGraceSeconds");
  s.tls_cert_file = text(document, "serverTLSCertFile");
  s.tls_key_file = text(document, "serverTLSKeyFile");
  if (!parse_log_level(text(document, "logLevel"), s.log_level)) throw std::runtime_error("config field \"logLevel\" is unknown");
  const auto& origins = member(document, "corsAllowedOrigins");
  if (!origins.IsArray()) throw std::runtime_error("config field \"corsAllowedOrigins\" is not an array");
  for (const auto& origin : origins.GetArray())
    if (origin.IsString()) s.cors_allowed_origins.emplace_back(origin.GetString(), origin.GetStringLength());
  s.credential_sweep_interval_seconds = integer(document, "credentialSweepIntervalSeconds");
  s.api_requests_per_second = integer(document, "serverAPIRequestsPerSecond");
  s.api_request_burst = integer(document, "serverAPIRequestBurst");
  s.vernemq_api_url = text(document, "vernemqAPIURL");
  s.vernemq_api_key_file = text(document, "vernemqAPIKeyFile");
  const auto& admin_keys = member(document, "adminAPIKeys");
  if (!admin_keys.IsArray()) throw std::runtime_error("config field \"adminAPIKeys\" is not an array");
  for (const auto& digest : admin_keys.GetArray())
    if (digest.IsString()) s.admin_api_keys.emplace_back(digest.GetString(), digest.GetStringLength());
  return s;
}

bool split_host_port(std::string_view address, std::string& host, std::string& port) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) return false;
  std::string_view h = address.substr(0, colon);
  const std::string_view p = address.substr(colon + 1);
  if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos) return false;
  if (std::stoi(std::string(p)) > 65535) return false;
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return false;
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return false;
  }
  host.assign(h);
  port.assign(p);
  return true;
}

}  // namespace wave_server
