// libFuzzer: arbitrary bytes as a bcrypt hash string and a password.  Parsing must refuse
// bad strings with WAVE_ERR_INVALID_ARGUMENT and nothing else; accepted strings must be
// canonical; verification must agree with hashing.
//
// Input layout: byte 0 (mod 80) is the password length, the password follows, and the
// rest is the hash string.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "crypto/bcrypt.hpp"

namespace {

// Costs above this are valid but take too long to run for every input (cost 6 is
// 64 iterations; cost 31 would be hours).
constexpr int kMaxCostToRun = 6;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t password_len = std::min<std::size_t>(data[0] % 80, size - 1);
  const std::string_view password(reinterpret_cast<const char*>(data + 1), password_len);
  const std::string_view hash(reinterpret_cast<const char*>(data + 1 + password_len), size - 1 - password_len);

  wave::BcryptHash parsed;
  try {
    parsed = wave::bcrypt_parse(hash);
  } catch (const wave::Error& error) {
    if (error.status() != WAVE_ERR_INVALID_ARGUMENT) std::abort();
    // verify must refuse exactly what parse refuses, before doing any work.
    try {
      wave::bcrypt_verify(password, hash);
    } catch (const wave::Error& again) {
      if (again.status() == WAVE_ERR_INVALID_ARGUMENT) return 0;
    }
    std::abort();
  }
  if (parsed.cost < wave::kBcryptMinCost || parsed.cost > wave::kBcryptMaxCost) std::abort();
  // Accepted strings are canonical: formatting what was parsed gives them back exactly.
  if (wave::bcrypt_format(parsed) != hash) std::abort();
  if (parsed.cost > kMaxCostToRun) return 0;

  const bool match = wave::bcrypt_verify(password, hash);
  // Where hashing is allowed, verifying means "hashing with this salt gives this string".
  const std::string_view used = password.substr(0, std::min(password.size(), wave::kBcryptMaxPassword));
  if (used.find('\0') == std::string_view::npos) {
    const std::string recomputed = wave::bcrypt_hash_with_salt(used, parsed.cost, parsed.prefix, parsed.salt);
    if (match != (recomputed == hash)) std::abort();
  } else if (match) {
    std::abort();  // a NUL within the first 72 bytes never matches
  }
  return 0;
}
