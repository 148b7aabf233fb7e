// The MQTT password derived from an app token (see wave_mqtt_password in wave_crypto.h),
// and the digests Wave compares instead of running bcrypt on hot paths.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/bcrypt.hpp"  // kBcryptMaxPassword

namespace wave {

// How the MQTT password is derived from the token (wave_password_scheme in the C API).
enum class PasswordScheme { automatic, token, sha256 };


// The MQTT password for `token` under `scheme`.  Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT)
// for a token with a NUL byte, or over 72 bytes under PasswordScheme::token.
std::string mqtt_password(std::string_view token, PasswordScheme scheme);

std::string_view password_scheme_name(PasswordScheme scheme) noexcept;

// SHA-256 of `data`.
std::array<std::uint8_t, 32> sha256(std::string_view data);

// Lowercase hex SHA-256 of `data` (64 chars).
std::string sha256_hex(std::string_view data);

// base64url without padding.
std::string base64url_encode(const std::uint8_t* data, std::size_t size);

}  // namespace wave
