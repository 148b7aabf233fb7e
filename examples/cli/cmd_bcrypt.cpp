// wave bcrypt hash | verify: bcrypt passwords read from stdin, through the public C API.
#include <cstdio>
#include <string>

#include "cli_util.hpp"

namespace {

constexpr const char* kGroupUsage =
    "usage: wave bcrypt hash [--cost N] [--prefix 2a|2b|2y] [--json]\n"
    "       wave bcrypt verify HASH [--json]\n"
    "\n"
    "The password is read from stdin to EOF, with one trailing newline (\\n or \\r\\n) removed.\n"
    "Run 'wave bcrypt hash --help' or 'wave bcrypt verify --help' for details.\n";

constexpr const char* kHashUsage =
    "usage: wave bcrypt hash [--cost N] [--prefix 2a|2b|2y] [--json]\n"
    "\n"
    "Hashes the password read from stdin (to EOF, one trailing \\n or \\r\\n removed) with a\n"
    "fresh random salt and prints the bcrypt string.\n"
    "\n"
    "  --cost N      work factor 4..31, 2^N rounds (default 14, Wave's bcryptCost default)\n"
    "  --prefix P    2a (default: what VerneMQ's MongoDB auth verifies), 2b or 2y;\n"
    "                all three compute the same hash\n"
    "  --json        print {\"hash\": \"...\"}\n"
    "\n"
    "Passwords over 72 bytes or containing a NUL byte are refused: bcrypt would ignore\n"
    "what follows.  Exit status: 0 on success, 2 on an error (message on stderr).\n";

constexpr const char* kVerifyUsage =
    "usage: wave bcrypt verify HASH [--json]\n"
    "\n"
    "Checks the password read from stdin (to EOF, one trailing \\n or \\r\\n removed) against\n"
    "HASH, a $2a$, $2b$ or $2y$ bcrypt string.  Only the first 72 bytes of the password\n"
    "count, as in every bcrypt implementation.\n"
    "\n"
    "  --json        print {\"match\": true} or {\"match\": false}\n"
    "\n"
    "Exit status: 0 on a match, 1 on a mismatch, 2 on a malformed hash or another error.\n";

// The password leaves memory once used (best effort: the C++ streams may hold copies).
void wipe(std::string& secret) {
  volatile char* bytes = secret.data();
  for (std::size_t i = 0; i < secret.size(); ++i) bytes[i] = 0;
  secret.clear();
}

const uint8_t* bytes_of(const std::string& text) { return reinterpret_cast<const uint8_t*>(text.data()); }

wave_bcrypt_prefix parse_prefix(const std::string& text) {
  if (text == "2a") return WAVE_BCRYPT_2A;
  if (text == "2b") return WAVE_BCRYPT_2B;
  if (text == "2y") return WAVE_BCRYPT_2Y;
  throw cli::UsageError{"--prefix must be 2a, 2b or 2y, not '" + text + "'"};
}

void expect_no_more(const cli::Args& args, std::size_t expected) {
  const auto positionals = args.positionals();
  if (positionals.size() > expected) throw cli::UsageError{"unexpected argument '" + positionals[expected] + "'"};
}

int bcrypt_hash(cli::Args& args) {
  return cli::run_command(args, kHashUsage, [&]() -> int {
    const bool json = args.flag("--json");
    int cost = 14;
    if (const auto value = args.option("--cost"))
      cost = cli::parse_int(*value, WAVE_BCRYPT_MIN_COST, WAVE_BCRYPT_MAX_COST, "--cost");
    wave_bcrypt_prefix prefix = WAVE_BCRYPT_2A;
    if (const auto value = args.option("--prefix")) prefix = parse_prefix(*value);
    expect_no_more(args, 0);

    std::string password = cli::read_secret_from_stdin();
    char hash[WAVE_BCRYPT_HASH_SIZE];
    const wave_status status = wave_bcrypt_hash_with_prefix(bytes_of(password), password.size(), cost, prefix, hash);
    wipe(password);
    if (status != WAVE_OK) {
      cli::print_error("bcrypt hash", status);
      return cli::kInvalid;
    }
    if (json)
      std::printf("{\"hash\": %s}\n", cli::json_quote(hash).c_str());
    else
      std::printf("%s\n", hash);
    return cli::kOk;
  });
}

int bcrypt_verify(cli::Args& args) {
  return cli::run_command(args, kVerifyUsage, [&]() -> int {
    const bool json = args.flag("--json");
    const auto positionals = args.positionals();
    if (positionals.empty()) throw cli::UsageError{"verify needs the HASH to check against"};
    expect_no_more(args, 1);

    std::string password = cli::read_secret_from_stdin();
    const wave_status status = wave_bcrypt_verify(bytes_of(password), password.size(), positionals[0].c_str());
    wipe(password);
    if (status != WAVE_OK && status != WAVE_ERR_DENIED) {
      cli::print_error("bcrypt verify", status);
      return cli::kInvalid;
    }
    const bool match = status == WAVE_OK;
    if (json)
      std::printf("{\"match\": %s}\n", match ? "true" : "false");
    else
      std::printf("%s\n", match ? "match" : "mismatch");
    return match ? cli::kOk : cli::kNo;
  });
}

}  // namespace

int cmd_bcrypt(int argc, char** argv) {
  // argv: wave bcrypt SUBCOMMAND ARGS...
  const std::string subcommand = argc > 2 ? argv[2] : "";
  if (subcommand == "--help" || subcommand == "-h" || subcommand == "help") {
    std::fputs(kGroupUsage, stdout);
    return cli::kOk;
  }
  cli::Args args(argc, argv, 3);
  if (subcommand == "hash") return bcrypt_hash(args);
  if (subcommand == "verify") return bcrypt_verify(args);
  if (subcommand.empty())
    std::fputs("wave: bcrypt needs a subcommand\n", stderr);
  else
    std::fprintf(stderr, "wave: unknown bcrypt subcommand '%s'\n", subcommand.c_str());
  std::fputs(kGroupUsage, stderr);
  return cli::kInvalid;
}
