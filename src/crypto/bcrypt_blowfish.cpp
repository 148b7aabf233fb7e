// EksBlowfish.  Nearly all of bcrypt's time goes into encrypt_state() below, which runs
// 2^(cost+1) times; it is written for the compiler to keep each 16-round block encryption
// straight-line code over one local state (see the -O3 property in CMakeLists.txt).
//
// Speed is set by the latency of one round's dependency chain: extract a byte index from
// the half just computed, load from an S-box, then add, xor, add and xor into the other
// half.  Byte 2, (x >> 16) & 0xff, costs x86-64 two dependent instructions where the
// other bytes cost one; on CPUs with BMI1 a single BEXTR does it, which takes a cycle off
// every round (about 8% at any cost on the AMD EPYC the benchmark ran on).
#include "crypto/bcrypt_blowfish.hpp"

#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "common/secure.hpp"

#if defined(__GNUC__)
#define WAVE_BF_INLINE [[gnu::always_inline]] inline
#define WAVE_BF_NOINLINE [[gnu::noinline]]
#else
#define WAVE_BF_INLINE inline
#define WAVE_BF_NOINLINE
#endif

namespace wave::bcrypt_detail {
namespace {

using Word = std::uint32_t;

constexpr int kPWords = 18;
constexpr int kSaltWords = 4;

// How the hot loop extracts byte 2 of a word; the result indexes an S-box.
struct PortableExtract {
  WAVE_BF_INLINE static std::size_t byte2(Word x) noexcept { return (x >> 16) & 0xff; }
};

#if defined(__x86_64__) && defined(__GNUC__)
#define WAVE_BF_HAVE_BMI_PATH 1
// Used only after __builtin_cpu_supports("bmi") said yes.  Inline assembly rather than the
// _bextr intrinsic: the intrinsic needs the BMI target on every function it inlines into,
// and its 32-bit result costs an extra zero-extension before it can index.
struct BmiExtract {
  WAVE_BF_INLINE static std::size_t byte2(Word x) noexcept {
    std::uint64_t index;
    asm("bextr %2, %1, %0" : "=r"(index) : "r"(std::uint64_t{x}), "r"(std::uint64_t{0x0810}) : "cc");
    return index;  // 8 bits from bit 16 (control 0x0810), zero-extended
  }
};
#endif

template <class Extract>
WAVE_BF_INLINE Word feistel(const BlowfishState& state, Word x) noexcept {
  return ((state.s[0][x >> 24] + state.s[1][Extract::byte2(x)]) ^ state.s[2][(x >> 8) & 0xff]) +
         state.s[3][x & 0xff];
}

// One Blowfish block encryption with the 16 rounds written out.  Each line fuses one
// round's F with the next round's P-word, which Blowfish's XOR structure allows; the
// halves come back swapped, as in the cipher's final step.
template <class Extract = PortableExtract>
WAVE_BF_INLINE void encipher(const BlowfishState& state, Word& left, Word& right) noexcept {
  const Word* p = state.p;
  Word l = left ^ p[0];
  Word r = right;
  r ^= feistel<Extract>(state, l) ^ p[1];
  l ^= feistel<Extract>(state, r) ^ p[2];
  r ^= feistel<Extract>(state, l) ^ p[3];
  l ^= feistel<Extract>(state, r) ^ p[4];
  r ^= feistel<Extract>(state, l) ^ p[5];
  l ^= feistel<Extract>(state, r) ^ p[6];
  r ^= feistel<Extract>(state, l) ^ p[7];
  l ^= feistel<Extract>(state, r) ^ p[8];
  r ^= feistel<Extract>(state, l) ^ p[9];
  l ^= feistel<Extract>(state, r) ^ p[10];
  r ^= feistel<Extract>(state, l) ^ p[11];
  l ^= feistel<Extract>(state, r) ^ p[12];
  r ^= feistel<Extract>(state, l) ^ p[13];
  l ^= feistel<Extract>(state, r) ^ p[14];
  r ^= feistel<Extract>(state, l) ^ p[15];
  l ^= feistel<Extract>(state, r) ^ p[16];
  left = r ^ p[17];
  right = l;
}

// Replaces P and the S-boxes, in order, with successive encryptions of a running block
// that starts at zero: the body of ExpandKey once the key and salt words are mixed in.
// Not inlined: one compact copy of the loop serves both calls per iteration.
template <class Extract>
WAVE_BF_NOINLINE void encrypt_state(BlowfishState& state) noexcept {
  Word l = 0;
  Word r = 0;
  for (int i = 0; i < kPWords; i += 2) {
    encipher<Extract>(state, l, r);
    state.p[i] = l;
    state.p[i + 1] = r;
  }
  for (auto& box : state.s) {
    for (int i = 0; i < 256; i += 2) {
      encipher<Extract>(state, l, r);
      box[i] = l;
      box[i + 1] = r;
    }
  }
}

// ExpandKey(state, salt, key) for the first, salted pass: unlike the later passes, the
// running block is XORed with the salt words (cycled) before every encryption.
void expand_state_salted(BlowfishState& state, const Word (&key)[kPWords],
                         const Word (&salt)[kSaltWords]) noexcept {
  for (int i = 0; i < kPWords; ++i) state.p[i] ^= key[i];
  Word l = 0;
  Word r = 0;
  int next = 0;  // position in the salt stream, continued from P into the S-boxes
  for (int i = 0; i < kPWords; i += 2) {
    l ^= salt[next];
    r ^= salt[next + 1];
    next ^= 2;
    encipher(state, l, r);
    state.p[i] = l;
    state.p[i + 1] = r;
  }
  for (auto& box : state.s) {
    for (int i = 0; i < 256; i += 2) {
      l ^= salt[next];
      r ^= salt[next + 1];
      next ^= 2;
      encipher(state, l, r);
      box[i] = l;
      box[i + 1] = r;
    }
  }
}

// The 2^cost iterations of EksBlowfishSetup after the salted first expansion.
template <class Extract>
void expensive_rounds(BlowfishState& state, const Word (&key)[kPWords], const Word (&salt)[kSaltWords],
                      unsigned log_rounds) noexcept {
  // 64-bit counter: 2^31 iterations at cost 31 must neither overflow nor end early.
  const std::uint64_t iterations = std::uint64_t{1} << log_rounds;
  for (std::uint64_t n = 0; n < iterations; ++n) {
    for (int i = 0; i < kPWords; ++i) state.p[i] ^= key[i];
    encrypt_state<Extract>(state);
    // The 16-byte salt as a key: its four words repeat across the 18 P-words.
    for (int i = 0; i < kPWords; ++i) state.p[i] ^= salt[i % kSaltWords];
    encrypt_state<Extract>(state);
  }
}

Word load_be32(const std::uint8_t* bytes) noexcept {
  return (Word{bytes[0]} << 24) | (Word{bytes[1]} << 16) | (Word{bytes[2]} << 8) | Word{bytes[3]};
}

}  // namespace

void eks_blowfish_digest(const std::uint8_t* key, std::size_t key_len,
                         const std::uint8_t (&salt)[kSaltBytes], unsigned log_rounds,
                         std::uint8_t (&digest)[kDigestBytes], BlowfishCode code) {
  if (key == nullptr || key_len == 0 || key_len > kKeyStreamBytes + 1 || log_rounds > kMaxLogRounds)
    fail(WAVE_ERR_INTERNAL, "eks_blowfish_digest: key length " + std::to_string(key_len) +
                                " or log rounds " + std::to_string(log_rounds) + " out of range");

  // The key as 18 big-endian words, reading its bytes cyclically (Blowfish's stream2word).
  Word key_words[kPWords];
  std::size_t position = 0;
  for (Word& word : key_words) {
    Word value = 0;
    for (int b = 0; b < 4; ++b) {
      value = (value << 8) | key[position];
      position = position + 1 == key_len ? 0 : position + 1;
    }
    word = value;
  }
  Word salt_words[kSaltWords];
  for (int i = 0; i < kSaltWords; ++i) salt_words[i] = load_be32(salt + 4 * i);

  BlowfishState state = kBlowfishPiState;
  expand_state_salted(state, key_words, salt_words);

#if defined(WAVE_BF_HAVE_BMI_PATH)
  if (code == BlowfishCode::kBest && __builtin_cpu_supports("bmi"))
    expensive_rounds<BmiExtract>(state, key_words, salt_words, log_rounds);
  else
    expensive_rounds<PortableExtract>(state, key_words, salt_words, log_rounds);
#else
  (void)code;  // no CPU-specific path on this platform
  expensive_rounds<PortableExtract>(state, key_words, salt_words, log_rounds);
#endif

  static constexpr std::uint8_t kMagic[] = "OrpheanBeholderScryDoubt";
  Word text[6];
  for (int i = 0; i < 6; ++i) text[i] = load_be32(kMagic + 4 * i);
  for (int round = 0; round < 64; ++round) {
    for (int i = 0; i < 6; i += 2) encipher(state, text[i], text[i + 1]);
  }
  std::uint8_t bytes[24];
  for (int i = 0; i < 6; ++i) {
    bytes[4 * i] = static_cast<std::uint8_t>(text[i] >> 24);
    bytes[4 * i + 1] = static_cast<std::uint8_t>(text[i] >> 16);
    bytes[4 * i + 2] = static_cast<std::uint8_t>(text[i] >> 8);
    bytes[4 * i + 3] = static_cast<std::uint8_t>(text[i]);
  }
  for (std::size_t i = 0; i < kDigestBytes; ++i) digest[i] = bytes[i];

  // Everything here was derived from the password.
  secure_wipe(&state, sizeof state);
  secure_wipe(key_words, sizeof key_words);
  secure_wipe(text, sizeof text);
  secure_wipe(bytes, sizeof bytes);
}

}  // namespace wave::bcrypt_detail
