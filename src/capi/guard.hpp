// The one place where C++ exceptions become wave_status values.  Every extern "C" entry
// point that returns wave_status runs its body through wave::capi::guarded(), so no
// exception ever crosses the C boundary.
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <utility>

#include "common/error.hpp"

namespace wave::capi {

void set_last_error(const std::string& message) noexcept;
// Clears the message and the retry-after time.
void clear_last_error() noexcept;
// The retry-after time of a WAVE_ERR_RATE_LIMITED failure (wave_last_error_retry_after_ms).
void set_last_retry_after(std::uint32_t milliseconds) noexcept;

// Logs a failure that is a fault (a backend unreachable or failing, a bug), not a refusal
// or a caller's mistake, so a server sees its backends' trouble in its log.
void log_fault(wave_status status, const std::string& message) noexcept;

// Records `message` as this thread's last error and returns `status`: for entry points
// that fail without throwing.
inline wave_status failure(wave_status status, const std::string& message) noexcept {
  set_last_error(message);
  return status;
}

// Runs body() (which returns wave_status) and translates any exception into a status.
template <class Body>
wave_status guarded(Body&& body) noexcept {
  try {
    clear_last_error();
    return std::forward<Body>(body)();
  } catch (const wave::Error& error) {
    set_last_error(error.what());
    set_last_retry_after(error.retry_after_ms());
    log_fault(error.status(), error.what());
    return error.status();
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
    log_fault(WAVE_ERR_NO_MEMORY, "out of memory");
    return WAVE_ERR_NO_MEMORY;
  } catch (const std::exception& error) {
    set_last_error(std::string("internal error: ") + error.what());
    log_fault(WAVE_ERR_INTERNAL, error.what());
    return WAVE_ERR_INTERNAL;
  } catch (...) {
    set_last_error("internal error: unknown exception");
    log_fault(WAVE_ERR_INTERNAL, "unknown exception");
    return WAVE_ERR_INTERNAL;
  }
}

// Entry points that return a value rather than a status (getters, 1/0 predicates, 1/0/-1
// questions) do not go through guarded(): they never touch the thread's last error
// (wave_common.h), and the C++ calls behind them are noexcept.

// Copies `text` into a new malloc'd C string the caller frees with wave_string_free().
char* dup_string(const std::string& text);

// Throws WAVE_ERR_INVALID_ARGUMENT naming `name` when `pointer` is NULL.
inline void require(const void* pointer, const char* name) {
  if (pointer == nullptr) fail(WAVE_ERR_INVALID_ARGUMENT, std::string(name) + " must not be NULL");
}

}  // namespace wave::capi
