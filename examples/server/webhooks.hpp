// VerneMQ webhooks (vmq_webhooks, shared/reference/vernemq-interop.md §2/§3): parsing a hook's
// JSON body, asking libwave, and the answer VerneMQ expects.  Pure functions over bytes and a
// wave_service: no Asio, so the fuzz target and the unit tests drive them directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <wave/wave.h>

namespace wave_server {

enum class Hook { auth_on_register, auth_on_publish, auth_on_subscribe, auth_on_register_m5, auth_on_publish_m5, auth_on_subscribe_m5 };
inline constexpr std::size_t kHookCount = 6;

std::optional<Hook> hook_from_name(std::string_view name);
std::string_view hook_name(Hook hook);
bool is_m5(Hook hook);

// allow: a grant; deny: a refusal; error: a fault (backend down or slow, overload).
enum class Outcome { allow, deny, error };
inline constexpr std::size_t kOutcomeCount = 3;
std::string_view outcome_name(Outcome outcome);

// Seconds VerneMQ may cache a grant, per base hook (0 = send no cache-control header).
struct CacheAges {
  std::int64_t auth_on_register = 0;
  std::int64_t auth_on_publish = 30;
  std::int64_t auth_on_subscribe = 30;
  std::int64_t for_hook(Hook hook) const;
};

struct RegisterQuestion {
  std::string client_id;
  std::string username;
  std::string password;
};

struct PublishQuestion {
  std::string username;
  std::string topic;
};

struct RequestedFilter {
  std::string topic;  // as received (a "$share/<name>/" prefix included)
  int qos = 0;
  // The filter libwave judges ("$share/<name>/" removed), or nothing when the entry is refused
  // without asking (a malformed shared subscription, a NUL byte).
  std::optional<std::string> judged;
  // MQTT 5 subscription options as VerneMQ sent them: echoed back in the answer, since an
  // answer's topics replace the subscription (without them no_local would be lost).
  std::optional<bool> no_local;
  std::optional<bool> rap;
  std::optional<std::string> retain_handling;
};

struct SubscribeQuestion {
  std::string username;
  std::vector<RequestedFilter> filters;
};

using Question = std::variant<RegisterQuestion, PublishQuestion, SubscribeQuestion>;

// The body of one hook call, read.  `question` is empty when the body is refused outright
// (then `refusal` says why, as a short code).  `client_id` is for the log only.
struct ParsedWebhook {
  Hook hook = Hook::auth_on_register;
  std::optional<Question> question;
  std::string refusal;
  std::string client_id;
};

// The hook a request names: the path's ("/webhooks/<hook>") and/or the vernemq-hook header's;
// when both are given they must agree.  Returns the hook, or a refusal code.
std::variant<Hook, std::string> select_hook(std::optional<std::string_view> path_hook,
                                            std::optional<std::string_view> header_hook);

// Reads a hook's JSON body (unknown fields ignored; missing or mistyped ones refused).
ParsedWebhook parse_webhook(Hook hook, std::string_view body);

// The answer sent back (always HTTP 200 with this JSON body).
struct WebhookAnswer {
  Outcome outcome = Outcome::deny;
  std::string reason;        // short code for the log: "granted", "not_allowed", "backend_timeout"...
  std::string body;          // the JSON
  std::int64_t max_age = 0;  // > 0: send "cache-control: max-age=<max_age>"
  std::string detail;        // libwave's reason for a refusal or fault (no secrets): debug log only
};

// One libwave question per hook: the only places the webhooks call libwave.  `flags` are
// libwave's (WAVE_CHECK_CACHED_ONLY on the I/O thread).
wave_status check_register(wave_service* service, const RegisterQuestion& question, unsigned flags);
wave_status check_publish(wave_service* service, const PublishQuestion& question, unsigned flags);
// Fills `per_filter` (one status per requested filter, in order); returns WAVE_OK, DENIED
// (some refused) or the fault.
wave_status check_subscribe(wave_service* service, const SubscribeQuestion& question, unsigned flags,
                            std::vector<wave_status>& per_filter);

// Answers.
WebhookAnswer refusal_answer(std::string reason);
WebhookAnswer fault_answer(wave_status status);  // backend_unavailable, backend_timeout, ...
WebhookAnswer overloaded_answer();
WebhookAnswer verdict_answer(Hook hook, wave_status status, const CacheAges& ages);  // register, publish
WebhookAnswer subscribe_answer(Hook hook, const SubscribeQuestion& question, wave_status overall,
                               const std::vector<wave_status>& per_filter, const CacheAges& ages);

// The whole decision for a parsed body: check_* then the answer.  Blocking (may wait on
// Redis, MongoDB or the app endpoint): run it on a worker thread.
WebhookAnswer decide_webhook(wave_service* service, const ParsedWebhook& parsed, const CacheAges& ages);
// The same decision from libwave's in-process cache only (never blocks: for the I/O
// thread); nullopt when the answer needs Redis, MongoDB or the app (then decide_webhook on
// a worker).
std::optional<WebhookAnswer> decide_webhook_cached(wave_service* service, const ParsedWebhook& parsed,
                                                   const CacheAges& ages);

// The error string of a fault status ("backend_unavailable", "backend_timeout", "upstream_error",
// "internal_error"); refusals (DENIED, INVALID_TOKEN, NOT_FOUND, INVALID_ARGUMENT) are
// "not_allowed".
std::string_view webhook_error_code(wave_status status);
bool is_refusal(wave_status status);

}  // namespace wave_server
