// wave topic (match, covers, sender) and wave acl (private, group): MQTT topic rules and
// Wave's topic scheme, through the public C API only.
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cli_util.hpp"

namespace {

constexpr const char* kTopicUsage =
    "usage: wave topic COMMAND [ARGS...]\n"
    "\n"
    "  match FILTER TOPIC       exit 0 if FILTER matches TOPIC, 1 if not, 2 if either is invalid\n"
    "  match --batch            read FILTER<TAB>TOPIC lines on stdin, print match|nomatch|invalid\n"
    "  covers ACL_FILTER SUB    exit 0 if every topic SUB matches is matched by ACL_FILTER, 1 if\n"
    "                           not, 2 if either is invalid\n"
    "  sender TOPIC             the conversation kind, sender and recipient or group, as JSON\n"
    "\n"
    "Run 'wave topic COMMAND --help' for details.\n";

constexpr const char* kMatchUsage =
    "usage: wave topic match [--max-depth N] FILTER TOPIC\n"
    "       wave topic match [--max-depth N] --batch < LINES\n"
    "\n"
    "Matches an MQTT topic name against a topic filter (MQTT 3.1.1/5.0 section 4.7): '+' is one\n"
    "level (empty levels count), '#' the rest including the parent level, wildcards in the first\n"
    "level never match topics starting with '$', $share/<group>/<filter> matches as <filter>.\n"
    "Prints match or nomatch; exit 0 match, 1 no match, 2 invalid filter or topic.\n"
    "\n"
    "--batch: each stdin line is FILTER, a TAB, then TOPIC (the first TAB separates them; the\n"
    "line ends at \\n and everything before it, a \\r included, belongs to the topic).  Prints\n"
    "one of match, nomatch, invalid per line, in order.  Exit 0 once all input is answered.\n"
    "\n"
    "--max-depth N   at most N levels per filter and topic (default 10; 0 = no limit)\n";

constexpr const char* kCoversUsage =
    "usage: wave topic covers [--max-depth N] ACL_FILTER SUB_FILTER\n"
    "\n"
    "Strict coverage: may a subscription to SUB_FILTER be granted under ACL_FILTER?  Yes when\n"
    "every topic SUB_FILTER matches is matched by ACL_FILTER: 'a/#' covers 'a/+/b' and 'a';\n"
    "'a/+' does not cover 'a/#'; '#' does not cover '$SYS/#'.  $share/<group>/<f> is judged by <f>.\n"
    "Prints covered or notcovered; exit 0 covered, 1 not covered, 2 invalid filter.\n"
    "\n"
    "--max-depth N   at most N levels per filter (default 10; 0 = no limit)\n";

constexpr const char* kSenderUsage =
    "usage: wave topic sender TOPIC\n"
    "\n"
    "Identifies who sent a message from its topic, for Wave's scheme only:\n"
    "  conversations/private/<sender>/<recipient>  -> {\"kind\":\"private\",\"sender\":...,\"recipient\":...}\n"
    "  conversations/group/<group>/<sender>        -> {\"kind\":\"group\",\"sender\":...,\"group\":...}\n"
    "Exit 0 with the JSON on stdout, 2 for a topic outside the scheme.\n";

constexpr const char* kAclUsage =
    "usage: wave acl private ID\n"
    "       wave acl group GID ID\n"
    "\n"
    "Prints the VerneMQ ACL patterns Wave grants, as {\"publish\":[...],\"subscribe\":[...]}.\n"
    "ID is an internal Wave ID (a canonical lowercase UUID); GID is a canonical lowercase UUID\n"
    "or 1 to 64 characters of [A-Za-z0-9_-].  Exit 2 for an invalid ID.\n";

unsigned parse_max_depth(cli::Args& args) {
  const auto value = args.option("--max-depth");
  if (!value) return WAVE_TOPIC_DEFAULT_MAX_DEPTH;
  const auto depth = static_cast<unsigned>(cli::parse_int(*value, 0, WAVE_TOPIC_MAX_LENGTH, "--max-depth"));
  return depth == 0 ? WAVE_TOPIC_UNLIMITED_DEPTH : depth;  // the CLI's 0 means no limit
}

void print_invalid(const char* what, const std::string& text) {
  std::fprintf(stderr, "wave: invalid %s: %s\n", what, cli::json_quote(text).c_str());
}

// ---- wave topic match ----------------------------------------------------------------

struct FilterFree {
  void operator()(wave_filter* filter) const noexcept { wave_filter_free(filter); }
};
using FilterPtr = std::unique_ptr<wave_filter, FilterFree>;

struct TransparentHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

// Compiled filters by their text (nullptr for an invalid one): batch input typically repeats
// a few filters over many topics, so each is compiled once.  Bounded, so that input with
// millions of distinct filters cannot exhaust memory.
class FilterCache {
 public:
  explicit FilterCache(unsigned max_depth) : max_depth_(max_depth) {}

  // The compiled filter, nullptr when invalid; throws std::bad_alloc when out of memory.
  const wave_filter* get(std::string_view text) {
    if (last_ != nullptr && last_->first == text) return last_->second.get();
    auto found = cache_.find(text);
    if (found == cache_.end()) {
      if (cache_.size() >= kMaxEntries) {
        cache_.clear();
        last_ = nullptr;
      }
      found = cache_.emplace(std::string(text), compile(text)).first;
    }
    last_ = &*found;
    return found->second.get();
  }

 private:
  static constexpr std::size_t kMaxEntries = 65536;

  FilterPtr compile(std::string_view text) const {
    // The C API takes NUL-terminated filters: one with a NUL byte inside is invalid anyway.
    if (text.find('\0') != std::string_view::npos) return nullptr;
    const std::string copy(text);
    wave_filter* filter = nullptr;
    const wave_status status = wave_filter_compile(copy.c_str(), max_depth_, &filter);
    if (status == WAVE_ERR_NO_MEMORY) throw std::bad_alloc();
    return FilterPtr(filter);
  }

  unsigned max_depth_;
  std::unordered_map<std::string, FilterPtr, TransparentHash, std::equal_to<>> cache_;
  const std::pair<const std::string, FilterPtr>* last_ = nullptr;
};

int match_batch(unsigned max_depth) {
  FilterCache filters(max_depth);
  std::string pending;  // an incomplete line carried over to the next read
  std::string output;
  constexpr std::size_t kChunk = 1 << 20;
  auto buffer = std::make_unique<char[]>(kChunk);
  auto answer_line = [&](std::string_view line) {
    const std::size_t tab = line.find('\t');
    int result = -1;
    if (tab != std::string_view::npos) {
      const wave_filter* filter = filters.get(line.substr(0, tab));
      if (filter != nullptr) {
        const std::string_view topic = line.substr(tab + 1);
        result = wave_filter_matches(filter, topic.data(), topic.size());
      }
    }
    output += result == 1 ? "match\n" : result == 0 ? "nomatch\n" : "invalid\n";
  };
  auto flush = [&]() -> bool {
    if (!output.empty() && std::fwrite(output.data(), 1, output.size(), stdout) != output.size()) {
      return false;
    }
    output.clear();
    return true;
  };
  for (;;) {
    const std::size_t got = std::fread(buffer.get(), 1, kChunk, stdin);
    if (got == 0) break;
    std::string_view chunk(buffer.get(), got);
    for (std::size_t newline; (newline = chunk.find('\n')) != std::string_view::npos;) {
      if (pending.empty()) {
        answer_line(chunk.substr(0, newline));
      } else {
        pending.append(chunk.substr(0, newline));
        answer_line(pending);
        pending.clear();
      }
      chunk.remove_prefix(newline + 1);
    }
    pending.append(chunk);
    if (output.size() >= kChunk && !flush()) break;
  }
  if (std::ferror(stdin)) {
    std::fputs("wave: topic match --batch: error reading stdin\n", stderr);
    return cli::kInvalid;
  }
  if (!pending.empty()) answer_line(pending);  // a last line without "\n"
  if (!flush() || std::fflush(stdout) != 0) {
    std::fputs("wave: topic match --batch: error writing stdout\n", stderr);
    return cli::kInvalid;
  }
  return cli::kOk;
}

int topic_match(cli::Args& args) {
  return cli::run_command(args, kMatchUsage, [&]() -> int {
    const bool batch = args.flag("--batch");
    const unsigned max_depth = parse_max_depth(args);
    const auto words = args.positionals();
    if (batch) {
      if (!words.empty()) throw cli::UsageError{"--batch takes no arguments: lines come on stdin"};
      return match_batch(max_depth);
    }
    if (words.size() != 2) throw cli::UsageError{"match needs FILTER and TOPIC"};
    if (!wave_topic_is_valid_filter(words[0].c_str(), max_depth)) {
      print_invalid("topic filter", words[0]);
      return cli::kInvalid;
    }
    if (!wave_topic_is_valid_name(words[1].c_str(), max_depth)) {
      print_invalid("topic name", words[1]);
      return cli::kInvalid;
    }
    const int result = wave_topic_matches(words[0].c_str(), words[1].c_str(), max_depth);
    if (result < 0) {
      cli::print_error("topic match", WAVE_ERR_INVALID_ARGUMENT);
      return cli::kInvalid;
    }
    std::puts(result == 1 ? "match" : "nomatch");
    return result == 1 ? cli::kOk : cli::kNo;
  });
}

// ---- wave topic covers / sender --------------------------------------------------------

int topic_covers(cli::Args& args) {
  return cli::run_command(args, kCoversUsage, [&]() -> int {
    const unsigned max_depth = parse_max_depth(args);
    const auto words = args.positionals();
    if (words.size() != 2) throw cli::UsageError{"covers needs ACL_FILTER and SUB_FILTER"};
    for (const auto& filter : words) {
      if (!wave_topic_is_valid_filter(filter.c_str(), max_depth)) {
        print_invalid("topic filter", filter);
        return cli::kInvalid;
      }
    }
    const int result = wave_filter_covers(words[0].c_str(), words[1].c_str(), max_depth);
    if (result < 0) {
      cli::print_error("topic covers", WAVE_ERR_INVALID_ARGUMENT);
      return cli::kInvalid;
    }
    std::puts(result == 1 ? "covered" : "notcovered");
    return result == 1 ? cli::kOk : cli::kNo;
  });
}

int topic_sender(cli::Args& args) {
  return cli::run_command(args, kSenderUsage, [&]() -> int {
    const auto words = args.positionals();
    if (words.size() != 1) throw cli::UsageError{"sender needs TOPIC"};
    wave_conversation_kind kind{};
    char sender[WAVE_UUID_STRING_SIZE];
    char peer[WAVE_TOPIC_GROUP_ID_SIZE];
    const wave_status status = wave_topic_identify_sender(words[0].c_str(), &kind, sender, peer);
    if (status != WAVE_OK) {
      cli::print_error("topic sender", status);
      return cli::kInvalid;
    }
    const bool is_private = kind == WAVE_CONVERSATION_PRIVATE;
    std::printf("{\"kind\":%s,\"sender\":%s,%s:%s}\n",
                cli::json_quote(is_private ? "private" : "group").c_str(),
                cli::json_quote(sender).c_str(),
                cli::json_quote(is_private ? "recipient" : "group").c_str(),
                cli::json_quote(peer).c_str());
    return cli::kOk;
  });
}

// ---- wave acl ------------------------------------------------------------------------

std::string json_patterns(const wave_acl_patterns* patterns) {
  auto list = [&](size_t count, const char* (*at)(const wave_acl_patterns*, size_t)) {
    std::string json = "[";
    for (size_t i = 0; i < count; ++i) {
      if (i > 0) json += ",";
      json += cli::json_quote(at(patterns, i));
    }
    return json + "]";
  };
  return "{\"publish\":" + list(wave_acl_patterns_publish_count(patterns), wave_acl_patterns_publish) +
         ",\"subscribe\":" +
         list(wave_acl_patterns_subscribe_count(patterns), wave_acl_patterns_subscribe) + "}";
}

int print_patterns(wave_status status, wave_acl_patterns* patterns, const char* what) {
  if (status != WAVE_OK) {
    cli::print_error(what, status);
    return cli::kInvalid;
  }
  std::puts(json_patterns(patterns).c_str());
  wave_acl_patterns_free(patterns);
  return cli::kOk;
}

}  // namespace

int cmd_topic(int argc, char** argv) {
  if (argc < 3) {
    std::fputs(kTopicUsage, stderr);
    return cli::kInvalid;
  }
  const std::string_view command = argv[2];
  cli::Args args(argc, argv, 3);
  if (command == "match") return topic_match(args);
  if (command == "covers") return topic_covers(args);
  if (command == "sender") return topic_sender(args);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kTopicUsage, stdout);
    return cli::kOk;
  }
  std::fprintf(stderr, "wave: unknown topic command %s\n%s", cli::json_quote(command).c_str(),
               kTopicUsage);
  return cli::kInvalid;
}

int cmd_acl(int argc, char** argv) {
  if (argc < 3) {
    std::fputs(kAclUsage, stderr);
    return cli::kInvalid;
  }
  const std::string_view command = argv[2];
  cli::Args args(argc, argv, 3);
  if (command == "private") {
    return cli::run_command(args, kAclUsage, [&]() -> int {
      const auto words = args.positionals();
      if (words.size() != 1) throw cli::UsageError{"acl private needs ID"};
      wave_acl_patterns* patterns = nullptr;
      const wave_status status = wave_acl_private_patterns(words[0].c_str(), &patterns);
      return print_patterns(status, patterns, "acl private");
    });
  }
  if (command == "group") {
    return cli::run_command(args, kAclUsage, [&]() -> int {
      const auto words = args.positionals();
      if (words.size() != 2) throw cli::UsageError{"acl group needs GID and ID"};
      wave_acl_patterns* patterns = nullptr;
      const wave_status status = wave_acl_group_patterns(words[0].c_str(), words[1].c_str(), &patterns);
      return print_patterns(status, patterns, "acl group");
    });
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kAclUsage, stdout);
    return cli::kOk;
  }
  std::fprintf(stderr, "wave: unknown acl command %s\n%s", cli::json_quote(command).c_str(),
               kAclUsage);
  return cli::kInvalid;
}
