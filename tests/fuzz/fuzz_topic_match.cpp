// Matching from arbitrary bytes: "filter\ntopic" (split at the first '\n'; a filter or topic
// containing '\n' is fine after it).  The uncompiled matcher, the compiled one, a filter set
// and a reference built on split levels must agree.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "topic/topic.hpp"

namespace {

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> levels;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = text.find('/', start);
    levels.push_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return levels;
    start = slash + 1;
  }
}

bool reference_match(std::string_view filter, std::string_view topic) {
  if (filter.starts_with("$share/")) filter = filter.substr(filter.find('/', 7) + 1);
  const auto f = split(filter), t = split(topic);
  if (t[0].starts_with('$') && (f[0] == "+" || f[0] == "#")) return false;
  std::size_t i = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == "#") return true;
    if (i >= t.size() || (f[i] != "+" && f[i] != t[i])) return false;
  }
  return i == t.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  const std::string_view filter = input.substr(0, newline);
  const std::string_view topic = input.substr(newline + 1);
  using wave::topic::Answer;

  const Answer answer = wave::topic::matches(filter, topic, wave::topic::kNoDepthLimit);
  const bool valid_filter = wave::topic::is_valid_filter(filter, wave::topic::kNoDepthLimit);
  const bool valid_topic = wave::topic::is_valid_name(topic, wave::topic::kNoDepthLimit);
  if ((answer == Answer::invalid) != (!valid_filter || !valid_topic)) std::abort();
  if (!valid_filter) return 0;

  const wave::topic::CompiledFilter compiled(filter, wave::topic::kNoDepthLimit);
  if (compiled.matches(topic) != answer) std::abort();
  if (answer == Answer::invalid) return 0;
  if ((answer == Answer::yes) != reference_match(filter, topic)) std::abort();

  const std::string plain(wave::topic::split_shared(filter).filter);
  const wave::topic::FilterSet set({plain}, wave::topic::kNoDepthLimit);
  if (set.any_matches(topic) != (answer == Answer::yes)) std::abort();
  // A name is a filter that covers exactly itself: coverage and matching agree on it (unless
  // the name reads as a shared subscription, whose filter part is something else).
  const bool shared = topic == "$share" || topic.starts_with("$share/");
  if (!shared && (wave::topic::covers(filter, topic, wave::topic::kNoDepthLimit) == Answer::yes) !=
                     (answer == Answer::yes)) {
    std::abort();
  }
  return 0;
}
