// Cache invalidation messages from arbitrary bytes (they arrive from the network):
// parse_invalidation_message never crashes, accepts exactly what format_invalidation_message
// writes (so an accepted message re-formats to the same bytes), and format either refuses an
// ID with WAVE_ERR_INVALID_ARGUMENT or writes a message that parses back to it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "redis/invalidation_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (const auto parsed = wave::parse_invalidation_message(input)) {
    if (!wave::is_valid_invalidation_id(parsed->internal_id)) std::abort();
    if (wave::format_invalidation_message(parsed->kind, parsed->internal_id) != input) std::abort();
  }

  for (const auto kind : {wave::InvalidationKind::credential, wave::InvalidationKind::acl}) {
    try {
      const std::string message = wave::format_invalidation_message(kind, input);
      const auto back = wave::parse_invalidation_message(message);
      if (!back || back->kind != kind || back->internal_id != input) std::abort();
    } catch (const wave::Error& error) {
      if (error.status() != WAVE_ERR_INVALID_ARGUMENT || wave::is_valid_invalidation_id(input)) std::abort();
    }
  }
  return 0;
}
