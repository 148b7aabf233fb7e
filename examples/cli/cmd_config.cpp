// wave uuid | wave config check [FILE] | wave token check [--config FILE]
#include <cstdio>
#include <memory>

#include "cli_util.hpp"

namespace {

constexpr const char* kUuidUsage =
    "usage: wave uuid [--json]\n"
    "  Prints a new random UUIDv4 (canonical lowercase) from OpenSSL's CSPRNG.\n";

constexpr const char* kConfigUsage =
    "usage: wave config check [FILE] [--json]\n"
    "  Validates a Wave config file (default: $WAVE_CONFIG_FILE_PATH).\n"
    "  Exit 0 when valid (with --json, prints the effective config, passwords redacted);\n"
    "  exit 2 with the message (naming the file and the field) otherwise.\n";

constexpr const char* kTokenUsage =
    "usage: wave token check [--config FILE] [--json]  < token\n"
    "  Checks the format of the token read from stdin (to EOF; one trailing newline is\n"
    "  removed) against the config's tokenValidationRegex, tokenMaxLength and the\n"
    "  printable-ASCII rule.  No network call is made.\n"
    "  Exit 0 valid, 1 invalid (with the reason), 2 on usage or config errors.\n";

struct ConfigDeleter {
  void operator()(wave_config* config) const { wave_config_free(config); }
};
using ConfigPtr = std::unique_ptr<wave_config, ConfigDeleter>;

}  // namespace

int cmd_uuid(int argc, char** argv) {
  cli::Args args(argc, argv, 2);
  return cli::run_command(args, kUuidUsage, [&] {
    const bool json = args.flag("--json");
    if (!args.positionals().empty()) throw cli::UsageError{"wave uuid takes no arguments"};
    char uuid[WAVE_UUID_STRING_SIZE];
    const wave_status status = wave_uuid_v4(uuid);
    if (status != WAVE_OK) {
      cli::print_error("uuid", status);
      return cli::kInvalid;
    }
    if (json) std::printf("{\"uuid\":\"%s\"}\n", uuid);
    else std::printf("%s\n", uuid);
    return cli::kOk;
  });
}

int cmd_config(int argc, char** argv) {
  cli::Args args(argc, argv, 2);
  return cli::run_command(args, kConfigUsage, [&] {
    const bool json = args.flag("--json");
    const auto words = args.positionals();
    if (words.empty() || words[0] != "check" || words.size() > 2)
      throw cli::UsageError{"expected: wave config check [FILE]"};
    ConfigPtr config(cli::load_config(words.size() == 2 ? std::optional<std::string>(words[1]) : std::nullopt));
    if (!config) return cli::kInvalid;
    if (json) {
      char* text = nullptr;
      const wave_status status = wave_config_to_json(config.get(), &text);
      if (status != WAVE_OK) {
        cli::print_error("config", status);
        return cli::kInvalid;
      }
      std::printf("%s\n", text);
      wave_string_free(text);
    } else {
      std::printf("config OK\n");
    }
    return cli::kOk;
  });
}

int cmd_token(int argc, char** argv) {
  cli::Args args(argc, argv, 2);
  return cli::run_command(args, kTokenUsage, [&] {
    const bool json = args.flag("--json");
    const auto config_path = args.option("--config");
    const auto words = args.positionals();
    if (words.size() != 1 || words[0] != "check") throw cli::UsageError{"expected: wave token check"};
    ConfigPtr config(cli::load_config(config_path));
    if (!config) return cli::kInvalid;
    const std::string token = cli::read_secret_from_stdin();
    const wave_status status =
        wave_token_check(config.get(), reinterpret_cast<const uint8_t*>(token.data()), token.size());
    if (status == WAVE_OK) {
      std::printf(json ? "{\"valid\":true}\n" : "token OK\n");
      return cli::kOk;
    }
    if (status == WAVE_ERR_INVALID_TOKEN) {
      if (json) std::printf("{\"valid\":false,\"reason\":%s}\n", cli::json_quote(wave_last_error_message()).c_str());
      std::fprintf(stderr, "wave: invalid token: %s\n", wave_last_error_message());
      return cli::kNo;
    }
    cli::print_error("token check", status);
    return cli::kInvalid;
  });
}
