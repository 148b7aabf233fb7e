// Wave's topic scheme: the ACL patterns each user gets, sender identification from a
// received topic, and a precompiled authorizer over a user's ACL patterns.
//
// Scheme (see docs/topics.md for the trust argument):
//   private: publish  conversations/private/<me>/+     subscribe conversations/private/+/<me>
//   group:   publish  conversations/group/<gid>/<me>   subscribe conversations/group/<gid>/+
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "topic/topic.hpp"

namespace wave::acl {

// A user's ACL patterns, in the order they go into the vmq_acl_auth document.
struct Patterns {
  std::vector<std::string> publish;
  std::vector<std::string> subscribe;
};

// True for a canonical lowercase UUID (8-4-4-4-12 hex digits, lowercase): Wave's internal IDs.
bool is_valid_user_id(std::string_view id) noexcept;

// True for a canonical lowercase UUID or an app-supplied ID of [A-Za-z0-9_-]{1,64}.
// Neither form can contain '/', '+', '#', '$' or NUL, so a group ID is always one plain level.
bool is_valid_group_id(std::string_view gid) noexcept;

// The patterns of a user's private conversations. Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT)
// when internal_id is not a valid user ID.
Patterns private_patterns(std::string_view internal_id);

// The patterns of a user's membership of a group. Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT)
// when group_id or internal_id is not valid.
Patterns group_patterns(std::string_view group_id, std::string_view internal_id);

// True for a pattern in Wave's group namespace (conversations/group/...): the patterns that
// follow group memberships, as opposed to the private ones and any an operator added.
bool is_group_pattern(std::string_view pattern) noexcept;

// ---- Pattern-set arithmetic over pattern lists (the document's arrays keep their order).
// Each is O((N + M) log) at worst: hash sets, never one scan of a list per item.

// The patterns of `wanted` that `have` lacks, each once, in `wanted`'s order.
std::vector<std::string> missing_from(const std::vector<std::string>& wanted, const std::vector<std::string>& have);

// Appends to `set` the `values` it lacks, each once, in `values`' order ($addToSet).
void add_to_set(std::vector<std::string>& set, const std::vector<std::string>& values);

// Removes from `set` every item that `values` holds ($pullAll), keeping the order of the rest.
void pull_all(std::vector<std::string>& set, const std::vector<std::string>& values);

// The group patterns of `have` that `keep` lacks (in `have`'s order): what a document holds
// of groups it no longer belongs to.
std::vector<std::string> stale_group_patterns(const std::vector<std::string>& have,
                                              const std::vector<std::string>& keep);

enum class ConversationKind { private_chat, group };

// Who sent a message, learned from its topic alone. For private_chat, `recipient` is set and
// `group` is empty; for group, `group` is set and `recipient` is empty.
struct Sender {
  ConversationKind kind;
  std::string sender;
  std::string recipient;
  std::string group;
};

// Identifies the sender of a message received on `topic`. Accepts only topics the scheme
// produces: conversations/private/<uuid>/<uuid> and conversations/group/<gid>/<uuid>.
// Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT) for anything else.
Sender identify_sender(std::string_view topic);

// Answers publish and subscribe questions for one user's ACL patterns. The patterns are
// validated and compiled once, in the constructor; the const methods allocate nothing and
// are safe to call from many threads at once.
class Authorizer {
 public:
  // Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT) when a pattern is not a valid topic filter
  // (a $share/... pattern is refused too: ACL patterns are plain filters), when a pattern
  // has more than max_depth levels, or when max_depth is negative. max_depth 0 means no limit.
  Authorizer(const std::vector<std::string>& publish_patterns,
             const std::vector<std::string>& subscribe_patterns,
             int max_depth = static_cast<int>(topic::kDefaultMaxDepth));

  // True when `topic` is a valid topic name (within max_depth) matched by a publish pattern.
  bool may_publish(std::string_view topic) const noexcept;

  // True when `filter` is a valid filter (within max_depth) and one subscribe pattern covers
  // it strictly (topic::covers). For $share/<group>/<f>, the check applies to <f>.
  bool may_subscribe(std::string_view filter) const noexcept;

  std::size_t max_depth() const noexcept { return max_depth_; }

 private:
  topic::FilterSet publish_;
  topic::FilterSet subscribe_;
  std::size_t max_depth_;
};

}  // namespace wave::acl
