#include "common/log.hpp"

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <string>

namespace wave::log {
namespace {

// Sinks run under the shared lock and set_sink() takes it exclusively: once set_sink()
// returns, no thread is still inside the previous sink.
std::shared_mutex sink_mutex;
wave_log_callback sink_callback = nullptr;
void* sink_userdata = nullptr;
std::atomic<bool> sink_installed{false};
// Set while this thread runs the sink: a message the sink itself causes (by calling Wave) is
// dropped, so a sink never recurses, nor takes the shared lock twice (which could deadlock
// against a waiting set_sink()).
thread_local bool inside_sink = false;

}  // namespace

void set_sink(wave_log_callback callback, void* userdata) noexcept {
  std::unique_lock lock(sink_mutex);
  sink_callback = callback;
  sink_userdata = userdata;
  sink_installed.store(callback != nullptr, std::memory_order_release);
}

bool enabled() noexcept { return sink_installed.load(std::memory_order_acquire); }

void write(wave_log_level level, std::string_view message) noexcept {
  if (!enabled() || inside_sink) return;
  try {
    const std::string text(message);  // the callback wants a NUL-terminated string
    std::shared_lock lock(sink_mutex);
    if (sink_callback == nullptr) return;
    inside_sink = true;
    sink_callback(level, text.c_str(), sink_userdata);
    inside_sink = false;
  } catch (...) {
    inside_sink = false;
    // Out of memory while logging: the message is lost, the caller carries on.
  }
}

}  // namespace wave::log
