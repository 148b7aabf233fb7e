// C API: the Wave service (wave_service.h), a thin layer over wave::Service.
#include <wave/wave.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "backends/backends.hpp"
#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "common/secure.hpp"
#include "service/service.hpp"

using wave::capi::guarded;
using wave::capi::require;

struct wave_service {
  // The host's invalidation callback, read by the listener thread under the mutex, so that
  // replacing it waits for a running call (wave_service_listen_invalidations).
  std::mutex invalidation_mutex;
  wave_invalidation_callback invalidation_callback = nullptr;
  void* invalidation_userdata = nullptr;
  bool listening = false;
  std::unique_ptr<wave::Backends> backends;  // the stores Config::storage names (for ping)
  std::unique_ptr<wave::Service> service;
  bool global_initialised = false;
  ~wave_service() {
    service.reset();
    backends.reset();
    if (global_initialised) wave_global_cleanup();
  }
};

struct wave_credentials {
  wave::Credentials credentials;
  ~wave_credentials() { wave::secure_wipe(credentials.password.data(), credentials.password.size()); }
};

struct wave_resolution {
  std::vector<wave::ResolvedUser> users;
};

struct wave_group {
  wave::Group group;
};

struct wave_group_creation {
  wave_group group;
  std::vector<std::string> unknown_app_user_ids;
};

struct wave_group_list {
  std::vector<wave_group> groups;
};

namespace {

std::string_view token_view(const uint8_t* token, size_t token_len) {
  if (token == nullptr && token_len != 0) require(token, "token");
  return {reinterpret_cast<const char*>(token), token == nullptr ? 0 : token_len};
}

std::vector<std::string> string_array(const char* const* items, size_t count, const char* name) {
  std::vector<std::string> result;
  if (count == 0) return result;
  require(items, name);
  result.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (items[i] == nullptr) wave::fail(WAVE_ERR_INVALID_ARGUMENT, std::string(name) + " holds a NULL entry");
    result.emplace_back(items[i]);
  }
  return result;
}

const char* item_at(const std::vector<std::string>& items, size_t index) {
  return index < items.size() ? items[index].c_str() : nullptr;
}

// ---- JSON output ---------------------------------------------------------------------------

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string_array(JsonWriter& writer, const char* key, const std::vector<std::string>& items) {
  writer.Key(key);
  writer.StartArray();
  for (const auto& item : items) writer.String(item.data(), static_cast<rapidjson::SizeType>(item.size()));
  writer.EndArray();
}

void write_string_field(JsonWriter& writer, const char* key, const std::string& value) {
  writer.Key(key);
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_group_fields(JsonWriter& writer, const wave::Group& group) {
  write_string_field(writer, "groupID", group.id);
  write_string_field(writer, "name", group.name);
  write_string_field(writer, "owner", group.owner);
  write_string_array(writer, "members", group.members);
}

void write_group(JsonWriter& writer, const wave_group& group) {
  writer.StartObject();
  write_group_fields(writer, group.group);
  writer.EndObject();
}

// Hands the buffer's text to the caller (freed with wave_string_free).
char* take_json(const rapidjson::StringBuffer& buffer) {
  return wave::capi::dup_string(std::string(buffer.GetString(), buffer.GetSize()));
}

wave_status authorize_result(const wave::Decision& decision) {
  if (decision.granted) return WAVE_OK;
  return wave::capi::failure(decision.would_block ? WAVE_ERR_WOULD_BLOCK : WAVE_ERR_DENIED, decision.reason);
}

wave::CheckMode check_mode(unsigned flags) {
  if ((flags & ~(WAVE_CHECK_CACHED_ONLY | WAVE_CHECK_NO_APP)) != 0u)
    wave::fail(WAVE_ERR_INVALID_ARGUMENT, "flags: unknown bits (WAVE_CHECK_CACHED_ONLY, WAVE_CHECK_NO_APP)");
  if ((flags & WAVE_CHECK_CACHED_ONLY) != 0u) return wave::CheckMode::cached_only;
  return (flags & WAVE_CHECK_NO_APP) != 0u ? wave::CheckMode::stores_only : wave::CheckMode::full;
}

}  // namespace

extern "C" {

// ---- the service ------------------------------------------------------------------------

WAVE_API wave_status wave_service_new(const wave_config* config, wave_service** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(config, "config");
    require(out, "out");
    auto handle = std::make_unique<wave_service>();
    const wave_status init = wave_global_init();
    if (init != WAVE_OK) return init;
    handle->global_initialised = true;
    handle->backends = std::make_unique<wave::Backends>(*config->config);
    handle->service = std::make_unique<wave::Service>(*config->config, handle->backends->sessions(),
                                                      handle->backends->directory(),
                                                      handle->backends->invalidation());
    *out = handle.release();
    return WAVE_OK;
  });
}

WAVE_API void wave_service_free(wave_service* service) { delete service; }

WAVE_API wave_status wave_service_ping(wave_service* service) {
  return guarded([&] {
    require(service, "service");
    service->backends->ping();
    return WAVE_OK;
  });
}

WAVE_API uint64_t wave_service_counter(const wave_service* service, wave_counter counter) {
  if (service == nullptr) return 0;
  try {
    const wave::ServiceStats stats = service->service->stats();
    switch (counter) {
      case WAVE_COUNTER_CACHE_HITS: return stats.cache_hits;
      case WAVE_COUNTER_CACHE_MISSES: return stats.cache_misses;
      case WAVE_COUNTER_CACHE_ENTRIES: return stats.cache_entries;
      case WAVE_COUNTER_APP_VALID: return stats.app_valid;
      case WAVE_COUNTER_APP_INVALID: return stats.app_invalid;
      case WAVE_COUNTER_APP_ERROR: return stats.app_errors;
      case WAVE_COUNTER_APP_NANOSECONDS: return stats.app_nanoseconds;
      case WAVE_COUNTER_REDIS_ERRORS: return stats.session_store_errors;
      case WAVE_COUNTER_MONGO_ERRORS: return stats.directory_store_errors;
      case WAVE_COUNTER_BCRYPT_RUNS: return stats.bcrypt_runs;
      case WAVE_COUNTER_BCRYPT_NANOSECONDS: return stats.bcrypt_nanoseconds;
      case WAVE_COUNTER_WARM_LOGINS: return stats.warm_logins;
      case WAVE_COUNTER_COLD_LOGINS: return stats.cold_logins;
      case WAVE_COUNTER_REGISTER_FALLBACKS: return stats.register_fallbacks;
      case WAVE_COUNTER_WOULD_BLOCK: return stats.would_block;
      case WAVE_COUNTER_SWEEP_RENEWED: return stats.sweep_renewed;
      case WAVE_COUNTER_SWEEP_RETIRED: return stats.sweep_retired;
      case WAVE_COUNTER_SWEEP_FAULTS: return stats.sweep_faults;
      case WAVE_COUNTER_RATE_LIMITED: return stats.rate_limited;
    }
  } catch (...) {
    // A getter never fails: nothing in stats() throws, and nothing may cross the ABI.
  }
  return 0;
}

// ---- login ------------------------------------------------------------------------------

WAVE_API wave_status wave_service_login(wave_service* service, const uint8_t* token, size_t token_len,
                                        wave_credentials** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(service, "service");
    require(out, "out");
    auto handle = std::make_unique<wave_credentials>();
    handle->credentials = service->service->login(token_view(token, token_len));
    *out = handle.release();
    return WAVE_OK;
  });
}

WAVE_API void wave_credentials_free(wave_credentials* credentials) { delete credentials; }

WAVE_API const char* wave_credentials_internal_id(const wave_credentials* credentials) {
  return credentials ? credentials->credentials.internal_id.c_str() : nullptr;
}
WAVE_API const char* wave_credentials_client_id(const wave_credentials* credentials) {
  return credentials ? credentials->credentials.client_id.c_str() : nullptr;
}
WAVE_API const char* wave_credentials_username(const wave_credentials* credentials) {
  return credentials ? credentials->credentials.username.c_str() : nullptr;
}
WAVE_API const char* wave_credentials_password(const wave_credentials* credentials) {
  return credentials ? credentials->credentials.password.c_str() : nullptr;
}
WAVE_API const char* wave_credentials_app_user_id(const wave_credentials* credentials) {
  return credentials ? credentials->credentials.app_user_id.c_str() : nullptr;
}
WAVE_API size_t wave_credentials_publish_acl_count(const wave_credentials* credentials) {
  return credentials ? credentials->credentials.publish_acl.size() : 0;
}
WAVE_API const char* wave_credentials_publish_acl(const wave_credentials* credentials, size_t index) {
  return credentials ? item_at(credentials->credentials.publish_acl, index) : nullptr;
}
WAVE_API size_t wave_credentials_subscribe_acl_count(const wave_credentials* credentials) {
  return credentials ? credentials->credentials.subscribe_acl.size() : 0;
}
WAVE_API const char* wave_credentials_subscribe_acl(const wave_credentials* credentials, size_t index) {
  return credentials ? item_at(credentials->credentials.subscribe_acl, index) : nullptr;
}
WAVE_API size_t wave_credentials_group_count(const wave_credentials* credentials) {
  return credentials ? credentials->credentials.groups.size() : 0;
}
WAVE_API const char* wave_credentials_group(const wave_credentials* credentials, size_t index) {
  return credentials ? item_at(credentials->credentials.groups, index) : nullptr;
}

WAVE_API wave_status wave_credentials_to_json(const wave_credentials* credentials, char** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(credentials, "credentials");
    require(out, "out");
    const wave::Credentials& c = credentials->credentials;
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    write_string_field(writer, "internalWaveUserID", c.internal_id);
    write_string_field(writer, "clientID", c.client_id);
    write_string_field(writer, "username", c.username);
    write_string_field(writer, "password", c.password);
    write_string_field(writer, "appUserID", c.app_user_id);
    write_string_array(writer, "publishACL", c.publish_acl);
    write_string_array(writer, "subscribeACL", c.subscribe_acl);
    write_string_array(writer, "groups", c.groups);
    writer.EndObject();
    *out = take_json(buffer);
    // The text holds the MQTT password: leave no copy behind in freed memory.
    wave::secure_wipe(const_cast<char*>(buffer.GetString()), buffer.GetSize());
    return WAVE_OK;
  });
}

// ---- resolve ----------------------------------------------------------------------------

WAVE_API wave_status wave_service_resolve(wave_service* service, const uint8_t* token, size_t token_len,
                                          const char* const* app_user_ids, size_t count, wave_resolution** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(service, "service");
    require(out, "out");
    const auto ids = string_array(app_user_ids, count, "app_user_ids");
    auto handle = std::make_unique<wave_resolution>();
    handle->users = service->service->resolve(token_view(token, token_len), ids);
    *out = handle.release();
    return WAVE_OK;
  });
}

WAVE_API void wave_resolution_free(wave_resolution* resolution) { delete resolution; }

WAVE_API size_t wave_resolution_count(const wave_resolution* resolution) {
  return resolution ? resolution->users.size() : 0;
}

WAVE_API const char* wave_resolution_app_user_id(const wave_resolution* resolution, size_t index) {
  if (resolution == nullptr || index >= resolution->users.size()) return nullptr;
  return resolution->users[index].app_user_id.c_str();
}

WAVE_API const char* wave_resolution_internal_id(const wave_resolution* resolution, size_t index) {
  if (resolution == nullptr || index >= resolution->users.size()) return nullptr;
  const auto& id = resolution->users[index].internal_id;
  return id ? id->c_str() : nullptr;
}

WAVE_API wave_status wave_resolution_to_json(const wave_resolution* resolution, char** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(resolution, "resolution");
    require(out, "out");
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartArray();
    for (const auto& user : resolution->users) {
      writer.StartObject();
      write_string_field(writer, "appUserID", user.app_user_id);
      writer.Key("internalWaveUserID");
      if (user.internal_id)
        writer.String(user.internal_id->data(), static_cast<rapidjson::SizeType>(user.internal_id->size()));
      else
        writer.Null();
      writer.EndObject();
    }
    writer.EndArray();
    *out = take_json(buffer);
    return WAVE_OK;
  });
}

// ---- groups -----------------------------------------------------------------------------

WAVE_API wave_status wave_service_group_create(wave_service* service, const uint8_t* token, size_t token_len,
                                               const char* name, const char* const* member_app_user_ids,
                                               size_t member_count, wave_group_creation** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(service, "service");
    require(name, "name");
    require(out, "out");
    const auto members = string_array(member_app_user_ids, member_count, "member_app_user_ids");
    wave::GroupCreation creation = service->service->create_group(token_view(token, token_len), name, members);
    auto handle = std::make_unique<wave_group_creation>();
    handle->group.group = std::move(creation.group);
    handle->unknown_app_user_ids = std::move(creation.unknown_app_user_ids);
    *out = handle.release();
    return WAVE_OK;
  });
}

namespace {

// Adding and removing a member share their checks and answer; only the service call differs.
using MemberChange = bool (wave::Service::*)(std::string_view, std::string_view, std::string_view);

wave_status change_member(wave_service* service, const uint8_t* token, size_t token_len, const char* group_id,
                          const char* app_user_id, int* changed_out, MemberChange change) {
  if (changed_out != nullptr) *changed_out = 0;
  return guarded([&] {
    require(service, "service");
    require(group_id, "group_id");
    require(app_user_id, "app_user_id");
    const bool changed = (service->service.get()->*change)(token_view(token, token_len), group_id, app_user_id);
    if (changed_out != nullptr) *changed_out = changed ? 1 : 0;
    return WAVE_OK;
  });
}

// Leaving and deleting a group: a token and a group, nothing returned.
using GroupAction = void (wave::Service::*)(std::string_view, std::string_view);

wave_status act_on_group(wave_service* service, const uint8_t* token, size_t token_len, const char* group_id,
                         GroupAction action) {
  return guarded([&] {
    require(service, "service");
    require(group_id, "group_id");
    (service->service.get()->*action)(token_view(token, token_len), group_id);
    return WAVE_OK;
  });
}

}  // namespace

WAVE_API wave_status wave_service_group_add_member(wave_service* service, const uint8_t* token, size_t token_len,
                                                   const char* group_id, const char* app_user_id, int* changed_out) {
  return change_member(service, token, token_len, group_id, app_user_id, changed_out,
                       &wave::Service::add_group_member);
}

WAVE_API wave_status wave_service_group_remove_member(wave_service* service, const uint8_t* token, size_t token_len,
                                                      const char* group_id, const char* app_user_id,
                                                      int* changed_out) {
  return change_member(service, token, token_len, group_id, app_user_id, changed_out,
                       &wave::Service::remove_group_member);
}

WAVE_API wave_status wave_service_group_leave(wave_service* service, const uint8_t* token, size_t token_len,
                                              const char* group_id) {
  return act_on_group(service, token, token_len, group_id, &wave::Service::leave_group);
}

WAVE_API wave_status wave_service_group_delete(wave_service* service, const uint8_t* token, size_t token_len,
                                               const char* group_id) {
  return act_on_group(service, token, token_len, group_id, &wave::Service::delete_group);
}

WAVE_API wave_status wave_service_group_list(wave_service* service, const uint8_t* token, size_t token_len,
                                             wave_group_list** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(service, "service");
    require(out, "out");
    auto groups = service->service->list_groups(token_view(token, token_len));
    auto handle = std::make_unique<wave_group_list>();
    handle->groups.reserve(groups.size());
    for (auto& group : groups) handle->groups.push_back(wave_group{std::move(group)});
    *out = handle.release();
    return WAVE_OK;
  });
}

WAVE_API wave_status wave_service_group_members(wave_service* service, const uint8_t* token, size_t token_len,
                                                const char* group_id, wave_group** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(service, "service");
    require(group_id, "group_id");
    require(out, "out");
    auto handle = std::make_unique<wave_group>();
    handle->group = service->service->group_members(token_view(token, token_len), group_id);
    *out = handle.release();
    return WAVE_OK;
  });
}

WAVE_API void wave_group_free(wave_group* group) { delete group; }
WAVE_API const char* wave_group_id(const wave_group* group) { return group ? group->group.id.c_str() : nullptr; }
WAVE_API const char* wave_group_name(const wave_group* group) { return group ? group->group.name.c_str() : nullptr; }
WAVE_API const char* wave_group_owner(const wave_group* group) { return group ? group->group.owner.c_str() : nullptr; }
WAVE_API size_t wave_group_member_count(const wave_group* group) { return group ? group->group.members.size() : 0; }
WAVE_API const char* wave_group_member(const wave_group* group, size_t index) {
  return group ? item_at(group->group.members, index) : nullptr;
}

WAVE_API wave_status wave_group_to_json(const wave_group* group, char** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(group, "group");
    require(out, "out");
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    write_group(writer, *group);
    *out = take_json(buffer);
    return WAVE_OK;
  });
}

WAVE_API void wave_group_creation_free(wave_group_creation* creation) { delete creation; }
WAVE_API const wave_group* wave_group_creation_group(const wave_group_creation* creation) {
  return creation ? &creation->group : nullptr;
}
WAVE_API size_t wave_group_creation_unknown_count(const wave_group_creation* creation) {
  return creation ? creation->unknown_app_user_ids.size() : 0;
}
WAVE_API const char* wave_group_creation_unknown(const wave_group_creation* creation, size_t index) {
  return creation ? item_at(creation->unknown_app_user_ids, index) : nullptr;
}

WAVE_API wave_status wave_group_creation_to_json(const wave_group_creation* creation, char** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(creation, "creation");
    require(out, "out");
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    write_group_fields(writer, creation->group.group);
    write_string_array(writer, "unknownAppUserIDs", creation->unknown_app_user_ids);
    writer.EndObject();
    *out = take_json(buffer);
    return WAVE_OK;
  });
}

WAVE_API void wave_group_list_free(wave_group_list* list) { delete list; }
WAVE_API size_t wave_group_list_count(const wave_group_list* list) { return list ? list->groups.size() : 0; }
WAVE_API const wave_group* wave_group_list_get(const wave_group_list* list, size_t index) {
  if (list == nullptr || index >= list->groups.size()) return nullptr;
  return &list->groups[index];
}

WAVE_API wave_status wave_group_list_to_json(const wave_group_list* list, char** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(list, "list");
    require(out, "out");
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartArray();
    for (const auto& group : list->groups) write_group(writer, group);
    writer.EndArray();
    *out = take_json(buffer);
    return WAVE_OK;
  });
}

// ---- revoke -----------------------------------------------------------------------------

WAVE_API wave_status wave_service_revoke(wave_service* service, const uint8_t* token, size_t token_len,
                                         char** internal_id_out) {
  if (internal_id_out != nullptr) *internal_id_out = nullptr;
  return guarded([&] {
    require(service, "service");
    const wave::RevokeOutcome outcome = service->service->revoke(token_view(token, token_len));
    if (internal_id_out != nullptr) *internal_id_out = wave::capi::dup_string(outcome.internal_id);
    return WAVE_OK;
  });
}

// ---- admin API ----------------------------------------------------------------------------

namespace {

const char* session_state_name(wave::SessionState state) {
  switch (state) {
    case wave::SessionState::live: return "live";
    case wave::SessionState::expired: return "expired";
    case wave::SessionState::logged_out: return "logged_out";
    case wave::SessionState::unknown: break;
  }
  return "unknown";
}

}  // namespace

extern "C++" {
namespace {

// The admin calls on one app user: the same checks, and a JSON object written by `fields`.
template <typename WriteFields>
wave_status admin_user_call(wave_service* service, const char* app_user_id, char** json_out, WriteFields fields) {
  if (json_out != nullptr) *json_out = nullptr;
  return guarded([&] {
    require(service, "service");
    require(app_user_id, "app_user_id");
    require(json_out, "json_out");
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    fields(writer, *service->service, std::string_view(app_user_id));
    writer.EndObject();
    *json_out = take_json(buffer);
    return WAVE_OK;
  });
}

}  // namespace
}  // extern "C++"

WAVE_API wave_status wave_service_describe_user(wave_service* service, const char* app_user_id, char** json_out) {
  return admin_user_call(service, app_user_id, json_out, [](JsonWriter& writer, wave::Service& core,
                                                            std::string_view id) {
    const wave::UserDescription user = core.describe_user(id);
    write_string_field(writer, "appUserID", user.app_user_id);
    writer.Key("internalWaveUserID");
    if (user.internal_id)
      writer.String(user.internal_id->data(), static_cast<rapidjson::SizeType>(user.internal_id->size()));
    else
      writer.Null();
    writer.Key("session");
    writer.String(session_state_name(user.session));
    writer.Key("groups");
    writer.Uint64(user.groups);
  });
}

WAVE_API wave_status wave_service_end_user_sessions(wave_service* service, const char* app_user_id,
                                                    char** json_out) {
  return admin_user_call(service, app_user_id, json_out, [](JsonWriter& writer, wave::Service& core,
                                                            std::string_view id) {
    const wave::EndSessionsOutcome outcome = core.end_user_sessions(id);
    write_string_field(writer, "internalWaveUserID", outcome.internal_id);
    writer.Key("sessionEnded");
    writer.Bool(outcome.session_ended);
    writer.Key("passhashRetired");
    writer.Bool(outcome.passhash_retired);
  });
}

// ---- broker-side checks -----------------------------------------------------------------

WAVE_API wave_status wave_service_authorize_register(wave_service* service, const char* client_id,
                                                     const char* username, const uint8_t* password,
                                                     size_t password_len, unsigned flags) {
  return guarded([&] {
    require(service, "service");
    require(client_id, "client_id");
    require(username, "username");
    if (password == nullptr && password_len != 0) require(password, "password");
    const wave::CheckMode mode = check_mode(flags);
    const std::string_view secret(reinterpret_cast<const char*>(password), password == nullptr ? 0 : password_len);
    return authorize_result(service->service->authorize_register(client_id, username, secret, mode));
  });
}

WAVE_API wave_status wave_service_authorize_publish(wave_service* service, const char* username, const char* topic,
                                                    unsigned flags) {
  return guarded([&] {
    require(service, "service");
    require(username, "username");
    require(topic, "topic");
    const wave::CheckMode mode = check_mode(flags);
    return authorize_result(service->service->authorize_publish(username, topic, mode));
  });
}

WAVE_API wave_status wave_service_authorize_subscribe(wave_service* service, const char* username,
                                                      const char* const* filters, size_t count, unsigned flags,
                                                      wave_status* results_out) {
  const wave_status status = guarded([&] {
    require(service, "service");
    require(username, "username");
    if (count != 0) require(results_out, "results_out");
    const wave::CheckMode mode = check_mode(flags);
    const auto list = string_array(filters, count, "filters");
    const auto decisions = service->service->authorize_subscribe(username, list, mode);
    for (const auto& decision : decisions)
      if (decision.would_block) return wave::capi::failure(WAVE_ERR_WOULD_BLOCK, decision.reason);
    const char* first_reason = nullptr;
    for (size_t i = 0; i < decisions.size(); ++i) {
      results_out[i] = decisions[i].granted ? WAVE_OK : WAVE_ERR_DENIED;
      if (!decisions[i].granted && first_reason == nullptr) first_reason = decisions[i].reason;
    }
    if (first_reason != nullptr) return wave::capi::failure(WAVE_ERR_DENIED, first_reason);
    return WAVE_OK;
  });
  if (status != WAVE_OK && status != WAVE_ERR_DENIED && results_out != nullptr)
    for (size_t i = 0; i < count; ++i) results_out[i] = status;
  return status;
}

WAVE_API wave_status wave_service_sweep_expired(wave_service* service, size_t max, size_t* claimed_out,
                                                size_t* renewed_out, size_t* retired_out) {
  for (size_t* out : {claimed_out, renewed_out, retired_out})
    if (out != nullptr) *out = 0;
  return guarded([&] {
    require(service, "service");
    const wave::SweepOutcome outcome = service->service->sweep_expired(max);
    if (claimed_out != nullptr) *claimed_out = outcome.claimed;
    if (renewed_out != nullptr) *renewed_out = outcome.renewed;
    if (retired_out != nullptr) *retired_out = outcome.retired;
    return WAVE_OK;
  });
}

WAVE_API wave_status wave_service_listen_invalidations(wave_service* service, wave_invalidation_callback callback,
                                                       void* userdata) {
  return guarded([&] {
    require(service, "service");
    std::unique_lock lock(service->invalidation_mutex);
    service->invalidation_callback = callback;
    service->invalidation_userdata = userdata;
    if (service->listening) return WAVE_OK;  // the running listener calls the new callback
    service->listening = true;
    lock.unlock();
    try {
      service->service->listen_invalidations([service](wave::InvalidationKind kind, std::string_view internal_id) {
        std::lock_guard held(service->invalidation_mutex);
        if (service->invalidation_callback == nullptr) return;
        const std::string id(internal_id);
        service->invalidation_callback(
            kind == wave::InvalidationKind::credential ? WAVE_INVALIDATION_CREDENTIAL : WAVE_INVALIDATION_ACL, id.c_str(),
            service->invalidation_userdata);
      });
    } catch (...) {
      std::lock_guard undo(service->invalidation_mutex);
      service->listening = false;
      throw;
    }
    return WAVE_OK;
  });
}

}  // extern "C"
