// UUIDv4 (RFC 9562) from OpenSSL's CSPRNG, canonical lowercase form.
#pragma once

#include <string>
#include <string_view>

namespace wave {

// A new random UUID, e.g. "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b".
std::string uuid_v4();

// True for 36-char "8-4-4-4-12" lowercase hex (any version/variant).
bool is_canonical_uuid(std::string_view text) noexcept;

}  // namespace wave
