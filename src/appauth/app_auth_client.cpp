#include "appauth/app_auth_client.hpp"

#include <curl/curl.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/utf8.hpp"

namespace wave {
namespace {

// Idle handles kept for reuse; more concurrent callers than this still work, their extra
// handles are simply closed after use.
constexpr std::size_t kMaxIdleHandles = 64;
// Longer tokens would not fit common servers' header limits (and no app issues them).
constexpr std::size_t kMaxTokenBytes = 8192;

void global_init_once() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  // Never paired with curl_global_cleanup: libcurl counts init calls, so this keeps it
  // initialised for the process's lifetime whatever else the host does with libcurl.
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    fail(WAVE_ERR_INTERNAL, std::string("libcurl could not be initialised: ") + curl_easy_strerror(result));
  }
}

// The URL must be an absolute http(s) URL with a host; checked with libcurl's own parser so
// that what we accept is exactly what it will request.
void validate_endpoint(const std::string& endpoint) {
  if (endpoint.empty()) fail(WAVE_ERR_CONFIG, "the app's authentication endpoint URL is empty");
  CURLU* url = curl_url();
  if (url == nullptr) fail(WAVE_ERR_NO_MEMORY, "out of memory parsing the app endpoint URL");
  std::string problem;
  if (curl_url_set(url, CURLUPART_URL, endpoint.c_str(), 0) != CURLUE_OK) {
    problem = "is not a valid absolute URL";
  } else {
    char* scheme = nullptr;
    char* host = nullptr;
    if (curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || scheme == nullptr ||
        (std::string_view(scheme) != "http" && std::string_view(scheme) != "https")) {
      problem = "must use http:// or https://";
    } else if (curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK || host == nullptr || *host == '\0') {
      problem = "has no host";
    }
    curl_free(scheme);
    curl_free(host);
  }
  curl_url_cleanup(url);
  // Credentials in the URL are not echoed: only the reason is reported.
  if (!problem.empty()) fail(WAVE_ERR_CONFIG, "the app's authentication endpoint URL " + problem);
}

// The URL without user info, for messages (the endpoint may embed credentials).
std::string redacted_url(const std::string& endpoint) {
  CURLU* url = curl_url();
  if (url == nullptr) return "(endpoint)";
  std::string out = "(endpoint)";
  if (curl_url_set(url, CURLUPART_URL, endpoint.c_str(), 0) == CURLUE_OK) {
    curl_url_set(url, CURLUPART_USER, nullptr, 0);
    curl_url_set(url, CURLUPART_PASSWORD, nullptr, 0);
    curl_url_set(url, CURLUPART_QUERY, nullptr, 0);  // may carry an API key
    char* text = nullptr;
    if (curl_url_get(url, CURLUPART_URL, &text, 0) == CURLUE_OK && text != nullptr) out = text;
    curl_free(text);
  }
  curl_url_cleanup(url);
  return out;
}

void check_token(std::string_view token) {
  if (token.empty()) fail(WAVE_ERR_INVALID_ARGUMENT, "the token is empty");
  if (token.size() > kMaxTokenBytes) {
    fail(WAVE_ERR_INVALID_ARGUMENT, "the token is longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  }
  for (const char c : token) {
    const auto byte = static_cast<unsigned char>(c);
    // Printable ASCII only: CR/LF/NUL would inject headers, other bytes are mangled by servers.
    if (byte < 0x20 || byte > 0x7e) {
      fail(WAVE_ERR_INVALID_ARGUMENT, "the token contains a byte that cannot be sent in an HTTP header");
    }
  }
  // Servers strip surrounding blanks: the app would check a different token than we cache.
  if (token.front() == ' ' || token.back() == ' ') {
    fail(WAVE_ERR_INVALID_ARGUMENT, "the token starts or ends with a space");
  }
}

struct Body {
  std::string data;
  std::size_t limit = 0;
  bool overflow = false;
};

size_t collect_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  const std::size_t bytes = size * count;
  if (bytes > body->limit - body->data.size()) {
    body->overflow = true;
    return 0;  // aborts the transfer at once (CURLE_WRITE_ERROR)
  }
  body->data.append(data, bytes);
  return bytes;
}

// An answer that is neither valid nor invalid; `endpoint` is already free of credentials.
[[noreturn]] void fail_upstream(std::string_view endpoint, const std::string& what) {
  fail(WAVE_ERR_UPSTREAM, "the app's authentication endpoint " + std::string(endpoint) + what);
}

struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

}  // namespace

AppAuthAnswer interpret_app_answer(long http_status, std::string_view body, std::string_view endpoint_for_messages) {
  const std::string_view where = endpoint_for_messages;
  if (http_status == 400 || http_status == 401 || http_status == 403) {
    return AppAuthAnswer{AppAuthVerdict::invalid, {}, http_status};
  }
  if (http_status >= 300 && http_status < 400) {
    fail_upstream(where, " answered with redirect HTTP " + std::to_string(http_status) +
                             "; redirects are not followed: configure the final URL");
  }
  if (http_status != 200) {
    fail_upstream(where, " answered HTTP " + std::to_string(http_status) +
                             " (expected 200, or 400/401/403 for an invalid token); check the app");
  }
  // RapidJSON stops at a NUL byte, so "{...}\0junk" would pass as JSON: refuse it outright.
  if (body.find('\0') != std::string_view::npos) fail_upstream(where, " answered 200 with a NUL byte in its body");
  rapidjson::Document document;
  // Iterative: nesting depth cannot exhaust the stack; UTF-8 validated for the C ABI.
  document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (document.HasParseError()) {
    fail_upstream(where, std::string(" answered 200 with a body that is not JSON (") +
                             rapidjson::GetParseError_En(document.GetParseError()) + " at byte " +
                             std::to_string(document.GetErrorOffset()) + ")");
  }
  if (!document.IsObject()) fail_upstream(where, " answered 200 with JSON that is not an object");
  const auto member = document.FindMember("userID");
  if (member == document.MemberEnd()) fail_upstream(where, " answered 200 without a \"userID\" field");
  if (!member->value.IsString()) fail_upstream(where, " answered 200 with a \"userID\" that is not a string");
  std::string user_id(member->value.GetString(), member->value.GetStringLength());
  if (user_id.empty()) fail_upstream(where, " answered 200 with an empty \"userID\"");
  if (user_id.find('\0') != std::string::npos) {
    fail_upstream(where, " answered 200 with a \"userID\" containing a NUL character");
  }
  // RapidJSON 1.1 decodes a lone low-surrogate escape ("\udc00") into bytes that are not
  // UTF-8; such an ID would become a Redis key and a MongoDB _id, so check it strictly.
  if (!is_valid_utf8(user_id)) fail_upstream(where, " answered 200 with a \"userID\" that is not valid UTF-8");
  return AppAuthAnswer{AppAuthVerdict::valid, std::move(user_id), http_status};
}

struct AppAuthClient::Impl {
  AppAuthOptions options;
  std::string url_for_messages;
  std::mutex pool_mutex;
  std::vector<CURL*> idle;

  std::atomic<std::uint64_t> valid{0}, invalid_400{0}, invalid_401{0}, invalid_403{0}, errors{0}, timeouts{0},
      connections{0};

  ~Impl() {
    for (CURL* handle : idle) curl_easy_cleanup(handle);
  }

  CURL* new_handle() {
    CURL* handle = curl_easy_init();
    if (handle == nullptr) fail(WAVE_ERR_NO_MEMORY, "libcurl could not create a transfer handle");
    const auto set = [&](CURLoption option, auto value) {
      const CURLcode code = curl_easy_setopt(handle, option, value);
      if (code != CURLE_OK) {
        curl_easy_cleanup(handle);
        fail(WAVE_ERR_CONFIG, std::string("libcurl refused an option for the app endpoint: ") + curl_easy_strerror(code));
      }
    };
    set(CURLOPT_URL, options.endpoint.c_str());
    set(CURLOPT_HTTPGET, 1L);
    set(CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: required with many threads
    set(CURLOPT_NOPROGRESS, 1L);
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    set(CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is an error, never followed
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout_ms));
    set(CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
    set(CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
    if (!options.ca_file.empty()) set(CURLOPT_CAINFO, options.ca_file.c_str());
    // Refuses a declared oversize body before reading it; collect_body catches the rest.
    set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes));
    set(CURLOPT_WRITEFUNCTION, &collect_body);
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_USERAGENT, "wave-appauth/1");
    return handle;
  }

  CURL* acquire() {
    {
      std::lock_guard lock(pool_mutex);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    return new_handle();
  }

  void release(CURL* handle) {
    // Per-call pointers must not outlive the call.
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    {
      std::lock_guard lock(pool_mutex);
      if (idle.size() < kMaxIdleHandles) {
        idle.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }

  [[noreturn]] void error(wave_status status, const std::string& message) {
    (status == WAVE_ERR_TIMEOUT ? timeouts : errors).fetch_add(1, std::memory_order_relaxed);
    fail(status, message);
  }

  [[noreturn]] void transfer_failed(CURLcode code, const Body& body, const char* detail) {
    const std::string where = "the app's authentication endpoint " + url_for_messages;
    // libcurl's detail names hosts, ports and reasons, never request headers (the token).
    const std::string why = std::string(detail[0] != '\0' ? detail : curl_easy_strerror(code));
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT:
        error(WAVE_ERR_TIMEOUT, where + " did not answer within " + std::to_string(options.total_timeout_ms) +
                                    " ms (connect timeout " + std::to_string(options.connect_timeout_ms) +
                                    " ms); check that the app is up and fast enough, or raise the timeouts");
      case CURLE_WRITE_ERROR:
      case CURLE_FILESIZE_EXCEEDED:
        if (code == CURLE_FILESIZE_EXCEEDED || body.overflow) {
          error(WAVE_ERR_UPSTREAM, where + " sent a body larger than " + std::to_string(options.max_body_bytes) +
                                       " bytes; it must answer with a small JSON object {\"userID\": \"...\"}");
        }
        break;
      case CURLE_GOT_NOTHING:
      case CURLE_WEIRD_SERVER_REPLY:
      case CURLE_PARTIAL_FILE:
      case CURLE_BAD_CONTENT_ENCODING:
      case CURLE_HTTP2:
      case CURLE_HTTP2_STREAM:
      case CURLE_UNSUPPORTED_PROTOCOL:
        error(WAVE_ERR_UPSTREAM, where + " answered with a broken HTTP response (" + why +
                                     "); check the app's logs");
      case CURLE_OUT_OF_MEMORY:
        error(WAVE_ERR_NO_MEMORY, "out of memory while calling " + where);
      default:
        break;
    }
    // Refused, unresolvable, TLS failures, resets: the endpoint cannot be reached.
    error(WAVE_ERR_UNAVAILABLE, where + " cannot be reached (" + why +
                                    "); check the URL, that the app is running, and its TLS certificate");
  }

  // interpret_app_answer, counted: by verdict (invalid by status), an upstream error as an error.
  AppAuthAnswer interpret(long status, std::string_view body) {
    try {
      AppAuthAnswer answer = interpret_app_answer(status, body, url_for_messages);
      if (answer.verdict == AppAuthVerdict::valid) {
        valid.fetch_add(1, std::memory_order_relaxed);
      } else {
        (status == 400 ? invalid_400 : status == 401 ? invalid_401 : invalid_403).fetch_add(1, std::memory_order_relaxed);
      }
      return answer;
    } catch (const Error&) {
      errors.fetch_add(1, std::memory_order_relaxed);
      throw;
    }
  }
};

AppAuthClient::AppAuthClient(AppAuthOptions options) : impl_(std::make_unique<Impl>()) {
  global_init_once();
  validate_endpoint(options.endpoint);
  if (options.connect_timeout_ms <= 0 || options.total_timeout_ms <= 0) {
    fail(WAVE_ERR_CONFIG, "the app endpoint's connect and total timeouts must be positive");
  }
  if (options.max_body_bytes == 0) fail(WAVE_ERR_CONFIG, "the app endpoint's body size limit must be positive");
  impl_->url_for_messages = redacted_url(options.endpoint);
  impl_->options = std::move(options);
  // Fails now, with a config error, rather than on the first login.
  impl_->release(impl_->new_handle());
}

AppAuthClient::~AppAuthClient() = default;

const AppAuthOptions& AppAuthClient::options() const noexcept { return impl_->options; }

AppAuthAnswer AppAuthClient::check(std::string_view token) {
  check_token(token);
  std::string header = "token: ";
  header.append(token);
  Slist headers;
  for (const char* line : {header.c_str(), "Accept: application/json", "Expect:", "Content-Type:"}) {
    // Returns the list's head (unchanged after the first line); on failure the list stays ours.
    curl_slist* head = curl_slist_append(headers.get(), line);
    if (head == nullptr) fail(WAVE_ERR_NO_MEMORY, "out of memory building the app endpoint request");
    if (!headers) headers.reset(head);
  }

  Body body;
  body.limit = impl_->options.max_body_bytes;
  char detail[CURL_ERROR_SIZE] = {0};
  CURL* handle = impl_->acquire();
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, detail);
  const CURLcode code = curl_easy_perform(handle);
  long connects = 0;
  if (curl_easy_getinfo(handle, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0) {
    impl_->connections.fetch_add(static_cast<std::uint64_t>(connects), std::memory_order_relaxed);
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  if (code != CURLE_OK) {
    // A handle whose transfer broke may hold a half-used connection: start afresh next time.
    curl_easy_cleanup(handle);
    impl_->transfer_failed(code, body, detail);
  }
  impl_->release(handle);
  return impl_->interpret(status, body.data);
}

AppAuthStats AppAuthClient::stats() const {
  const auto get = [](const std::atomic<std::uint64_t>& counter) { return counter.load(std::memory_order_relaxed); };
  return AppAuthStats{get(impl_->valid),       get(impl_->invalid_400), get(impl_->invalid_401),
                      get(impl_->invalid_403), get(impl_->errors),      get(impl_->timeouts),
                      get(impl_->connections)};
}

}  // namespace wave
