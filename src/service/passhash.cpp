#include "service/passhash.hpp"

#include "common/error.hpp"
#include "crypto/bcrypt.hpp"

namespace wave::service_detail {

std::string make_passhash(std::string_view password, int cost) {
  return bcrypt_hash(password, cost, BcryptPrefix::k2a);
}

bool passhash_matches(std::string_view password, std::string_view passhash) {
  try {
    return bcrypt_verify(password, passhash);
  } catch (const Error& error) {
    if (error.status() == WAVE_ERR_INVALID_ARGUMENT) return false;  // not a usable hash: no match
    throw;
  }
}

}  // namespace wave::service_detail
