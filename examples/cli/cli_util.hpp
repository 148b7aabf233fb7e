// Helpers shared by the wave CLI's commands.  The CLI uses only the public C API.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <wave/wave.h>

namespace cli {

// Exit codes shared by every command.
enum Exit : int { kOk = 0, kNo = 1, kInvalid = 2 };

// Arguments after the command words, with flag helpers.
class Args {
 public:
  Args(int argc, char** argv, int first);
  // True (and consumed) when `flag` is present, e.g. "--json".
  bool flag(std::string_view name);
  // The value of `--name VALUE` or `--name=VALUE` (consumed), if present.  Throws
  // UsageError when the flag is present without a value.
  std::optional<std::string> option(std::string_view name);
  // Remaining positional arguments; throws UsageError on an unknown "--flag".
  std::vector<std::string> positionals() const;
  bool wants_help() const;

 private:
  std::vector<std::string> items_;
};

struct UsageError {
  std::string message;
};

// Reads stdin to EOF as bytes and removes one trailing "\n" or "\r\n".
std::string read_secret_from_stdin();

// Prints "wave: <what>: <wave_last_error_message()>" to stderr.
void print_error(const std::string& what, wave_status status);

// JSON string literal for `text` (quotes and escapes included).
std::string json_quote(std::string_view text);

// Parses a decimal int in [min, max]; throws UsageError naming `what` otherwise.
int parse_int(const std::string& text, int min, int max, const char* what);

// Loads the config from --config FILE or WAVE_CONFIG_FILE_PATH; prints the error and
// returns NULL when it fails.  The caller frees it with wave_config_free().
wave_config* load_config(const std::optional<std::string>& path);

}  // namespace cli

// Command groups: each returns the process exit code.  `args` holds what follows the group
// word (e.g. for "wave bcrypt hash --cost 4", the group is "bcrypt" and args are
// "hash --cost 4").
int cmd_bcrypt(int argc, char** argv);
int cmd_uuid(int argc, char** argv);
int cmd_config(int argc, char** argv);
int cmd_token(int argc, char** argv);
int cmd_topic(int argc, char** argv);
int cmd_acl(int argc, char** argv);
int cmd_login(int argc, char** argv);
int cmd_resolve(int argc, char** argv);
int cmd_group(int argc, char** argv);
int cmd_revoke(int argc, char** argv);

namespace cli {
// Runs a command body, turning UsageError into "wave: <message>" + usage on stderr and
// exit code 2.  `usage` is printed for --help (to stdout, exit 0) as well.
template <class Body>
int run_command(const Args& args, const char* usage, Body&& body) {
  if (args.wants_help()) {
    std::fputs(usage, stdout);
    return kOk;
  }
  try {
    return body();
  } catch (const UsageError& error) {
    std::fprintf(stderr, "wave: %s\n%s", error.message.c_str(), usage);
    return kInvalid;
  }
}
}  // namespace cli
