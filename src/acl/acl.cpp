#include "acl/acl.hpp"

#include <unordered_set>

#include "common/error.hpp"
#include "common/uuid_format.hpp"

namespace wave::acl {
namespace {

constexpr std::string_view kPrivatePrefix = "conversations/private/";
constexpr std::string_view kGroupPrefix = "conversations/group/";
constexpr std::size_t kMaxGroupIdLength = 64;

bool is_group_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

void require_user_id(std::string_view id, const char* what) {
  if (!is_valid_user_id(id)) {
    fail(WAVE_ERR_INVALID_ARGUMENT,
         std::string(what) + " must be a canonical lowercase UUID (8-4-4-4-12 hex digits)");
  }
}

void require_group_id(std::string_view gid) {
  if (!is_valid_group_id(gid)) {
    fail(WAVE_ERR_INVALID_ARGUMENT,
         "group ID must be a canonical lowercase UUID or 1 to 64 characters of [A-Za-z0-9_-]");
  }
}

std::size_t checked_depth(int max_depth) {
  if (max_depth < 0) fail(WAVE_ERR_INVALID_ARGUMENT, "maximum topic depth must not be negative");
  return static_cast<std::size_t>(max_depth);
}

[[noreturn]] void outside_scheme(const std::string& why) {
  fail(WAVE_ERR_INVALID_ARGUMENT, "topic is outside Wave's conversation scheme: " + why);
}

}  // namespace

bool is_valid_user_id(std::string_view id) noexcept { return is_canonical_uuid(id); }

bool is_valid_group_id(std::string_view gid) noexcept {
  if (is_valid_user_id(gid)) return true;
  if (gid.empty() || gid.size() > kMaxGroupIdLength) return false;
  for (const char c : gid) {
    if (!is_group_char(c)) return false;
  }
  return true;
}

Patterns private_patterns(std::string_view internal_id) {
  require_user_id(internal_id, "internal ID");
  const std::string me(internal_id);
  return {{std::string(kPrivatePrefix) + me + "/+"}, {std::string(kPrivatePrefix) + "+/" + me}};
}

bool is_group_pattern(std::string_view pattern) noexcept { return pattern.starts_with(kGroupPrefix); }

namespace {
using PatternSet = std::unordered_set<std::string_view>;

PatternSet set_of(const std::vector<std::string>& items) {
  PatternSet set;
  set.reserve(items.size());
  for (const auto& item : items) set.insert(item);
  return set;
}
}  // namespace

std::vector<std::string> missing_from(const std::vector<std::string>& wanted, const std::vector<std::string>& have) {
  PatternSet seen = set_of(have);
  std::vector<std::string> result;
  for (const auto& item : wanted)
    if (seen.insert(item).second) result.push_back(item);
  return result;
}

void add_to_set(std::vector<std::string>& set, const std::vector<std::string>& values) {
  // The new items are copied first: growing `set` would move the strings the views name.
  std::vector<std::string> added = missing_from(values, set);
  set.reserve(set.size() + added.size());
  for (auto& item : added) set.push_back(std::move(item));
}

void pull_all(std::vector<std::string>& set, const std::vector<std::string>& values) {
  const PatternSet gone = set_of(values);
  std::erase_if(set, [&](const std::string& item) { return gone.contains(item); });
}

std::vector<std::string> stale_group_patterns(const std::vector<std::string>& have,
                                              const std::vector<std::string>& keep) {
  const PatternSet kept = set_of(keep);
  std::vector<std::string> result;
  for (const auto& pattern : have)
    if (is_group_pattern(pattern) && !kept.contains(pattern)) result.push_back(pattern);
  return result;
}

Patterns group_patterns(std::string_view group_id, std::string_view internal_id) {
  require_group_id(group_id);
  require_user_id(internal_id, "internal ID");
  const std::string group = std::string(kGroupPrefix) + std::string(group_id) + "/";
  // Exactly <gid>/<me>, no trailing "/+": members subscribe to <gid>/+, which matches only
  // 4-level topics, and a deeper publish grant would carry no sender trust (docs/topics.md).
  return {{group + std::string(internal_id)}, {group + "+"}};
}

Sender identify_sender(std::string_view topic) {
  ConversationKind kind;
  std::string_view rest;
  if (topic.starts_with(kPrivatePrefix)) {
    kind = ConversationKind::private_chat;
    rest = topic.substr(kPrivatePrefix.size());
  } else if (topic.starts_with(kGroupPrefix)) {
    kind = ConversationKind::group;
    rest = topic.substr(kGroupPrefix.size());
  } else {
    outside_scheme("expected conversations/private/... or conversations/group/...");
  }
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) outside_scheme("expected 4 levels");
  const std::string_view third = rest.substr(0, slash);
  const std::string_view fourth = rest.substr(slash + 1);
  // A further '/' would make a fifth level; the ID checks below also refuse it.
  if (fourth.find('/') != std::string_view::npos) outside_scheme("expected 4 levels");
  Sender result{kind, {}, {}, {}};
  if (kind == ConversationKind::private_chat) {
    if (!is_valid_user_id(third)) outside_scheme("the sender level is not a Wave user ID");
    if (!is_valid_user_id(fourth)) outside_scheme("the recipient level is not a Wave user ID");
    result.sender = std::string(third);
    result.recipient = std::string(fourth);
  } else {
    if (!is_valid_group_id(third)) outside_scheme("the group level is not a valid group ID");
    if (!is_valid_user_id(fourth)) outside_scheme("the sender level is not a Wave user ID");
    result.group = std::string(third);
    result.sender = std::string(fourth);
  }
  return result;
}

Authorizer::Authorizer(const std::vector<std::string>& publish_patterns,
                       const std::vector<std::string>& subscribe_patterns, int max_depth)
    : max_depth_(checked_depth(max_depth)) {
  publish_ = topic::FilterSet(publish_patterns, max_depth_);
  subscribe_ = topic::FilterSet(subscribe_patterns, max_depth_);
}

bool Authorizer::may_publish(std::string_view topic) const noexcept {
  return topic::is_valid_name(topic, max_depth_) && publish_.any_matches(topic);
}

bool Authorizer::may_subscribe(std::string_view filter) const noexcept {
  if (!topic::is_valid_filter(filter, max_depth_)) return false;
  return subscribe_.any_covers(topic::split_shared(filter).filter);
}

}  // namespace wave::acl
