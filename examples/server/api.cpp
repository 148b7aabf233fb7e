#include "api.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "json_body.hpp"

namespace wave_server {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& w, std::string_view text) { w.String(text.data(), static_cast<rapidjson::SizeType>(text.size())); }

std::string finish(rapidjson::StringBuffer& buffer) { return std::string(buffer.GetString(), buffer.GetSize()); }

// Owns a string libwave allocated; wipes it when it may hold a password.
struct WaveString {
  char* text = nullptr;
  bool secret = false;
  ~WaveString() {
    if (text != nullptr && secret) {
      volatile char* p = text;
      while (*p != '\0') *p++ = '\0';
    }
    wave_string_free(text);
  }
};

std::variant<rapidjson::Document, ApiResponse> parse_object(std::string_view body) {
  rapidjson::Document document;
  if (!parse_json_body(body, document)) return api_error(400, "bad_request", "the body is not valid JSON in UTF-8");
  if (!document.IsObject()) return api_error(400, "bad_request", "the body must be a JSON object");
  return document;
}

// A list of NUL-free strings under `key`.
std::variant<std::vector<std::string>, ApiResponse> string_list(const rapidjson::Value& object, const char* key,
                                                                bool required) {
  std::vector<std::string> items;
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd()) {
    if (required) return api_error(400, "bad_request", std::string("the body needs \"") + key + "\": an array of user IDs");
    return items;
  }
  if (!it->value.IsArray()) return api_error(400, "bad_request", std::string("\"") + key + "\" must be an array of strings");
  if (it->value.Size() > 1000) return api_error(400, "bad_request", std::string("\"") + key + "\" holds more than 1000 entries");
  for (const auto& item : it->value.GetArray()) {
    if (!item.IsString()) return api_error(400, "bad_request", std::string("\"") + key + "\" must hold strings only");
    std::string text(item.GetString(), item.GetStringLength());
    if (text.empty() || text.find('\0') != std::string::npos)
      return api_error(400, "bad_request", std::string("\"") + key + "\" holds an empty string or a NUL byte");
    items.push_back(std::move(text));
  }
  return items;
}

std::vector<const char*> c_strings(const std::vector<std::string>& items) {
  std::vector<const char*> pointers;
  pointers.reserve(items.size());
  for (const auto& item : items) pointers.push_back(item.c_str());
  return pointers;
}

const std::uint8_t* bytes(const std::string& text) { return reinterpret_cast<const std::uint8_t*>(text.data()); }

ApiResponse last_failure(wave_status status) { return api_failure(status, wave_last_error_message()); }

ApiResponse changed_response(int changed) {
  return api_content(200, changed != 0 ? R"({"changed":true})" : R"({"changed":false})");
}

}  // namespace

ApiResponse api_error(int status, std::string_view code, std::string_view message) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("content");
  w.Null();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  write_string(w, code);
  w.Key("message");
  write_string(w, message);
  w.EndObject();
  w.EndObject();
  ApiResponse response{status, finish(buffer), status == 503 ? 1 : 0};
  return response;
}

ApiResponse api_failure(wave_status status, std::string_view message) {
  switch (status) {
    case WAVE_ERR_INVALID_ARGUMENT:
    case WAVE_ERR_PARSE: return api_error(400, "bad_request", message);
    case WAVE_ERR_INVALID_TOKEN: return api_error(401, "invalid_token", message);
    case WAVE_ERR_DENIED: return api_error(403, "denied", message);
    case WAVE_ERR_NOT_FOUND: return api_error(404, "not_found", message);
    case WAVE_ERR_CONFLICT: return api_error(409, "conflict", message);
    case WAVE_ERR_RATE_LIMITED:
      // libwave says when the user's next token arrives (the failing call set it).
      return api_rate_limited(message, std::chrono::milliseconds(wave_last_error_retry_after_ms()));
    case WAVE_ERR_UPSTREAM: return api_error(502, "upstream_error", message);
    case WAVE_ERR_UNAVAILABLE: return api_error(503, "backend_unavailable", message);
    case WAVE_ERR_BACKEND: return api_error(503, "backend_error", message);
    case WAVE_ERR_TIMEOUT: return api_error(504, "backend_timeout", message);
    default: return api_error(500, "internal_error", message);
  }
}

ApiResponse api_rate_limited(std::string_view message, std::chrono::milliseconds wait) {
  ApiResponse response = api_error(429, "rate_limited", message);
  response.retry_after_seconds = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
  return response;
}

ApiResponse api_content(int status, std::string_view content_json) {
  std::string body;
  body.reserve(content_json.size() + 12);
  body += "{\"content\":";
  body += content_json;
  body += '}';
  return ApiResponse{status, std::move(body), 0};
}

std::variant<std::vector<std::string>, ApiResponse> parse_mappings_body(std::string_view body) {
  auto parsed = parse_object(body);
  if (auto* error = std::get_if<ApiResponse>(&parsed)) return std::move(*error);
  return string_list(std::get<rapidjson::Document>(parsed), "userIDs", true);
}

std::variant<GroupCreateBody, ApiResponse> parse_group_create_body(std::string_view body) {
  auto parsed = parse_object(body);
  if (auto* error = std::get_if<ApiResponse>(&parsed)) return std::move(*error);
  const auto& document = std::get<rapidjson::Document>(parsed);
  GroupCreateBody group;
  const auto name = document.FindMember("name");
  if (name == document.MemberEnd() || !name->value.IsString())
    return api_error(400, "bad_request", "the body needs \"name\": a string");
  group.name.assign(name->value.GetString(), name->value.GetStringLength());
  if (group.name.find('\0') != std::string::npos) return api_error(400, "bad_request", "\"name\" holds a NUL byte");
  auto members = string_list(document, "members", false);
  if (auto* error = std::get_if<ApiResponse>(&members)) return std::move(*error);
  group.members = std::move(std::get<std::vector<std::string>>(members));
  return group;
}

std::variant<std::string, ApiResponse> parse_member_body(std::string_view body) {
  auto parsed = parse_object(body);
  if (auto* error = std::get_if<ApiResponse>(&parsed)) return std::move(*error);
  const auto& document = std::get<rapidjson::Document>(parsed);
  const auto user = document.FindMember("userID");
  if (user == document.MemberEnd() || !user->value.IsString() || user->value.GetStringLength() == 0)
    return api_error(400, "bad_request", "the body needs \"userID\": the app user ID to add");
  std::string id(user->value.GetString(), user->value.GetStringLength());
  if (id.find('\0') != std::string::npos) return api_error(400, "bad_request", "\"userID\" holds a NUL byte");
  return id;
}

std::variant<ApiCall, ApiResponse> prepare_api_call(const RouteMatch& match, std::string_view method,
                                                    std::string_view token, std::string_view body) {
  if (match.bad_escape) return api_error(400, "bad_request", "a path segment holds a malformed %-escape or a NUL byte");
  ApiCall call;
  call.token.assign(token);
  if (!match.params.empty()) call.group_id = match.params[0];
  if (match.params.size() > 1) call.app_user_id = match.params[1];
  switch (match.route) {
    case Route::profiles: call.operation = ApiOperation::login; break;
    case Route::profile_mappings: {
      auto ids = parse_mappings_body(body);
      if (auto* error = std::get_if<ApiResponse>(&ids)) return std::move(*error);
      call.operation = ApiOperation::resolve;
      call.user_ids = std::move(std::get<std::vector<std::string>>(ids));
      break;
    }
    case Route::group_create: {
      auto group = parse_group_create_body(body);
      if (auto* error = std::get_if<ApiResponse>(&group)) return std::move(*error);
      call.operation = ApiOperation::group_create;
      call.name = std::move(std::get<GroupCreateBody>(group).name);
      call.user_ids = std::move(std::get<GroupCreateBody>(group).members);
      break;
    }
    case Route::sessions:
      call.operation = method == "DELETE" ? ApiOperation::session_delete : ApiOperation::session_create;
      break;
    case Route::groups: call.operation = ApiOperation::group_list; break;
    case Route::group:
      call.operation = method == "DELETE" ? ApiOperation::group_delete : ApiOperation::group_get;
      break;
    case Route::group_members: {
      auto user = parse_member_body(body);
      if (auto* error = std::get_if<ApiResponse>(&user)) return std::move(*error);
      call.operation = ApiOperation::member_add;
      call.app_user_id = std::move(std::get<std::string>(user));
      break;
    }
    case Route::group_member: call.operation = ApiOperation::member_remove; break;
    case Route::group_leave: call.operation = ApiOperation::group_leave; break;
    default: return api_error(404, "not_found", "no such route");
  }
  return call;
}

bool uses_credential_pool(ApiOperation operation) {
  return operation == ApiOperation::login || operation == ApiOperation::session_create ||
         operation == ApiOperation::session_delete;
}

ApiResponse execute_api_call(wave_service* service, const ApiCall& call) {
  const std::uint8_t* token = bytes(call.token);
  const std::size_t token_len = call.token.size();
  switch (call.operation) {
    case ApiOperation::login:
    case ApiOperation::session_create: {
      wave_credentials* credentials = nullptr;
      const wave_status status = wave_service_login(service, token, token_len, &credentials);
      if (status != WAVE_OK) return last_failure(status);
      std::unique_ptr<wave_credentials, decltype(&wave_credentials_free)> owned(credentials, &wave_credentials_free);
      if (call.operation == ApiOperation::login) {
        rapidjson::StringBuffer buffer;
        Writer w(buffer);
        w.String(wave_credentials_internal_id(credentials));
        return api_content(200, finish(buffer));
      }
      WaveString json{nullptr, true};
      const wave_status rendered = wave_credentials_to_json(credentials, &json.text);
      if (rendered != WAVE_OK) return last_failure(rendered);
      ApiResponse response = api_content(201, json.text);
      return response;
    }
    case ApiOperation::session_delete: {
      WaveString internal_id;
      const wave_status status = wave_service_revoke(service, token, token_len, &internal_id.text);
      if (status != WAVE_OK) return last_failure(status);
      rapidjson::StringBuffer buffer;
      Writer w(buffer);
      w.StartObject();
      w.Key("internalWaveUserID");
      w.String(internal_id.text);
      w.EndObject();
      return api_content(200, finish(buffer));
    }
    case ApiOperation::resolve: {
      const auto ids = c_strings(call.user_ids);
      wave_resolution* resolution = nullptr;
      const wave_status status = wave_service_resolve(service, token, token_len, ids.data(), ids.size(), &resolution);
      if (status != WAVE_OK) return last_failure(status);
      std::unique_ptr<wave_resolution, decltype(&wave_resolution_free)> owned(resolution, &wave_resolution_free);
      rapidjson::StringBuffer buffer;
      Writer w(buffer);
      w.StartArray();
      for (std::size_t i = 0; i < wave_resolution_count(resolution); ++i) {
        const char* internal_id = wave_resolution_internal_id(resolution, i);
        if (internal_id == nullptr) continue;  // never logged in: left out, as the original did
        w.StartObject();
        w.Key("originalUserID");
        w.String(wave_resolution_app_user_id(resolution, i));
        w.Key("internalWaveUserID");
        w.String(internal_id);
        w.EndObject();
      }
      w.EndArray();
      return api_content(200, finish(buffer));
    }
    case ApiOperation::group_create: {
      const auto members = c_strings(call.user_ids);
      wave_group_creation* creation = nullptr;
      const wave_status status = wave_service_group_create(service, token, token_len, call.name.c_str(),
                                                           members.empty() ? nullptr : members.data(), members.size(),
                                                           &creation);
      if (status != WAVE_OK) return last_failure(status);
      std::unique_ptr<wave_group_creation, decltype(&wave_group_creation_free)> owned(creation,
                                                                                       &wave_group_creation_free);
      WaveString json;
      const wave_status rendered = wave_group_creation_to_json(creation, &json.text);
      if (rendered != WAVE_OK) return last_failure(rendered);
      return api_content(201, json.text);
    }
    case ApiOperation::group_list: {
      wave_group_list* list = nullptr;
      const wave_status status = wave_service_group_list(service, token, token_len, &list);
      if (status != WAVE_OK) return last_failure(status);
      std::unique_ptr<wave_group_list, decltype(&wave_group_list_free)> owned(list, &wave_group_list_free);
      WaveString json;
      const wave_status rendered = wave_group_list_to_json(list, &json.text);
      if (rendered != WAVE_OK) return last_failure(rendered);
      return api_content(200, json.text);
    }
    case ApiOperation::group_get: {
      wave_group* group = nullptr;
      const wave_status status = wave_service_group_members(service, token, token_len, call.group_id.c_str(), &group);
      if (status != WAVE_OK) return last_failure(status);
      std::unique_ptr<wave_group, decltype(&wave_group_free)> owned(group, &wave_group_free);
      WaveString json;
      const wave_status rendered = wave_group_to_json(group, &json.text);
      if (rendered != WAVE_OK) return last_failure(rendered);
      return api_content(200, json.text);
    }
    case ApiOperation::group_delete: {
      const wave_status status = wave_service_group_delete(service, token, token_len, call.group_id.c_str());
      return status == WAVE_OK ? api_content(200, "{}") : last_failure(status);
    }
    case ApiOperation::group_leave: {
      const wave_status status = wave_service_group_leave(service, token, token_len, call.group_id.c_str());
      return status == WAVE_OK ? api_content(200, "{}") : last_failure(status);
    }
    case ApiOperation::member_add: {
      int changed = 0;
      const wave_status status = wave_service_group_add_member(service, token, token_len, call.group_id.c_str(),
                                                               call.app_user_id.c_str(), &changed);
      return status == WAVE_OK ? changed_response(changed) : last_failure(status);
    }
    case ApiOperation::member_remove: {
      int changed = 0;
      const wave_status status = wave_service_group_remove_member(service, token, token_len, call.group_id.c_str(),
                                                                  call.app_user_id.c_str(), &changed);
      return status == WAVE_OK ? changed_response(changed) : last_failure(status);
    }
  }
  return api_error(500, "internal_error", "unhandled operation");
}

}  // namespace wave_server
