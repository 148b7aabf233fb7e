// wave topic (match, covers, sender) and wave acl (private, group): MQTT topic rules and
// Wave's topic scheme, through the public C API only.
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cli_util.hpp"

namespace {

using cli::Exit;

// ---- The C API's topic calls, each in one place ------------------------------------------

// The CLI's --max-depth 0 means no limit; the library's 0 means its default.
unsigned library_depth(unsigned max_depth) { return max_depth == 0 ? WAVE_TOPIC_UNLIMITED_DEPTH : max_depth; }

bool is_valid_filter(const std::string& filter, unsigned max_depth) {
  return wave_topic_is_valid_filter(filter.c_str(), library_depth(max_depth)) == 1;
}

bool is_valid_name(const std::string& topic, unsigned max_depth) {
  return wave_topic_is_valid_name(topic.c_str(), library_depth(max_depth)) == 1;
}

// 1 match, 0 no match, -1 invalid.
int topic_matches(const std::string& filter, const std::string& topic, unsigned max_depth) {
  return wave_topic_matches(filter.c_str(), topic.c_str(), library_depth(max_depth));
}

// 1 covered, 0 not, -1 invalid.
int filter_covers(const std::string& acl_filter, const std::string& sub_filter, unsigned max_depth) {
  return wave_filter_covers(acl_filter.c_str(), sub_filter.c_str(), library_depth(max_depth));
}

// The compiled filter, or nullptr when `text` is not a valid filter; throws std::bad_alloc
// when out of memory.
cli::Owned<wave_filter> compile_filter(const std::string& text, unsigned max_depth) {
  wave_filter* filter = nullptr;
  const wave_status status = wave_filter_compile(text.c_str(), library_depth(max_depth), &filter);
  if (status == WAVE_ERR_NO_MEMORY) throw std::bad_alloc();
  return cli::Owned<wave_filter>(filter);
}

// 1 match, 0 no match, -1 invalid topic (bytes, not NUL-terminated).
int filter_matches(const wave_filter& filter, std::string_view topic) {
  return wave_filter_matches(&filter, topic.data(), topic.size());
}

// ---- wave topic match --------------------------------------------------------------------

void print_invalid(const char* what, const std::string& text) {
  std::fprintf(stderr, "wave: invalid %s: %s\n", what, cli::json_quoted(text).c_str());
}

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

  cli::Owned<wave_filter> compile(std::string_view text) const {
    // The C API takes NUL-terminated filters: one with a NUL byte inside is invalid anyway.
    if (text.find('\0') != std::string_view::npos) return nullptr;
    return compile_filter(std::string(text), max_depth_);
  }

  unsigned max_depth_;
  std::unordered_map<std::string, cli::Owned<wave_filter>, TransparentHash, std::equal_to<>> cache_;
  const std::pair<const std::string, cli::Owned<wave_filter>>* last_ = nullptr;
};

Exit match_batch(unsigned max_depth) {
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
        result = filter_matches(*filter, topic);
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
    return Exit::kFault;
  }
  if (!pending.empty()) answer_line(pending);  // a last line without "\n"
  if (!flush() || std::fflush(stdout) != 0) {
    std::fputs("wave: topic match --batch: error writing stdout\n", stderr);
    return Exit::kFault;
  }
  return Exit::kOk;
}

struct MatchOptions {
  unsigned max_depth = WAVE_TOPIC_DEFAULT_MAX_DEPTH;
  bool batch = false;
  std::string filter;
  std::string topic;
  CLI::Option* filter_option = nullptr;
  CLI::Option* topic_option = nullptr;
};

Exit topic_match(const MatchOptions& options) {
  if (options.batch) return match_batch(options.max_depth);  // CLI11 refused operands with --batch
  if (options.filter_option->count() == 0 || options.topic_option->count() == 0)
    throw cli::UsageError("match needs FILTER and TOPIC, or --batch");
  if (!is_valid_filter(options.filter, options.max_depth)) {
    print_invalid("topic filter", options.filter);
    return Exit::kUsage;
  }
  if (!is_valid_name(options.topic, options.max_depth)) {
    print_invalid("topic name", options.topic);
    return Exit::kUsage;
  }
  const int result = topic_matches(options.filter, options.topic, options.max_depth);
  if (result < 0) return cli::report("topic match", WAVE_ERR_INVALID_ARGUMENT);
  std::puts(result == 1 ? "match" : "nomatch");
  return result == 1 ? Exit::kOk : Exit::kNo;
}

// ---- wave topic covers / sender ----------------------------------------------------------

struct CoversOptions {
  unsigned max_depth = WAVE_TOPIC_DEFAULT_MAX_DEPTH;
  std::string acl_filter;
  std::string sub_filter;
};

Exit topic_covers(const CoversOptions& options) {
  for (const std::string* filter : {&options.acl_filter, &options.sub_filter}) {
    if (!is_valid_filter(*filter, options.max_depth)) {
      print_invalid("topic filter", *filter);
      return Exit::kUsage;
    }
  }
  const int result = filter_covers(options.acl_filter, options.sub_filter, options.max_depth);
  if (result < 0) return cli::report("topic covers", WAVE_ERR_INVALID_ARGUMENT);
  std::puts(result == 1 ? "covered" : "notcovered");
  return result == 1 ? Exit::kOk : Exit::kNo;
}

Exit topic_sender(const std::string& topic) {
  wave_conversation_kind kind{};
  char sender[WAVE_UUID_STRING_SIZE];  // a sender is an internal ID, a UUID
  char peer[WAVE_TOPIC_GROUP_ID_SIZE];
  const wave_status status = wave_topic_identify_sender(topic.c_str(), &kind, sender, peer);
  if (status != WAVE_OK) return cli::report("topic sender", status);
  const bool is_private = kind == WAVE_CONVERSATION_PRIVATE;
  cli::JsonOut json;
  json->StartObject();
  json->Key("kind");
  json->String(is_private ? "private" : "group");
  json->Key("sender");
  json->String(sender);
  json->Key(is_private ? "recipient" : "group");
  json->String(peer);
  json->EndObject();
  json.print();
  return Exit::kOk;
}

// ---- wave acl ----------------------------------------------------------------------------

Exit print_patterns(const char* what, wave_status status, wave_acl_patterns* raw) {
  if (status != WAVE_OK) return cli::report(what, status);
  const cli::Owned<wave_acl_patterns> patterns(raw);
  cli::JsonOut json;
  auto list = [&](const char* key, size_t count, const char* (*at)(const wave_acl_patterns*, size_t)) {
    json->Key(key);
    json->StartArray();
    for (size_t i = 0; i < count; ++i) json->String(at(patterns.get(), i));
    json->EndArray();
  };
  json->StartObject();
  list("publish", wave_acl_patterns_publish_count(patterns.get()), wave_acl_patterns_publish);
  list("subscribe", wave_acl_patterns_subscribe_count(patterns.get()), wave_acl_patterns_subscribe);
  json->EndObject();
  json.print();
  return Exit::kOk;
}

Exit acl_private(const std::string& internal_id) {
  wave_acl_patterns* patterns = nullptr;
  const wave_status status = wave_acl_private_patterns(internal_id.c_str(), &patterns);
  return print_patterns("acl private", status, patterns);
}

Exit acl_group(const std::string& group_id, const std::string& internal_id) {
  wave_acl_patterns* patterns = nullptr;
  const wave_status status = wave_acl_group_patterns(group_id.c_str(), internal_id.c_str(), &patterns);
  return print_patterns("acl group", status, patterns);
}

CLI::Option* add_max_depth_option(CLI::App& command, unsigned& max_depth, const char* what) {
  return command
      .add_option("--max-depth", max_depth,
                  std::string("at most N levels per ") + what + " (default " +
                      std::to_string(WAVE_TOPIC_DEFAULT_MAX_DEPTH) + "; 0 = no limit)")
      ->type_name("N")
      ->transform(cli::kDecimal)
      ->check(CLI::Range(0, WAVE_TOPIC_MAX_LENGTH));
}

void add_topic_group(cli::Commands& commands) {
  CLI::App* topic = commands.add_group(commands.root(), "topic", "MQTT topic and filter rules");

  auto match_options = std::make_shared<MatchOptions>();
  CLI::App* match = commands.add_command(*topic, "match", "does a topic filter match a topic name?");
  add_max_depth_option(*match, match_options->max_depth, "filter and topic");
  CLI::Option* batch = match->add_flag("--batch", match_options->batch, "read FILTER<TAB>TOPIC lines on stdin");
  match_options->filter_option = match->add_option("FILTER", match_options->filter, "an MQTT topic filter");
  match_options->topic_option = match->add_option("TOPIC", match_options->topic, "an MQTT topic name");
  batch->excludes(match_options->filter_option)->excludes(match_options->topic_option);
  for (CLI::Option* operand : {match_options->filter_option, match_options->topic_option}) operand->type_name("");
  match->footer(
      "Matching follows MQTT 3.1.1/5.0 section 4.7: '+' is one level (empty levels count), '#' the\n"
      "rest including the parent level, wildcards in the first level never match topics starting\n"
      "with '$', $share/<group>/<filter> matches as <filter>.  Prints match or nomatch; exit 0\n"
      "match, 1 no match, 2 invalid filter or topic.  Put '--' before operands that start with '-'.\n"
      "\n"
      "--batch: each stdin line is FILTER, a TAB, then TOPIC (the first TAB separates them; the\n"
      "line ends at \\n and everything before it, a \\r included, belongs to the topic).  Prints\n"
      "one of match, nomatch, invalid per line, in order.  Exit 0 once all input is answered.");
  commands.on_run(match, [match_options] { return topic_match(*match_options); });

  auto covers_options = std::make_shared<CoversOptions>();
  CLI::App* covers =
      commands.add_command(*topic, "covers", "may a subscription to SUB_FILTER be granted under ACL_FILTER?");
  add_max_depth_option(*covers, covers_options->max_depth, "filter");
  covers->add_option("ACL_FILTER", covers_options->acl_filter, "the filter an ACL grants")->required()->type_name("");
  covers->add_option("SUB_FILTER", covers_options->sub_filter, "the filter subscribed to")->required()->type_name("");
  covers->footer(
      "Strict coverage: yes when every topic SUB_FILTER matches is matched by ACL_FILTER: 'a/#'\n"
      "covers 'a/+/b' and 'a'; 'a/+' does not cover 'a/#'; '#' does not cover '$SYS/#'.\n"
      "$share/<group>/<f> is judged by <f>.  Prints covered or notcovered; exit 0 covered,\n"
      "1 not covered, 2 invalid filter.");
  commands.on_run(covers, [covers_options] { return topic_covers(*covers_options); });

  auto sender_topic = std::make_shared<std::string>();
  CLI::App* sender = commands.add_command(*topic, "sender", "who sent a message, from its topic (Wave's scheme)");
  sender->add_option("TOPIC", *sender_topic, "a topic name")->required()->type_name("");
  sender->footer(
      "conversations/private/<sender>/<recipient>  -> {\"kind\":\"private\",\"sender\":...,\"recipient\":...}\n"
      "conversations/group/<group>/<sender>        -> {\"kind\":\"group\",\"sender\":...,\"group\":...}\n"
      "Exit 0 with the JSON on stdout, 2 for a topic outside the scheme.");
  commands.on_run(sender, [sender_topic] { return topic_sender(*sender_topic); });
}

void add_acl_group(cli::Commands& commands) {
  CLI::App* acl = commands.add_group(commands.root(), "acl", "the VerneMQ ACL patterns Wave grants");
  acl->footer(
      "Prints {\"publish\": [...], \"subscribe\": [...]}.  ID is an internal Wave ID (a canonical\n"
      "lowercase UUID); GID is a canonical lowercase UUID or 1 to 64 characters of [A-Za-z0-9_-].\n"
      "Exit 2 for an invalid ID.");

  auto private_id = std::make_shared<std::string>();
  CLI::App* private_command = commands.add_command(*acl, "private", "the patterns of private conversations");
  private_command->add_option("ID", *private_id, "an internal Wave ID")->required()->type_name("");
  private_command->footer(acl->get_footer());
  commands.on_run(private_command, [private_id] { return acl_private(*private_id); });

  auto group_ids = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* group_command = commands.add_command(*acl, "group", "the patterns of a member of a group");
  group_command->add_option("GID", group_ids->first, "a group ID")->required()->type_name("");
  group_command->add_option("ID", group_ids->second, "the member's internal Wave ID")->required()->type_name("");
  group_command->footer(acl->get_footer());
  commands.on_run(group_command, [group_ids] { return acl_group(group_ids->first, group_ids->second); });
}

}  // namespace

void add_topic_commands(cli::Commands& commands) {
  add_topic_group(commands);
  add_acl_group(commands);
}
