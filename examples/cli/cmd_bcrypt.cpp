// wave bcrypt hash | verify: bcrypt passwords read from stdin, through the public C API.
#include <cstdio>
#include <memory>
#include <string>

#include "cli_util.hpp"

namespace {

using cli::Exit;

constexpr const char* kStdinNote =
    "The password is read from stdin to EOF, with one trailing newline (\\n or \\r\\n) removed.";

struct HashOptions {
  int cost = 14;
  std::string prefix = "2a";
  bool json = false;
};

struct VerifyOptions {
  std::string hash;
  bool json = false;
};

wave_bcrypt_prefix prefix_from(const std::string& text) {
  if (text == "2b") return WAVE_BCRYPT_2B;
  if (text == "2y") return WAVE_BCRYPT_2Y;
  return WAVE_BCRYPT_2A;  // CLI11 let only 2a, 2b and 2y through
}

Exit bcrypt_hash(const HashOptions& options) {
  const cli::Secret password;
  char hash[WAVE_BCRYPT_HASH_SIZE];
  const wave_status status = wave_bcrypt_hash_with_prefix(password.data(), password.size(), options.cost,
                                                          prefix_from(options.prefix), hash);
  if (status != WAVE_OK) return cli::report("bcrypt hash", status);
  if (options.json)
    cli::print_json_field("hash", hash);
  else
    std::printf("%s\n", hash);
  return Exit::kOk;
}

Exit bcrypt_verify(const VerifyOptions& options) {
  const cli::Secret password;
  const wave_status status = wave_bcrypt_verify(password.data(), password.size(), options.hash.c_str());
  if (status != WAVE_OK && status != WAVE_ERR_DENIED) return cli::report("bcrypt verify", status);
  const bool match = status == WAVE_OK;
  if (options.json)
    cli::print_json_field("match", match);
  else
    std::printf("%s\n", match ? "match" : "mismatch");
  return match ? Exit::kOk : Exit::kNo;
}

}  // namespace

void add_bcrypt_commands(cli::Commands& commands) {
  CLI::App* bcrypt = commands.add_group(commands.root(), "bcrypt", "bcrypt passwords read from stdin");
  bcrypt->footer(kStdinNote);

  auto hash_options = std::make_shared<HashOptions>();
  CLI::App* hash = commands.add_command(*bcrypt, "hash", "hash the password on stdin with a fresh random salt");
  hash->add_option("--cost", hash_options->cost, "work factor, 2^N rounds (default 14, Wave's bcryptCost default)")
      ->type_name("N")
      ->transform(cli::kDecimal)
      ->check(CLI::Range(WAVE_BCRYPT_MIN_COST, WAVE_BCRYPT_MAX_COST));
  hash->add_option("--prefix", hash_options->prefix,
                   "2a (default: what VerneMQ's MongoDB auth verifies), 2b or 2y; all three compute the same hash")
      ->type_name("P")
      ->check(CLI::IsMember({"2a", "2b", "2y"}));
  cli::add_json_flag(*hash, hash_options->json, "print {\"hash\": \"...\"}");
  hash->footer(std::string(kStdinNote) +
               "\nPasswords over 72 bytes or containing a NUL byte are refused: bcrypt would ignore what\n"
               "follows.  Exit status: 0 on success, 2 on a refused password or bad usage.");
  commands.on_run(hash, [hash_options] { return bcrypt_hash(*hash_options); });

  auto verify_options = std::make_shared<VerifyOptions>();
  CLI::App* verify = commands.add_command(*bcrypt, "verify", "check the password on stdin against HASH");
  verify->add_option("HASH", verify_options->hash, "a $2a$, $2b$ or $2y$ bcrypt string")->required()->type_name("");
  cli::add_json_flag(*verify, verify_options->json, "print {\"match\": true} or {\"match\": false}");
  verify->footer(std::string(kStdinNote) +
                 "  Only its first 72 bytes\ncount, as in every bcrypt implementation.\n"
                 "Exit status: 0 on a match, 1 on a mismatch, 2 on a malformed hash or bad usage.");
  commands.on_run(verify, [verify_options] { return bcrypt_verify(*verify_options); });
}
