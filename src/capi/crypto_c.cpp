// C API: UUIDv4 and the MQTT password scheme (bcrypt is in bcrypt_c.cpp).
#include <wave/wave.h>

#include <cstring>
#include <string>
#include <string_view>

#include "capi/guard.hpp"
#include "crypto/password.hpp"
#include "crypto/uuid.hpp"

using wave::capi::guarded;
using wave::capi::require;

namespace {

bool to_scheme(wave_password_scheme scheme, wave::PasswordScheme& out) {
  switch (scheme) {
    case WAVE_PASSWORD_AUTO: out = wave::PasswordScheme::automatic; return true;
    case WAVE_PASSWORD_TOKEN: out = wave::PasswordScheme::token; return true;
    case WAVE_PASSWORD_SHA256: out = wave::PasswordScheme::sha256; return true;
  }
  return false;
}

}  // namespace

extern "C" {

WAVE_API wave_status wave_uuid_v4(char out[WAVE_UUID_STRING_SIZE]) {
  return guarded([&] {
    require(out, "out");
    out[0] = '\0';
    const std::string uuid = wave::uuid_v4();
    std::memcpy(out, uuid.c_str(), uuid.size() + 1);
    return WAVE_OK;
  });
}

WAVE_API int wave_uuid_is_canonical(const char* text) {
  return text != nullptr && wave::is_canonical_uuid(text) ? 1 : 0;
}

WAVE_API wave_status wave_mqtt_password(const uint8_t* token, size_t token_len, wave_password_scheme scheme,
                                        char out[WAVE_MQTT_PASSWORD_SIZE], size_t* out_len) {
  if (out != nullptr) out[0] = '\0';
  if (out_len != nullptr) *out_len = 0;
  return guarded([&] {
    require(out, "out");
    if (token == nullptr && token_len != 0) require(token, "token");
    wave::PasswordScheme parsed;
    if (!to_scheme(scheme, parsed)) wave::fail(WAVE_ERR_INVALID_ARGUMENT, "unknown MQTT password scheme");
    const std::string password =
        wave::mqtt_password(std::string_view(reinterpret_cast<const char*>(token), token == nullptr ? 0 : token_len), parsed);
    std::memcpy(out, password.c_str(), password.size() + 1);  // at most 72 bytes by construction
    if (out_len != nullptr) *out_len = password.size();
    return WAVE_OK;
  });
}

WAVE_API wave_status wave_password_scheme_parse(const char* name, wave_password_scheme* out) {
  return guarded([&] {
    require(name, "name");
    require(out, "out");
    const std::string_view text(name);
    if (text == "auto") *out = WAVE_PASSWORD_AUTO;
    else if (text == "token") *out = WAVE_PASSWORD_TOKEN;
    else if (text == "sha256") *out = WAVE_PASSWORD_SHA256;
    else wave::fail(WAVE_ERR_INVALID_ARGUMENT, "unknown MQTT password scheme (expected auto, token or sha256)");
    return WAVE_OK;
  });
}

WAVE_API const char* wave_password_scheme_name(wave_password_scheme scheme) {
  wave::PasswordScheme parsed;
  if (!to_scheme(scheme, parsed)) return nullptr;
  return wave::password_scheme_name(parsed).data();  // static, NUL-terminated literals
}

}  // extern "C"
