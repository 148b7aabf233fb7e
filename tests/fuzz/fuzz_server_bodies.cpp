// libFuzzer: wave-server's request handling below HTTP must turn any bytes into an answer:
// webhook bodies (parse + decision against a real in-memory service, no servers needed),
// management and admin API bodies, paths and the admin key header, log escaping (whose output
// must always be valid JSON), and every config the library accepts must be readable as the
// server's settings.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include <wave/wave.h>

#include "access_log.hpp"
#include "admin_api.hpp"
#include "api.hpp"
#include "router.hpp"
#include "server_settings.hpp"
#include "webhooks.hpp"

namespace {

wave_service* memory_service() {
  static wave_service* service = [] {
    const std::string json =
        R"({"authenticationCheckEndpoint":"http://127.0.0.1:9/check","tokenValidationRegex":"[a-z]{4,64}",)"
        R"("storage":"memory","httpConnectTimeoutMs":1,"httpTimeoutMs":1})";
    wave_config* config = nullptr;
    if (wave_config_parse(json.data(), json.size(), "fuzz", &config) != WAVE_OK) std::abort();
    wave_service* created = nullptr;
    if (wave_service_new(config, &created) != WAVE_OK) std::abort();
    wave_config_free(config);
    return created;
  }();
  return service;
}

void require_json(const std::string& text) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (document.HasParseError()) std::abort();
}

// The SHA-256 digests of the admin key "fuzz-admin-key", and of a malformed entry (skipped).
const std::vector<std::string> kAdminDigests = {"6712f9c9ac960f9c86c92a7be5a3ac97dfc1d9d3c25d16cd7955a68088401848",
                                                "not-a-digest"};

// The header that must be accepted: "Bearer" in any case, one or more spaces, the key.
bool is_the_admin_header(std::string_view header) {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() || header[kScheme.size()] != ' ') return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return false;
  header.remove_prefix(kScheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  return header == "fuzz-admin-key";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace wave_server;
  if (selector < 6 * 16) {
    const auto hook = static_cast<Hook>(selector % 6);
    const ParsedWebhook parsed = parse_webhook(hook, body);
    const WebhookAnswer answer = decide_webhook(memory_service(), parsed, CacheAges{});
    require_json(answer.body);
    // A subscribe answer echoes every filter, granted or not: whatever was read must be
    // writable as JSON (nobody is logged in here, so build the all-refused answer directly).
    if (parsed.question)
      if (const auto* subscribe = std::get_if<SubscribeQuestion>(&*parsed.question)) {
        const std::vector<wave_status> refused(subscribe->filters.size(), WAVE_ERR_DENIED);
        require_json(subscribe_answer(hook, *subscribe, WAVE_ERR_DENIED, refused, CacheAges{}).body);
      }
    if (answer.outcome == Outcome::allow) std::abort();  // nobody ever logged in
    if (answer.max_age != 0) std::abort();              // refusals are never cacheable
    return 0;
  }
  switch (selector % 8) {
    case 0: {
      const auto match = match_route(body);
      const auto prepared = prepare_api_call(match, "POST", "token", body);
      if (const auto* response = std::get_if<ApiResponse>(&prepared)) require_json(response->body);
      break;
    }
    case 1: {
      const auto ids = parse_mappings_body(body);
      if (const auto* response = std::get_if<ApiResponse>(&ids)) require_json(response->body);
      break;
    }
    case 2: {
      const auto group = parse_group_create_body(body);
      if (const auto* response = std::get_if<ApiResponse>(&group)) require_json(response->body);
      break;
    }
    case 3: {
      const auto member = parse_member_body(body);
      if (const auto* response = std::get_if<ApiResponse>(&member)) require_json(response->body);
      break;
    }
    case 4: {
      const auto selected = select_hook(body.substr(0, body.size() / 2), body.substr(body.size() / 2));
      (void)selected;
      break;
    }
    case 5: {
      // The admin API: the key header (accepted exactly when it carries the key; never when no
      // keys are configured), then the path as a target: a matched admin route yields a call
      // naming a user, or a JSON 400.
      if (admin_key_accepted(kAdminDigests, body) != is_the_admin_header(body)) std::abort();
      if (admin_key_accepted({}, body)) std::abort();
      const auto match = match_route(body);
      if (!is_admin_route(match.route)) break;
      const auto prepared = prepare_admin_call(match);
      if (const auto* response = std::get_if<ApiResponse>(&prepared)) require_json(response->body);
      else if (std::get<AdminCall>(prepared).app_user_id.empty()) std::abort();
      break;
    }
    case 6: {
      // A config the library accepts is one the server can read its settings from.
      wave_config* config = nullptr;
      if (wave_config_parse(body.data(), body.size(), "fuzz", &config) != WAVE_OK) break;
      try {
        (void)read_server_settings(config);
      } catch (...) {
        std::abort();
      }
      wave_config_free(config);
      break;
    }
    default: {
      LogLine line(LogLevel::info, body);
      line.field("client_id", body, 64);
      std::string text = std::move(line).finish();
      text.pop_back();  // the newline
      require_json(text);
      break;
    }
  }
  return 0;
}
