#include "admin_api.hpp"

#include <array>
#include <cstddef>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace wave_server {
namespace {

constexpr std::size_t kDigestBytes = 32;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A configured digest as bytes; false when it is not 64 lowercase hex characters.
bool digest_bytes(std::string_view hex, std::array<unsigned char, kDigestBytes>& out) {
  if (hex.size() != 2 * kDigestBytes) return false;
  for (std::size_t i = 0; i < kDigestBytes; ++i) {
    const int high = hex_digit(hex[2 * i]);
    const int low = hex_digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return true;
}

// The key of "Bearer <key>" (the scheme is case-insensitive, RFC 9110 §11.1); "" otherwise.
std::string_view bearer_key(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i]) return {};
  }
  std::string_view rest = authorization.substr(kScheme.size());
  if (rest.front() != ' ') return {};
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

}  // namespace

bool admin_key_accepted(const std::vector<std::string>& digests, std::string_view authorization) {
  if (digests.empty()) return false;
  const std::string_view key = bearer_key(authorization);
  if (key.empty()) return false;
  std::array<unsigned char, kDigestBytes> presented{};
  unsigned int length = 0;
  if (EVP_Digest(key.data(), key.size(), presented.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != kDigestBytes)
    return false;
  // Every digest is compared, whatever matched before, so the time does not say which.
  bool accepted = false;
  for (const auto& hex : digests) {
    std::array<unsigned char, kDigestBytes> expected{};
    if (!digest_bytes(hex, expected)) continue;
    accepted |= CRYPTO_memcmp(presented.data(), expected.data(), kDigestBytes) == 0;
  }
  OPENSSL_cleanse(presented.data(), presented.size());
  return accepted;
}

ApiResponse admin_unauthorized(bool admin_api_configured) {
  return api_error(401, "invalid_admin_key",
                   admin_api_configured ? "the admin API needs an admin key: Authorization: Bearer <key>"
                                        : "the admin API is off: no adminAPIKeys are configured");
}

std::variant<AdminCall, ApiResponse> prepare_admin_call(const RouteMatch& match) {
  if (match.bad_escape || match.params.empty())
    return api_error(400, "bad_request", "a path segment holds a malformed %-escape or a NUL byte");
  AdminCall call;
  call.end_sessions = match.route == Route::admin_user_sessions;
  call.app_user_id = match.params[0];
  return call;
}

ApiResponse execute_admin_call(wave_service* service, const AdminCall& call) {
  char* json = nullptr;
  const wave_status status = call.end_sessions
                                 ? wave_service_end_user_sessions(service, call.app_user_id.c_str(), &json)
                                 : wave_service_describe_user(service, call.app_user_id.c_str(), &json);
  if (status != WAVE_OK) return api_failure(status, wave_last_error_message());
  ApiResponse response = api_content(200, json);
  wave_string_free(json);
  return response;
}

}  // namespace wave_server
