// Helpers for the Wave service's tests: configs of the test's own (unique Redis key prefix
// and MongoDB database per case), the app server's control endpoints (over libcurl), an
// independent bcrypt check (Debian's python3-bcrypt), and error capture (test_errors.hpp).
#pragma once

#include <curl/curl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "config/config.hpp"
#include "integration/test_errors.hpp"
#include "integration/test_servers.hpp"

namespace wave_test {

// A name no other test case (or parallel test program) uses.
inline std::string unique_name(const char* tag) {
  static std::atomic<int> counter{0};
  return std::string("ws_") + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
}

// Builds a config JSON object from key -> raw JSON value pairs (strings must be quoted).
inline std::string json_object(const std::map<std::string, std::string>& fields) {
  std::string json = "{";
  for (const auto& [key, value] : fields) {
    if (json.size() > 1) json += ",";
    json += "\"" + key + "\":" + value;
  }
  return json + "}";
}

inline std::string quoted(const std::string& text) { return "\"" + text + "\""; }

// A config for the service: the app endpoint, bcrypt cost 4 (fast tests), a permissive
// token format, and whatever `fields` add or override.
inline wave::Config service_config(const std::string& app_uri, std::map<std::string, std::string> fields = {}) {
  fields.try_emplace("authenticationCheckEndpoint", quoted(app_uri));
  fields.try_emplace("tokenValidationRegex", quoted("[A-Za-z0-9:_.-]{1,200}"));
  fields.try_emplace("bcryptCost", "4");
  fields.try_emplace("httpTimeoutMs", "3000");
  fields.try_emplace("httpConnectTimeoutMs", "1000");
  return wave::parse_config(json_object(fields), "<test>");
}

// A config on the real servers, with a Redis key prefix and MongoDB database of its own.
inline wave::Config servers_config(const std::string& redis_uri, const std::string& mongo_uri,
                                   const std::string& app_uri, const std::string& name,
                                   std::map<std::string, std::string> fields = {}) {
  fields.try_emplace("storage", quoted("servers"));
  fields.try_emplace("redisURI", quoted(redis_uri));
  fields.try_emplace("redisKeyPrefix", quoted(name + ":"));
  fields.try_emplace("redisTimeoutMs", "1000");
  fields.try_emplace("mongoURI", quoted(mongo_uri));
  fields.try_emplace("mongoDatabase", quoted(name));
  fields.try_emplace("mongoTimeoutMs", "2000");
  return service_config(app_uri, std::move(fields));
}

// ---- the app server's control endpoints ----------------------------------------------

inline std::string app_base(const std::string& app_uri) {
  const auto scheme = app_uri.find("://");
  const auto slash = app_uri.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? app_uri : app_uri.substr(0, slash);
}

inline std::string http_request(const std::string& url, const char* method, const std::string& body) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
  std::string response;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  if (std::string(method) == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* out) -> size_t {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
  });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK || status != 200) throw std::runtime_error("app control request failed: " + url);
  return response;
}

// POST /__control/<what> with `body` (revoke, unrevoke, mode, reset).
inline void app_control(const std::string& app_uri, const std::string& what, const std::string& body = "") {
  http_request(app_base(app_uri) + "/__control/" + what, "POST", body);
}

// How many times the app endpoint was called with `token` (from /__control/stats).
inline int app_calls_for(const std::string& app_uri, const std::string& token) {
  const std::string stats = http_request(app_base(app_uri) + "/__control/stats", "GET", "");
  const std::string needle = "\"" + token + "\": ";
  const auto at = stats.find(needle);
  if (at == std::string::npos) return 0;
  return std::atoi(stats.c_str() + at + needle.size());
}

// ---- an independent bcrypt: Debian's python3-bcrypt ---------------------------------

// True when python3-bcrypt says `password` matches `hash` (test secrets only: they pass
// through the child's environment, single-quoted).
inline bool python_bcrypt_verifies(const std::string& password, const std::string& hash) {
  const char* python = std::getenv("WAVE_TEST_PYTHON");
  if (python == nullptr) throw std::runtime_error("WAVE_TEST_PYTHON is not set: run through ctest");
  const std::string script =
      "import bcrypt, os, sys; "
      "h = os.environ['WT_HASH'].encode(); "
      "sys.exit(0 if bcrypt.checkpw(os.environ['WT_PASSWORD'].encode(), h) else 1)";
  const std::string command = "WT_PASSWORD='" + password + "' WT_HASH='" + hash + "' '" + python + "' -c \"" +
                              script + "\"";
  for (const char c : password + hash)
    if (c == '\'') throw std::runtime_error("test secrets must not contain quotes");
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) throw std::runtime_error("could not run python3-bcrypt");
  const int code = WEXITSTATUS(status);
  if (code != 0 && code != 1) throw std::runtime_error("python3-bcrypt failed (is python3-bcrypt installed?)");
  return code == 0;
}

}  // namespace wave_test
