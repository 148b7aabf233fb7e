#include "redis/invalidation_message.hpp"

#include "common/error.hpp"

namespace wave {

std::string_view invalidation_kind_name(InvalidationKind kind) noexcept {
  return kind == InvalidationKind::credential ? "credential" : "acl";
}

bool is_valid_invalidation_id(std::string_view internal_id) noexcept {
  if (internal_id.empty() || internal_id.size() > kMaxInvalidationIdSize) return false;
  for (const char c : internal_id) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                         c == '_' || c == '.';
    if (!allowed) return false;
  }
  return true;
}

std::string format_invalidation_message(InvalidationKind kind, std::string_view internal_id) {
  if (!is_valid_invalidation_id(internal_id)) {
    fail(WAVE_ERR_INVALID_ARGUMENT, "an invalidation names an internal ID of 1 to " +
                                        std::to_string(kMaxInvalidationIdSize) +
                                        " letters, digits, '-', '_' or '.'; this one is not");
  }
  std::string message(invalidation_kind_name(kind));
  message.push_back(':');
  message.append(internal_id);
  return message;
}

std::optional<Invalidation> parse_invalidation_message(std::string_view message) {
  const auto separator = message.find(':');
  if (separator == std::string_view::npos) return std::nullopt;
  const std::string_view kind_name = message.substr(0, separator);
  const std::string_view internal_id = message.substr(separator + 1);
  if (!is_valid_invalidation_id(internal_id)) return std::nullopt;  // also refuses a second ':'
  for (const InvalidationKind kind : {InvalidationKind::credential, InvalidationKind::acl}) {
    if (kind_name == invalidation_kind_name(kind)) return Invalidation{kind, std::string(internal_id)};
  }
  return std::nullopt;
}

}  // namespace wave
