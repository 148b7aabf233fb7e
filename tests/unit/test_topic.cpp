// src/topic: MQTT 3.1.1 / 5.0 section 4.7 validation and matching, strict coverage, shared
// subscriptions, depth limits, compiled filters and filter sets.
#include <doctest/doctest.h>

#include <bitset>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "topic/topic.hpp"

using namespace std::string_literals;
using wave::topic::Answer;
using wave::topic::CompiledFilter;
using wave::topic::covers;
using wave::topic::FilterSet;
using wave::topic::is_valid_filter;
using wave::topic::is_valid_name;
using wave::topic::matches;

namespace {

// An independent reference matcher, written straight from the spec's wording on split levels.
std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> levels(1);
  for (const char c : text) {
    if (c == '/') {
      levels.emplace_back();
    } else {
      levels.back().push_back(c);
    }
  }
  return levels;
}

bool reference_match(const std::vector<std::string>& filter, const std::vector<std::string>& topic) {
  if (!topic[0].empty() && topic[0][0] == '$' && (filter[0] == "+" || filter[0] == "#")) return false;
  std::size_t i = 0;
  for (; i < filter.size(); ++i) {
    if (filter[i] == "#") return true;
    if (i >= topic.size()) return false;
    if (filter[i] != "+" && filter[i] != topic[i]) return false;
  }
  return i == topic.size();
}

// The filter part of a shared subscription, else the filter itself (the spec's meaning).
std::string selecting(const std::string& filter) {
  if (filter.rfind("$share/", 0) != 0) return filter;
  const std::size_t group_end = filter.find('/', 7);
  return filter.substr(group_end + 1);
}

Answer yes_if(bool value) { return value ? Answer::yes : Answer::no; }

}  // namespace

TEST_SUITE("topic") {

TEST_CASE("topic names: the spec's examples and edges") {
  CHECK(is_valid_name("sport/tennis/player1"));
  CHECK(is_valid_name("Accounts payable"));  // spaces are allowed
  CHECK(is_valid_name("/"));                 // two empty levels
  CHECK(is_valid_name("a//b"));
  CHECK(is_valid_name("/a"));
  CHECK(is_valid_name("a/"));
  CHECK(is_valid_name("$SYS/monitor/Clients"));
  CHECK(is_valid_name("$share/g/a"));  // only filters are shared subscriptions
  CHECK_FALSE(is_valid_name(""));
  CHECK_FALSE(is_valid_name("+"));
  CHECK_FALSE(is_valid_name("#"));
  CHECK_FALSE(is_valid_name("a/+/b"));
  CHECK_FALSE(is_valid_name("a/b#"));
  CHECK_FALSE(is_valid_name("sport+"));
  CHECK_FALSE(is_valid_name("a\0b"s));
  CHECK_FALSE(is_valid_name("\0"s));
}

TEST_CASE("topic names: UTF-8") {
  CHECK(is_valid_name("caf\xC3\xA9/\xE2\x82\xAC/\xF0\x9D\x84\x9E"));  // é € 𝄞
  CHECK(is_valid_name("\xEF\xBF\xBF"));        // U+FFFF: a noncharacter, but well-formed
  CHECK(is_valid_name("\x01\x1F\x7F"));        // controls: MQTT says SHOULD NOT, not MUST NOT
  CHECK(is_valid_name("\xF4\x8F\xBF\xBF"));    // U+10FFFF
  CHECK(is_valid_name("\xED\x9F\xBF"));        // U+D7FF, just below the surrogates
  CHECK_FALSE(is_valid_name("\x80"));          // a lone continuation byte
  CHECK_FALSE(is_valid_name("\xC3"));          // truncated
  CHECK_FALSE(is_valid_name("\xE2\x82"));      // truncated
  CHECK_FALSE(is_valid_name("\xC0\xAF"));      // overlong '/'
  CHECK_FALSE(is_valid_name("\xC1\xBF"));      // overlong
  CHECK_FALSE(is_valid_name("\xE0\x80\xAF"));  // overlong
  CHECK_FALSE(is_valid_name("\xF0\x80\x80\xAF"));  // overlong
  CHECK_FALSE(is_valid_name("\xED\xA0\x80"));  // U+D800, a surrogate
  CHECK_FALSE(is_valid_name("\xED\xBF\xBF"));  // U+DFFF
  CHECK_FALSE(is_valid_name("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_name("\xF5\x80\x80\x80"));
  CHECK_FALSE(is_valid_name("\xFF"));
  CHECK_FALSE(is_valid_name("\xC3\xA9\xC3"));
  CHECK_FALSE(is_valid_name("abc\xE2\x28\xA1"));  // a bad continuation
  CHECK_FALSE(is_valid_filter("\xC0\xAF/+"));
  CHECK_FALSE(is_valid_filter("+/\xED\xA0\x80"));
}

TEST_CASE("topic names: every byte position of the fast scanner") {
  // The scanner reads 8 bytes at a time: put each forbidden byte at each position of
  // strings longer than two words, and check the length of the tail loop too.
  for (std::size_t length = 1; length <= 26; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (const char bad : {'+', '#', '\0', '\x80', '\xFF'}) {
        std::string topic(length, 'x');
        topic[at] = bad;
        CAPTURE(length);
        CAPTURE(at);
        CHECK_FALSE(is_valid_name(topic));
      }
      std::string topic(length, 'x');
      topic[at] = '/';
      CHECK(is_valid_name(topic));
    }
    // A valid two-byte character at every position.
    for (std::size_t at = 0; at + 1 < length; ++at) {
      std::string topic(length, 'y');
      topic[at] = '\xC3';
      topic[at + 1] = '\xA9';
      CHECK(is_valid_name(topic));
    }
  }
}

TEST_CASE("topic names: length limit") {
  CHECK(is_valid_name(std::string(65535, 'a')));
  CHECK_FALSE(is_valid_name(std::string(65536, 'a')));
  CHECK(is_valid_filter(std::string(65534, 'a') + "#", 0) == false);  // '#' not a whole level
  CHECK(is_valid_filter(std::string(65533, 'a') + "/#"));
  CHECK_FALSE(is_valid_filter(std::string(65534, 'a') + "/#"));
}

TEST_CASE("topic filters: the spec's examples and edges") {
  for (const char* filter : {"#", "sport/tennis/#", "+", "+/tennis/#", "sport/+/player1", "/+",
                             "+/+", "+/", "a//+", "$SYS/#", "$SYS/monitor/+", "a/+/#", "+/#"}) {
    CAPTURE(filter);
    CHECK(is_valid_filter(filter));
  }
  for (const char* filter : {"", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "#/", "#/a",
                             "a/#/", "++", "+a", "a+", "a/b+/c", "##", "a#", "#a", "+#", "a/++"}) {
    CAPTURE(filter);
    CHECK_FALSE(is_valid_filter(filter));
  }
  CHECK_FALSE(is_valid_filter("a\0/b"s));
  CHECK(is_valid_filter(std::string_view("a/+")));
}

TEST_CASE("shared subscriptions") {
  CHECK(is_valid_filter("$share/g/a"));
  CHECK(is_valid_filter("$share/g/#"));
  CHECK(is_valid_filter("$share/group-1/conversations/private/+/x"));
  CHECK(is_valid_filter("$share/g//"));  // <filter> is "/": two empty levels
  CHECK(is_valid_filter("$share/g/$SYS/#"));
  CHECK_FALSE(is_valid_filter("$share"));
  CHECK_FALSE(is_valid_filter("$share/"));
  CHECK_FALSE(is_valid_filter("$share/g"));
  CHECK_FALSE(is_valid_filter("$share/g/"));    // nothing after the group
  CHECK_FALSE(is_valid_filter("$share//a"));    // an empty group
  CHECK_FALSE(is_valid_filter("$share/+/a"));   // a wildcard group
  CHECK_FALSE(is_valid_filter("$share/#"));
  CHECK_FALSE(is_valid_filter("$share/g+/a"));  // also invalid as a plain filter
  CHECK_FALSE(is_valid_filter("$share/g/a#"));
  CHECK_FALSE(is_valid_filter("$share/g/$share/h/a"));  // nesting means nothing
  // Only the exact first level "$share" is special.
  CHECK(is_valid_filter("$SHARE/g"));
  CHECK(is_valid_filter("$shared/g"));
  CHECK(is_valid_filter("a/$share/g"));

  const auto parts = wave::topic::split_shared("$share/grp/a/+/c");
  CHECK(parts.group == "grp");
  CHECK(parts.filter == "a/+/c");
  const auto plain = wave::topic::split_shared("a/+/c");
  CHECK(plain.group.empty());
  CHECK(plain.filter == "a/+/c");

  CHECK(matches("$share/g/a/+", "a/b") == Answer::yes);
  CHECK(matches("$share/g/a/+", "a") == Answer::no);
  CHECK(matches("$share/g/#", "$SYS/x") == Answer::no);  // the '$' rule applies to <filter>
  CHECK(matches("$share/g/#", "$share/g/x") == Answer::no);
  CHECK(matches("$share/g", "$share/g") == Answer::invalid);
}

TEST_CASE("maximum depth") {
  const std::string ten = "1/2/3/4/5/6/7/8/9/10";
  const std::string eleven = ten + "/11";
  CHECK(is_valid_name(ten));
  CHECK_FALSE(is_valid_name(eleven));
  CHECK(is_valid_name(eleven, 11));
  CHECK(is_valid_name(eleven, wave::topic::kNoDepthLimit));
  CHECK_FALSE(is_valid_name(ten, 9));
  CHECK(is_valid_name("a", 1));
  CHECK_FALSE(is_valid_name("a/", 1));
  CHECK(is_valid_filter("+/+/+/+/+/+/+/+/+/#"));
  CHECK_FALSE(is_valid_filter("+/+/+/+/+/+/+/+/+/+/#"));
  // "$share" and the group count, as in VerneMQ.
  CHECK(is_valid_filter("$share/g/3/4/5/6/7/8/9/10"));
  CHECK_FALSE(is_valid_filter("$share/g/3/4/5/6/7/8/9/10/11"));
  // Many empty levels: 65535 slashes would be 65536 levels.
  CHECK(is_valid_name(std::string(200, '/'), 0));
  CHECK_FALSE(is_valid_name(std::string(200, '/')));
  CHECK(matches("#", eleven) == Answer::invalid);
  CHECK(matches("#", eleven, 11) == Answer::yes);
  CHECK(covers("#", "1/2/3/4/5/6/7/8/9/10/+") == Answer::invalid);
  CHECK(covers("#", "1/2/3/4/5/6/7/8/9/10/+", 0) == Answer::yes);
  // Long names: the vector scanner sums its per-byte counters every 255 blocks.
  std::string long_name;
  for (int level = 0; level < 3000; ++level) long_name += std::string(level % 37, 'q') + "/";
  long_name += "end";
  REQUIRE(long_name.size() <= 65535);
  CHECK(is_valid_name(long_name, 3001));
  CHECK_FALSE(is_valid_name(long_name, 3000));
  CHECK(matches("#", long_name, 3001) == Answer::yes);
  CHECK(CompiledFilter("#", 3001).matches(long_name) == Answer::yes);
  CHECK(CompiledFilter("#", 3000).matches(long_name) == Answer::invalid);
  // The depth check counts levels, wherever the slashes fall in the 8-byte words.
  for (std::size_t word = 0; word <= 9; ++word) {
    std::string topic = std::string(word, 'w');
    for (int level = 1; level < 10; ++level) topic += "/" + std::string(word, 'w');
    CAPTURE(word);
    CHECK(is_valid_name(topic));
    CHECK_FALSE(is_valid_name(topic + "/"));
    CHECK(is_valid_name(topic, 10));
    CHECK_FALSE(is_valid_name(topic, 9));
  }
}

TEST_CASE("matching: the spec's examples") {
  CHECK(matches("sport/tennis/player1/#", "sport/tennis/player1") == Answer::yes);
  CHECK(matches("sport/tennis/player1/#", "sport/tennis/player1/ranking") == Answer::yes);
  CHECK(matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon") == Answer::yes);
  CHECK(matches("sport/#", "sport") == Answer::yes);
  CHECK(matches("sport/tennis/+", "sport/tennis/player1") == Answer::yes);
  CHECK(matches("sport/tennis/+", "sport/tennis/player2") == Answer::yes);
  CHECK(matches("sport/tennis/+", "sport/tennis/player1/ranking") == Answer::no);
  CHECK(matches("sport/+", "sport") == Answer::no);
  CHECK(matches("sport/+", "sport/") == Answer::yes);
  CHECK(matches("+/+", "/finance") == Answer::yes);
  CHECK(matches("/+", "/finance") == Answer::yes);
  CHECK(matches("+", "/finance") == Answer::no);
  CHECK(matches("#", "$SYS/monitor/Clients") == Answer::no);
  CHECK(matches("+/monitor/Clients", "$SYS/monitor/Clients") == Answer::no);
  CHECK(matches("$SYS/#", "$SYS/monitor/Clients") == Answer::yes);
  CHECK(matches("$SYS/monitor/+", "$SYS/monitor/Clients") == Answer::yes);
  CHECK(matches("ACCOUNTS", "Accounts") == Answer::no);
  CHECK(matches("Accounts", "Accounts") == Answer::yes);
}

TEST_CASE("matching: edges") {
  CHECK(matches("a//b", "a//b") == Answer::yes);
  CHECK(matches("a/+/b", "a//b") == Answer::yes);
  CHECK(matches("a/b", "a//b") == Answer::no);
  CHECK(matches("+/a", "/a") == Answer::yes);
  CHECK(matches("a", "/a") == Answer::no);
  CHECK(matches("a/+", "a/") == Answer::yes);
  CHECK(matches("a", "a/") == Answer::no);
  CHECK(matches("a/#", "a/") == Answer::yes);
  CHECK(matches("a/#", "ab") == Answer::no);
  CHECK(matches("a/#", "a") == Answer::yes);
  CHECK(matches("+/#", "a") == Answer::yes);
  CHECK(matches("+/+/#", "a") == Answer::no);
  CHECK(matches("#", "/") == Answer::yes);
  CHECK(matches("/#", "/") == Answer::yes);
  CHECK(matches("/#", "a") == Answer::no);
  CHECK(matches("+", "$") == Answer::no);
  CHECK(matches("$", "$") == Answer::yes);
  CHECK(matches("+/$x", "a/$x") == Answer::yes);  // '$' matters in the first level only
  CHECK(matches("a/+", "a/$x") == Answer::yes);
  CHECK(matches("a/#", "a/$x/y") == Answer::yes);
  CHECK(matches("+", "x$") == Answer::yes);
  CHECK(matches("#", "/$x") == Answer::yes);       // the first level is empty, not '$'
  CHECK(matches("caf\xC3\xA9/+", "caf\xC3\xA9/x") == Answer::yes);
  CHECK(matches("a/b", "a/b/c") == Answer::no);
  CHECK(matches("a/b/c", "a/b") == Answer::no);
  CHECK(matches("a/+", "a/b/c") == Answer::no);
  CHECK(matches("a/b/#", "a/bc") == Answer::no);
  CHECK(matches("a/+", "a/+") == Answer::invalid);
  CHECK(matches("a/#", "a/#") == Answer::invalid);
  CHECK(matches("a/b#", "a/b") == Answer::invalid);
  CHECK(matches("", "a") == Answer::invalid);
  CHECK(matches("a", "") == Answer::invalid);
}

TEST_CASE("coverage: the rules documented in wave_topic.h") {
  // 1. equal filters
  CHECK(covers("a/+/c", "a/+/c") == Answer::yes);
  CHECK(covers("#", "#") == Answer::yes);
  CHECK(covers("a/#", "a/#") == Answer::yes);
  // 2. literals
  CHECK(covers("a/b", "a/b") == Answer::yes);
  CHECK(covers("a/b", "a/c") == Answer::no);
  CHECK(covers("a/b", "A/b") == Answer::no);
  // 3. '+' covers one level
  CHECK(covers("a/+", "a/b") == Answer::yes);
  CHECK(covers("a/+", "a/+") == Answer::yes);
  CHECK(covers("+/+", "a/+") == Answer::yes);
  // 4. a literal does not cover '+'
  CHECK(covers("a/b", "a/+") == Answer::no);
  // 5. '+' does not cover '#' (VerneMQ and mosquitto-go-auth would allow it)
  CHECK(covers("a/+", "a/#") == Answer::no);
  CHECK(covers("+", "#") == Answer::no);
  CHECK(covers("a/+/+", "a/+/#") == Answer::no);
  // 6. '#' covers the rest
  CHECK(covers("a/#", "a/+/b") == Answer::yes);
  CHECK(covers("a/#", "a/b/c") == Answer::yes);
  CHECK(covers("a/#", "a/#") == Answer::yes);
  CHECK(covers("a/#", "a/+/#") == Answer::yes);
  CHECK(covers("#", "a/+/#") == Answer::yes);
  CHECK(covers("a/#", "b/#") == Answer::no);
  CHECK(covers("a/+/#", "a/#") == Answer::no);  // "a/#" matches "a"
  // 7. '#' covers its parent
  CHECK(covers("a/#", "a") == Answer::yes);
  CHECK(covers("a/b/#", "a/b") == Answer::yes);
  CHECK(covers("a/+", "a") == Answer::no);
  CHECK(covers("a/b/#", "a") == Answer::no);
  // 8. level counts
  CHECK(covers("a/+", "a/b/c") == Answer::no);
  CHECK(covers("a", "a/b") == Answer::no);
  CHECK(covers("a", "a/#") == Answer::no);
  CHECK(covers("a/b", "a") == Answer::no);
  // 9. empty levels
  CHECK(covers("a/+", "a/") == Answer::yes);
  CHECK(covers("a", "a/") == Answer::no);
  CHECK(covers("+/a", "/a") == Answer::yes);
  CHECK(covers("/a", "+/a") == Answer::no);
  CHECK(covers("a//b", "a//b") == Answer::yes);
  // 10. a '#' whose parent would be the empty string stands for at least one level
  CHECK(covers("+/#", "#") == Answer::yes);
  CHECK(covers("/+/#", "/#") == Answer::yes);
  CHECK(covers("+/+/#", "#") == Answer::no);  // "#" matches "a"
  CHECK(covers("+/#", "+/#") == Answer::yes);
  CHECK(covers("a/+/#", "a/#") == Answer::no);  // "a" is a topic
  CHECK(covers("+/+/#", "+/#") == Answer::no);
  CHECK(covers("+/#", "$SYS/#") == Answer::no);
  // 11. '$' first levels
  CHECK(covers("#", "$SYS/#") == Answer::no);
  CHECK(covers("#", "$SYS/x") == Answer::no);
  CHECK(covers("+/#", "$SYS/x") == Answer::no);
  CHECK(covers("+/x", "$a/x") == Answer::no);
  CHECK(covers("$SYS/#", "$SYS/x") == Answer::yes);
  CHECK(covers("$SYS/+", "$SYS/x") == Answer::yes);
  CHECK(covers("#", "+/x") == Answer::yes);
  CHECK(covers("#", "a/$x") == Answer::yes);  // a '$' beyond the first level is just a level
  CHECK(covers("+/+", "a/$x") == Answer::yes);
  CHECK(covers("$SYS/#", "#") == Answer::no);
  CHECK(covers("$SYS/#", "+/x") == Answer::no);
  // 12. shared subscriptions
  CHECK(covers("a/#", "$share/g/a/b") == Answer::yes);
  CHECK(covers("a/+", "$share/g/a/#") == Answer::no);
  CHECK(covers("#", "$share/g/$SYS/x") == Answer::no);
  CHECK(covers("$share/g/a/#", "a/b") == Answer::yes);
  // 13. invalid input
  CHECK(covers("a/+", "a/b#") == Answer::invalid);
  CHECK(covers("a/#/b", "a") == Answer::invalid);
  CHECK(covers("", "a") == Answer::invalid);
  CHECK(covers("a", "") == Answer::invalid);
  CHECK(covers("#", "$share/g") == Answer::invalid);
  CHECK(covers("#", "1/2/3/4/5/6/7/8/9/10/11") == Answer::invalid);
}

TEST_CASE("coverage agrees with brute force over a small topic universe") {
  // Filters: up to 3 levels of {a, "", $x, +, #}, '#' only last, plain and shared.
  // Topics: up to 4 levels of {a, b, "", $x, $y}.  "b" and "$y" appear in no filter, and the
  // topics go one level deeper than any filter, so every non-covering pair has a witness.
  const std::vector<std::string> filter_words = {"a", "", "$x", "+", "#"};
  const std::vector<std::string> topic_words = {"a", "b", "", "$x", "$y"};
  std::vector<std::string> filters;
  std::vector<std::string> frontier = {""};
  for (int depth = 1; depth <= 3; ++depth) {
    std::vector<std::string> next;
    for (const auto& prefix : frontier) {
      for (const auto& word : filter_words) {
        std::string filter = depth == 1 ? word : prefix + "/" + word;
        if (!filter.empty()) filters.push_back(filter);  // "" is no filter, but a prefix
        if (word != "#") next.push_back(filter);
      }
    }
    frontier = next;
  }
  const std::size_t plain_count = filters.size();
  for (std::size_t i = 0; i < plain_count; i += 7) filters.push_back("$share/g/" + filters[i]);

  std::vector<std::string> topics;
  frontier = {""};
  for (int depth = 1; depth <= 4; ++depth) {
    std::vector<std::string> next;
    for (const auto& prefix : frontier) {
      for (const auto& word : topic_words) {
        next.push_back(depth == 1 ? word : prefix + "/" + word);
      }
    }
    for (const auto& topic : next) {
      if (!topic.empty()) topics.push_back(topic);
    }
    frontier = next;
  }
  REQUIRE(topics.size() == 779);
  constexpr std::size_t kTopics = 780;

  std::vector<std::bitset<kTopics>> matched(filters.size());
  for (std::size_t f = 0; f < filters.size(); ++f) {
    REQUIRE(is_valid_filter(filters[f]));
    const auto filter_levels = split(selecting(filters[f]));
    const CompiledFilter compiled(filters[f]);
    for (std::size_t t = 0; t < topics.size(); ++t) {
      const bool expected = reference_match(filter_levels, split(topics[t]));
      matched[f][t] = expected;
      // The three matchers agree with the reference.
      if (matches(filters[f], topics[t]) != yes_if(expected) ||
          compiled.matches(topics[t]) != yes_if(expected)) {
        FAIL_CHECK("matching disagrees: filter " << filters[f] << " topic " << topics[t]);
      }
    }
  }
  std::size_t covered_pairs = 0;
  for (std::size_t a = 0; a < filters.size(); ++a) {
    const FilterSet single(std::vector<std::string>{selecting(filters[a])}, 10);
    for (std::size_t s = 0; s < filters.size(); ++s) {
      const bool brute = (matched[s] & ~matched[a]).none();
      covered_pairs += brute;
      if (covers(filters[a], filters[s]) != yes_if(brute) ||
          single.any_covers(selecting(filters[s])) != brute) {
        FAIL_CHECK("coverage disagrees: acl " << filters[a] << " sub " << filters[s]
                                             << " brute force " << brute);
      }
    }
  }
  // Guard against a vacuous universe: both answers occur often.
  CHECK(covered_pairs > 1000);
  CHECK(covered_pairs < filters.size() * filters.size() / 2);
}

TEST_CASE("compiled filters agree with matches() on random bytes") {
  std::mt19937 random(20240611);
  const std::string alphabet = "aabb///+#$\0\xC3\xA9\xFF"s;
  auto random_text = [&](std::size_t max_length) {
    std::string text(random() % (max_length + 1), 'a');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    return text;
  };
  std::size_t valid_filters = 0, answered = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string filter = random_text(10);
    if (round % 3 == 0) filter = "$share/g/" + filter;
    if (!is_valid_filter(filter)) {
      CHECK_THROWS_AS(CompiledFilter{filter}, wave::Error);
      continue;
    }
    ++valid_filters;
    const CompiledFilter compiled(filter);
    CHECK(compiled.text() == filter);
    for (int i = 0; i < 40; ++i) {
      const std::string topic = random_text(12);
      const Answer expected = matches(filter, topic);
      answered += expected != Answer::invalid;
      if (compiled.matches(topic) != expected) {
        FAIL_CHECK("compiled disagrees: filter " << filter << " topic " << topic);
      }
    }
  }
  CHECK(valid_filters > 300);
  CHECK(answered > 1000);
}

TEST_CASE("compiled filters: edges and depth") {
  const CompiledFilter hash_tail("a/#");
  CHECK(hash_tail.matches("a") == Answer::yes);
  CHECK(hash_tail.matches("a/") == Answer::yes);
  CHECK(hash_tail.matches("ab") == Answer::no);
  CHECK(hash_tail.matches("a/b/c") == Answer::yes);
  CHECK(hash_tail.matches("a/+") == Answer::invalid);
  CHECK(hash_tail.matches("") == Answer::invalid);
  CHECK(hash_tail.matches("a\0"s) == Answer::invalid);
  CHECK(hash_tail.matches("a/\xC0\xAF") == Answer::invalid);
  CHECK(hash_tail.matches("a/1/2/3/4/5/6/7/8/9") == Answer::yes);
  CHECK(hash_tail.matches("a/1/2/3/4/5/6/7/8/9/10") == Answer::invalid);

  const CompiledFilter deep("a/#", 0);
  CHECK(deep.matches("a/1/2/3/4/5/6/7/8/9/10") == Answer::yes);
  CHECK(deep.max_depth() == 0);

  const CompiledFilter plus_tail("+/");
  CHECK(plus_tail.matches("x/") == Answer::yes);
  CHECK(plus_tail.matches("/") == Answer::yes);
  CHECK(plus_tail.matches("x") == Answer::no);
  CHECK(plus_tail.matches("$x/") == Answer::no);

  const CompiledFilter everything("#");
  CHECK(everything.matches("$SYS") == Answer::no);
  CHECK(everything.matches("x/$SYS") == Answer::yes);

  const CompiledFilter shared("$share/g/+/b");
  CHECK(shared.text() == "$share/g/+/b");
  CHECK(shared.matches("a/b") == Answer::yes);
  CHECK(shared.matches("$share/g/a/b") == Answer::no);

  CHECK_THROWS_AS(CompiledFilter{"a/#/b"}, wave::Error);
  CHECK_THROWS_AS(CompiledFilter{"1/2/3/4/5/6/7/8/9/10/11"}, wave::Error);
  CHECK_NOTHROW(CompiledFilter("1/2/3/4/5/6/7/8/9/10/11", 11));
  try {
    CompiledFilter bad("$share/g");
    FAIL("no exception");
  } catch (const wave::Error& error) {
    CHECK(error.status() == WAVE_ERR_INVALID_ARGUMENT);
  }
}

TEST_CASE("filter sets answer as the union of their filters") {
  std::mt19937 random(7);
  const std::vector<std::string> words = {"a", "b", "", "$x", "+", "#"};
  auto random_filter = [&](bool allow_wildcards) {
    std::string filter;
    const std::size_t levels = 1 + random() % 4;
    for (std::size_t i = 0; i < levels; ++i) {
      std::string word = words[random() % (allow_wildcards ? words.size() : words.size() - 2)];
      if (word == "#" && i + 1 != levels) word = "+";
      filter += (i == 0 ? "" : "/") + word;
    }
    return filter.empty() ? "b"s : filter;
  };
  for (int round = 0; round < 400; ++round) {
    std::vector<std::string> patterns;
    const std::size_t count = random() % 5;
    for (std::size_t i = 0; i < count; ++i) patterns.push_back(random_filter(true));
    const FilterSet set(patterns, 10);
    CHECK(set.size() == count);
    for (int i = 0; i < 60; ++i) {
      const std::string topic = random_filter(false);
      const std::string sub = random_filter(true);
      bool any_match = false, any_cover = false;
      for (const auto& pattern : patterns) {
        any_match = any_match || matches(pattern, topic) == Answer::yes;
        any_cover = any_cover || covers(pattern, sub) == Answer::yes;
      }
      if (set.any_matches(topic) != any_match || set.any_covers(sub) != any_cover) {
        std::string all;
        for (const auto& pattern : patterns) all += " [" + pattern + "]";
        FAIL_CHECK("set" << all << " topic " << topic << " sub " << sub);
      }
    }
  }
  const FilterSet empty;
  CHECK_FALSE(empty.any_matches("a"));
  CHECK_FALSE(empty.any_covers("a"));
  const FilterSet none(std::vector<std::string>{}, 10);
  CHECK_FALSE(none.any_matches("a"));
  CHECK_THROWS_AS(FilterSet(std::vector<std::string>{"a/#/b"}, 10), wave::Error);
  CHECK_THROWS_AS(FilterSet(std::vector<std::string>{"$share/g/a"}, 10), wave::Error);
  CHECK_THROWS_AS(FilterSet(std::vector<std::string>{"1/2/3"}, 2), wave::Error);
  CHECK_NOTHROW(FilterSet(std::vector<std::string>{"1/2/3"}, 0));
}

}  // TEST_SUITE
