#include "topic/topic.hpp"

#include "common/utf8.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Validates bytes[i..size) of a topic name one byte at a time (UTF-8 included), adding the
// separators found to `slashes`.
bool valid_name_bytes(const unsigned char* bytes, std::size_t i, std::size_t size,
                      std::size_t& slashes) noexcept {
  while (i < size) {
    switch (kByteClasses[bytes[i]]) {
      case kPlain: ++i; break;
      case kSlash: ++slashes; ++i; break;
      case kHigh: {
        const std::size_t length = utf8_sequence_length(bytes + i, size - i);
        if (length == 0) return false;
        i += length;
        break;
      }
      default: return false;  // NUL, '+', '#'
    }
  }
  return true;
}

// The number of levels in a valid topic name, or 0 when it is invalid (or deeper than
// max_depth).  16 (SSE2) or 8 bytes at a time while the text is plain ASCII: this runs on
// every compiled-filter match, so it must cost little next to the comparison itself.
std::size_t name_levels(std::string_view topic, std::size_t max_depth) noexcept {
  const std::size_t size = topic.size();
  if (size == 0 || size > kMaxLength) return 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(topic.data());
  std::size_t slashes = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  if (size >= 16) {
    const __m128i zero = _mm_setzero_si128();
    const __m128i plus = _mm_set1_epi8('+'), hash = _mm_set1_epi8('#'), slash = _mm_set1_epi8('/');
    // Per-byte separator counts, summed before they can overflow (255 blocks).
    __m128i counts = zero;
    auto flush = [&] {
      const __m128i sums = _mm_sad_epu8(counts, zero);
      slashes += static_cast<std::size_t>(_mm_cvtsi128_si64(sums)) +
                 static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
      counts = zero;
    };
    // A block's "special" bytes: forbidden ones and (high bit) non-ASCII ones.  Either sends
    // the rest of the name to the byte-wise check, which tells them apart.
    auto special = [&](__m128i block) {
      const __m128i forbidden = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(block, plus), _mm_cmpeq_epi8(block, hash)),
          _mm_cmpeq_epi8(block, zero));
      return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(forbidden, block)));
    };
    for (std::size_t blocks = 0; i + 16 <= size; i += 16) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + i));
      if (special(block) != 0) {
        flush();
        return valid_name_bytes(bytes, i, size, slashes) && depth_ok(slashes, max_depth) ? slashes + 1 : 0;
      }
      counts = _mm_sub_epi8(counts, _mm_cmpeq_epi8(block, slash));
      if (++blocks == 255) {
        flush();
        blocks = 0;
      }
    }
    if (i < size) {
      // The last partial block: read the final 16 bytes and ignore the `seen` ones already
      // counted (a mask with `seen` leading zero bytes).
      alignas(16) static constexpr unsigned char kTailMask[32] = {
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
      const std::size_t seen = 16 - (size - i);
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + size - 16));
      if ((special(block) >> seen) != 0) {
        flush();
        return valid_name_bytes(bytes, i, size, slashes) && depth_ok(slashes, max_depth) ? slashes + 1 : 0;
      }
      const __m128i fresh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kTailMask + 16 - seen));
      counts = _mm_sub_epi8(counts, _mm_and_si128(_mm_cmpeq_epi8(block, slash), fresh));
    }
    flush();
    return depth_ok(slashes, max_depth) ? slashes + 1 : 0;
  }
#endif
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    if (word & (kOnes * 0x80)) break;  // non-ASCII: the byte loop below checks UTF-8
    const std::uint64_t bad =
        zero_bytes(word) | zero_bytes(word ^ (kOnes * '+')) | zero_bytes(word ^ (kOnes * '#'));
    if (bad) return 0;
    // One bit (0x80) per separator byte: gather them into the top byte to count them.
    slashes += static_cast<std::size_t>(((zero_bytes(word ^ (kOnes * '/')) >> 7) * kOnes) >> 56);
  }
  return valid_name_bytes(bytes, i, size, slashes) && depth_ok(slashes, max_depth) ? slashes + 1 : 0;
}

bool valid_name(std::string_view topic, std::size_t max_depth) noexcept {
  return name_levels(topic, max_depth) != 0;
}

// Byte equality of short runs, inline: a call to memcmp costs more than most comparisons.
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
#if defined(__SSE2__)
  if (n >= 16) {
    auto equal16 = [](const char* x, const char* y) {
      const __m128i vx = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x));
      const __m128i vy = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y));
      return _mm_movemask_epi8(_mm_cmpeq_epi8(vx, vy)) == 0xFFFF;
    };
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      if (!equal16(a + i, b + i)) return false;
    }
    return i == n || equal16(a + n - 16, b + n - 16);  // the tail, overlapping
  }
#endif
  if (n >= 8) {
    std::uint64_t x, y;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      if (x != y) return false;
    }
    if (i == n) return true;
    std::memcpy(&x, a + n - 8, 8);
    std::memcpy(&y, b + n - 8, 8);
    return x == y;
  }
  if (n >= 4) {
    std::uint32_t x, y, z, w;
    std::memcpy(&x, a, 4);
    std::memcpy(&y, b, 4);
    std::memcpy(&z, a + n - 4, 4);
    std::memcpy(&w, b + n - 4, 4);
    return x == y && z == w;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
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
        const std::size_t length = utf8_sequence_length(bytes + i, size - i);
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
  // Whether the levels of `sub` read so far can only form the empty string, which is no
  // topic: then a '#' in sub cannot match zero levels ("#" matches what "+/#" matches).
  bool empty_parent = true;
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
    if (sl == "#") {
      // '#' in sub matches any number of levels, which only '#' covers; when it cannot match
      // zero levels, "+/#" covers it too.
      return empty_parent && al == "+" && !a.done() && a.next() == "#";
    }
    empty_parent = first && sl.empty();
    if (al == "+") continue;  // one level: literal or '+' in sub
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
    ++levels_;
    const std::size_t level_start = position;
    position += level.size() + 1;  // past the separator (or one past the end)
    if (level == "+") {
      flush(level_start);
      steps_.push_back({Op::plus, 0, 0});
      literal_start = level_start + 1;  // the separator after '+' starts the next literal
    } else if (level == "#") {
      ends_with_hash_ = true;
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
  const std::size_t levels = name_levels(topic, max_depth_);
  if (levels == 0) return Answer::invalid;
  if (wildcard_first_ && topic.front() == '$') return Answer::no;
  // Validation counted the levels: most topics of other shapes fail here, at no cost.
  if (ends_with_hash_ ? levels + 1 < levels_ : levels != levels_) return Answer::no;
  const char* text = topic.data();
  const std::size_t size = topic.size();
  const char* pattern = pattern_.data();
  std::size_t pos = 0;
  for (const Step& step : steps_) {
    switch (step.op) {
      case Op::literal:
        if (size - pos < step.length || !same_bytes(text + pos, pattern + step.offset, step.length)) {
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

// One walk serves both questions: a topic's levels are literals (topics have no '+' or '#'),
// and a subscription's '+' and '#' levels are covered only by '+' (or '#') and '#'. Each trie node sits at
// one depth and is reached by one path, so the walk visits every node at most once.
bool FilterSet::walk(std::uint32_t node, std::string_view rest, bool at_end, bool first,
                     bool empty_parent) const noexcept {
  const Node& here = nodes_[node];
  if (at_end) return here.terminal || here.hash;  // '#' includes the parent level
  const std::size_t slash = rest.find('/');
  const std::string_view level = rest.substr(0, slash);
  const std::string_view next = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  const bool next_end = slash == std::string_view::npos;
  // Wildcards in the first level of a pattern never match (or cover) a '$' level.
  const bool dollar = first && level.starts_with('$');
  if (here.hash && !dollar) return true;
  if (level == "#") {
    // Only a pattern's '#' covers a subscription's '#', or "+/#" where the '#' cannot match
    // zero levels because they would form the empty topic (see cover_levels).
    return empty_parent && here.plus != 0 && nodes_[here.plus].hash;
  }
  const bool next_empty_parent = first && level.empty();
  if (level == "+") {
    return here.plus != 0 && walk(here.plus, next, next_end, false, next_empty_parent);
  }
  if (!here.literals.empty()) {
    const std::uint32_t child = child_literal(node, level);
    if (child != 0 && walk(child, next, next_end, false, next_empty_parent)) return true;
  }
  return here.plus != 0 && !dollar && walk(here.plus, next, next_end, false, next_empty_parent);
}

bool FilterSet::any_matches(std::string_view topic) const noexcept {
  if (nodes_.empty()) return false;
  return walk(0, topic, false, true, true);
}

bool FilterSet::any_covers(std::string_view filter) const noexcept {
  if (nodes_.empty()) return false;
  return walk(0, filter, false, true, true);
}

}  // namespace wave::topic
