// wave_mosquitto.so: Wave's checks inside Mosquitto 2 (plugin API v5), on libwave's public
// C API only.
//
//   plugin /usr/lib/wave_mosquitto.so
//   plugin_opt_config /etc/wave/config.json     (required: the Wave config file)
//   plugin_opt_app_fallback false               (optional, default false)
//
// MOSQ_EVT_BASIC_AUTH -> wave_service_authorize_register; MOSQ_EVT_ACL_CHECK: SUBSCRIBE ->
// authorize_subscribe, WRITE -> authorize_publish, READ (every delivery) -> the topic must
// be one the user may subscribe to, so a member removed from a group stops receiving at
// once.  Mosquitto runs plugins on its only thread: every check is first answered from the
// in-process cache, and only a miss goes to Redis/MongoDB (bounded by the config's
// redisTimeoutMs / mongoTimeoutMs: keep them short).  The app endpoint is never asked from
// inside the broker unless app_fallback is on.  Every fault refuses.
//
// Revocation: the plugin listens on Wave's invalidation channel; a revoke or rotation
// made anywhere queues the user's internal ID, and the next MOSQ_EVT_TICK (the broker's own
// thread) disconnects that user's clients.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <wave/wave.h>

#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Plugin {
  mosquitto_plugin_id_t* identifier = nullptr;
  wave_config* config = nullptr;
  wave_service* service = nullptr;
  unsigned blocking_flags = WAVE_CHECK_NO_APP;
  std::mutex kick_mutex;
  std::vector<std::string> kick_queue;  // internal IDs whose clients must go
};

// A check answered from the in-process cache when it can be; otherwise once more with the
// backends (a fault or WOULD_BLOCK never grants).
template <typename Check>
wave_status check_cached_first(const Plugin& plugin, Check&& check) {
  const wave_status cached = check(WAVE_CHECK_CACHED_ONLY);
  if (cached != WAVE_ERR_WOULD_BLOCK) return cached;
  return check(plugin.blocking_flags);
}

void log_fault(const char* what, wave_status status) {
  // wave_last_error_message() never holds a secret.
  mosquitto_log_printf(MOSQ_LOG_WARNING, "wave: %s refused on a fault: %s: %s", what, wave_status_str(status),
                       wave_last_error_message());
}

int on_basic_auth(int, void* event_data, void* userdata) {
  auto& plugin = *static_cast<Plugin*>(userdata);
  const auto* event = static_cast<const mosquitto_evt_basic_auth*>(event_data);
  const char* client_id = mosquitto_client_id(event->client);
  if (client_id == nullptr || event->username == nullptr || event->password == nullptr) return MOSQ_ERR_AUTH;
  const auto* password = reinterpret_cast<const uint8_t*>(event->password);
  const size_t password_len = std::strlen(event->password);
  const wave_status status = check_cached_first(plugin, [&](unsigned flags) {
    return wave_service_authorize_register(plugin.service, client_id, event->username, password, password_len,
                                           flags);
  });
  if (status == WAVE_OK) return MOSQ_ERR_SUCCESS;
  if (status != WAVE_ERR_DENIED) log_fault("a CONNECT", status);
  return MOSQ_ERR_AUTH;
}

int on_acl_check(int, void* event_data, void* userdata) {
  auto& plugin = *static_cast<Plugin*>(userdata);
  const auto* event = static_cast<const mosquitto_evt_acl_check*>(event_data);
  const char* username = mosquitto_client_username(event->client);
  if (username == nullptr || event->topic == nullptr) return MOSQ_ERR_ACL_DENIED;
  wave_status status = WAVE_ERR_DENIED;
  switch (event->access) {
    case MOSQ_ACL_UNSUBSCRIBE:
      return MOSQ_ERR_SUCCESS;  // giving up a subscription needs no permission
    case MOSQ_ACL_WRITE:
      status = check_cached_first(plugin, [&](unsigned flags) {
        return wave_service_authorize_publish(plugin.service, username, event->topic, flags);
      });
      break;
    case MOSQ_ACL_SUBSCRIBE:
    case MOSQ_ACL_READ: {
      // READ: the delivered topic must be one of the user's subscriptions' patterns (a topic
      // name is a filter without wildcards), so a revoked grant stops deliveries at once.
      const char* const filters[] = {event->topic};
      wave_status result = WAVE_ERR_DENIED;
      status = check_cached_first(plugin, [&](unsigned flags) {
        return wave_service_authorize_subscribe(plugin.service, username, filters, 1, flags, &result);
      });
      break;
    }
    default:
      return MOSQ_ERR_ACL_DENIED;
  }
  if (status == WAVE_OK) return MOSQ_ERR_SUCCESS;
  if (status != WAVE_ERR_DENIED) log_fault("an ACL check", status);
  return MOSQ_ERR_ACL_DENIED;
}

// Runs on the broker's thread, the only one allowed to kick clients.
int on_tick(int, void*, void* userdata) {
  auto& plugin = *static_cast<Plugin*>(userdata);
  std::vector<std::string> users;
  {
    std::lock_guard lock(plugin.kick_mutex);
    users.swap(plugin.kick_queue);
  }
  for (const std::string& user : users) mosquitto_kick_client_by_username(user.c_str(), false);
  return MOSQ_ERR_SUCCESS;
}

// Runs on libwave's listener thread: only queues.
void on_invalidation(wave_invalidation_kind kind, const char* internal_id, void* userdata) {
  if (kind != WAVE_INVALIDATION_CREDENTIAL || internal_id == nullptr) return;
  auto& plugin = *static_cast<Plugin*>(userdata);
  std::lock_guard lock(plugin.kick_mutex);
  plugin.kick_queue.emplace_back(internal_id);
}

bool parse_bool(std::string_view text, bool& out) {
  if (text == "true" || text == "on" || text == "1") return out = true, true;
  if (text == "false" || text == "off" || text == "0") return out = false, true;
  return false;
}

void unregister_callbacks(const Plugin& plugin) {
  // Unregistering a callback that was never registered is harmless.
  mosquitto_callback_unregister(plugin.identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr);
  mosquitto_callback_unregister(plugin.identifier, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr);
  mosquitto_callback_unregister(plugin.identifier, MOSQ_EVT_TICK, on_tick, nullptr);
}

void release(Plugin* plugin) {
  if (plugin == nullptr) return;
  wave_service_free(plugin->service);  // stops the listener thread first
  wave_config_free(plugin->config);
  delete plugin;
}

int fail_init(Plugin* plugin, const char* what) {
  mosquitto_log_printf(MOSQ_LOG_ERR, "wave: %s", what);
  release(plugin);
  return MOSQ_ERR_INVAL;
}

}  // namespace

// The three entry points Mosquitto looks up; everything else stays hidden.
#define WAVE_PLUGIN_ENTRY __attribute__((visibility("default")))

extern "C" {

WAVE_PLUGIN_ENTRY int mosquitto_plugin_version(int supported_version_count, const int* supported_versions) {
  for (int i = 0; i < supported_version_count; ++i)
    if (supported_versions[i] == 5) return 5;
  return -1;
}

WAVE_PLUGIN_ENTRY int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata, struct mosquitto_opt* options,
                          int option_count) {
  auto* plugin = new (std::nothrow) Plugin;
  if (plugin == nullptr) return MOSQ_ERR_NOMEM;
  plugin->identifier = identifier;
  const char* config_path = nullptr;
  for (int i = 0; i < option_count; ++i) {
    const std::string_view key = options[i].key ? options[i].key : "";
    const char* value = options[i].value ? options[i].value : "";
    if (key == "config") {
      config_path = value;
    } else if (key == "app_fallback") {
      bool fallback = false;
      if (!parse_bool(value, fallback)) return fail_init(plugin, "plugin_opt_app_fallback must be true or false");
      plugin->blocking_flags = fallback ? 0u : WAVE_CHECK_NO_APP;
    } else {
      mosquitto_log_printf(MOSQ_LOG_ERR, "wave: unknown option plugin_opt_%s (known: config, app_fallback)",
                           options[i].key ? options[i].key : "");
      release(plugin);
      return MOSQ_ERR_INVAL;
    }
  }
  if (config_path == nullptr || *config_path == '\0')
    return fail_init(plugin, "plugin_opt_config (the Wave config file) is required");
  if (wave_config_load(config_path, &plugin->config) != WAVE_OK) return fail_init(plugin, wave_last_error_message());
  if (wave_service_new(plugin->config, &plugin->service) != WAVE_OK)
    return fail_init(plugin, wave_last_error_message());
  if (wave_service_listen_invalidations(plugin->service, on_invalidation, plugin) != WAVE_OK)
    return fail_init(plugin, wave_last_error_message());
  if (mosquitto_callback_register(identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr, plugin) != MOSQ_ERR_SUCCESS ||
      mosquitto_callback_register(identifier, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr, plugin) != MOSQ_ERR_SUCCESS ||
      mosquitto_callback_register(identifier, MOSQ_EVT_TICK, on_tick, nullptr, plugin) != MOSQ_ERR_SUCCESS)
  {
    unregister_callbacks(*plugin);
    return fail_init(plugin, "could not register the plugin's callbacks");
  }
  *userdata = plugin;
  mosquitto_log_printf(MOSQ_LOG_INFO, "wave: plugin ready (libwave %s)", wave_version_string());
  return MOSQ_ERR_SUCCESS;
}

WAVE_PLUGIN_ENTRY int mosquitto_plugin_cleanup(void* userdata, struct mosquitto_opt*, int) {
  auto* plugin = static_cast<Plugin*>(userdata);
  if (plugin == nullptr) return MOSQ_ERR_SUCCESS;
  unregister_callbacks(*plugin);
  release(plugin);
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
