// The token format check: printable ASCII, bounded length, full match of the configured
// regex by RE2 (linear time: no catastrophic backtracking on attacker input).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace wave {

class TokenValidator {
 public:
  // Compiles `pattern` once; throws wave::Error(WAVE_ERR_CONFIG) when it does not compile.
  TokenValidator(const std::string& pattern, std::size_t max_length);
  ~TokenValidator();
  TokenValidator(const TokenValidator&) = delete;
  TokenValidator& operator=(const TokenValidator&) = delete;

  // Empty when `token` is well-formed; otherwise why not (never containing the token).
  std::string problem(std::string_view token) const;
  bool is_valid(std::string_view token) const { return problem(token).empty(); }
  // Throws wave::Error(WAVE_ERR_INVALID_TOKEN) with the reason when the token is malformed.
  void check(std::string_view token) const;

  std::size_t max_length() const noexcept { return max_length_; }
  const std::string& pattern() const noexcept { return pattern_; }

 private:
  struct Compiled;
  std::string pattern_;
  std::size_t max_length_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace wave
