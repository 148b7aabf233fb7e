// bcrypt: known answers, two independent oracles (libxcrypt's crypt_rn in-process and
// Debian's python3-bcrypt as a subprocess), the strict hash-string parser and the
// password rules.  Random inputs come from a fixed seed, so a failure reproduces.
#include <crypt.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "common/error.hpp"
#include "crypto/bcrypt.hpp"
#include "crypto/bcrypt_blowfish.hpp"
#include "integration/test_errors.hpp"

using namespace std::string_literals;
using wave::BcryptPrefix;
using wave_test::message_of;
using wave_test::status_of;

namespace {

const BcryptPrefix kAllPrefixes[] = {BcryptPrefix::k2a, BcryptPrefix::k2b, BcryptPrefix::k2y};

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out.empty() ? "-" : out;  // "-": the empty password, as one whitespace-free word
}

std::string printable(std::string_view bytes) { return to_hex(bytes) + " (" + std::to_string(bytes.size()) + " bytes)"; }

// ---- oracle 1: libxcrypt -----------------------------------------------------------

// crypt_rn() with `setting` (a prefix, cost and salt, or a whole hash); "" when it refuses.
std::string xcrypt(std::string_view password, const std::string& setting) {
  REQUIRE(password.find('\0') == std::string_view::npos);
  auto data = std::make_unique<crypt_data>();
  const std::string phrase(password);
  const char* result = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), static_cast<int>(sizeof *data));
  return result == nullptr || result[0] == '*' ? std::string() : std::string(result);
}

// Openwall's crypt_blowfish (libxcrypt's bcrypt) guards "$2a$" against its own old
// sign-extension bug: it derives each key word correctly and as the bug did, and when a
// byte >= 0x80 sits at a position where the bug would have mattered (not the first of
// its word) yet both derivations agree anyway (the bytes before it in the word are all
// 0xff), it flips a key bit.  So libxcrypt's "$2a$" differs from OpenBSD's exactly for
// such passwords, e.g. "\xff\xff\xa3".  Wave follows OpenBSD (and pyca, and VerneMQ's
// Erlang bcrypt); this predicate says where the two must differ.
bool libxcrypt_alters_2a(std::string_view password) {
  const std::size_t used = std::min<std::size_t>(password.size(), 72);
  const std::size_t key_len = used + 1;  // the NUL terminator is part of the key stream
  std::size_t position = 0;
  bool sensitive_high_byte = false;
  std::uint32_t difference = 0;
  for (int word = 0; word < 18; ++word) {
    std::uint32_t correct = 0;
    std::uint32_t buggy = 0;
    for (int j = 0; j < 4; ++j) {
      const auto byte = position < used ? static_cast<unsigned char>(password[position]) : 0u;
      correct = (correct << 8) | byte;
      buggy = (buggy << 8) | static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<signed char>(byte)));
      if (j > 0 && (byte & 0x80) != 0) sensitive_high_byte = true;
      position = position + 1 == key_len ? 0 : position + 1;
    }
    difference |= correct ^ buggy;
  }
  return sensitive_high_byte && difference == 0;
}

// ---- oracle 2: Debian's python3-bcrypt ----------------------------------------------

std::string python_path() {
  const char* path = std::getenv("WAVE_TEST_PYTHON");  // set by ctest
  return path != nullptr && *path != '\0' ? path : "/usr/bin/python3";
}

class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    char name[] = "/tmp/wave-test-bcrypt-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `script` with `input` on stdin; returns stdout's lines.  Fails the test when the
// interpreter exits non-zero.
std::vector<std::string> run_python(const std::string& script, const std::string& input) {
  const TempFile script_file(script);
  const TempFile input_file(input);
  const std::string command = "'" + python_path() + "' '" + script_file.path() + "' < '" + input_file.path() + "'";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
  const int status = pclose(pipe);
  REQUIRE_MESSAGE(status == 0, "python failed: " << command);
  std::vector<std::string> lines;
  std::istringstream stream(output);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// Requests, one per line: "hash HEXPASSWORD SETTING", "gensalt HEXPASSWORD 2a|2b COST"
// (a salt of pyca's own) or "check HEXPASSWORD HASH".  Answers: a hash, "1"/"0", or
// "error" when bcrypt raises ValueError.
const char* const kPythonOracle = R"(
import sys
import bcrypt
for line in sys.stdin:
    words = line.split()
    password = b"" if words[1] == "-" else bytes.fromhex(words[1])
    try:
        if words[0] == "hash":
            print(bcrypt.hashpw(password, words[2].encode()).decode())
        elif words[0] == "gensalt":
            salt = bcrypt.gensalt(rounds=int(words[3]), prefix=words[2].encode())
            print(bcrypt.hashpw(password, salt).decode())
        else:
            print("1" if bcrypt.checkpw(password, words[2].encode()) else "0")
    except ValueError:
        print("error")
)";

std::vector<std::string> python_bcrypt(const std::vector<std::string>& requests) {
  std::string input;
  for (const auto& request : requests) input += request + "\n";
  auto answers = run_python(kPythonOracle, input);
  REQUIRE(answers.size() == requests.size());
  return answers;
}

// ---- inputs -------------------------------------------------------------------------

struct Fixture {
  std::mt19937_64 rng{0x5eed'b0c7'2a2b'2a2bULL};

  std::string password(std::size_t size, int kind) {
    std::string out(size, '\0');
    for (auto& c : out) {
      int value = 0;
      switch (kind) {
        case 0: value = static_cast<int>(rng() % 95) + 32; break;    // printable ASCII
        case 1: value = static_cast<int>(rng() % 128) + 128; break;  // high-bit only
        case 2: value = static_cast<int>(rng() % 255) + 1; break;    // any byte but NUL
        default: value = rng() % 3 != 0 ? 0xff : static_cast<int>(rng() % 255) + 1; break;  // 0xff-heavy
      }
      c = static_cast<char>(value);
    }
    return out;
  }

  wave::BcryptSalt salt() {
    wave::BcryptSalt out;
    for (auto& b : out) b = static_cast<std::uint8_t>(rng());
    return out;
  }

  // Every length 0..73, then some longer ones, in all four byte kinds.
  std::vector<std::string> passwords() {
    std::vector<std::string> out;
    for (std::size_t size = 0; size <= 73; ++size) out.push_back(password(size, static_cast<int>(size % 4)));
    for (const std::size_t size : {71, 72, 73, 80, 128, 300}) {
      for (int kind = 0; kind < 4; ++kind) out.push_back(password(size, kind));
    }
    return out;
  }

  // Hand-picked: libxcrypt's "$2a$" countermeasure fires for these.
  static std::vector<std::string> countermeasure_passwords() {
    return {"\xff\xff\xa3", "\xff\xff\xff", "\xff\xff\xff\xff\xff\xff\xff", "\xff\xff\xff\xa3\xff\xff\xa3",
            std::string(72, '\xff'), std::string(71, '\xff'), std::string(73, '\xff')};
  }

  // (password, prefix) pairs: the generated passwords rotate through the prefixes; the
  // countermeasure passwords get all three.
  std::vector<std::pair<std::string, BcryptPrefix>> cases() {
    std::vector<std::pair<std::string, BcryptPrefix>> out;
    const auto generated = passwords();
    for (std::size_t i = 0; i < generated.size(); ++i) out.emplace_back(generated[i], kAllPrefixes[i % 3]);
    for (const auto& special : countermeasure_passwords()) {
      for (const auto prefix : kAllPrefixes) out.emplace_back(special, prefix);
    }
    return out;
  }
};

int cost_for(std::size_t index) {
  // Mostly the minimum; every tenth input at a higher cost so costs other than 4 are covered.
  static constexpr int kCosts[] = {5, 6, 7, 8};
  return index % 10 == 9 ? kCosts[(index / 10) % 4] : 4;
}

std::string setting_of(const std::string& hash) { return hash.substr(0, 29); }

const std::string kValid = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";  // "U*U"

}  // namespace

TEST_CASE("Blowfish's initial state is pi's hexadecimal digits") {
  // Computed independently of bcrypt_pi.cpp's generator: Gauss's arctangent formula,
  // pi = 48 atan(1/18) + 32 atan(1/57) - 20 atan(1/239), in exact integer arithmetic.
  const auto lines = run_python(R"(
words = 18 + 4 * 256
one = 1 << (words * 32 + 64)
def arctan_inverse(x):
    total, term, n, sign = 0, one // x, 1, 1
    while term:
        total += sign * (term // n)
        term //= x * x
        n, sign = n + 2, -sign
    return total
pi = 48 * arctan_inverse(18) + 32 * arctan_inverse(57) - 20 * arctan_inverse(239)
fraction = (pi - 3 * one) >> 64
for i in range(words):
    print("%08x" % ((fraction >> (32 * (words - 1 - i))) & 0xffffffff))
)",
                                "");
  REQUIRE(lines.size() == 18 + 4 * 256);
  const auto& state = wave::bcrypt_detail::kBlowfishPiState;
  std::vector<std::uint32_t> table(std::begin(state.p), std::end(state.p));
  for (const auto& box : state.s) table.insert(table.end(), std::begin(box), std::end(box));
  int mismatches = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (std::stoul(lines[i], nullptr, 16) != table[i]) ++mismatches;
  }
  CHECK(mismatches == 0);
  CHECK(state.p[0] == 0x243f6a88u);
  CHECK(state.s[3][255] == 0x3ac372e6u);
}

TEST_CASE("the CPU-specific code computes what the portable code does") {
  // On x86-64 with BMI1 the expensive loop runs a variant (see bcrypt_blowfish.cpp); the
  // oracle tests exercise whichever this machine picks, this pins the two together.
  namespace bf = wave::bcrypt_detail;
  Fixture fixture;
  for (int i = 0; i < 40; ++i) {
    const std::string password = fixture.password(static_cast<std::size_t>(i) * 73 / 40, i % 4);
    std::vector<std::uint8_t> key(password.begin(), password.end());
    key.push_back(0);
    std::uint8_t salt[bf::kSaltBytes];
    for (auto& b : salt) b = static_cast<std::uint8_t>(fixture.rng());
    std::uint8_t best[bf::kDigestBytes];
    std::uint8_t portable[bf::kDigestBytes];
    const unsigned cost = 4 + static_cast<unsigned>(i % 3);
    bf::eks_blowfish_digest(key.data(), std::min<std::size_t>(key.size(), 73), salt, cost, best, bf::BlowfishCode::kBest);
    bf::eks_blowfish_digest(key.data(), std::min<std::size_t>(key.size(), 73), salt, cost, portable,
                            bf::BlowfishCode::kPortable);
    CAPTURE(printable(password));
    CHECK(std::equal(std::begin(best), std::end(best), std::begin(portable)));
  }
}

TEST_CASE("known answers") {
  struct Vector {
    std::string password;
    const char* hash;
  };
  // Each checked against both oracles when written; the \xff\xff\xa3 "$2a$" answer is
  // OpenBSD's (libxcrypt gives ...nqd1wy.pTMdcvrRWxyiGL2eMz.2a85. there, see below).
  const Vector vectors[] = {
      {"", "$2a$04$......................w74bL5gU7LSJClZClCa.Pkz14aTv/XO"},
      {"", "$2b$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s."},
      {"U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
      {"U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"},
      {"U*U*U", "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"},
      {"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
       "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"},
      {"\xa3", "$2b$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"},
      {"\xff\xff\xa3", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"},
      {"\xff\xff\xa3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"},
      {"password", "$2y$04$R5p8bH4p6bRSdTZc6UoXNePQC5cfFQdvBEiweGDDlwPjzzE821FjW"},
      {"\xd0\x9f\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c", "$2b$07$KP8UrxLBHU5K/lnrLzFTGuC/SGZGN7lhNUHPxHI6bU9kNIoLER5xm"},
      {"correct horse battery staple", "$2a$10$Ro0CUfOqk6cXEKf3dyaM7OOEwLQ6jFuNDJFM7shSpzvEKtYILQSgq"},
  };
  for (const auto& vector : vectors) {
    const std::string expected = vector.hash;
    CAPTURE(expected);
    const auto parsed = wave::bcrypt_parse(vector.hash);
    CHECK(wave::bcrypt_hash_with_salt(vector.password, parsed.cost, parsed.prefix, parsed.salt) == vector.hash);
    CHECK(wave::bcrypt_verify(vector.password, vector.hash));
    if (vector.password.size() < 72) CHECK_FALSE(wave::bcrypt_verify(vector.password + "x", vector.hash));
  }
  // One extra byte past 72 is ignored by verification, as by every bcrypt.
  CHECK(wave::bcrypt_verify(vectors[5].password + "!", vectors[5].hash));
}

TEST_CASE("byte for byte the same as libxcrypt's crypt_rn, both ways") {
  Fixture fixture;
  const auto cases = fixture.cases();
  int compared = 0;
  int countermeasures = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string& password = cases[i].first;
    const BcryptPrefix prefix = cases[i].second;
    const int cost = cost_for(i);
    const auto salt = fixture.salt();
    CAPTURE(printable(password));
    CAPTURE(cost);
    CAPTURE(static_cast<int>(prefix));

    // Passwords over 72 bytes cannot be hashed by Wave; their first 72 bytes stand in.
    const std::string hashable = password.substr(0, 72);
    const std::string ours = wave::bcrypt_hash_with_salt(hashable, cost, prefix, salt);
    const std::string theirs = xcrypt(password, setting_of(ours));
    REQUIRE(!theirs.empty());
    if (prefix == BcryptPrefix::k2a && libxcrypt_alters_2a(password)) {
      // The documented divergence: libxcrypt's "$2a$" is not OpenBSD's here, while its
      // "$2b$" is, and Wave's "$2a$" verifies with OpenBSD-style verifiers only.
      ++countermeasures;
      CHECK(theirs != ours);
      CHECK_FALSE(wave::bcrypt_verify(password, theirs));
      CHECK(xcrypt(password, "$2b$" + setting_of(ours).substr(4)).substr(4) == ours.substr(4));
      continue;
    }
    ++compared;
    CHECK(theirs == ours);
    // Theirs verifies with ours (with the full password: only 72 bytes count) ...
    CHECK(wave::bcrypt_verify(password, theirs));
    // ... and ours with theirs: crypt_rn(password, hash) reproduces the hash.
    CHECK(xcrypt(password, ours) == ours);
    // A changed byte within the first 72 is a mismatch for both.
    if (!hashable.empty()) {
      std::string changed = hashable;
      changed[changed.size() / 2] = static_cast<char>(changed[changed.size() / 2] == 'x' ? 'y' : 'x');
      CHECK_FALSE(wave::bcrypt_verify(changed, ours));
      CHECK(xcrypt(changed, ours) != ours);
    }
  }
  // The 0xff-heavy inputs must have exercised the divergence, and most inputs the main path.
  CHECK(countermeasures >= static_cast<int>(Fixture::countermeasure_passwords().size()));
  CHECK(compared > 100);
}

TEST_CASE("libxcrypt's $2a$ countermeasure: the documented divergence") {
  // Openwall's countermeasure changes "$2a$" for passwords whose high-bit bytes follow
  // only 0xff bytes within a key word; OpenBSD, pyca and VerneMQ's Erlang bcrypt do not,
  // and neither does Wave.  "$2b$" and "$2y$" agree everywhere.
  const std::string password = "\xff\xff\xa3";
  REQUIRE(libxcrypt_alters_2a(password));
  const std::string setting = "$2a$05$/OK.fbVrR/bpIqNJ5ianF.";
  const std::string libxcrypt_2a = xcrypt(password, setting);
  CHECK(libxcrypt_2a == "$2a$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85.");
  const auto salt = wave::bcrypt_parse(setting + "CE5elHaaO4EbggVDjb8P19RukzXSM3e").salt;
  const std::string ours = wave::bcrypt_hash_with_salt(password, 5, BcryptPrefix::k2a, salt);
  CHECK(ours == "$2a$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e");
  CHECK(python_bcrypt({"hash " + to_hex(password) + " " + setting})[0] == ours);
  CHECK_FALSE(wave::bcrypt_verify(password, libxcrypt_2a));
  for (const char* prefix : {"$2b$", "$2y$"}) {
    CHECK(xcrypt(password, prefix + setting.substr(4)) == prefix + ours.substr(4));
  }
  // Passwords outside the pattern, high bits included, are unaffected.
  for (const std::string& other : {"\xa3"s, "ab\xff"s, "\xff\xff"s, "\xa3" "bcdefg"s}) {
    CAPTURE(printable(other));
    CHECK_FALSE(libxcrypt_alters_2a(other));
    CHECK(xcrypt(other, setting) == wave::bcrypt_hash_with_salt(other, 5, BcryptPrefix::k2a, salt));
  }
}

TEST_CASE("the same as Debian's python3-bcrypt (pyca), both ways") {
  Fixture fixture;
  fixture.rng.seed(0x70ca'b0c7);
  const auto cases = fixture.cases();
  std::vector<std::string> requests;
  std::vector<std::string> ours;
  std::vector<const std::string*> used;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string& password = cases[i].first;
    const BcryptPrefix prefix = cases[i].second;
    const int cost = cost_for(i);
    const std::string hash = wave::bcrypt_hash_with_salt(password.substr(0, 72), cost, prefix, fixture.salt());
    ours.push_back(hash);
    used.push_back(&password);
    // pyca hashes with our salt, checks our hash, and hashes with its own salt.
    requests.push_back("hash " + to_hex(password) + " " + setting_of(hash));
    requests.push_back("check " + to_hex(password) + " " + hash);
    if (prefix != BcryptPrefix::k2y)  // pyca's gensalt writes only 2a and 2b
      requests.push_back("gensalt " + to_hex(password) + " " + hash.substr(1, 2) + " " + std::to_string(cost));
  }
  const auto answers = python_bcrypt(requests);
  std::size_t next = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    CAPTURE(printable(*used[i]));
    CAPTURE(ours[i]);
    CHECK(answers[next++] == ours[i]);
    CHECK(answers[next++] == "1");
    if (ours[i].compare(0, 4, "$2y$") != 0) {
      const std::string& theirs = answers[next++];
      CAPTURE(theirs);
      CHECK(theirs.compare(0, 7, ours[i].substr(0, 7)) == 0);
      CHECK(wave::bcrypt_verify(*used[i], theirs));
      if (used[i]->size() < 72) CHECK_FALSE(wave::bcrypt_verify(*used[i] + "\x01", theirs));
    }
  }
  CHECK(next == answers.size());
}

TEST_CASE("72 and 73 byte passwords") {
  Fixture fixture;
  const std::string p72 = fixture.password(72, 2);
  const std::string p73 = p72 + "Z";
  const auto salt = fixture.salt();
  // Hashing: 72 bytes is the limit, 73 is refused rather than silently cut.
  const std::string hash = wave::bcrypt_hash_with_salt(p72, 4, BcryptPrefix::k2a, salt);
  CHECK(status_of([&] { wave::bcrypt_hash(p73, 4); }) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(status_of([&] { wave::bcrypt_hash_with_salt(p73, 4, BcryptPrefix::k2b, salt); }) ==
        WAVE_ERR_INVALID_ARGUMENT);
  CHECK(message_of([&] { wave::bcrypt_hash(p73, 4); }).find("72") != std::string::npos);
  // Verification: only the first 72 bytes count, as in the oracles.
  CHECK(wave::bcrypt_verify(p72, hash));
  CHECK(wave::bcrypt_verify(p73, hash));
  CHECK(wave::bcrypt_verify(p72 + std::string(1000, 'q'), hash));
  CHECK_FALSE(wave::bcrypt_verify(p72.substr(0, 71), hash));
  const std::string their_73 = xcrypt(p73, setting_of(hash));
  CHECK(their_73 == hash);
  const auto python = python_bcrypt({"hash " + to_hex(p73) + " " + setting_of(hash), "check " + to_hex(p73) + " " + hash,
                                     "check " + to_hex(p72.substr(0, 71)) + " " + hash});
  CHECK(python[0] == hash);
  CHECK(python[1] == "1");
  CHECK(python[2] == "0");
  // A 71-byte password's key ends in its NUL terminator; a 72-byte one has none.
  const std::string p71_hash = wave::bcrypt_hash_with_salt(p72.substr(0, 71), 4, BcryptPrefix::k2a, salt);
  CHECK(p71_hash != hash);
  CHECK(xcrypt(p72.substr(0, 71), p71_hash) == p71_hash);
}

TEST_CASE("costs: 4..31 accepted, everything else refused") {
  const wave::BcryptSalt salt{};
  for (const int cost : {4, 5, 6}) {
    const std::string hash = wave::bcrypt_hash("edge", cost, BcryptPrefix::k2b);
    CHECK(wave::bcrypt_parse(hash).cost == cost);
    CHECK(xcrypt("edge", hash) == hash);
  }
  for (const int cost : {3, 32, 0, -1, 99, INT32_MIN, INT32_MAX}) {
    CAPTURE(cost);
    CHECK(status_of([&] { wave::bcrypt_hash("edge", cost); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { wave::bcrypt_hash_with_salt("edge", cost, BcryptPrefix::k2a, salt); }) ==
          WAVE_ERR_INVALID_ARGUMENT);
  }
  // Cost 31 (2^31 iterations, hours of work) is parsed and formatted, not run here.
  const std::string cost31 = "$2b$31$" + kValid.substr(7);
  const auto parsed = wave::bcrypt_parse(cost31);
  CHECK(parsed.cost == 31);
  CHECK(wave::bcrypt_format(parsed) == cost31);
  for (const char* cost : {"03", "32", "00", "99", "40"}) {
    CAPTURE(cost);
    CHECK(status_of([&] { wave::bcrypt_parse("$2a$"s + cost + kValid.substr(6)); }) == WAVE_ERR_INVALID_ARGUMENT);
  }
  // The core itself refuses more than 31 rather than shifting out of range.
  std::uint8_t digest[wave::bcrypt_detail::kDigestBytes];
  const std::uint8_t raw_salt[wave::bcrypt_detail::kSaltBytes] = {};
  const std::uint8_t key[] = {'k', 0};
  CHECK(status_of([&] { wave::bcrypt_detail::eks_blowfish_digest(key, 2, raw_salt, 32, digest); }) == WAVE_ERR_INTERNAL);
  CHECK(status_of([&] { wave::bcrypt_detail::eks_blowfish_digest(key, 0, raw_salt, 4, digest); }) == WAVE_ERR_INTERNAL);
}

TEST_CASE("malformed hash strings are refused, never crash") {
  const std::string salt = kValid.substr(7, 22);
  const std::string digest = kValid.substr(29);
  auto with = [&](std::size_t position, char c) {
    std::string out = kValid;
    out[position] = c;
    return out;
  };
  const std::vector<std::string> malformed = {
      // empty and truncated
      "", "$", "$2", "$2a", "$2a$", "$2a$0", "$2a$05", "$2a$05$", kValid.substr(0, 29), kValid.substr(0, 59),
      // trailing bytes, NULs
      kValid + "x", kValid + "\n", kValid + "\r\n", kValid + " ", kValid + "\0"s, kValid + kValid,
      with(40, '\0'), with(59, '\0'), with(10, '\0'), with(0, '\0'),
      // other and unknown schemes
      "$2x$05$" + salt + digest, "$2$05$" + salt + digest, "$2$05$" + salt + digest + ".",
      "$2c$05$" + salt + digest, "$2z$05$" + salt + digest, "$2A$05$" + salt + digest,
      "$2B$05$" + salt + digest, "$3a$05$" + salt + digest, "2a$05$" + salt + digest + ".",
      " $2a$05$" + salt + digest.substr(1), "$$2a$05" + salt + digest,
      "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", "$5$rounds=5000$usesomesillystri$KqJWpanXZHKq2BOB43TSaYhEWsQ1Lr5QNyPCDH/Tp.6",
      "$6$saltsalt$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
      "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", "abJnggxhB/yWI",
      "_J9..CCCCXBrJUJV154M", "*0", "*", "!", "$2a$05$" + std::string(53, '*'),
      // cost
      "$2a$5$" + salt + digest + ".", "$2a$005$" + salt + digest.substr(1), "$2a$1a$" + salt + digest,
      "$2a$a1$" + salt + digest, "$2a$ 5$" + salt + digest, "$2a$-5$" + salt + digest, "$2a$+5$" + salt + digest,
      "$2a$05." + salt + digest, "$2a$05" + salt + digest + ".", "$2a$03$" + salt + digest,
      "$2a$32$" + salt + digest, "$2a$99$" + salt + digest, "$2a$\xd9\xa5$" + salt + digest,
      // salt and digest alphabet (standard base64's + and =, URL-safe - and _, high bytes)
      with(7, '+'), with(8, '='), with(12, '-'), with(20, '_'), with(28, '$'), with(29, '*'), with(45, ' '),
      with(59, '='), with(30, '\x80'), with(15, '\xff'), with(50, '\n'),
      // unused low bits set in the last salt character (4 bits) or digest character (2 bits)
      with(28, 'P'), with(28, '/'), with(28, '9'), with(59, 'X'), with(59, '/'), with(59, 'T'),
  };
  for (const auto& hash : malformed) {
    CAPTURE(printable(hash));
    const std::string message = message_of([&] { wave::bcrypt_parse(hash); });
    CHECK(status_of([&] { wave::bcrypt_parse(hash); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { wave::bcrypt_verify("U*U", hash); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(message.rfind("malformed bcrypt hash: ", 0) == 0);
    // The message never repeats the digest.
    CHECK(message.find(digest.substr(0, 10)) == std::string::npos);
  }
  CHECK(message_of([&] { wave::bcrypt_parse("$2x$05$" + salt + digest); }).find("$2x$") != std::string::npos);
  CHECK(message_of([&] { wave::bcrypt_parse(kValid + "x"); }).find("trailing") != std::string::npos);
  CHECK(message_of([&] { wave::bcrypt_parse(with(40, '\0')); }).find("NUL") != std::string::npos);
  CHECK(message_of([&] { wave::bcrypt_parse(with(28, 'P')); }).find("non-canonical") != std::string::npos);
  // The control: the unchanged string is fine.
  CHECK(wave::bcrypt_verify("U*U", kValid));
}

TEST_CASE("canonical encoding: exactly the characters with zero unused bits end the salt and digest") {
  const std::string alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string salt_ends;
  std::string digest_ends;
  for (const char c : alphabet) {
    std::string hash = kValid;
    hash[28] = c;
    if (status_of([&] { wave::bcrypt_parse(hash); }) == WAVE_OK) salt_ends.push_back(c);
    hash = kValid;
    hash[59] = c;
    if (status_of([&] { wave::bcrypt_parse(hash); }) == WAVE_OK) digest_ends.push_back(c);
  }
  CHECK(salt_ends == ".Oeu");
  CHECK(digest_ends == ".CGKOSWaeimquy26");
  // Why refusing is right: libxcrypt re-encodes such a salt canonically, so a hash with
  // the bits set can never be reproduced (and so never verify) anywhere.
  const std::string noncanonical_setting = kValid.substr(0, 28) + "P";
  const std::string reencoded = xcrypt("U*U", noncanonical_setting);
  CHECK(reencoded.substr(0, 29) == kValid.substr(0, 28) + "O");
  CHECK(reencoded.substr(0, 29) != noncanonical_setting);
}

TEST_CASE("parse and format are inverses") {
  Fixture fixture;
  for (int i = 0; i < 50; ++i) {
    wave::BcryptHash hash;
    hash.prefix = kAllPrefixes[i % 3];
    hash.cost = 4 + i % 28;
    hash.salt = fixture.salt();
    for (auto& b : hash.digest) b = static_cast<std::uint8_t>(fixture.rng());
    const std::string text = wave::bcrypt_format(hash);
    CAPTURE(text);
    REQUIRE(text.size() == 60);
    const auto back = wave::bcrypt_parse(text);
    CHECK(back.prefix == hash.prefix);
    CHECK(back.cost == hash.cost);
    CHECK(back.salt == hash.salt);
    CHECK(back.digest == hash.digest);
  }
  wave::BcryptHash bad;
  bad.cost = 3;
  CHECK(status_of([&] { wave::bcrypt_format(bad); }) == WAVE_ERR_INVALID_ARGUMENT);
  bad.cost = 10;
  bad.prefix = static_cast<BcryptPrefix>(7);
  CHECK(status_of([&] { wave::bcrypt_format(bad); }) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(status_of([&] { wave::bcrypt_hash("x", 4, static_cast<BcryptPrefix>(-1)); }) == WAVE_ERR_INVALID_ARGUMENT);
}

TEST_CASE("passwords with NUL bytes") {
  // Hashing refuses them: bcrypt keys end at the first NUL.
  CHECK(status_of([] { wave::bcrypt_hash("abc\0def"s, 4); }) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(status_of([] { wave::bcrypt_hash("\0"s, 4); }) == WAVE_ERR_INVALID_ARGUMENT);
  // Verification never matches one, even where the key stream would coincide:
  // "abc\0abc" cycles to the same 72 bytes as "abc" plus its terminator.
  const std::string hash = wave::bcrypt_hash("abc", 4);
  CHECK(wave::bcrypt_verify("abc", hash));
  CHECK_FALSE(wave::bcrypt_verify("abc\0abc"s, hash));
  CHECK_FALSE(wave::bcrypt_verify("abc\0"s, hash));
  CHECK_FALSE(wave::bcrypt_verify("abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0abc\0"s, hash));
  // A NUL after byte 72 is beyond what counts.
  const std::string p72(72, 'n');
  const std::string hash72 = wave::bcrypt_hash(p72, 4);
  CHECK(wave::bcrypt_verify(p72 + "\0"s, hash72));
}

TEST_CASE("fresh salts from the CSPRNG, $2a$ by default") {
  const std::string first = wave::bcrypt_hash("same password", 4);
  const std::string second = wave::bcrypt_hash("same password", 4);
  CHECK(first.rfind("$2a$04$", 0) == 0);
  CHECK(first.size() == 60);
  CHECK(first.substr(7, 22) != second.substr(7, 22));
  CHECK(wave::bcrypt_verify("same password", first));
  CHECK(wave::bcrypt_verify("same password", second));
  CHECK(wave::bcrypt_hash("p", 4, BcryptPrefix::k2b).rfind("$2b$04$", 0) == 0);
  CHECK(wave::bcrypt_hash("p", 4, BcryptPrefix::k2y).rfind("$2y$04$", 0) == 0);
  // 64 salts: all different, and their bytes are not stuck (each bit both set and clear).
  std::vector<wave::BcryptSalt> salts;
  for (int i = 0; i < 64; ++i) salts.push_back(wave::bcrypt_parse(wave::bcrypt_hash("", 4)).salt);
  std::sort(salts.begin(), salts.end());
  CHECK(std::adjacent_find(salts.begin(), salts.end()) == salts.end());
  wave::BcryptSalt any_set{};
  wave::BcryptSalt all_set;
  all_set.fill(0xff);
  for (const auto& salt : salts) {
    for (std::size_t i = 0; i < salt.size(); ++i) {
      any_set[i] = static_cast<std::uint8_t>(any_set[i] | salt[i]);
      all_set[i] = static_cast<std::uint8_t>(all_set[i] & salt[i]);
    }
  }
  for (std::size_t i = 0; i < any_set.size(); ++i) {
    CHECK(any_set[i] == 0xff);
    CHECK(all_set[i] == 0x00);
  }
}

TEST_CASE("hashing and verifying from several threads at once") {
  std::vector<std::thread> threads;
  std::vector<int> results(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &results] {
      const std::string password = "thread " + std::to_string(t);
      int good = 0;
      for (int i = 0; i < 5; ++i) {
        const std::string hash = wave::bcrypt_hash(password, 4, kAllPrefixes[i % 3]);
        good += wave::bcrypt_verify(password, hash) && !wave::bcrypt_verify(password + "?", hash) ? 1 : 0;
      }
      results[static_cast<std::size_t>(t)] = good;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const int good : results) CHECK(good == 5);
}
