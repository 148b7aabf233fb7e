// C API: wave_set_log_handler(), and mongo-c-driver's messages routed to it while it is set.
#include <wave/wave.h>

#include <mutex>
#include <string>
#include <string_view>

#include <mongoc/mongoc.h>

#include "common/log.hpp"

namespace {

wave_log_level level_of(mongoc_log_level_t level) noexcept {
  switch (level) {
    case MONGOC_LOG_LEVEL_ERROR:
    case MONGOC_LOG_LEVEL_CRITICAL: return WAVE_LOG_ERROR;
    case MONGOC_LOG_LEVEL_WARNING: return WAVE_LOG_WARNING;
    case MONGOC_LOG_LEVEL_MESSAGE:
    case MONGOC_LOG_LEVEL_INFO: return WAVE_LOG_INFO;
    default: return WAVE_LOG_DEBUG;  // DEBUG, TRACE
  }
}

// Replaces the user information of any "scheme://user:password@" in `text` with "***", in
// case the driver ever quotes a connection string: a password never reaches the log.
std::string without_credentials(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t scheme_end = text.find("://", position);
    if (scheme_end == std::string_view::npos) break;
    const std::size_t authority = scheme_end + 3;
    const std::size_t authority_end = text.find_first_of("/?# \t\"'", authority);
    const std::string_view host_part =
        text.substr(authority, (authority_end == std::string_view::npos ? text.size() : authority_end) - authority);
    result.append(text.substr(position, authority - position));
    const std::size_t at = host_part.rfind('@');
    if (at != std::string_view::npos) {
      result.append("***");
      result.append(host_part.substr(at));
    } else {
      result.append(host_part);
    }
    position = authority + host_part.size();
  }
  result.append(text.substr(position));
  return result;
}

void route_mongoc_log(mongoc_log_level_t level, const char* domain, const char* message, void* /*userdata*/) {
  if (message == nullptr) return;
  wave_log_level wave_level = level_of(level);
  // A server without sessions (FerretDB) refuses "endSessions" at shutdown; the driver
  // warns, nothing is lost.  It stays visible, but as a debug message.
  if (wave_level == WAVE_LOG_WARNING && std::string_view(message).find("\"endSessions\"") != std::string_view::npos)
    wave_level = WAVE_LOG_DEBUG;
  try {
    wave::log::write(wave_level, "mongoc[" + std::string(domain != nullptr ? domain : "") + "]: " +
                                     without_credentials(message));
  } catch (...) {
    // Out of memory while logging: the message is lost.
  }
}

std::mutex handler_mutex;        // orders concurrent wave_set_log_handler() calls
bool routing_mongoc = false;     // mongoc's handler is Wave's: only then does NULL reset it

}  // namespace

extern "C" {

WAVE_API void wave_set_log_handler(wave_log_callback callback, void* userdata) {
  std::lock_guard<std::mutex> lock(handler_mutex);
  if (callback != nullptr) {
    wave::log::set_sink(callback, userdata);
    mongoc_log_set_handler(route_mongoc_log, nullptr);
    routing_mongoc = true;
  } else {
    // Give mongoc its default handler back, as if Wave had never touched it, but only if
    // Wave took it: a host's own handler is never replaced by a NULL here.
    if (routing_mongoc) mongoc_log_set_handler(mongoc_log_default_handler, nullptr);
    routing_mongoc = false;
    wave::log::set_sink(nullptr, nullptr);
  }
}

}  // extern "C"
