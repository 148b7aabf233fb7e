// C API: configuration and the token format check.
#include <wave/wave.h>

#include <string>
#include <string_view>

#include "capi/guard.hpp"
#include "capi/handles.hpp"

using wave::capi::guarded;
using wave::capi::require;

namespace {

wave_status publish_config(wave::Config&& config, wave_config** out) {
  auto handle = std::make_unique<wave_config>();
  handle->config = std::make_shared<const wave::Config>(std::move(config));
  *out = handle.release();
  return WAVE_OK;
}

}  // namespace

extern "C" {

WAVE_API wave_status wave_config_load(const char* path, wave_config** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(out, "out");
    return publish_config(path != nullptr ? wave::load_config_file(path) : wave::load_config_from_environment(), out);
  });
}

WAVE_API wave_status wave_config_parse(const char* json, size_t json_len, const char* origin, wave_config** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(out, "out");
    require(json, "json");
    return publish_config(wave::parse_config(std::string_view(json, json_len), origin != nullptr ? origin : "<string>"), out);
  });
}

WAVE_API void wave_config_free(wave_config* config) { delete config; }

WAVE_API wave_status wave_config_to_json(const wave_config* config, char** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    require(config, "config");
    require(out, "out");
    *out = wave::capi::dup_string(wave::config_to_json(*config->config));
    return WAVE_OK;
  });
}

WAVE_API wave_status wave_token_check(const wave_config* config, const uint8_t* token, size_t token_len) {
  return guarded([&] {
    require(config, "config");
    if (token == nullptr && token_len != 0) require(token, "token");
    const std::string_view text(reinterpret_cast<const char*>(token), token == nullptr ? 0 : token_len);
    config->config->token_validator->check(text);
    return WAVE_OK;
  });
}

}  // extern "C"
