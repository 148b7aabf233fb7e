#include "crypto/random.hpp"

#include <climits>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "common/error.hpp"

namespace wave {

void random_bytes(void* out, std::size_t size) {
  auto* bytes = static_cast<unsigned char*>(out);
  while (size > 0) {
    const int chunk = size > INT_MAX ? INT_MAX : static_cast<int>(size);
    if (RAND_bytes(bytes, chunk) != 1) {
      const unsigned long code = ERR_get_error();
      char reason[256];
      ERR_error_string_n(code, reason, sizeof reason);
      fail(WAVE_ERR_INTERNAL, std::string("OpenSSL's random generator failed: ") + reason);
    }
    bytes += chunk;
    size -= static_cast<std::size_t>(chunk);
  }
}

}  // namespace wave
