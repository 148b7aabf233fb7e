// The one place where C++ exceptions become wave_status values.  Every extern "C" entry
// point runs its body through wave::capi::guarded() (or guarded_value()), so no exception
// ever crosses the C boundary.
#pragma once

#include <cstring>
#include <new>
#include <string>
#include <utility>

#include "common/error.hpp"

namespace wave::capi {

void set_last_error(const std::string& message) noexcept;
void clear_last_error() noexcept;

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
    return error.status();
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
    return WAVE_ERR_NO_MEMORY;
  } catch (const std::exception& error) {
    set_last_error(std::string("internal error: ") + error.what());
    return WAVE_ERR_INTERNAL;
  } catch (...) {
    set_last_error("internal error: unknown exception");
    return WAVE_ERR_INTERNAL;
  }
}

// For entry points that return a value rather than a status (e.g. 1/0/-1 predicates):
// runs body() and returns `on_error` if it throws, with the message recorded.
template <class T, class Body>
T guarded_value(T on_error, Body&& body) noexcept {
  T result = on_error;
  const wave_status status = guarded([&]() -> wave_status {
    result = std::forward<Body>(body)();
    return WAVE_OK;
  });
  return status == WAVE_OK ? result : on_error;
}

// Copies `text` into a new malloc'd C string the caller frees with wave_string_free().
char* dup_string(const std::string& text);

// Throws WAVE_ERR_INVALID_ARGUMENT naming `name` when `pointer` is NULL.
inline void require(const void* pointer, const char* name) {
  if (pointer == nullptr) fail(WAVE_ERR_INVALID_ARGUMENT, std::string(name) + " must not be NULL");
}

}  // namespace wave::capi
