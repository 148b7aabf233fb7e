#include "crypto/bcrypt.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/secure.hpp"
#include "crypto/bcrypt_blowfish.hpp"
#include "crypto/random.hpp"

namespace wave {
namespace {

static_assert(kBcryptSaltSize == bcrypt_detail::kSaltBytes);
static_assert(kBcryptDigestSize == bcrypt_detail::kDigestBytes);
static_assert(kBcryptMaxPassword == bcrypt_detail::kKeyStreamBytes);
static_assert(kBcryptMaxCost <= static_cast<int>(bcrypt_detail::kMaxLogRounds));

// "$2a$" + "NN" + "$" = 7, then 22 salt and 31 digest characters.
constexpr std::size_t kSaltOffset = 7;
constexpr std::size_t kSaltChars = 22;
constexpr std::size_t kDigestOffset = kSaltOffset + kSaltChars;
constexpr std::size_t kDigestChars = 31;
static_assert(kDigestOffset + kDigestChars == kBcryptHashLength);

constexpr char kAlphabet[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

[[noreturn]] void malformed(const std::string& why) {
  fail(WAVE_ERR_INVALID_ARGUMENT, "malformed bcrypt hash: " + why);
}

// The 6-bit value of a bcrypt base64 character, or -1.  Branch-free, so decoding a
// stored digest does not time its characters.
int decode_char(unsigned char c) noexcept {
  const int x = c;
  auto in_range = [x](int low, int high) { return ((low - 1 - x) & (x - high - 1)) >> 8; };
  int value = -1;
  value += in_range('.', '/') & (x - '.' + 1);
  value += in_range('A', 'Z') & (x - 'A' + 3);
  value += in_range('a', 'z') & (x - 'a' + 29);
  value += in_range('0', '9') & (x - '0' + 55);
  return value;
}

// bcrypt's base64: the standard bit order with its own alphabet and no padding.
void encode(const std::uint8_t* bytes, std::size_t size, std::string& out) {
  std::uint32_t bits = 0;
  int pending = 0;
  for (std::size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | bytes[i];
    pending += 8;
    while (pending >= 6) {
      pending -= 6;
      out.push_back(kAlphabet[(bits >> pending) & 0x3f]);
    }
  }
  if (pending > 0) out.push_back(kAlphabet[(bits << (6 - pending)) & 0x3f]);
}

// Decodes exactly `size` bytes from `text` (whose length matches), which starts at
// `offset` in the hash string.  Fails on a character outside the alphabet or non-zero
// unused low bits in the last character.
void decode(std::string_view text, std::size_t offset, std::uint8_t* bytes, std::size_t size,
            const char* part) {
  std::uint32_t bits = 0;
  int pending = 0;
  int invalid = 0;
  std::size_t written = 0;
  for (const char c : text) {
    const int value = decode_char(static_cast<unsigned char>(c));
    invalid |= value;  // negative (sign bit set) once any character is bad
    bits = (bits << 6) | static_cast<std::uint32_t>(value & 0x3f);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      bytes[written++] = static_cast<std::uint8_t>(bits >> pending);
    }
  }
  const std::uint32_t unused = bits & ((1u << pending) - 1);
  if (invalid < 0) {
    // Rejected anyway, so finding the culprit may take its time.
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (decode_char(c) >= 0) continue;
      const std::string where = " at position " + std::to_string(offset + i);
      if (c == '\0') malformed(std::string(part) + " contains a NUL byte" + where);
      malformed(std::string(part) + " has a character outside bcrypt's base64 alphabet (./A-Za-z0-9)" + where);
    }
  }
  if (written != size) fail(WAVE_ERR_INTERNAL, "bcrypt decode: length mismatch");
  if (unused != 0)
    malformed(std::string(part) + "'s last character sets " + std::to_string(pending) +
              " low bits bcrypt does not use (non-canonical encoding)");
}

// The key bcrypt schedules: the first 72 password bytes plus a NUL terminator, which is
// only read when the password is shorter than 72 bytes.
struct Key {
  std::uint8_t bytes[kBcryptMaxPassword + 1];
  std::size_t size;

  explicit Key(std::string_view password) noexcept {
    const std::size_t used = std::min(password.size(), kBcryptMaxPassword);
    std::copy_n(reinterpret_cast<const std::uint8_t*>(password.data()), used, bytes);
    bytes[used] = 0;
    size = used + 1;
  }
  ~Key() { secure_wipe(bytes, sizeof bytes); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
};

void digest_of(std::string_view password, int cost, const BcryptSalt& salt, BcryptDigest& digest) {
  const Key key(password);
  std::uint8_t salt_bytes[kBcryptSaltSize];
  std::copy(salt.begin(), salt.end(), salt_bytes);
  std::uint8_t raw[kBcryptDigestSize];
  bcrypt_detail::eks_blowfish_digest(key.bytes, key.size, salt_bytes, static_cast<unsigned>(cost), raw);
  std::copy(std::begin(raw), std::end(raw), digest.begin());
  secure_wipe(raw, sizeof raw);
}

void check_cost(int cost) {
  if (cost < kBcryptMinCost || cost > kBcryptMaxCost)
    fail(WAVE_ERR_INVALID_ARGUMENT, "bcrypt cost " + std::to_string(cost) + " is out of range " +
                                        std::to_string(kBcryptMinCost) + ".." + std::to_string(kBcryptMaxCost));
}

void check_password_for_hashing(std::string_view password) {
  if (password.size() > kBcryptMaxPassword)
    fail(WAVE_ERR_INVALID_ARGUMENT, "password is " + std::to_string(password.size()) +
                                        " bytes: bcrypt takes at most 72 and would silently ignore the rest");
  if (password.find('\0') != std::string_view::npos)
    fail(WAVE_ERR_INVALID_ARGUMENT, "password contains a NUL byte, where bcrypt would cut it short");
}

}  // namespace

std::string_view bcrypt_prefix_text(BcryptPrefix prefix) {
  switch (prefix) {
    case BcryptPrefix::k2a: return "$2a$";
    case BcryptPrefix::k2b: return "$2b$";
    case BcryptPrefix::k2y: return "$2y$";
  }
  fail(WAVE_ERR_INVALID_ARGUMENT, "unknown bcrypt prefix " + std::to_string(static_cast<int>(prefix)));
}

BcryptHash bcrypt_parse(std::string_view hash) {
  BcryptHash parsed;
  const std::string_view head = hash.substr(0, 4);
  if (head == "$2a$") {
    parsed.prefix = BcryptPrefix::k2a;
  } else if (head == "$2b$") {
    parsed.prefix = BcryptPrefix::k2b;
  } else if (head == "$2y$") {
    parsed.prefix = BcryptPrefix::k2y;
  } else if (head == "$2x$") {
    malformed("the $2x$ prefix (crypt_blowfish's emulation of its sign-extension bug) is not supported");
  } else if (hash.substr(0, 3) == "$2$") {
    malformed("the original $2$ prefix is not supported; use $2a$, $2b$ or $2y$");
  } else if (hash.substr(0, 2) == "$2") {
    malformed("unknown bcrypt variant; expected $2a$, $2b$ or $2y$");
  } else {
    malformed("not a bcrypt hash; expected it to start with $2a$, $2b$ or $2y$");
  }

  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (hash.size() < kSaltOffset || !is_digit(hash[4]) || !is_digit(hash[5]) || hash[6] != '$')
    malformed("the cost must be two decimal digits followed by '$'");
  parsed.cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (parsed.cost < kBcryptMinCost || parsed.cost > kBcryptMaxCost)
    malformed("cost " + std::string(hash.substr(4, 2)) + " is out of range 04..31");

  if (hash.size() > kBcryptHashLength) malformed("it has trailing bytes after its 60th character");
  if (hash.size() < kBcryptHashLength)
    malformed("it is " + std::to_string(hash.size()) + " characters long, not 60");
  decode(hash.substr(kSaltOffset, kSaltChars), kSaltOffset, parsed.salt.data(), parsed.salt.size(), "the salt");
  decode(hash.substr(kDigestOffset, kDigestChars), kDigestOffset, parsed.digest.data(), parsed.digest.size(),
         "the digest");
  return parsed;
}

std::string bcrypt_format(const BcryptHash& hash) {
  check_cost(hash.cost);
  std::string out(bcrypt_prefix_text(hash.prefix));
  out.reserve(kBcryptHashLength);
  out.push_back(static_cast<char>('0' + hash.cost / 10));
  out.push_back(static_cast<char>('0' + hash.cost % 10));
  out.push_back('$');
  encode(hash.salt.data(), hash.salt.size(), out);
  encode(hash.digest.data(), hash.digest.size(), out);
  return out;
}

std::string bcrypt_hash_with_salt(std::string_view password, int cost, BcryptPrefix prefix,
                                  const BcryptSalt& salt) {
  check_cost(cost);
  check_password_for_hashing(password);
  BcryptHash hash;
  hash.prefix = prefix;
  bcrypt_prefix_text(prefix);  // refuse an unknown prefix before the expensive part
  hash.cost = cost;
  hash.salt = salt;
  digest_of(password, cost, salt, hash.digest);
  return bcrypt_format(hash);
}

std::string bcrypt_hash(std::string_view password, int cost, BcryptPrefix prefix) {
  // Validate before drawing randomness: a refused call should cost nothing.
  check_cost(cost);
  check_password_for_hashing(password);
  bcrypt_prefix_text(prefix);
  BcryptSalt salt;
  random_bytes(salt.data(), salt.size());
  return bcrypt_hash_with_salt(password, cost, prefix, salt);
}

bool bcrypt_verify(std::string_view password, std::string_view hash) {
  const BcryptHash expected = bcrypt_parse(hash);
  const std::string_view used = password.substr(0, std::min(password.size(), kBcryptMaxPassword));
  // A NUL in the used bytes never matches; the digest is still computed so the answer
  // takes the same time either way.
  const bool has_nul = used.find('\0') != std::string_view::npos;
  BcryptDigest actual;
  digest_of(used, expected.cost, expected.salt, actual);
  const bool equal = constant_time_equal(
      std::string_view(reinterpret_cast<const char*>(actual.data()), actual.size()),
      std::string_view(reinterpret_cast<const char*>(expected.digest.data()), expected.digest.size()));
  secure_wipe(actual.data(), actual.size());
  return equal && !has_nul;
}

}  // namespace wave
