// Random bytes from OpenSSL's CSPRNG (RAND_bytes), the only randomness Wave uses for
// salts, UUIDs and credential IDs.
#pragma once

#include <cstddef>

namespace wave {

// Fills `out` with `size` unpredictable bytes; throws wave::Error(WAVE_ERR_INTERNAL) when
// the CSPRNG fails (never returns weak randomness).
void random_bytes(void* out, std::size_t size);

}  // namespace wave
