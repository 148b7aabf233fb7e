#include "cli_util.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <sstream>

namespace cli {

Exit exit_for(wave_status status) {
  switch (status) {
    case WAVE_OK: return Exit::kOk;
    case WAVE_ERR_INVALID_TOKEN:
    case WAVE_ERR_DENIED:
    case WAVE_ERR_NOT_FOUND:
    case WAVE_ERR_CONFLICT:
    case WAVE_ERR_RATE_LIMITED: return Exit::kNo;
    case WAVE_ERR_INVALID_ARGUMENT:
    case WAVE_ERR_CONFIG:
    case WAVE_ERR_PARSE: return Exit::kUsage;
    case WAVE_ERR_UNAVAILABLE:
    case WAVE_ERR_TIMEOUT:
    case WAVE_ERR_UPSTREAM:
    case WAVE_ERR_BACKEND:
    case WAVE_ERR_IO: return Exit::kFault;
    case WAVE_ERR_NO_MEMORY:
    case WAVE_ERR_INTERNAL:
    case WAVE_ERR_WOULD_BLOCK: return Exit::kInternal;  // the CLI never asks for cache-only answers
  }
  return Exit::kInternal;  // a status this CLI does not know yet
}

const char* const kExitCodesHelp =
    "Exit codes:\n"
    "  0  success (or yes: a match, covered, valid)\n"
    "  1  refused (or no): invalid token, not allowed, not found, a conflict, rate limited\n"
    "     (try again later); a mismatch, no match, not covered\n"
    "  2  usage or configuration error, or an invalid argument\n"
    "  3  a backend fault: Redis, MongoDB or the app endpoint unavailable, too slow or broken;\n"
    "     a failed read or write of stdin or stdout\n"
    "  4  internal error\n";

Exit report(std::string_view what, wave_status status) {
  const char* message = wave_last_error_message();
  std::fprintf(stderr, "wave: %.*s: %s (%s)\n", static_cast<int>(what.size()), what.data(),
               (message != nullptr && *message != '\0') ? message : "failed", wave_status_str(status));
  return exit_for(status);
}

Secret::Secret() {
  // Read straight into the member, so that no other string holds the secret.
  text_.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  if (!text_.empty() && text_.back() == '\n') {
    text_.pop_back();
    if (!text_.empty() && text_.back() == '\r') text_.pop_back();
  }
}

Secret::~Secret() {
  volatile char* bytes = text_.data();
  for (std::size_t i = 0; i < text_.size(); ++i) bytes[i] = 0;
}

void JsonOut::print() {
  std::fwrite(buffer_.GetString(), 1, buffer_.GetSize(), stdout);
  std::fputc('\n', stdout);
}

void print_json_field(const char* key, const char* value) {
  JsonOut json;
  json->StartObject();
  json->Key(key);
  json->String(value);
  json->EndObject();
  json.print();
}

void print_json_field(const char* key, bool value) {
  JsonOut json;
  json->StartObject();
  json->Key(key);
  json->Bool(value);
  json->EndObject();
  json.print();
}

std::string json_quoted(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return {buffer.GetString(), buffer.GetSize()};
}

void print_wave_json(char* json) {
  std::fputs(json, stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  std::memset(json, 0, std::strlen(json));
  wave_string_free(json);
}

Exit load_config(const std::string& path, Owned<wave_config>& config) {
  wave_config* raw = nullptr;
  const wave_status status = wave_config_load(path.empty() ? nullptr : path.c_str(), &raw);
  if (status != WAVE_OK) return report("config", status);
  config.reset(raw);
  return Exit::kOk;
}

// ---- CLI11 plumbing -----------------------------------------------------------------------

CLI::App* Commands::add_group(CLI::App& parent, const std::string& name, const std::string& description) {
  CLI::App* group = parent.add_subcommand(name, description);
  group->group("Commands");
  // Exactly one: once a command word has been seen, CLI11 stops reading later words (such as
  // an app user ID that happens to be "list") as command names.
  group->require_subcommand(1);
  group->footer("Run '" + command_path(*group) + " COMMAND --help' for a command's options and operands.");
  return group;
}

CLI::App* Commands::add_command(CLI::App& parent, const std::string& name, const std::string& description) {
  CLI::App* command = parent.add_subcommand(name, description);
  command->group("Commands");
  return command;
}

const Action* Commands::action_of(const CLI::App* command) const {
  const auto found = actions_.find(command);
  return found == actions_.end() ? nullptr : &found->second;
}

CLI::Option* add_config_option(CLI::App& command, std::string& path) {
  return command.add_option("--config", path, "the Wave config file")
      ->type_name("FILE")
      ->envname(WAVE_CONFIG_ENV);
}

CLI::Option* add_json_flag(CLI::App& command, bool& json, const std::string& description) {
  return command.add_flag("--json", json, description);
}

const CLI::Validator kDecimal(
    [](std::string& text) -> std::string {
      const std::size_t digits_from = (!text.empty() && text[0] == '-') ? 1 : 0;
      if (text.size() == digits_from || text.find_first_not_of("0123456789", digits_from) != std::string::npos)
        return "'" + text + "' is not a decimal number";
      // Leading zeros would make CLI11 read the number as octal.
      const std::size_t first_digit = std::min(text.find_first_not_of('0', digits_from), text.size() - 1);
      text.erase(digits_from, first_digit - digits_from);
      return {};
    },
    "", "decimal");

namespace {

// CLI11's formatter with the usage line first (then the description) and "usage:" in lower
// case, as Unix tools print it.
class Formatter final : public CLI::Formatter {
 public:
  Formatter() {
    label("Usage", "usage");
    label("Positionals", "Operands");
  }

  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
    std::ostringstream out;
    out << make_usage(app, name);
    if (const std::string description = make_description(app); !description.empty()) out << '\n' << description;
    out << make_positionals(app) << make_groups(app, mode) << make_subcommands(app, mode);
    if (const std::string footer = make_footer(app); !footer.empty()) out << '\n' << footer;
    return out.str();
  }
};

}  // namespace

std::shared_ptr<CLI::Formatter> make_formatter() { return std::make_shared<Formatter>(); }

std::string command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* parent = command.get_parent(); parent != nullptr; parent = parent->get_parent())
    path = parent->get_name() + " " + path;
  return path;
}

std::string usage_line(const CLI::App& command) {
  const auto formatter = std::dynamic_pointer_cast<CLI::Formatter>(command.get_formatter());
  if (!formatter) return "usage: " + command_path(command) + "\n";
  return formatter->make_usage(&command, command_path(command));
}

}  // namespace cli
