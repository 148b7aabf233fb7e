// wave login | resolve | group | revoke: the Wave service from the command line.  The token
// is always read from stdin (never from the command line, where other users could see it).
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_util.hpp"

namespace {

// Exit codes of the service commands (see kExitCodes below).
constexpr int kRefused = 1;  // invalid token, denied, not found, conflict
constexpr int kUsage = 2;    // bad usage, bad config, bad argument
constexpr int kFault = 3;    // Redis / MongoDB / the app endpoint unavailable, slow or broken
constexpr int kInternal = 4; // a bug or out of memory

constexpr const char* kCommonHelp =
    "\nOptions:\n"
    "  --config FILE   the Wave config (default: $WAVE_CONFIG_FILE_PATH)\n"
    "  --help          this help\n"
    "\nThe app token is read from stdin (one trailing newline is ignored).\n"
    "Results are JSON on stdout; errors go to stderr.\n"
    "\nExit codes:\n"
    "  0  success\n"
    "  1  refused: invalid token, not allowed, not found, or a conflict\n"
    "  2  usage or configuration error, or an invalid argument\n"
    "  3  a backend fault: Redis, MongoDB or the app endpoint unavailable, too slow or broken\n"
    "  4  internal error\n";

int exit_code(wave_status status) {
  switch (status) {
    case WAVE_OK: return cli::kOk;
    case WAVE_ERR_INVALID_TOKEN:
    case WAVE_ERR_DENIED:
    case WAVE_ERR_NOT_FOUND:
    case WAVE_ERR_CONFLICT: return kRefused;
    case WAVE_ERR_INVALID_ARGUMENT:
    case WAVE_ERR_CONFIG:
    case WAVE_ERR_PARSE: return kUsage;
    case WAVE_ERR_UNAVAILABLE:
    case WAVE_ERR_TIMEOUT:
    case WAVE_ERR_UPSTREAM:
    case WAVE_ERR_BACKEND:
    case WAVE_ERR_IO: return kFault;
    default: return kInternal;
  }
}

int report(const char* what, wave_status status) {
  cli::print_error(what, status);
  return exit_code(status);
}

struct Free {
  void operator()(wave_service* p) const { wave_service_free(p); }
  void operator()(wave_config* p) const { wave_config_free(p); }
  void operator()(wave_credentials* p) const { wave_credentials_free(p); }
  void operator()(wave_resolution* p) const { wave_resolution_free(p); }
  void operator()(wave_group* p) const { wave_group_free(p); }
  void operator()(wave_group_creation* p) const { wave_group_creation_free(p); }
  void operator()(wave_group_list* p) const { wave_group_list_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

// The token on stdin, wiped when done.
class Token {
 public:
  Token() : text_(cli::read_secret_from_stdin()) {}
  ~Token() {
    volatile char* p = text_.data();
    for (std::size_t i = 0; i < text_.size(); ++i) p[i] = 0;
  }
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(text_.data()); }
  std::size_t size() const { return text_.size(); }
  bool empty() const { return text_.empty(); }

 private:
  std::string text_;
};

// Prints a Wave-allocated JSON string (wiping it, as it may hold a password) and frees it.
void print_json(char* json) {
  std::fputs(json, stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  std::memset(json, 0, std::strlen(json));
  wave_string_free(json);
}

// Loads the config and creates the service; prints the error and returns the exit code
// (non-zero) when that fails.
int open_service(const std::optional<std::string>& config_path, Owned<wave_service>& service) {
  Owned<wave_config> config(cli::load_config(config_path));
  if (!config) return kUsage;
  wave_service* raw = nullptr;
  const wave_status status = wave_service_new(config.get(), &raw);
  if (status != WAVE_OK) return report("service", status);
  service.reset(raw);
  return cli::kOk;
}

int read_token(Token& token) {
  if (token.empty()) {
    std::fputs("wave: no token on stdin\n", stderr);
    return kRefused;
  }
  return cli::kOk;
}

// What every service command does first: the service from the config, then the caller's
// token from stdin (read only once the config is good).
struct Session {
  Owned<wave_service> service;
  std::optional<Token> token;

  // 0, or the exit code after printing why not.
  int open(const std::optional<std::string>& config_path) {
    if (const int code = open_service(config_path, service)) return code;
    token.emplace();
    return read_token(*token);
  }
  wave_service* get() const { return service.get(); }
  const uint8_t* token_data() const { return token->data(); }
  std::size_t token_size() const { return token->size(); }
};

// Takes ownership of the handle a call returned, renders it with `to_json` and prints it;
// reports `status` (or the rendering's failure) as `what` instead when the call failed.
template <class T>
int print_result(const char* what, wave_status status, T* raw, wave_status (*to_json)(const T*, char**)) {
  if (status != WAVE_OK) return report(what, status);
  Owned<T> owned(raw);
  char* json = nullptr;
  if (const wave_status s = to_json(owned.get(), &json); s != WAVE_OK) return report(what, s);
  print_json(json);
  return cli::kOk;
}

constexpr const char* kLoginUsage =
    "usage: wave login [--config FILE] < token\n"
    "\nLogs in with an app token and prints the MQTT credentials as JSON:\n"
    "{\"internalWaveUserID\", \"clientID\", \"username\", \"password\", \"appUserID\",\n"
    " \"publishACL\": [...], \"subscribeACL\": [...], \"groups\": [...]}\n";

constexpr const char* kResolveUsage =
    "usage: wave resolve [--config FILE] APPUSERID... < token\n"
    "\nPrints the internal IDs of app users as JSON:\n"
    "[{\"appUserID\", \"internalWaveUserID\": \"...\" or null (never logged in)}, ...]\n"
    "The caller authenticates with its own token.\n";

constexpr const char* kGroupUsage =
    "usage: wave group COMMAND [--config FILE] ... < token\n"
    "\nCommands (the token on stdin identifies the caller):\n"
    "  create NAME [--member APPUSERID]...   create a group: you own it and are a member;\n"
    "                                        prints the group, with unknownAppUserIDs\n"
    "  add GID APPUSERID                     add a member (owner only)\n"
    "  remove GID APPUSERID                  remove a member (owner only)\n"
    "  leave GID                             leave a group (not the owner)\n"
    "  delete GID                            delete a group (owner only)\n"
    "  list                                  the groups you belong to\n"
    "  members GID                           a group and its members (members only)\n";

constexpr const char* kRevokeUsage =
    "usage: wave revoke [--config FILE] < token\n"
    "\nLogs the token out: ends its session at once and replaces the broker password hash,\n"
    "so the old MQTT password stops working.  Prints {\"revoked\": true,\n"
    "\"internalWaveUserID\": \"...\"}.  Exit code 1 when there is nothing to revoke.\n";

std::string usage(const char* text) { return std::string(text) + kCommonHelp; }

void expect_count(const std::vector<std::string>& words, std::size_t count, const char* what) {
  if (words.size() != count) throw cli::UsageError{what};
}

struct GroupArgs {
  std::optional<std::string> config_path;
  std::vector<std::string> members;  // --member values
  std::vector<std::string> words;    // the command word and its operands
};

int group_create(const GroupArgs& args) {
  const auto& rest = args.words;
  const auto& members = args.members;
  if (rest.size() != 2) throw cli::UsageError{"group create takes one NAME (members with --member APPUSERID)"};
  Session session;
  if (const int code = session.open(args.config_path)) return code;
  std::vector<const char*> pointers;
  for (const auto& member : members) pointers.push_back(member.c_str());
  wave_group_creation* raw = nullptr;
  const wave_status status = wave_service_group_create(session.get(), session.token_data(), session.token_size(),
                                                       rest[1].c_str(), pointers.data(), pointers.size(), &raw);
  return print_result("group create", status, raw, wave_group_creation_to_json);
}

int group_change(const GroupArgs& args, bool add) {
  const auto& words = args.words;
  expect_count(words, 3, add ? "group add takes GID APPUSERID" : "group remove takes GID APPUSERID");
  Session session;
  if (const int code = session.open(args.config_path)) return code;
  int changed = 0;
  const wave_status status =
      add ? wave_service_group_add_member(session.get(), session.token_data(), session.token_size(),
                                          words[1].c_str(), words[2].c_str(), &changed)
          : wave_service_group_remove_member(session.get(), session.token_data(), session.token_size(),
                                             words[1].c_str(), words[2].c_str(), &changed);
  if (status != WAVE_OK) return report(add ? "group add" : "group remove", status);
  std::printf("{\"groupID\":%s,\"appUserID\":%s,\"changed\":%s}\n", cli::json_quote(words[1]).c_str(),
              cli::json_quote(words[2]).c_str(), changed ? "true" : "false");
  return cli::kOk;
}

int group_simple(const GroupArgs& args, bool leave) {
  const auto& words = args.words;
  expect_count(words, 2, leave ? "group leave takes GID" : "group delete takes GID");
  Session session;
  if (const int code = session.open(args.config_path)) return code;
  const wave_status status =
      leave ? wave_service_group_leave(session.get(), session.token_data(), session.token_size(), words[1].c_str())
            : wave_service_group_delete(session.get(), session.token_data(), session.token_size(), words[1].c_str());
  if (status != WAVE_OK) return report(leave ? "group leave" : "group delete", status);
  std::printf("{\"groupID\":%s,\"%s\":true}\n", cli::json_quote(words[1]).c_str(), leave ? "left" : "deleted");
  return cli::kOk;
}

int group_list(const GroupArgs& args) {
  const auto& words = args.words;
  expect_count(words, 1, "group list takes no arguments");
  Session session;
  if (const int code = session.open(args.config_path)) return code;
  wave_group_list* raw = nullptr;
  const wave_status status = wave_service_group_list(session.get(), session.token_data(), session.token_size(), &raw);
  return print_result("group list", status, raw, wave_group_list_to_json);
}

int group_members(const GroupArgs& args) {
  const auto& words = args.words;
  expect_count(words, 2, "group members takes GID");
  Session session;
  if (const int code = session.open(args.config_path)) return code;
  wave_group* raw = nullptr;
  const wave_status status =
      wave_service_group_members(session.get(), session.token_data(), session.token_size(), words[1].c_str(), &raw);
  return print_result("group members", status, raw, wave_group_to_json);
}

}  // namespace

int cmd_login(int argc, char** argv) {
  cli::Args args(argc, argv, 2);
  const std::string help = usage(kLoginUsage);
  return cli::run_command(args, help.c_str(), [&]() -> int {
    const auto config_path = args.option("--config");
    if (!args.positionals().empty()) throw cli::UsageError{"login takes no arguments"};
    Session session;
    if (const int code = session.open(config_path)) return code;
    wave_credentials* raw = nullptr;
    const wave_status status = wave_service_login(session.get(), session.token_data(), session.token_size(), &raw);
    return print_result("login", status, raw, wave_credentials_to_json);
  });
}

int cmd_resolve(int argc, char** argv) {
  cli::Args args(argc, argv, 2);
  const std::string help = usage(kResolveUsage);
  return cli::run_command(args, help.c_str(), [&]() -> int {
    const auto config_path = args.option("--config");
    const auto ids = args.positionals();
    if (ids.empty()) throw cli::UsageError{"resolve needs at least one APPUSERID"};
    Session session;
    if (const int code = session.open(config_path)) return code;
    std::vector<const char*> pointers;
    for (const auto& id : ids) pointers.push_back(id.c_str());
    wave_resolution* raw = nullptr;
    const wave_status status = wave_service_resolve(session.get(), session.token_data(), session.token_size(),
                                                    pointers.data(), pointers.size(), &raw);
    return print_result("resolve", status, raw, wave_resolution_to_json);
  });
}

int cmd_group(int argc, char** argv) {
  cli::Args args(argc, argv, 2);
  const std::string help = usage(kGroupUsage);
  return cli::run_command(args, help.c_str(), [&]() -> int {
    GroupArgs group;
    group.config_path = args.option("--config");
    while (auto member = args.option("--member")) group.members.push_back(*member);
    group.words = args.positionals();
    if (group.words.empty()) throw cli::UsageError{"group needs a command"};
    const std::string& command = group.words[0];
    if (command != "create" && !group.members.empty()) throw cli::UsageError{"--member is only for group create"};
    if (command == "create") return group_create(group);
    if (command == "add") return group_change(group, true);
    if (command == "remove") return group_change(group, false);
    if (command == "leave") return group_simple(group, true);
    if (command == "delete") return group_simple(group, false);
    if (command == "list") return group_list(group);
    if (command == "members") return group_members(group);
    throw cli::UsageError{"unknown group command '" + command + "'"};
  });
}

int cmd_revoke(int argc, char** argv) {
  cli::Args args(argc, argv, 2);
  const std::string help = usage(kRevokeUsage);
  return cli::run_command(args, help.c_str(), [&]() -> int {
    const auto config_path = args.option("--config");
    if (!args.positionals().empty()) throw cli::UsageError{"revoke takes no arguments"};
    Session session;
    if (const int code = session.open(config_path)) return code;
    char* internal_id = nullptr;
    const wave_status status =
        wave_service_revoke(session.get(), session.token_data(), session.token_size(), &internal_id);
    if (status != WAVE_OK) return report("revoke", status);
    std::printf("{\"revoked\":true,\"internalWaveUserID\":%s}\n", cli::json_quote(internal_id).c_str());
    wave_string_free(internal_id);
    return cli::kOk;
  });
}
