// UUIDv4 (RFC 9562) from OpenSSL's CSPRNG, canonical lowercase form.
#pragma once

#include <string>

#include "common/uuid_format.hpp"  // is_canonical_uuid()

namespace wave {

// A new random UUID, e.g. "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b".
std::string uuid_v4();

}  // namespace wave
