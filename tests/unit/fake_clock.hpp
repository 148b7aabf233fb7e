// A clock the test moves by hand, for the in-memory session store's expiry (its clock is
// injectable); thread-safe, as the store reads it from the service's threads.
#pragma once

#include <chrono>
#include <mutex>

#include "store/memory_stores.hpp"

namespace wave_test {

struct FakeClock {
  using Clock = wave::MemorySessionStore::Clock;
  std::mutex mutex;
  Clock::time_point now = Clock::now();
  void advance(std::chrono::seconds by) {
    std::lock_guard lock(mutex);
    now += by;
  }
  Clock::time_point read() {
    std::lock_guard lock(mutex);
    return now;
  }
};

}  // namespace wave_test
