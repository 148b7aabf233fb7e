// C API: reference-counted process-wide initialisation of libcurl and mongo-c-driver.
#include <wave/wave.h>

#include <cstring>
#include <mutex>

#include <curl/curl.h>
#include <mongoc/mongoc.h>

#include "capi/guard.hpp"

namespace {
std::mutex init_mutex;
unsigned init_count = 0;

// mongo-c-driver's default handler prints every message, including a line per second of
// INFO/DEBUG chatter while a server is down, to the host program's stderr.  Wave keeps
// warnings and errors and drops the rest.
// Also dropped: the warning the driver prints when a server without sessions (FerretDB)
// refuses "endSessions" at shutdown; nothing is lost, and it would end every CLI run.
void quiet_mongoc_log(mongoc_log_level_t level, const char* domain, const char* message, void* /*userdata*/) {
  if (level > MONGOC_LOG_LEVEL_WARNING) return;
  if (level == MONGOC_LOG_LEVEL_WARNING && message != nullptr && std::strstr(message, "\"endSessions\"") != nullptr)
    return;
  mongoc_log_default_handler(level, domain, message, nullptr);
}
}  // namespace

extern "C" {

WAVE_API wave_status wave_global_init(void) {
  return wave::capi::guarded([] {
    std::lock_guard<std::mutex> lock(init_mutex);
    if (init_count == 0) {
      if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        wave::fail(WAVE_ERR_INTERNAL, "libcurl's global initialisation failed");
      mongoc_init();
      mongoc_log_set_handler(quiet_mongoc_log, nullptr);
    }
    ++init_count;
    return WAVE_OK;
  });
}

WAVE_API void wave_global_cleanup(void) {
  std::lock_guard<std::mutex> lock(init_mutex);
  if (init_count == 0) return;
  if (--init_count == 0) {
    // mongoc_cleanup() is deliberately not called: mongo-c-driver cannot be initialised
    // again after it, and the components initialise it lazily on their own.
    curl_global_cleanup();
  }
}

}  // extern "C"
