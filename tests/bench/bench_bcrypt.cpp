// bcrypt: Wave's implementation against libxcrypt's crypt_rn (Openwall's crypt_blowfish,
// the one Debian's crypt(3) uses) on the same password, salt and cost (the argument), plus
// Wave's portable core for CPUs without BMI1.  The target is Wave <= 1.0x libxcrypt.
// Run with e.g. --benchmark_repetitions=5 --benchmark_report_aggregates_only=true.
#include <crypt.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "crypto/bcrypt.hpp"
#include "crypto/bcrypt_blowfish.hpp"

namespace {

constexpr const char* kPassword = "an MQTT token of ordinary length, say 48 bytes!!";
constexpr const char* kSalt = "abcdefghijklmnopqrstuu";

std::string setting(int cost) {
  return "$2b$" + std::string(cost < 10 ? "0" : "") + std::to_string(cost) + "$" + kSalt;
}

void wave_bcrypt(benchmark::State& state) {
  const int cost = static_cast<int>(state.range(0));
  const auto salt = wave::bcrypt_parse(setting(cost) + std::string(31, '.')).salt;
  std::string hash;
  for (auto _ : state) {
    hash = wave::bcrypt_hash_with_salt(kPassword, cost, wave::BcryptPrefix::k2b, salt);
    benchmark::DoNotOptimize(hash.data());
  }
  // Same answer as libxcrypt, or the comparison means nothing.
  auto data = std::make_unique<crypt_data>();
  const char* theirs = crypt_rn(kPassword, setting(cost).c_str(), data.get(), static_cast<int>(sizeof *data));
  if (theirs == nullptr || hash != theirs) state.SkipWithError("Wave and libxcrypt disagree");
}

// The core without the CPU-specific path (what CPUs without BMI1 run), for reference.
void wave_bcrypt_portable(benchmark::State& state) {
  namespace bf = wave::bcrypt_detail;
  const unsigned cost = static_cast<unsigned>(state.range(0));
  const std::string password = kPassword;
  std::uint8_t key[bf::kKeyStreamBytes + 1] = {};
  std::copy(password.begin(), password.end(), key);
  const auto parsed = wave::bcrypt_parse(setting(static_cast<int>(cost)) + std::string(31, '.'));
  std::uint8_t salt[bf::kSaltBytes];
  std::copy(parsed.salt.begin(), parsed.salt.end(), salt);
  std::uint8_t digest[bf::kDigestBytes];
  for (auto _ : state) {
    bf::eks_blowfish_digest(key, password.size() + 1, salt, cost, digest, bf::BlowfishCode::kPortable);
    benchmark::DoNotOptimize(digest);
  }
  wave::BcryptHash hash;
  hash.prefix = wave::BcryptPrefix::k2b;
  hash.cost = static_cast<int>(cost);
  hash.salt = parsed.salt;
  std::copy(std::begin(digest), std::end(digest), hash.digest.begin());
  auto data = std::make_unique<crypt_data>();
  const char* theirs = crypt_rn(kPassword, setting(hash.cost).c_str(), data.get(), static_cast<int>(sizeof *data));
  if (theirs == nullptr || wave::bcrypt_format(hash) != theirs) state.SkipWithError("Wave and libxcrypt disagree");
}

void libxcrypt_bcrypt(benchmark::State& state) {
  const std::string salt = setting(static_cast<int>(state.range(0)));
  auto data = std::make_unique<crypt_data>();
  for (auto _ : state) {
    const char* hash = crypt_rn(kPassword, salt.c_str(), data.get(), static_cast<int>(sizeof *data));
    if (hash == nullptr) state.SkipWithError("crypt_rn failed");
    benchmark::DoNotOptimize(hash);
  }
}

// Interleaved by cost so both run under the same machine conditions.
BENCHMARK(wave_bcrypt)->Name("bcrypt/wave")->Arg(10)->Unit(benchmark::kMillisecond);
BENCHMARK(libxcrypt_bcrypt)->Name("bcrypt/libxcrypt")->Arg(10)->Unit(benchmark::kMillisecond);
BENCHMARK(wave_bcrypt_portable)->Name("bcrypt/wave-portable")->Arg(10)->Unit(benchmark::kMillisecond);
BENCHMARK(wave_bcrypt)->Name("bcrypt/wave")->Arg(12)->Unit(benchmark::kMillisecond);
BENCHMARK(libxcrypt_bcrypt)->Name("bcrypt/libxcrypt")->Arg(12)->Unit(benchmark::kMillisecond);
BENCHMARK(wave_bcrypt_portable)->Name("bcrypt/wave-portable")->Arg(12)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
