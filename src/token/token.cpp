#include "token/token.hpp"

#include <re2/re2.h>

#include "common/error.hpp"

namespace wave {

struct TokenValidator::Compiled {
  explicit Compiled(const std::string& pattern, const RE2::Options& options) : regex(pattern, options) {}
  RE2 regex;
};

namespace {

// RE2's memory budget for the compiled program and DFA cache.  Large enough for any sane
// token pattern; bounded so a pathological pattern fails at load, not at run time.
constexpr int64_t kRegexMemoryBudget = 8 << 20;

RE2::Options regex_options() {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingLatin1);  // tokens are bytes; we allow ASCII only
  options.set_max_mem(kRegexMemoryBudget);
  return options;
}

}  // namespace

TokenValidator::TokenValidator(const std::string& pattern, std::size_t max_length)
    : pattern_(pattern), max_length_(max_length) {
  if (max_length_ == 0) fail(WAVE_ERR_CONFIG, "the maximum token length must be at least 1");
  compiled_ = std::make_unique<Compiled>(pattern, regex_options());
  if (!compiled_->regex.ok())
    fail(WAVE_ERR_CONFIG, "tokenValidationRegex does not compile: " + compiled_->regex.error());
}

TokenValidator::~TokenValidator() = default;

std::string TokenValidator::problem(std::string_view token) const {
  if (token.empty()) return "the token is empty";
  if (token.size() > max_length_)
    return "the token is " + std::to_string(token.size()) + " bytes long; at most " +
           std::to_string(max_length_) + " are allowed";
  for (std::size_t i = 0; i < token.size(); ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    // Printable ASCII only: the token travels in an HTTP header, where CR/LF or control
    // bytes would allow header injection and non-ASCII bytes are not portable.
    if (c < 0x20 || c > 0x7e)
      return "the token contains a byte that is not printable ASCII (0x" +
             std::string(1, "0123456789abcdef"[c >> 4]) + std::string(1, "0123456789abcdef"[c & 15]) +
             " at offset " + std::to_string(i) + ")";
  }
  // Whatever the regex allows: HTTP servers strip surrounding blanks, so the app would
  // check another token than the one Wave caches.  A refusal, like every malformed token.
  if (token.front() == ' ' || token.back() == ' ') return "the token starts or ends with a space";
  if (!RE2::FullMatch(re2::StringPiece(token.data(), token.size()), compiled_->regex))
    return "the token does not match tokenValidationRegex";
  return {};
}

void TokenValidator::check(std::string_view token) const {
  std::string reason = problem(token);
  if (!reason.empty()) fail(WAVE_ERR_INVALID_TOKEN, reason);
}

}  // namespace wave
