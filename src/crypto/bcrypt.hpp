// bcrypt password hashing: Wave's own implementation of the "$2a$", "$2b$" and "$2y$"
// formats, all three computed the OpenBSD way (the key is the password's first 72 bytes
// plus a NUL terminator, read cyclically).  Hash strings are parsed strictly: anything
// that is not exactly a canonical 60-character bcrypt string is rejected.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wave {

enum class BcryptPrefix { k2a, k2b, k2y };

inline constexpr int kBcryptMinCost = 4;
inline constexpr int kBcryptMaxCost = 31;
inline constexpr std::size_t kBcryptMaxPassword = 72;  // bcrypt reads no further
inline constexpr std::size_t kBcryptHashLength = 60;
inline constexpr std::size_t kBcryptSaltSize = 16;
inline constexpr std::size_t kBcryptDigestSize = 23;

using BcryptSalt = std::array<std::uint8_t, kBcryptSaltSize>;
using BcryptDigest = std::array<std::uint8_t, kBcryptDigestSize>;

// A parsed hash string: "$2a$" "10" "$" + 22 salt chars + 31 digest chars.
struct BcryptHash {
  BcryptPrefix prefix = BcryptPrefix::k2a;
  int cost = 0;
  BcryptSalt salt{};
  BcryptDigest digest{};
};

// "$2a$", "$2b$" or "$2y$".  Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT) for a value
// outside the enum.
std::string_view bcrypt_prefix_text(BcryptPrefix prefix);

// Parses and validates a hash string.  Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT),
// with a message saying what is wrong (never echoing the digest), when it is not exactly:
//  - "$2a$", "$2b$" or "$2y$" ("$2x$", "$2$", "$1$", DES and everything else are refused);
//  - a two-digit cost from 04 to 31, then "$";
//  - 22 salt and 31 digest characters of bcrypt's base64 alphabet ("./A-Za-z0-9"), and
//    nothing after them (no NUL, no newline);
//  - in canonical form: the salt's last character carries 4 unused bits and the digest's
//    2; they must be zero.  Other implementations never write them otherwise (they
//    re-encode the salt, so such a string could never verify anywhere), so a string with
//    them set is damaged or forged and is refused as malformed rather than just "no match".
BcryptHash bcrypt_parse(std::string_view hash);

// The canonical string for `hash` (the inverse of bcrypt_parse).  Throws
// wave::Error(WAVE_ERR_INVALID_ARGUMENT) for a cost or prefix out of range.
std::string bcrypt_format(const BcryptHash& hash);

// Hashes `password` (bytes) at `cost` with a fresh salt from OpenSSL's CSPRNG.
// Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT) for a cost outside 4..31, a password
// over 72 bytes (bcrypt would silently ignore the rest) or one containing a NUL byte
// (bcrypt keys end at the first NUL), and wave::Error(WAVE_ERR_INTERNAL) if the CSPRNG
// fails.  Thread-safe.
std::string bcrypt_hash(std::string_view password, int cost, BcryptPrefix prefix = BcryptPrefix::k2a);

// As bcrypt_hash() with a caller-chosen salt: for known-answer tests and cross-checks.
// Production code uses bcrypt_hash().
std::string bcrypt_hash_with_salt(std::string_view password, int cost, BcryptPrefix prefix,
                                  const BcryptSalt& salt);

// True when `password` matches `hash`.  Only the first 72 bytes of the password count
// (as everywhere else bcrypt is used), so hashes made by other implementations verify;
// a password with a NUL byte in those 72 bytes never matches (no bcrypt hash can come
// from one, and a C implementation would have cut it short).  The digests are compared
// in constant time.  Throws wave::Error(WAVE_ERR_INVALID_ARGUMENT) for a malformed hash
// (see bcrypt_parse).  Thread-safe.
bool bcrypt_verify(std::string_view password, std::string_view hash);

}  // namespace wave
