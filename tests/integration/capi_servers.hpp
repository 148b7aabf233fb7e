// Helpers for the integration tests that drive wave_service handles through the public C API
// on the real servers (several handles on one Redis and FerretDB act as several processes).
#pragma once

#include <doctest/doctest.h>

#include <wave/wave.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "integration/test_servers.hpp"

namespace wave_test {

// "<prefix>_<tag>_<8 hex digits>": a Redis key prefix and a MongoDB database no other test uses.
inline std::string unique_name(const char* prefix, const char* tag) {
  char id[WAVE_UUID_STRING_SIZE];
  REQUIRE(wave_uuid_v4(id) == WAVE_OK);
  return std::string(prefix) + "_" + tag + "_" + std::string(id, 8);
}

// A handle on the fixture's app, Redis and FerretDB, its keys and database named `name`;
// `extra` holds further config members, each followed by a comma.
inline wave_service* open_capi_service(const std::string& name, const char* storage = "servers",
                                       const std::string& extra = "") {
  const std::string json =
      "{" + extra + "\"authenticationCheckEndpoint\":\"" + fixture_uri("app") +
      "\",\"tokenValidationRegex\":\"[A-Za-z0-9:_.-]{1,200}\",\"bcryptCost\":4,\"storage\":\"" + storage +
      "\",\"redisURI\":\"" + fixture_uri("redis") + "\",\"redisKeyPrefix\":\"" + name + ":\",\"mongoURI\":\"" +
      fixture_uri("mongo") + "\",\"mongoDatabase\":\"" + name + "\"}";
  wave_config* config = nullptr;
  REQUIRE(wave_config_parse(json.data(), json.size(), "test", &config) == WAVE_OK);
  wave_service* service = nullptr;
  const wave_status status = wave_service_new(config, &service);
  wave_config_free(config);
  REQUIRE(status == WAVE_OK);
  return service;
}

// What an invalidation listener was told, waited for with a deadline.
struct Heard {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<wave_invalidation_kind, std::string>> events;

  static void record(wave_invalidation_kind kind, const char* internal_id, void* userdata) {
    auto& self = *static_cast<Heard*>(userdata);
    {
      std::lock_guard lock(self.mutex);
      self.events.emplace_back(kind, internal_id);
    }
    self.changed.notify_all();
  }

  bool wait_for(wave_invalidation_kind kind, const std::string& id, std::chrono::milliseconds within) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, within, [&] {
      for (const auto& [k, i] : events)
        if (k == kind && i == id) return true;
      return false;
    });
  }
};

// A logged-in user's MQTT credentials.
struct Login {
  std::string internal_id;
  std::string password;
};

inline Login login(wave_service* service, const std::string& token) {
  wave_credentials* credentials = nullptr;
  REQUIRE(wave_service_login(service, reinterpret_cast<const uint8_t*>(token.data()), token.size(), &credentials) ==
          WAVE_OK);
  Login result{wave_credentials_internal_id(credentials), wave_credentials_password(credentials)};
  wave_credentials_free(credentials);
  return result;
}

// A CONNECT as the user (client ID = username = internal ID) with `password`.
inline wave_status connect(wave_service* service, const std::string& internal_id, const std::string& password,
                           unsigned flags) {
  return wave_service_authorize_register(service, internal_id.c_str(), internal_id.c_str(),
                                         reinterpret_cast<const uint8_t*>(password.data()), password.size(), flags);
}

inline wave_status connect(wave_service* service, const Login& user, unsigned flags) {
  return connect(service, user.internal_id, user.password, flags);
}

}  // namespace wave_test
