// wave: the command-line face of libwave.  Every command is a thin shell over the C API.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli_util.hpp"

namespace {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"bcrypt", cmd_bcrypt, "hash | verify HASH   bcrypt passwords read from stdin"},
    {"uuid", cmd_uuid, "print a new random UUIDv4"},
    {"config", cmd_config, "check [FILE]          validate a Wave config file"},
    {"token", cmd_token, "check                 check a token (stdin) against the config's format"},
    {"topic", cmd_topic, "match | covers | sender   MQTT topic and filter rules"},
    {"acl", cmd_acl, "private ID | group GID ID   Wave's ACL patterns"},
    {"login", cmd_login, "log in with a token (stdin) and print MQTT credentials"},
    {"resolve", cmd_resolve, "APPUSERID...          internal IDs of known app users"},
    {"group", cmd_group, "create | add | remove | leave | delete | list | members"},
    {"revoke", cmd_revoke, "end the session of a token (stdin)"},
};

// Wave's warnings and errors (mongo-c-driver's included) go to stderr; the rest is chatter.
void log_to_stderr(wave_log_level level, const char* message, void* /*userdata*/) {
  if (level >= WAVE_LOG_WARNING) std::fprintf(stderr, "wave: %s\n", message);
}

void print_usage(std::FILE* out) {
  std::fprintf(out, "usage: wave COMMAND [ARGS...]   (wave COMMAND --help for details)\n\n");
  for (const auto& command : kCommands) std::fprintf(out, "  %-8s %s\n", command.name, command.summary);
  std::fprintf(out, "\nwave %s\n", wave_version_string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return cli::kInvalid;
  }
  const std::string_view word = argv[1];
  if (word == "--help" || word == "-h" || word == "help") {
    print_usage(stdout);
    return cli::kOk;
  }
  if (word == "--version") {
    std::printf("wave %s\n", wave_version_string());
    return cli::kOk;
  }
  for (const auto& command : kCommands) {
    if (word != command.name) continue;
    // Before any thread exists, as libcurl asks.
    wave_set_log_handler(log_to_stderr, nullptr);
    if (const wave_status status = wave_global_init(); status != WAVE_OK) {
      cli::print_error("initialisation", status);
      return cli::kInvalid;
    }
    const int code = command.run(argc, argv);
    wave_global_cleanup();
    return code;
  }
  std::fprintf(stderr, "wave: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return cli::kInvalid;
}
