// The bcrypt section of <wave/wave_crypto.h>: a thin layer over crypto/bcrypt.hpp.
#include <cstring>
#include <string_view>

#include <wave/wave_crypto.h>

#include "capi/guard.hpp"
#include "crypto/bcrypt.hpp"

namespace {

static_assert(WAVE_BCRYPT_HASH_SIZE == wave::kBcryptHashLength + 1);
static_assert(WAVE_BCRYPT_MAX_PASSWORD == wave::kBcryptMaxPassword);
static_assert(WAVE_BCRYPT_MIN_COST == wave::kBcryptMinCost);
static_assert(WAVE_BCRYPT_MAX_COST == wave::kBcryptMaxCost);

wave::BcryptPrefix to_prefix(wave_bcrypt_prefix prefix) {
  switch (prefix) {
    case WAVE_BCRYPT_2A: return wave::BcryptPrefix::k2a;
    case WAVE_BCRYPT_2B: return wave::BcryptPrefix::k2b;
    case WAVE_BCRYPT_2Y: return wave::BcryptPrefix::k2y;
  }
  wave::fail(WAVE_ERR_INVALID_ARGUMENT,
             "unknown bcrypt prefix " + std::to_string(static_cast<int>(prefix)));
}

std::string_view bytes_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace

extern "C" {

WAVE_API wave_status wave_bcrypt_hash_with_prefix(const uint8_t* password, size_t password_len, int cost,
                                                  wave_bcrypt_prefix prefix,
                                                  char out[WAVE_BCRYPT_HASH_SIZE]) {
  return wave::capi::guarded([&]() -> wave_status {
    if (out != nullptr) out[0] = '\0';
    wave::capi::require(password, "password");
    wave::capi::require(out, "out");
    const std::string hash = wave::bcrypt_hash(bytes_view(password, password_len), cost, to_prefix(prefix));
    std::memcpy(out, hash.c_str(), hash.size() + 1);
    return WAVE_OK;
  });
}

WAVE_API wave_status wave_bcrypt_hash(const uint8_t* password, size_t password_len, int cost,
                                      char out[WAVE_BCRYPT_HASH_SIZE]) {
  return wave_bcrypt_hash_with_prefix(password, password_len, cost, WAVE_BCRYPT_2A, out);
}

WAVE_API wave_status wave_bcrypt_verify(const uint8_t* password, size_t password_len, const char* hash) {
  return wave::capi::guarded([&]() -> wave_status {
    wave::capi::require(password, "password");
    wave::capi::require(hash, "hash");
    // Look no further than one byte past a valid hash: a longer string is malformed
    // whatever follows, and the scan stays bounded.
    size_t hash_len = 0;
    while (hash_len < WAVE_BCRYPT_HASH_SIZE && hash[hash_len] != '\0') ++hash_len;
    if (wave::bcrypt_verify(bytes_view(password, password_len), std::string_view(hash, hash_len)))
      return WAVE_OK;
    return wave::capi::failure(WAVE_ERR_DENIED, "password does not match the bcrypt hash");
  });
}

}  // extern "C"
