// Capturing the wave::Error an action throws, for tests of any component: the whole error,
// its status or its message.  Only wave::Error is caught: anything else escapes to doctest.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "common/error.hpp"

namespace wave_test {

// The wave::Error that `call` throws (fails the test case when it throws nothing).
template <typename F>
wave::Error error_of(F&& call) {
  try {
    call();
  } catch (const wave::Error& error) {
    return error;
  }
  FAIL("expected a wave::Error");
  return wave::Error(WAVE_OK, "");
}

// The status `call` fails with (WAVE_OK when it does not throw).
template <typename F>
wave_status status_of(F&& call) {
  try {
    call();
  } catch (const wave::Error& error) {
    return error.status();
  }
  return WAVE_OK;
}

// The message `call` fails with ("" when it does not throw).
template <typename F>
std::string message_of(F&& call) {
  try {
    call();
  } catch (const wave::Error& error) {
    return error.what();
  }
  return "";
}

}  // namespace wave_test
