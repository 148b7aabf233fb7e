// Coverage from arbitrary bytes: "acl\nsub".  When acl covers sub, every witness topic that
// sub matches must match acl; when it does not, some witness must show it (the witnesses
// replace each '+' and '#' with levels that exercise empty, '$' and absent levels).  The
// filter-set trie must agree with covers().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "topic/topic.hpp"

namespace {

using wave::topic::Answer;

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> levels;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = text.find('/', start);
    levels.emplace_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return levels;
    start = slash + 1;
  }
}

// Topics that sub matches, chosen to separate filters: every '+' becomes one of a few words
// (one not in acl), and '#' becomes zero, one or two such levels.
void witnesses(const std::vector<std::string>& sub, std::size_t at, std::string prefix,
               const std::vector<std::string>& words, std::vector<std::string>& out) {
  if (out.size() > 4096) return;
  auto join = [](const std::string& head, const std::string& level, bool first) {
    return first ? level : head + "/" + level;
  };
  if (at == sub.size()) {
    out.push_back(prefix);
    return;
  }
  const bool first = at == 0;
  if (sub[at] == "#") {
    if (!first) out.push_back(prefix);  // '#' matches the parent level
    for (const auto& word : words) {
      if (first && word.starts_with('$')) continue;
      out.push_back(join(prefix, word, first));
      for (const auto& second : words) out.push_back(join(prefix, word, first) + "/" + second);
    }
    return;
  }
  if (sub[at] == "+") {
    for (const auto& word : words) {
      if (first && word.starts_with('$')) continue;
      witnesses(sub, at + 1, join(prefix, word, first), words, out);
    }
    return;
  }
  witnesses(sub, at + 1, join(prefix, sub[at], first), words, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  const std::string_view acl = input.substr(0, newline);
  const std::string_view sub = input.substr(newline + 1);
  constexpr std::size_t kDepth = 12;

  const Answer answer = wave::topic::covers(acl, sub, kDepth);
  const bool valid = wave::topic::is_valid_filter(acl, kDepth) && wave::topic::is_valid_filter(sub, kDepth);
  if ((answer == Answer::invalid) != !valid) std::abort();
  if (!valid) return 0;

  const std::string acl_plain(wave::topic::split_shared(acl).filter);
  const std::string sub_plain(wave::topic::split_shared(sub).filter);
  const wave::topic::FilterSet set({acl_plain}, wave::topic::kNoDepthLimit);
  if (set.any_covers(sub_plain) != (answer == Answer::yes)) std::abort();

  // Witness words: the literals of acl, plus an empty level, a fresh word and a '$' word.
  std::vector<std::string> words = {"", "\x01fresh", "\x02other", "$fresh"};
  for (const auto& level : split(acl_plain)) {
    if (level != "+" && level != "#") words.push_back(level);
  }
  if (words.size() > 7) words.resize(7);
  std::vector<std::string> topics;
  witnesses(split(sub_plain), 0, "", words, topics);
  bool counterexample = false;
  for (const auto& topic : topics) {
    if (!wave::topic::is_valid_name(topic, wave::topic::kNoDepthLimit)) continue;  // e.g. ""
    if (wave::topic::matches(sub_plain, topic, wave::topic::kNoDepthLimit) != Answer::yes) std::abort();
    if (wave::topic::matches(acl_plain, topic, wave::topic::kNoDepthLimit) != Answer::yes) {
      counterexample = true;
      break;
    }
  }
  // Covered, yet a topic of sub escapes acl: wrong, always.
  if (answer == Answer::yes && counterexample) std::abort();
  // Not covered, yet no witness shows why: wrong unless the witness list was cut short.
  if (answer == Answer::no && !counterexample && topics.size() <= 4096) std::abort();
  return 0;
}
