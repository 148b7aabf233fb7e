#include <cstdlib>
#include <string>

#include "capi/guard.hpp"
#include "common/log.hpp"

namespace wave::capi {
namespace {
thread_local std::string last_error;
thread_local std::uint32_t last_retry_after_ms = 0;
}

void set_last_error(const std::string& message) noexcept {
  try {
    last_error = message;
  } catch (...) {
    last_error.clear();  // out of memory while reporting: an empty message is the best we can do
  }
}

void clear_last_error() noexcept {
  last_error.clear();
  last_retry_after_ms = 0;
}

void set_last_retry_after(std::uint32_t milliseconds) noexcept { last_retry_after_ms = milliseconds; }

void log_fault(wave_status status, const std::string& message) noexcept {
  wave_log_level level = WAVE_LOG_WARNING;
  switch (status) {
    case WAVE_ERR_UNAVAILABLE:
    case WAVE_ERR_TIMEOUT:
    case WAVE_ERR_BACKEND:
    case WAVE_ERR_UPSTREAM: level = WAVE_LOG_WARNING; break;
    case WAVE_ERR_INTERNAL:
    case WAVE_ERR_NO_MEMORY: level = WAVE_LOG_ERROR; break;
    default: return;  // refusals and callers' mistakes are answers, not faults
  }
  if (!wave::log::enabled()) return;
  try {
    wave::log::write(level, std::string(wave_status_str(status)) + ": " + message);
  } catch (...) {
    // Out of memory while logging: nothing more to do.
  }
}

char* dup_string(const std::string& text) {
  auto* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

}  // namespace wave::capi

extern "C" {

WAVE_API const char* wave_last_error_message(void) {
  return wave::capi::last_error.c_str();
}

WAVE_API uint32_t wave_last_error_retry_after_ms(void) { return wave::capi::last_retry_after_ms; }

WAVE_API const char* wave_status_str(wave_status status) {
  switch (status) {
    case WAVE_OK: return "WAVE_OK";
    case WAVE_ERR_INVALID_ARGUMENT: return "WAVE_ERR_INVALID_ARGUMENT";
    case WAVE_ERR_NO_MEMORY: return "WAVE_ERR_NO_MEMORY";
    case WAVE_ERR_INTERNAL: return "WAVE_ERR_INTERNAL";
    case WAVE_ERR_CONFIG: return "WAVE_ERR_CONFIG";
    case WAVE_ERR_INVALID_TOKEN: return "WAVE_ERR_INVALID_TOKEN";
    case WAVE_ERR_DENIED: return "WAVE_ERR_DENIED";
    case WAVE_ERR_NOT_FOUND: return "WAVE_ERR_NOT_FOUND";
    case WAVE_ERR_UNAVAILABLE: return "WAVE_ERR_UNAVAILABLE";
    case WAVE_ERR_TIMEOUT: return "WAVE_ERR_TIMEOUT";
    case WAVE_ERR_IO: return "WAVE_ERR_IO";
    case WAVE_ERR_PARSE: return "WAVE_ERR_PARSE";
    case WAVE_ERR_UPSTREAM: return "WAVE_ERR_UPSTREAM";
    case WAVE_ERR_CONFLICT: return "WAVE_ERR_CONFLICT";
    case WAVE_ERR_BACKEND: return "WAVE_ERR_BACKEND";
    case WAVE_ERR_WOULD_BLOCK: return "WAVE_ERR_WOULD_BLOCK";
    case WAVE_ERR_RATE_LIMITED: return "WAVE_ERR_RATE_LIMITED";
  }
  return "WAVE_ERR_UNKNOWN";
}

WAVE_API const char* wave_version_string(void) { return WAVE_VERSION_STRING; }

WAVE_API uint32_t wave_version_number(void) { return WAVE_VERSION_NUMBER; }

WAVE_API void wave_string_free(char* string) { std::free(string); }

}  // extern "C"
