// What the wave CLI's commands share: the exit-code vocabulary, error reporting, secrets from
// stdin, JSON output, owned C handles and the CLI11 plumbing.  The CLI uses only the public C
// API (<wave/wave.h>), like any program embedding libwave.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <wave/wave.h>

namespace cli {

// The exit status of every wave command: one vocabulary for the whole CLI.
enum class Exit : int {
  kOk = 0,        // success, or the answer is yes (match, covered, valid)
  kNo = 1,        // the answer is no or the request was refused: mismatch, no match, not
                  // covered, invalid token, denied, not found, conflict
  kUsage = 2,     // bad usage, configuration or argument (malformed hash, invalid filter or ID)
  kFault = 3,     // a backend fault: Redis, MongoDB or the app endpoint unavailable, too slow or
                  // broken; a failed local read or write
  kInternal = 4,  // out of memory, or a bug
};

// The exit status a wave_status stands for.
Exit exit_for(wave_status status);

// The exit-code table printed in --help texts.
extern const char* const kExitCodesHelp;

// A usage error CLI11 cannot see (operands whose need depends on a flag): reported like a
// CLI11 parse error, with the command's usage line and exit status kUsage.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Prints "wave: <what>: <wave_last_error_message()> (<status name>)" to stderr and returns
// exit_for(status).  Wave's messages never carry secrets.
Exit report(std::string_view what, wave_status status);

// A secret (password, token) read from stdin to EOF as bytes, with one trailing "\n" or
// "\r\n" removed; wiped from memory when done (best effort: stream buffers may hold copies).
class Secret {
 public:
  Secret();  // reads stdin
  ~Secret();
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(text_.data()); }
  std::size_t size() const { return text_.size(); }
  bool empty() const { return text_.empty(); }

 private:
  std::string text_;
};

// One JSON document written with RapidJSON (never by hand), printed as one line on stdout.
class JsonOut {
 public:
  JsonOut() : writer_(buffer_) {}
  rapidjson::Writer<rapidjson::StringBuffer>& operator*() { return writer_; }
  rapidjson::Writer<rapidjson::StringBuffer>* operator->() { return &writer_; }
  void print();

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// Prints {"<key>": <value>} on one line.
void print_json_field(const char* key, const char* value);
void print_json_field(const char* key, bool value);

// `text` as a JSON string literal, to show arbitrary argument bytes safely in a message.
std::string json_quoted(std::string_view text);

// Prints a JSON string a `*_to_json` C function returned, then wipes it (it may hold a
// password) and frees it with wave_string_free().
void print_wave_json(char* json);

// Owned C handles, freed by the matching wave_*_free.
struct Free {
  void operator()(wave_config* p) const noexcept { wave_config_free(p); }
  void operator()(wave_service* p) const noexcept { wave_service_free(p); }
  void operator()(wave_credentials* p) const noexcept { wave_credentials_free(p); }
  void operator()(wave_resolution* p) const noexcept { wave_resolution_free(p); }
  void operator()(wave_group* p) const noexcept { wave_group_free(p); }
  void operator()(wave_group_creation* p) const noexcept { wave_group_creation_free(p); }
  void operator()(wave_group_list* p) const noexcept { wave_group_list_free(p); }
  void operator()(wave_filter* p) const noexcept { wave_filter_free(p); }
  void operator()(wave_acl_patterns* p) const noexcept { wave_acl_patterns_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

// Loads the config at `path` (empty: wave_config_load() reads $WAVE_CONFIG_FILE_PATH itself
// and names it in its message).  Prints the error and returns its exit status on failure.
Exit load_config(const std::string& path, Owned<wave_config>& config);

// ---- CLI11 plumbing -----------------------------------------------------------------------

// What a leaf command does once its arguments have parsed.
using Action = std::function<Exit()>;

// The leaf commands and their actions.
class Commands {
 public:
  explicit Commands(CLI::App& root) : root_(root) {}
  CLI::App& root() { return root_; }

  // A command group under `parent` (e.g. "wave bcrypt"): exactly one of its commands must
  // follow.  Once one has, later words are operands, never other command names.
  CLI::App* add_group(CLI::App& parent, const std::string& name, const std::string& description);
  // A leaf command under `parent`, running `action` when chosen.
  CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& description);
  void on_run(const CLI::App* command, Action action) { actions_[command] = std::move(action); }
  // The action of `command`, or nullptr.
  const Action* action_of(const CLI::App* command) const;

 private:
  CLI::App& root_;
  std::map<const CLI::App*, Action> actions_;
};

// --config FILE, defaulting to $WAVE_CONFIG_FILE_PATH (CLI11's envname).
CLI::Option* add_config_option(CLI::App& command, std::string& path);
// --json: structured output.
CLI::Option* add_json_flag(CLI::App& command, bool& json, const std::string& description);
// Help texts that start with the usage line ("usage: wave bcrypt hash [OPTIONS]").
std::shared_ptr<CLI::Formatter> make_formatter();
// "wave bcrypt hash": the words that select `command`.
std::string command_path(const CLI::App& command);
// The usage line of `command`, ending in "\n".
std::string usage_line(const CLI::App& command);
// Accepts only decimal integers and has CLI11 read them as such (by itself it would read "010"
// as octal and "0x1f" as hex).  Use with ->transform(), before range checks.
extern const CLI::Validator kDecimal;

}  // namespace cli

// Each file adds its commands to the root.
void add_bcrypt_commands(cli::Commands& commands);
void add_local_commands(cli::Commands& commands);    // uuid, config, token
void add_topic_commands(cli::Commands& commands);    // topic, acl
void add_service_commands(cli::Commands& commands);  // login, resolve, group, revoke
