// The text form of a UUID, shared by the UUID generator (crypto) and Wave's user IDs (acl).
#pragma once

#include <cstddef>
#include <string_view>

namespace wave {

// True for 36-char "8-4-4-4-12" lowercase hex (any version/variant): the canonical form,
// and exactly Wave's internal user IDs.
inline bool is_canonical_uuid(std::string_view text) noexcept {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace wave
