// wave uuid | wave config check [FILE] | wave token check [--config FILE]
#include <cstdio>
#include <memory>
#include <string>

#include "cli_util.hpp"

namespace {

using cli::Exit;

Exit uuid(bool json) {
  char text[WAVE_UUID_STRING_SIZE];
  const wave_status status = wave_uuid_v4(text);
  if (status != WAVE_OK) return cli::report("uuid", status);
  if (json)
    cli::print_json_field("uuid", text);
  else
    std::printf("%s\n", text);
  return Exit::kOk;
}

// The effective config (defaults filled in, passwords redacted) as wave_config_to_json has it.
Exit print_config(const wave_config* config) {
  char* json = nullptr;
  if (const wave_status status = wave_config_to_json(config, &json); status != WAVE_OK)
    return cli::report("config", status);
  cli::print_wave_json(json);
  return Exit::kOk;
}

struct ConfigCheckOptions {
  std::string path;
  bool json = false;
};

Exit config_check(const ConfigCheckOptions& options) {
  cli::Owned<wave_config> config;
  if (const Exit code = cli::load_config(options.path, config); code != Exit::kOk) return code;
  if (options.json) return print_config(config.get());
  std::printf("config OK\n");
  return Exit::kOk;
}

struct TokenCheckOptions {
  std::string config_path;
  bool json = false;
};

void print_token_verdict(bool valid, const char* reason) {
  cli::JsonOut json;
  json->StartObject();
  json->Key("valid");
  json->Bool(valid);
  if (!valid) {
    json->Key("reason");
    json->String(reason);
  }
  json->EndObject();
  json.print();
}

Exit token_check(const TokenCheckOptions& options) {
  cli::Owned<wave_config> config;
  if (const Exit code = cli::load_config(options.config_path, config); code != Exit::kOk) return code;
  const cli::Secret token;
  const wave_status status = wave_token_check(config.get(), token.data(), token.size());
  if (status == WAVE_OK) {
    if (options.json)
      print_token_verdict(true, nullptr);
    else
      std::printf("token OK\n");
    return Exit::kOk;
  }
  if (status != WAVE_ERR_INVALID_TOKEN) return cli::report("token check", status);
  // The reason names the rule the token broke, never the token itself.
  const char* reason = wave_last_error_message();
  if (options.json) print_token_verdict(false, reason);
  std::fprintf(stderr, "wave: invalid token: %s\n", reason);
  return Exit::kNo;
}

}  // namespace

void add_local_commands(cli::Commands& commands) {
  auto uuid_json = std::make_shared<bool>(false);
  CLI::App* uuid_command =
      commands.add_command(commands.root(), "uuid", "print a new random UUIDv4 (canonical lowercase)");
  cli::add_json_flag(*uuid_command, *uuid_json, "print {\"uuid\": \"...\"}");
  uuid_command->footer("The UUID comes from OpenSSL's CSPRNG.");
  commands.on_run(uuid_command, [uuid_json] { return uuid(*uuid_json); });

  CLI::App* config = commands.add_group(commands.root(), "config", "check a Wave config file");
  auto check_options = std::make_shared<ConfigCheckOptions>();
  CLI::App* check = commands.add_command(*config, "check", "validate a Wave config file");
  check->add_option("FILE", check_options->path, "the config file")->type_name("")->envname(WAVE_CONFIG_ENV);
  cli::add_json_flag(*check, check_options->json, "print the effective config (passwords redacted)");
  check->footer(
      "Exit status: 0 when valid; 2 otherwise, with a message naming the file and the field.");
  commands.on_run(check, [check_options] { return config_check(*check_options); });

  CLI::App* token = commands.add_group(commands.root(), "token", "check tokens");
  auto token_options = std::make_shared<TokenCheckOptions>();
  CLI::App* token_check_command =
      commands.add_command(*token, "check", "check the format of the token on stdin against the config");
  cli::add_config_option(*token_check_command, token_options->config_path);
  cli::add_json_flag(*token_check_command, token_options->json,
                     "print {\"valid\": true} or {\"valid\": false, \"reason\": \"...\"}");
  token_check_command->footer(
      "The token is read from stdin to EOF (one trailing newline removed) and checked against the\n"
      "config's tokenValidationRegex, tokenMaxLength and the printable-ASCII rule.  No network\n"
      "call is made.  Exit status: 0 valid, 1 invalid (with the reason), 2 on usage or config errors.");
  commands.on_run(token_check_command, [token_options] { return token_check(*token_options); });
}
