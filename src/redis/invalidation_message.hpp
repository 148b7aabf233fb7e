// The messages of the cache invalidation channel (redis/redis_invalidation.hpp):
// "<kind>:<internal ID>", kind "credential" or "acl".  They arrive from the network, so the
// parser is strict and total: anything but exactly this shape is rejected, never guessed at.
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "store/stores.hpp"  // InvalidationKind

namespace wave {

struct Invalidation {
  InvalidationKind kind;
  std::string internal_id;
};

// The longest internal ID a message may carry (a UUID is 36 bytes).
inline constexpr std::size_t kMaxInvalidationIdSize = 128;

// "credential" or "acl".
std::string_view invalidation_kind_name(InvalidationKind kind) noexcept;

// An internal ID a message may carry: 1 to kMaxInvalidationIdSize bytes of ASCII letters,
// digits, '-', '_' and '.' (UUIDs and every ID the service makes).
bool is_valid_invalidation_id(std::string_view internal_id) noexcept;

// "<kind>:<internal ID>"; WAVE_ERR_INVALID_ARGUMENT when the ID is not valid (the message
// names neither the ID nor its bytes).
std::string format_invalidation_message(InvalidationKind kind, std::string_view internal_id);

// The message's kind and ID; nullopt for anything else (unknown kind, missing or extra
// separator, an invalid ID, any other byte).
std::optional<Invalidation> parse_invalidation_message(std::string_view message);

}  // namespace wave
