#include "webhooks.hpp"

#include <array>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "json_body.hpp"

namespace wave_server {
namespace {

constexpr std::array<std::string_view, kHookCount> kHookNames = {
    "auth_on_register", "auth_on_publish", "auth_on_subscribe", "auth_on_register_m5", "auth_on_publish_m5", "auth_on_subscribe_m5"};

// MQTT SUBACK codes for a refused filter: 0x80 (v3 "failure"), 0x87 (v5 "not authorized").
constexpr int kRefusedQosV3 = 128;
constexpr int kRefusedQosM5 = 135;

using Object = rapidjson::Value::ConstObject;

// A member that must be a string without NUL bytes (libwave takes C strings).
std::optional<std::string> string_member(const Object& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return std::nullopt;
  std::string text(it->value.GetString(), it->value.GetStringLength());
  if (text.find('\0') != std::string::npos) return std::nullopt;
  return text;
}

// VerneMQ's default mountpoint is ""; Wave's identities live there only.
bool mountpoint_is_default(const Object& object) {
  const auto mountpoint = string_member(object, "mountpoint");
  return mountpoint && mountpoint->empty();
}

// A Wave internal ID, by libwave's own predicate (a string with a NUL inside is not one).
bool is_internal_id(const std::string& text) {
  return text.size() == WAVE_UUID_STRING_SIZE - 1 && wave_uuid_is_canonical(text.c_str()) == 1;
}

// "$share/<name>/<filter>" → <filter>; nothing for a malformed shared subscription.
std::optional<std::string> judged_filter(const std::string& topic) {
  constexpr std::string_view kShare = "$share/";
  if (topic.compare(0, kShare.size(), kShare) != 0) return topic;
  const std::size_t name_end = topic.find('/', kShare.size());
  if (name_end == std::string::npos || name_end == kShare.size() || name_end + 1 >= topic.size()) return std::nullopt;
  const std::string_view name(topic.data() + kShare.size(), name_end - kShare.size());
  if (name.find_first_of("+#") != std::string_view::npos) return std::nullopt;
  return topic.substr(name_end + 1);
}

std::string error_body(std::string_view error) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("result");
  w.StartObject();
  w.Key("error");
  w.String(error.data(), static_cast<rapidjson::SizeType>(error.size()));
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::optional<Hook> hook_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kHookNames.size(); ++i)
    if (kHookNames[i] == name) return static_cast<Hook>(i);
  return std::nullopt;
}

std::string_view hook_name(Hook hook) { return kHookNames[static_cast<std::size_t>(hook)]; }

bool is_m5(Hook hook) {
  return hook == Hook::auth_on_register_m5 || hook == Hook::auth_on_publish_m5 || hook == Hook::auth_on_subscribe_m5;
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::allow: return "allow";
    case Outcome::deny: return "deny";
    case Outcome::error: return "error";
  }
  return "error";
}

std::int64_t CacheAges::for_hook(Hook hook) const {
  switch (hook) {
    case Hook::auth_on_register:
    case Hook::auth_on_register_m5: return auth_on_register;
    case Hook::auth_on_publish:
    case Hook::auth_on_publish_m5: return auth_on_publish;
    case Hook::auth_on_subscribe:
    case Hook::auth_on_subscribe_m5: return auth_on_subscribe;
  }
  return 0;
}

std::variant<Hook, std::string> select_hook(std::optional<std::string_view> path_hook,
                                            std::optional<std::string_view> header_hook) {
  if (path_hook && header_hook && *path_hook != *header_hook) return std::string("hook_mismatch");
  const auto name = path_hook ? path_hook : header_hook;
  if (!name) return std::string("no_hook");
  const auto hook = hook_from_name(*name);
  if (!hook) return std::string("unknown_hook");
  return *hook;
}

ParsedWebhook parse_webhook(Hook hook, std::string_view body) {
  ParsedWebhook parsed;
  parsed.hook = hook;
  rapidjson::Document document;
  if (!parse_json_body(body, document) || !document.IsObject()) {
    parsed.refusal = "invalid_json";
    return parsed;
  }
  const Object object = static_cast<const rapidjson::Document&>(document).GetObject();
  const auto client_id = string_member(object, "client_id");
  if (client_id) parsed.client_id = *client_id;
  const auto username = string_member(object, "username");  // null when the client sent none
  if (!client_id || !username) {
    parsed.refusal = "missing_identity";
    return parsed;
  }
  if (*client_id != *username) {
    parsed.refusal = "client_id_not_username";
    return parsed;
  }
  if (!mountpoint_is_default(object)) {
    parsed.refusal = "mountpoint";
    return parsed;
  }
  switch (hook) {
    case Hook::auth_on_register:
    case Hook::auth_on_register_m5: {
      if (!is_internal_id(*username)) {
        parsed.refusal = "not_an_internal_id";
        return parsed;
      }
      // The password may hold any bytes but NUL-free is not required: it crosses as bytes.
      const auto it = object.FindMember("password");
      if (it == object.MemberEnd() || !it->value.IsString()) {
        parsed.refusal = "no_password";
        return parsed;
      }
      parsed.question = RegisterQuestion{*client_id, *username, std::string(it->value.GetString(), it->value.GetStringLength())};
      return parsed;
    }
    case Hook::auth_on_publish:
    case Hook::auth_on_publish_m5: {
      const auto topic = string_member(object, "topic");
      if (!topic) {
        parsed.refusal = "missing_topic";
        return parsed;
      }
      parsed.question = PublishQuestion{*username, *topic};
      return parsed;
    }
    case Hook::auth_on_subscribe:
    case Hook::auth_on_subscribe_m5: {
      const auto topics = object.FindMember("topics");
      if (topics == object.MemberEnd() || !topics->value.IsArray() || topics->value.Empty()) {
        parsed.refusal = "missing_topics";
        return parsed;
      }
      SubscribeQuestion question;
      question.username = *username;
      for (const auto& entry : topics->value.GetArray()) {
        if (!entry.IsObject()) {
          parsed.refusal = "bad_topics";
          return parsed;
        }
        const Object item = entry.GetObject();
        const auto qos = item.FindMember("qos");
        const auto topic = item.FindMember("topic");
        if (topic == item.MemberEnd() || !topic->value.IsString() || qos == item.MemberEnd() || !qos->value.IsInt() ||
            qos->value.GetInt() < 0 || qos->value.GetInt() > 2) {
          parsed.refusal = "bad_topics";
          return parsed;
        }
        RequestedFilter filter;
        filter.topic.assign(topic->value.GetString(), topic->value.GetStringLength());
        filter.qos = qos->value.GetInt();
        if (filter.topic.find('\0') == std::string::npos) filter.judged = judged_filter(filter.topic);
        if (const auto it = item.FindMember("no_local"); it != item.MemberEnd() && it->value.IsBool())
          filter.no_local = it->value.GetBool();
        if (const auto it = item.FindMember("rap"); it != item.MemberEnd() && it->value.IsBool())
          filter.rap = it->value.GetBool();
        if (const auto it = item.FindMember("retain_handling"); it != item.MemberEnd() && it->value.IsString()) {
          const std::string_view handling(it->value.GetString(), it->value.GetStringLength());
          // VerneMQ's three values only: anything else would make it refuse the whole answer.
          if (handling == "send_retain" || handling == "send_if_new_sub" || handling == "dont_send")
            filter.retain_handling = std::string(handling);
        }
        question.filters.push_back(std::move(filter));
      }
      parsed.question = std::move(question);
      return parsed;
    }
  }
  parsed.refusal = "unknown_hook";
  return parsed;
}

wave_status check_register(wave_service* service, const RegisterQuestion& question, unsigned flags) {
  return wave_service_authorize_register(service, question.client_id.c_str(), question.username.c_str(),
                                         reinterpret_cast<const std::uint8_t*>(question.password.data()),
                                         question.password.size(), flags);
}

wave_status check_publish(wave_service* service, const PublishQuestion& question, unsigned flags) {
  return wave_service_authorize_publish(service, question.username.c_str(), question.topic.c_str(), flags);
}

wave_status check_subscribe(wave_service* service, const SubscribeQuestion& question, unsigned flags,
                            std::vector<wave_status>& per_filter) {
  per_filter.assign(question.filters.size(), WAVE_ERR_DENIED);
  std::vector<const char*> judged;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < question.filters.size(); ++i) {
    if (!question.filters[i].judged) continue;
    judged.push_back(question.filters[i].judged->c_str());
    positions.push_back(i);
  }
  if (judged.empty()) return WAVE_ERR_DENIED;
  std::vector<wave_status> results(judged.size(), WAVE_ERR_DENIED);
  const wave_status status =
      wave_service_authorize_subscribe(service, question.username.c_str(), judged.data(), judged.size(), flags,
                                       results.data());
  if (status != WAVE_OK && status != WAVE_ERR_DENIED) {
    per_filter.assign(question.filters.size(), status);
    return status;
  }
  for (std::size_t j = 0; j < positions.size(); ++j) per_filter[positions[j]] = results[j];
  for (const wave_status result : per_filter)
    if (result != WAVE_OK) return WAVE_ERR_DENIED;
  return WAVE_OK;
}

bool is_refusal(wave_status status) {
  return status == WAVE_ERR_DENIED || status == WAVE_ERR_INVALID_TOKEN || status == WAVE_ERR_NOT_FOUND ||
         status == WAVE_ERR_INVALID_ARGUMENT;
}

std::string_view webhook_error_code(wave_status status) {
  switch (status) {
    case WAVE_ERR_DENIED:
    case WAVE_ERR_INVALID_TOKEN:
    case WAVE_ERR_NOT_FOUND:
    case WAVE_ERR_INVALID_ARGUMENT: return "not_allowed";
    case WAVE_ERR_UNAVAILABLE:
    case WAVE_ERR_BACKEND: return "backend_unavailable";
    case WAVE_ERR_TIMEOUT: return "backend_timeout";
    case WAVE_ERR_UPSTREAM: return "upstream_error";
    default: return "internal_error";
  }
}

WebhookAnswer refusal_answer(std::string reason) {
  return WebhookAnswer{Outcome::deny, std::move(reason), error_body("not_allowed"), 0, {}};
}

WebhookAnswer fault_answer(wave_status status) {
  const std::string_view code = webhook_error_code(status);
  return WebhookAnswer{Outcome::error, std::string(code), error_body(code), 0, {}};
}

WebhookAnswer overloaded_answer() { return WebhookAnswer{Outcome::error, "overloaded", error_body("overloaded"), 0, {}}; }

WebhookAnswer verdict_answer(Hook hook, wave_status status, const CacheAges& ages) {
  if (status == WAVE_OK) return WebhookAnswer{Outcome::allow, "granted", R"({"result":"ok"})", ages.for_hook(hook), {}};
  if (is_refusal(status)) return refusal_answer("not_allowed");
  return fault_answer(status);
}

WebhookAnswer subscribe_answer(Hook hook, const SubscribeQuestion& question, wave_status overall,
                               const std::vector<wave_status>& per_filter, const CacheAges& ages) {
  if (overall != WAVE_OK && overall != WAVE_ERR_DENIED) return fault_answer(overall);
  const bool m5 = is_m5(hook);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("result");
  w.String("ok");
  if (m5) {
    w.Key("modifiers");
    w.StartObject();
  }
  w.Key("topics");
  w.StartArray();
  std::size_t granted = 0;
  for (std::size_t i = 0; i < question.filters.size(); ++i) {
    const auto& filter = question.filters[i];
    const bool ok = i < per_filter.size() && per_filter[i] == WAVE_OK;
    granted += ok ? 1 : 0;
    w.StartObject();
    w.Key("topic");
    w.String(filter.topic.data(), static_cast<rapidjson::SizeType>(filter.topic.size()));
    w.Key("qos");
    w.Int(ok ? filter.qos : (m5 ? kRefusedQosM5 : kRefusedQosV3));
    if (m5 && ok) {
      if (filter.no_local) {
        w.Key("no_local");
        w.Bool(*filter.no_local);
      }
      if (filter.rap) {
        w.Key("rap");
        w.Bool(*filter.rap);
      }
      if (filter.retain_handling) {
        w.Key("retain_handling");
        w.String(filter.retain_handling->c_str());
      }
    }
    w.EndObject();
  }
  w.EndArray();
  if (m5) w.EndObject();
  w.EndObject();
  WebhookAnswer answer;
  answer.body.assign(buffer.GetString(), buffer.GetSize());
  const bool all = granted == question.filters.size();
  // Every filter refused is still "ok" (the SUBACK carries the per-filter codes), but it is
  // a refusal for the log and the metrics.  Only an answer that grants everything is cacheable.
  answer.outcome = granted > 0 ? Outcome::allow : Outcome::deny;
  answer.reason = all ? "granted" : (granted > 0 ? "partly_granted" : "not_allowed");
  answer.max_age = all ? ages.for_hook(hook) : 0;
  return answer;
}

namespace {

// decide_webhook with libwave's flags; nullopt when a cache-only check would block.
std::optional<WebhookAnswer> decide(wave_service* service, const ParsedWebhook& parsed, const CacheAges& ages,
                                    unsigned flags) {
  if (!parsed.question) return refusal_answer(parsed.refusal.empty() ? "not_allowed" : parsed.refusal);
  WebhookAnswer answer;
  wave_status status = WAVE_OK;
  if (const auto* reg = std::get_if<RegisterQuestion>(&*parsed.question)) {
    status = check_register(service, *reg, flags);
    if (status == WAVE_ERR_WOULD_BLOCK) return std::nullopt;
    answer = verdict_answer(parsed.hook, status, ages);
  } else if (const auto* pub = std::get_if<PublishQuestion>(&*parsed.question)) {
    status = check_publish(service, *pub, flags);
    if (status == WAVE_ERR_WOULD_BLOCK) return std::nullopt;
    answer = verdict_answer(parsed.hook, status, ages);
  } else {
    const auto& sub = std::get<SubscribeQuestion>(*parsed.question);
    std::vector<wave_status> per_filter;
    status = check_subscribe(service, sub, flags, per_filter);
    if (status == WAVE_ERR_WOULD_BLOCK) return std::nullopt;
    answer = subscribe_answer(parsed.hook, sub, status, per_filter, ages);
  }
  if (status != WAVE_OK) answer.detail = wave_last_error_message();
  return answer;
}

}  // namespace

WebhookAnswer decide_webhook(wave_service* service, const ParsedWebhook& parsed, const CacheAges& ages) {
  // Without the cache-only flag libwave never answers WOULD_BLOCK.
  return decide(service, parsed, ages, 0).value_or(fault_answer(WAVE_ERR_INTERNAL));
}

std::optional<WebhookAnswer> decide_webhook_cached(wave_service* service, const ParsedWebhook& parsed,
                                                   const CacheAges& ages) {
  return decide(service, parsed, ages, WAVE_CHECK_CACHED_ONLY);
}

}  // namespace wave_server
