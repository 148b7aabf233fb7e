// Client for the app's authentication endpoint: turns an app token into an app user ID.
//
// GET <endpoint> with header `token: <token>` and no body.  200 + {"userID": "<non-empty
// string>"} is valid; 400, 401 and 403 are invalid.  Anything else throws wave::Error and
// never grants:
//   WAVE_ERR_TIMEOUT      the endpoint did not answer within the configured timeouts;
//   WAVE_ERR_UNAVAILABLE  it could not be reached (refused, DNS, TLS);
//   WAVE_ERR_UPSTREAM     it answered, but not with a valid answer (3xx, 5xx, bad JSON,
//                         missing/empty userID, a body over max_body_bytes...);
//   WAVE_ERR_INVALID_ARGUMENT  the token holds bytes that cannot go into an HTTP header.
// Tokens never appear in error messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace wave {

struct AppAuthOptions {
  std::string endpoint;  // http:// or https:// URL
  std::int64_t connect_timeout_ms = 2000;
  std::int64_t total_timeout_ms = 5000;
  bool verify_tls = true;  // peer and host name verification
  std::string ca_file;     // extra CA bundle (PEM); empty = the system's
  std::size_t max_body_bytes = 64 * 1024;
};

enum class AppAuthVerdict { valid, invalid };

struct AppAuthAnswer {
  AppAuthVerdict verdict;
  std::string user_id;  // non-empty when valid, empty when invalid
  long http_status;
};

// Interprets the endpoint's answer: HTTP status plus the body it sent.  400, 401 and 403
// are invalid; 200 with a JSON object whose "userID" is a non-empty, NUL-free string of
// strict UTF-8 is valid (the body must be UTF-8 JSON without NUL bytes; any nesting depth
// is safe).  Anything else
// throws wave::Error(WAVE_ERR_UPSTREAM) with a message that starts with "the app's
// authentication endpoint <endpoint_for_messages>" and never repeats the body's strings.
// Pure and thread-safe: AppAuthClient::check calls it on every answer.
AppAuthAnswer interpret_app_answer(long http_status, std::string_view body, std::string_view endpoint_for_messages);

struct AppAuthStats {
  std::uint64_t valid;
  std::uint64_t invalid_400;
  std::uint64_t invalid_401;
  std::uint64_t invalid_403;
  std::uint64_t errors;       // calls the endpoint failed, timeouts excepted
  std::uint64_t timeouts;
  std::uint64_t connections;  // new connections opened (low = connections are reused)
};

class AppAuthClient {
 public:
  // Throws wave::Error(WAVE_ERR_CONFIG) for an endpoint that is not an http(s) URL or for
  // non-positive timeouts / body limit.
  explicit AppAuthClient(AppAuthOptions options);
  ~AppAuthClient();
  AppAuthClient(const AppAuthClient&) = delete;
  AppAuthClient& operator=(const AppAuthClient&) = delete;

  // Asks the endpoint about `token`.  Thread-safe; connections are pooled and reused.
  AppAuthAnswer check(std::string_view token);

  // Counters since construction.  Thread-safe.
  AppAuthStats stats() const;

  const AppAuthOptions& options() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wave
