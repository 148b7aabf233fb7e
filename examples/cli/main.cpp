// wave: the command-line face of libwave.  CLI11 reads the command line; every command is a
// thin shell over the public C API.
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "cli_util.hpp"

namespace {

constexpr const char* kRootFooter =
    "Run 'wave COMMAND --help' for a command's options and operands.\n"
    "Secrets (passwords, tokens) are read from stdin to EOF, with one trailing newline removed;\n"
    "never from the command line.  Errors go to stderr.\n\n";

// The command the words on the command line selected (the root when none was).
CLI::App& selected_command(CLI::App& root) {
  CLI::App* command = &root;
  for (auto chosen = command->get_subcommands(); !chosen.empty(); chosen = command->get_subcommands())
    command = chosen.front();
  return *command;
}

// The help of `command` under its full name ("usage: wave topic ...").
std::string help_of(const CLI::App& command) {
  const CLI::App* parent = command.get_parent();
  return parent == nullptr ? command.help() : command.help(cli::command_path(*parent));
}

int usage_error(const CLI::App& command, const std::string& message) {
  std::fprintf(stderr, "wave: %s\n", message.c_str());
  if (!command.get_subcommands({}).empty()) {
    // A command group without its command: list the commands.
    std::fputs(help_of(command).c_str(), stderr);
  } else {
    std::fprintf(stderr, "%sRun '%s --help' for details.\n", cli::usage_line(command).c_str(),
                 cli::command_path(command).c_str());
  }
  return static_cast<int>(cli::Exit::kUsage);
}

// Wave's warnings and errors (mongo-c-driver's included) go to stderr; the rest is chatter.
void log_to_stderr(wave_log_level level, const char* message, void* /*userdata*/) {
  if (level >= WAVE_LOG_WARNING) std::fprintf(stderr, "wave: %s\n", message);
}

int run(const cli::Action& action, const CLI::App& command) {
  wave_set_log_handler(log_to_stderr, nullptr);
  // Before any thread exists, as libcurl asks.
  if (const wave_status status = wave_global_init(); status != WAVE_OK)
    return static_cast<int>(cli::report("initialisation", status));
  int code = 0;
  try {
    code = static_cast<int>(action());
  } catch (const cli::UsageError& error) {
    code = usage_error(command, error.what());
  } catch (const std::bad_alloc&) {
    std::fputs("wave: out of memory\n", stderr);
    code = static_cast<int>(cli::Exit::kInternal);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "wave: internal error: %s\n", error.what());
    code = static_cast<int>(cli::Exit::kInternal);
  }
  wave_global_cleanup();
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fputs("wave: error writing to stdout\n", stderr);
    if (code == 0) code = static_cast<int>(cli::Exit::kFault);
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App root("Trustworthy identities and topic permissions for MQTT messaging.", "wave");
  root.formatter(cli::make_formatter());  // before any command: they inherit it
  root.require_subcommand(1);
  root.set_version_flag("--version", std::string("wave ") + wave_version_string(), "print the version");

  cli::Commands commands(root);
  add_bcrypt_commands(commands);
  add_local_commands(commands);
  add_topic_commands(commands);
  add_service_commands(commands);
  root.footer(std::string(kRootFooter) + cli::kExitCodesHelp);  // after the commands: not inherited

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(root.help().c_str(), stdout);  // CLI11 descends to the selected command
    return static_cast<int>(cli::Exit::kOk);
  } catch (const CLI::CallForVersion& version) {
    std::printf("%s\n", version.what());
    return static_cast<int>(cli::Exit::kOk);
  } catch (const CLI::ParseError& error) {
    return usage_error(selected_command(root), error.what());
  }

  const CLI::App& command = selected_command(root);
  const cli::Action* action = commands.action_of(&command);
  if (action == nullptr) return usage_error(command, "a command is needed");
  return run(*action, command);
}
