// Wave's log: one process-wide sink the host installs through wave_set_log_handler().
// Without a sink nothing is formatted or written.  Messages never carry secrets: callers log
// what they would put in an error message, which follows the same rule.
#pragma once

#include <string_view>

#include <wave/wave_common.h>

namespace wave::log {

// Installs `callback` (nullptr: none).  Blocks until calls to the previous sink have
// returned, so the caller may free its userdata afterwards.  Must not be called from a sink.
void set_sink(wave_log_callback callback, void* userdata) noexcept;

// True while a sink is installed: lets callers skip building a message nobody reads.
bool enabled() noexcept;

// Hands `message` to the sink, if any, on the calling thread.  Never throws.
void write(wave_log_level level, std::string_view message) noexcept;

}  // namespace wave::log
