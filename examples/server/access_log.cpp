#include "access_log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

namespace wave_server {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;       // no overlong forms
    else if (lead == 0xED) max_second = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;
    else if (lead == 0xF4) max_second = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

}  // namespace

bool parse_log_level(std::string_view name, LogLevel& out) {
  if (name == "debug") out = LogLevel::debug;
  else if (name == "info") out = LogLevel::info;
  else if (name == "warning") out = LogLevel::warning;
  else if (name == "error") out = LogLevel::error;
  else return false;
  return true;
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::string json_escape(std::string_view text, std::size_t max_bytes) {
  const bool cut = text.size() > max_bytes;
  if (cut) text = text.substr(0, max_bytes);
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for a byte that starts no valid sequence
      ++i;
      continue;
    }
    if (length > 1) {
      out.append(text.data() + i, length);
      i += length;
      continue;
    }
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  if (cut) out += "...";
  return out;
}

std::string timestamp_now() {
  const auto now = std::chrono::system_clock::now();
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return text;
}

LogLine::LogLine(LogLevel level, std::string_view msg) : level_(level) {
  text_.reserve(256);
  text_ += "{\"ts\":\"";
  text_ += timestamp_now();
  text_ += "\",\"level\":\"";
  text_ += log_level_name(level);
  text_ += "\",\"msg\":\"";
  text_ += json_escape(msg, 1024);
  text_ += '"';
}

LogLine& LogLine::field(std::string_view key, std::string_view value, std::size_t max_bytes) {
  text_ += ",\"";
  text_ += json_escape(key, 64);
  text_ += "\":\"";
  text_ += json_escape(value, max_bytes);
  text_ += '"';
  return *this;
}

LogLine& LogLine::field(std::string_view key, std::int64_t value) {
  text_ += ",\"";
  text_ += json_escape(key, 64);
  text_ += "\":";
  text_ += std::to_string(value);
  return *this;
}

LogLine& LogLine::number(std::string_view key, double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  text_ += ",\"";
  text_ += json_escape(key, 64);
  text_ += "\":";
  text_ += text;
  return *this;
}

std::string LogLine::finish() && {
  text_ += "}\n";
  return std::move(text_);
}

Logger::Logger(LogLevel threshold, std::size_t queue_limit, std::atomic<std::uint64_t>& dropped, std::FILE* out)
    : threshold_(threshold), queue_limit_(queue_limit), dropped_(dropped), out_(out), writer_([this] { run(); }) {}

Logger::~Logger() { stop(); }

void Logger::write(LogLine& line) {
  if (!enabled(line.level())) return;
  enqueue(std::move(line).finish());
}

void Logger::write_always(LogLine& line) { enqueue(std::move(line).finish()); }

void Logger::enqueue(std::string line) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(line));
  }
  wake_.notify_one();
}

void Logger::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

void Logger::run() {
  std::vector<std::string> batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    for (const auto& line : batch) std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
    batch.clear();
  }
}

}  // namespace wave_server
