#include "topic/topic.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "common/error.hpp"

namespace wave::topic {
namespace {

constexpr std::string_view kSharePrefix = "$share";

// Walks the levels of a non-empty topic or filter: "a//b" gives "a", "", "b"; "/" gives "", "".
class Levels {
 public:
  explicit Levels(std::string_view text) noexcept : rest_(text) {}
  bool done() const noexcept { return done_; }
  std::string_view next() noexcept {
    const std::size_t slash = rest_.find('/');
    if (slash == std::string_view::npos) {
      done_ = true;
      return rest_;
    }
    const std::string_view level = rest_.substr(0, slash);
    rest_.remove_prefix(slash + 1);
    return level;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

bool is_wildcard(std::string_view level) noexcept { return level == "+" || level == "#"; }

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF)
// starting at a byte >= 0x80; returns the sequence length, or 0 when malformed.
std::size_t utf8_sequence(const unsigned char* p, std::size_t available) noexcept {
  const unsigned char lead = p[0];
  std::size_t length;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (available < length) return 0;
  if (p[1] < min_second || p[1] > max_second) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return length;
}

// Which bytes the scanners care about: everything else is a plain ASCII character.
enum ByteClass : unsigned char { kPlain = 0, kSlash, kPlus, kHash, kNul, kHigh };

constexpr auto kByteClasses = [] {
  std::array<unsigned char, 256> classes{};
  for (int b = 0x80; b < 256; ++b) classes[b] = kHigh;
  classes[0] = kNul;
  classes['/'] = kSlash;
  classes['+'] = kPlus;
  classes['#'] = kHash;
  return classes;
}();

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7Full;

// 0x80 in every byte of `word` that is zero, exactly (no borrow between bytes).
inline std::uint64_t zero_bytes(std::uint64_t word) noexcept {
  return ~(((word & kLow7) + kLow7) | word | kLow7);
}

bool depth_ok(std::size_t slashes, std::size_t max_depth) noexcept {
  return max_depth == kNoDepthLimit || slashes < max_depth;
}

// The validation of topic names, eight bytes at a time while the text is plain ASCII: this
// runs on every compiled-filter match, so it must cost little next to the comparison.
bool valid_name(std::string_view topic, std::size_t max_depth) noexcept {
  const std::size_t size = topic.size();
  if (size == 0 || size > kMaxLength) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(topic.data());
  std::size_t slashes = 0;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    if (word & (kOnes * 0x80)) break;  // non-ASCII: the byte loop below checks UTF-8
    const std::uint64_t bad =
        zero_bytes(word) | zero_bytes(word ^ (kOnes * '+')) | zero_bytes(word ^ (kOnes * '#'));
    if (bad) return false;
    slashes += static_cast<std::size_t>(std::popcount(zero_bytes(word ^ (kOnes * '/'))));
  }
  while (i < size) {
    switch (kByteClasses[bytes[i]]) {
      case kPlain: ++i; break;
      case kSlash: ++slashes; ++i; break;
      case kHigh: {
        const std::size_t length = utf8_sequence(bytes + i, size - i);
        if (length == 0) return false;
        i += length;
        break;
      }
      default: return false;  // NUL, '+', '#'
    }
  }
  return depth_ok(slashes, max_depth);
}

// Filter syntax for the whole string, ignoring the $share rules.
bool valid_plain_filter(std::string_view filter, std::size_t max_depth) noexcept {
  const std::size_t size = filter.size();
  if (size == 0 || size > kMaxLength) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(filter.data());
  std::size_t slashes = 0;
  std::size_t level_start = 0;
  std::size_t i = 0;
  while (i < size) {
    switch (kByteClasses[bytes[i]]) {
      case kPlain: ++i; break;
      case kSlash:
        ++slashes;
        level_start = ++i;
        break;
      case kPlus:
        // '+' must be the whole level.
        if (i != level_start || (i + 1 < size && bytes[i + 1] != '/')) return false;
        ++i;
        break;
      case kHash:
        // '#' must be the whole last level.
        if (i != level_start || i + 1 != size) return false;
        ++i;
        break;
      case kHigh: {
        const std::size_t length = utf8_sequence(bytes + i, size - i);
        if (length == 0) return false;
        i += length;
        break;
      }
      default: return false;  // NUL
    }
  }
  return depth_ok(slashes, max_depth);
}

bool starts_with_share(std::string_view filter) noexcept {
  return filter.starts_with(kSharePrefix) &&
         (filter.size() == kSharePrefix.size() || filter[kSharePrefix.size()] == '/');
}

// The parts of a syntactically valid filter that starts with the "$share" level; an empty
// `filter` part when the shared subscription is malformed.
FilterParts split_share_unchecked(std::string_view filter) noexcept {
  if (filter.size() <= kSharePrefix.size()) return {};
  std::string_view rest = filter.substr(kSharePrefix.size() + 1);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {};
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

bool valid_filter(std::string_view filter, std::size_t max_depth) noexcept {
  if (!valid_plain_filter(filter, max_depth)) return false;
  if (!starts_with_share(filter)) return true;
  const FilterParts parts = split_share_unchecked(filter);
  // The share name is one non-empty level without wildcards (MQTT 5 section 4.8.2); the
  // shared filter is a non-empty, non-shared filter (nesting has no meaning).
  return !parts.group.empty() && parts.group.find_first_of("+#") == std::string_view::npos &&
         !parts.filter.empty() && !starts_with_share(parts.filter);
}

bool first_level_is_wildcard(std::string_view filter) noexcept {
  return filter == "#" || filter == "+" || filter.starts_with("+/");
}

// Level-by-level matching of a valid, non-shared filter against a valid topic name.
bool match_levels(std::string_view filter, std::string_view topic) noexcept {
  if (topic.front() == '$' && first_level_is_wildcard(filter)) return false;
  Levels f(filter), t(topic);
  for (;;) {
    const std::string_view fl = f.next();
    if (fl == "#") return true;  // the rest, including none: "a/#" matches "a"
    const std::string_view tl = t.next();
    if (fl != "+" && fl != tl) return false;
    if (f.done() || t.done()) break;
  }
  if (f.done()) return t.done();
  return f.next() == "#";  // the topic ran out first: only a final '#' matches its parent
}

// Strict coverage of one valid, non-shared filter by another (see topic.hpp).
bool cover_levels(std::string_view acl, std::string_view sub) noexcept {
  Levels a(acl), s(sub);
  bool sub_done = false;
  for (bool first = true;; first = false) {
    if (a.done()) return sub_done;
    const std::string_view al = a.next();
    if (sub_done) return al == "#";  // "a/#" covers "a": '#' includes the parent level
    const std::string_view sl = s.next();
    sub_done = s.done();
    // A wildcard first level never matches a '$' topic, so it cannot cover a filter whose
    // first level is a literal starting with '$' ("#" does not cover "$SYS/#").
    if (first && is_wildcard(al) && !is_wildcard(sl) && sl.starts_with('$')) return false;
    if (al == "#") return true;
    if (sl == "#") return false;  // "#" in sub matches topics of any length; only "#" covers that
    if (al == "+") continue;      // one level: literal or '+' in sub
    if (sl == "+" || sl != al) return false;
  }
}

}  // namespace

bool is_valid_name(std::string_view topic, std::size_t max_depth) noexcept {
  return valid_name(topic, max_depth);
}

bool is_valid_filter(std::string_view filter, std::size_t max_depth) noexcept {
  return valid_filter(filter, max_depth);
}

FilterParts split_shared(std::string_view filter) noexcept {
  if (!starts_with_share(filter)) return {{}, filter};
  return split_share_unchecked(filter);
}

Answer matches(std::string_view filter, std::string_view topic, std::size_t max_depth) noexcept {
  if (!valid_filter(filter, max_depth) || !valid_name(topic, max_depth)) return Answer::invalid;
  return match_levels(split_shared(filter).filter, topic) ? Answer::yes : Answer::no;
}

Answer covers(std::string_view acl_filter, std::string_view sub_filter,
              std::size_t max_depth) noexcept {
  if (!valid_filter(acl_filter, max_depth) || !valid_filter(sub_filter, max_depth)) {
    return Answer::invalid;
  }
  return cover_levels(split_shared(acl_filter).filter, split_shared(sub_filter).filter)
             ? Answer::yes
             : Answer::no;
}

// ---- CompiledFilter -------------------------------------------------------------------

CompiledFilter::CompiledFilter(std::string_view filter, std::size_t max_depth)
    : text_(filter), max_depth_(max_depth) {
  if (!valid_filter(filter, max_depth)) {
    fail(WAVE_ERR_INVALID_ARGUMENT, "not a valid MQTT topic filter");
  }
  pattern_ = std::string(split_shared(filter).filter);
  wildcard_first_ = first_level_is_wildcard(pattern_);

  // Runs of literal levels (with their separators) become one memcmp; '+' and '#' become
  // their own steps. A '#' after a level drops the separator before it from the literal, so
  // "a/#" matches "a" as well as "a/..." (hash_tail).
  std::size_t literal_start = 0;
  auto flush = [&](std::size_t end) {
    if (end > literal_start) {
      steps_.push_back({Op::literal, static_cast<std::uint32_t>(literal_start),
                        static_cast<std::uint32_t>(end - literal_start)});
    }
  };
  std::size_t position = 0;
  Levels levels(pattern_);
  while (!levels.done()) {
    const std::string_view level = levels.next();
    const std::size_t level_start = position;
    position += level.size() + 1;  // past the separator (or one past the end)
    if (level == "+") {
      flush(level_start);
      steps_.push_back({Op::plus, 0, 0});
      literal_start = level_start + 1;  // the separator after '+' starts the next literal
    } else if (level == "#") {
      if (level_start == 0) {
        steps_.push_back({Op::hash_all, 0, 0});
      } else {
        flush(level_start - 1);
        steps_.push_back({Op::hash_tail, 0, 0});
      }
      return;
    }
  }
  flush(pattern_.size());
  steps_.push_back({Op::end, 0, 0});
}

Answer CompiledFilter::matches(std::string_view topic) const noexcept {
  if (!valid_name(topic, max_depth_)) return Answer::invalid;
  if (wildcard_first_ && topic.front() == '$') return Answer::no;
  const char* text = topic.data();
  const std::size_t size = topic.size();
  const char* pattern = pattern_.data();
  std::size_t pos = 0;
  for (const Step& step : steps_) {
    switch (step.op) {
      case Op::literal:
        if (size - pos < step.length || std::memcmp(text + pos, pattern + step.offset, step.length) != 0) {
          return Answer::no;
        }
        pos += step.length;
        break;
      case Op::plus: {
        const void* slash = std::memchr(text + pos, '/', size - pos);
        pos = slash ? static_cast<std::size_t>(static_cast<const char*>(slash) - text) : size;
        break;
      }
      case Op::hash_tail:
        return (pos == size || text[pos] == '/') ? Answer::yes : Answer::no;
      case Op::hash_all:
        return Answer::yes;
      case Op::end:
        return pos == size ? Answer::yes : Answer::no;
    }
  }
  return Answer::no;  // unreachable: every step list ends in end, hash_tail or hash_all
}

// ---- FilterSet ------------------------------------------------------------------------

FilterSet::FilterSet(const std::vector<std::string>& filters, std::size_t max_depth) {
  nodes_.emplace_back();  // the root
  for (const std::string& filter : filters) {
    if (!valid_filter(filter, max_depth)) {
      fail(WAVE_ERR_INVALID_ARGUMENT,
           "ACL pattern is not a valid MQTT topic filter (or has more levels than the maximum depth)");
    }
    if (starts_with_share(filter)) {
      fail(WAVE_ERR_INVALID_ARGUMENT, "ACL pattern must not be a $share subscription");
    }
    std::uint32_t node = 0;
    Levels levels(filter);
    for (;;) {
      const std::string_view level = levels.next();
      if (level == "#") {
        nodes_[node].hash = true;
        break;
      }
      std::uint32_t child;
      if (level == "+") {
        child = nodes_[node].plus;
        if (child == 0) {
          child = static_cast<std::uint32_t>(nodes_.size());
          nodes_.emplace_back();
          nodes_[node].plus = child;
        }
      } else {
        auto& literals = nodes_[node].literals;
        auto it = std::lower_bound(literals.begin(), literals.end(), level,
                                   [](const auto& entry, std::string_view word) { return entry.first < word; });
        if (it != literals.end() && it->first == level) {
          child = it->second;
        } else {
          child = static_cast<std::uint32_t>(nodes_.size());
          literals.insert(it, {std::string(level), child});
          nodes_.emplace_back();  // after the insert: `literals` belongs to nodes_[node]
        }
      }
      node = child;
      if (levels.done()) {
        nodes_[node].terminal = true;
        break;
      }
    }
    ++count_;
  }
}

std::uint32_t FilterSet::child_literal(std::uint32_t node, std::string_view word) const noexcept {
  const auto& literals = nodes_[node].literals;
  auto it = std::lower_bound(literals.begin(), literals.end(), word,
                             [](const auto& entry, std::string_view w) { return entry.first < w; });
  return (it != literals.end() && it->first == word) ? it->second : 0;
}

// One walk serves both questions: a topic's levels are literals, and a subscription's '+'
// and '#' levels are covered only by '+' (or '#') and '#' in a pattern. Each trie node sits at
// one depth and is reached by one path, so the walk visits every node at most once.
bool FilterSet::walk(std::uint32_t node, std::string_view rest, bool at_end, bool first,
                     bool cover) const noexcept {
  const Node& here = nodes_[node];
  if (at_end) return here.terminal || here.hash;  // '#' includes the parent level
  const std::size_t slash = rest.find('/');
  const std::string_view level = rest.substr(0, slash);
  const std::string_view next = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  const bool next_end = slash == std::string_view::npos;
  // Wildcards in the first level of a pattern never match (or cover) a '$' level.
  const bool dollar = first && level.starts_with('$');
  if (here.hash && !dollar) return true;
  if (cover && level == "#") return false;
  if (cover && level == "+") return here.plus != 0 && walk(here.plus, next, next_end, false, cover);
  if (!here.literals.empty()) {
    const std::uint32_t child = child_literal(node, level);
    if (child != 0 && walk(child, next, next_end, false, cover)) return true;
  }
  return here.plus != 0 && !dollar && walk(here.plus, next, next_end, false, cover);
}

bool FilterSet::any_matches(std::string_view topic) const noexcept {
  if (nodes_.empty()) return false;
  return walk(0, topic, false, true, false);
}

bool FilterSet::any_covers(std::string_view filter) const noexcept {
  if (nodes_.empty()) return false;
  return walk(0, filter, false, true, true);
}

}  // namespace wave::topic
