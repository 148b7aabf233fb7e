// wave::Error: the one exception type Wave's C++ core throws for expected failures.
// The C ABI layer (src/capi) turns it into a wave_status plus the thread-local message.
#pragma once

#include <stdexcept>
#include <string>

#include <wave/wave_common.h>

namespace wave {

class Error : public std::runtime_error {
 public:
  Error(wave_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  wave_status status() const noexcept { return status_; }

 private:
  wave_status status_;
};

[[noreturn]] inline void fail(wave_status status, const std::string& message) {
  throw Error(status, message);
}

}  // namespace wave
