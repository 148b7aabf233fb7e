// wave-server's log: one JSON object per line on stdout (requests and lifecycle events),
// formatted by the caller and written by one writer thread from a bounded queue, so a slow
// stdout never stalls an I/O thread (a full queue drops the line and counts it).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace wave_server {

enum class LogLevel { debug, info, warning, error };
bool parse_log_level(std::string_view name, LogLevel& out);
std::string_view log_level_name(LogLevel level);

// `text` as the inside of a JSON string: ", \ and control bytes escaped, invalid UTF-8
// replaced by U+FFFD, cut at `max_bytes` of input (then "..." is appended).
std::string json_escape(std::string_view text, std::size_t max_bytes = 256);

// RFC 3339 UTC with milliseconds: "2026-11-30T23:59:59.123Z".
std::string timestamp_now();

// Builds one line: {"ts":..., "level":..., "msg":..., more fields...}.
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view msg);
  LogLine& field(std::string_view key, std::string_view value, std::size_t max_bytes = 256);
  LogLine& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  LogLine& field(std::string_view key, std::int64_t value);
  LogLine& field(std::string_view key, int value) { return field(key, static_cast<std::int64_t>(value)); }
  LogLine& number(std::string_view key, double value, int decimals);
  LogLevel level() const { return level_; }
  std::string finish() &&;

 private:
  LogLevel level_;
  std::string text_;
};

class Logger {
 public:
  Logger(LogLevel threshold, std::size_t queue_limit, std::atomic<std::uint64_t>& dropped, std::FILE* out = stdout);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool enabled(LogLevel level) const { return level >= threshold_; }
  // Queues the line if its level passes the threshold; drops (and counts) it when full.
  void write(LogLine& line);
  void write(LogLine&& line) { write(line); }
  // Lifecycle lines (listening, draining, stopped) are written whatever the threshold.
  void write_always(LogLine& line);
  void write_always(LogLine&& line) { write_always(line); }
  // Writes what is queued and stops the writer thread.
  void stop();

 private:
  void enqueue(std::string line);
  void run();

  LogLevel threshold_;
  std::size_t queue_limit_;
  std::atomic<std::uint64_t>& dropped_;
  std::FILE* out_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace wave_server
