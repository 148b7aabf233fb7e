// MQTT topic names and filters (MQTT 3.1.1 / 5.0 section 4.7): validation, matching, strict
// coverage of one filter by another, shared subscriptions, and compiled filters.
//
// Every function takes a maximum depth (number of levels, counting "$share" and the group of
// a shared subscription, like VerneMQ's topic_max_depth); 0 means no depth limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wave::topic {

inline constexpr std::size_t kDefaultMaxDepth = 10;
inline constexpr std::size_t kNoDepthLimit = 0;
inline constexpr std::size_t kMaxLength = 65535;  // bytes: the MQTT string limit

// Outcome of a question about possibly invalid input.
enum class Answer : int { invalid = -1, no = 0, yes = 1 };

// A topic name: 1..65535 bytes of UTF-8 without U+0000, no '+' or '#', at most max_depth levels.
bool is_valid_name(std::string_view topic, std::size_t max_depth = kDefaultMaxDepth) noexcept;

// A topic filter: like a name, but '+' may fill a whole level and '#' may fill the last level.
// "$share/<group>/<filter>" additionally needs a non-empty group without '+' or '#' and a valid,
// non-shared <filter>.
bool is_valid_filter(std::string_view filter, std::size_t max_depth = kDefaultMaxDepth) noexcept;

// The two parts of a valid filter: `group` is empty unless it is "$share/<group>/<filter>";
// `filter` is what selects topics (<filter> of a shared subscription, else the whole filter).
struct FilterParts {
  std::string_view group;
  std::string_view filter;
};
// Precondition: is_valid_filter(filter, kNoDepthLimit).
FilterParts split_shared(std::string_view filter) noexcept;

// Does `filter` match `topic`? A shared subscription matches what its <filter> matches.
Answer matches(std::string_view filter, std::string_view topic,
               std::size_t max_depth = kDefaultMaxDepth) noexcept;

// Strict coverage: yes when every topic that sub_filter matches is matched by acl_filter.
// Both are checked by their topic-selecting part (see split_shared). The depth limit applies
// to validation only: coverage is decided over topics of any depth (which differs only at
// max_depth 1, where "+" would cover "#"; the answer stays "no").
Answer covers(std::string_view acl_filter, std::string_view sub_filter,
              std::size_t max_depth = kDefaultMaxDepth) noexcept;

// A filter compiled once for matching many topics: matches() neither allocates nor re-parses.
class CompiledFilter {
 public:
  // Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT) for an invalid filter.
  explicit CompiledFilter(std::string_view filter, std::size_t max_depth = kDefaultMaxDepth);

  // Validates `topic` (the same rules as is_valid_name, within this filter's max depth) and
  // matches it. Thread-safe; no allocation.
  Answer matches(std::string_view topic) const noexcept;

  const std::string& text() const noexcept { return text_; }
  std::size_t max_depth() const noexcept { return max_depth_; }

 private:
  enum class Op : std::uint8_t { literal, plus, hash_tail, hash_all, end };
  struct Step {
    Op op;
    std::uint32_t offset;  // into pattern_, for literal
    std::uint32_t length;
  };
  std::string text_;     // the filter as given
  std::string pattern_;  // the topic-selecting part
  std::vector<Step> steps_;
  std::size_t levels_ = 0;       // levels of pattern_, the '#' included
  bool ends_with_hash_ = false;
  bool wildcard_first_ = false;
  std::size_t max_depth_;
};

// A set of plain filters (ACL patterns) in a level trie, for "does any filter match this
// topic / cover this subscription" in one walk. Thread-safe const methods; no allocation.
class FilterSet {
 public:
  FilterSet() = default;
  // Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT) for an invalid filter, a shared subscription,
  // or one deeper than max_depth.
  FilterSet(const std::vector<std::string>& filters, std::size_t max_depth);

  std::size_t size() const noexcept { return count_; }

  // True when some filter matches `topic`. Precondition: is_valid_name(topic, kNoDepthLimit).
  bool any_matches(std::string_view topic) const noexcept;

  // True when some single filter covers `filter` (strict coverage, see covers()).
  // Precondition: `filter` is a valid, non-shared filter.
  bool any_covers(std::string_view filter) const noexcept;

 private:
  struct Node {
    std::vector<std::pair<std::string, std::uint32_t>> literals;  // sorted by word
    std::uint32_t plus = 0;  // child index; 0 = none (the root is never a child)
    bool hash = false;       // some filter ends with '#' here
    bool terminal = false;   // some filter ends exactly here
  };
  std::uint32_t child_literal(std::uint32_t node, std::string_view word) const noexcept;
  bool walk(std::uint32_t node, std::string_view rest, bool at_end, bool first,
            bool empty_parent) const noexcept;
  std::vector<Node> nodes_;
  std::size_t count_ = 0;
};

}  // namespace wave::topic
