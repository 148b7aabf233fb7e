// EksBlowfish, the deliberately expensive key schedule at the heart of bcrypt (Provos and
// Mazières, "A Future-Adaptable Password Scheme", 1999).  Internal to src/crypto: the
// string format, password rules and salts live in bcrypt.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wave::bcrypt_detail {

// Blowfish's whole key-dependent state.  Kept together so one copy initialises it and the
// hot loops address it relative to a single base.
struct BlowfishState {
  std::uint32_t p[18];
  std::uint32_t s[4][256];
};

// The initial state: pi's fractional hex digits (bcrypt_pi.cpp).
extern const BlowfishState kBlowfishPiState;

inline constexpr std::size_t kKeyStreamBytes = 72;  // 18 P-array words: bcrypt reads no more
inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kDigestBytes = 23;  // bcrypt keeps 23 of the 24 ciphertext bytes
inline constexpr unsigned kMaxLogRounds = 31;

// Which code the expensive loop runs: the fastest the CPU supports, or the portable C++
// (for tests that check the CPU-specific path against it, and for benchmarks).
enum class BlowfishCode { kBest, kPortable };

// bcrypt's raw function: EksBlowfishSetup(cost, salt, key), then "OrpheanBeholderScryDoubt"
// encrypted 64 times; the first 23 ciphertext bytes go to `digest`.  `key` holds key_len
// bytes (1..73) read cyclically, so the caller decides whether a NUL terminator belongs to
// the key.  log_rounds must be at most 31 (2^31 iterations; the counter is 64-bit).
// Throws wave::Error(WAVE_ERR_INTERNAL) on a violated precondition.  Wipes its state.
void eks_blowfish_digest(const std::uint8_t* key, std::size_t key_len,
                         const std::uint8_t (&salt)[kSaltBytes], unsigned log_rounds,
                         std::uint8_t (&digest)[kDigestBytes], BlowfishCode code = BlowfishCode::kBest);

}  // namespace wave::bcrypt_detail
