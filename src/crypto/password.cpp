#include "crypto/password.hpp"

#include <openssl/evp.h>

#include "common/error.hpp"

namespace wave {

std::string_view password_scheme_name(PasswordScheme scheme) noexcept {
  switch (scheme) {
    case PasswordScheme::automatic: return "auto";
    case PasswordScheme::token: return "token";
    case PasswordScheme::sha256: return "sha256";
  }
  return "auto";
}

std::array<std::uint8_t, 32> sha256(std::string_view data) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != digest.size())
    fail(WAVE_ERR_INTERNAL, "OpenSSL's SHA-256 failed");
  return digest;
}

std::string sha256_hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto digest = sha256(data);
  std::string text;
  text.reserve(64);
  for (const auto byte : digest) {
    text.push_back(kHex[byte >> 4]);
    text.push_back(kHex[byte & 0x0f]);
  }
  return text;
}

std::string base64url_encode(const std::uint8_t* data, std::size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text;
  text.reserve((size * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t group = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    text.push_back(kAlphabet[(group >> 18) & 63]);
    text.push_back(kAlphabet[(group >> 12) & 63]);
    text.push_back(kAlphabet[(group >> 6) & 63]);
    text.push_back(kAlphabet[group & 63]);
  }
  const std::size_t rest = size - i;
  if (rest > 0) {
    std::uint32_t group = std::uint32_t{data[i]} << 16;
    if (rest == 2) group |= std::uint32_t{data[i + 1]} << 8;
    text.push_back(kAlphabet[(group >> 18) & 63]);
    text.push_back(kAlphabet[(group >> 12) & 63]);
    if (rest == 2) text.push_back(kAlphabet[(group >> 6) & 63]);
  }
  return text;
}

std::string mqtt_password(std::string_view token, PasswordScheme scheme) {
  if (token.find('\0') != std::string_view::npos)
    fail(WAVE_ERR_INVALID_ARGUMENT, "the token contains a NUL byte");
  const auto derived = [&] {
    const auto digest = sha256(token);
    return base64url_encode(digest.data(), digest.size());
  };
  switch (scheme) {
    case PasswordScheme::automatic:
      return token.size() <= kBcryptMaxPassword ? std::string(token) : derived();
    case PasswordScheme::token:
      if (token.size() > kBcryptMaxPassword)
        fail(WAVE_ERR_INVALID_ARGUMENT,
             "the token is " + std::to_string(token.size()) +
                 " bytes long, but mqttPasswordScheme \"token\" allows at most 72 (bcrypt ignores "
                 "the rest, so tokens sharing a 72-byte prefix would pass each other's hash); "
                 "use \"auto\" or \"sha256\"");
      return std::string(token);
    case PasswordScheme::sha256:
      return derived();
  }
  fail(WAVE_ERR_INVALID_ARGUMENT, "unknown MQTT password scheme");
}

}  // namespace wave
