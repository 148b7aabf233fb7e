// wave::Error: the one exception type Wave's C++ core throws for expected failures.
// The C ABI layer (src/capi) turns it into a wave_status plus the thread-local message.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <wave/wave_common.h>

namespace wave {

class Error : public std::runtime_error {
 public:
  Error(wave_status status, const std::string& message, std::uint32_t retry_after_ms = 0)
      : std::runtime_error(message), status_(status), retry_after_ms_(retry_after_ms) {}
  wave_status status() const noexcept { return status_; }
  // WAVE_ERR_RATE_LIMITED: milliseconds until the refused operation may succeed (else 0).
  std::uint32_t retry_after_ms() const noexcept { return retry_after_ms_; }

 private:
  wave_status status_;
  std::uint32_t retry_after_ms_;
};

[[noreturn]] inline void fail(wave_status status, const std::string& message, std::uint32_t retry_after_ms = 0) {
  throw Error(status, message, retry_after_ms);
}

}  // namespace wave
