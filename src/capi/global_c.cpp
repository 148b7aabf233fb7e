// C API: reference-counted process-wide initialisation of libcurl and mongo-c-driver.
#include <wave/wave.h>

#include <mutex>

#include <curl/curl.h>
#include <mongoc/mongoc.h>

#include "capi/guard.hpp"

namespace {
std::mutex init_mutex;
unsigned init_count = 0;
}  // namespace

extern "C" {

WAVE_API wave_status wave_global_init(void) {
  return wave::capi::guarded([] {
    std::lock_guard<std::mutex> lock(init_mutex);
    if (init_count == 0) {
      if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        wave::fail(WAVE_ERR_INTERNAL, "libcurl's global initialisation failed");
      mongoc_init();  // leaves mongoc's log handler alone: see wave_set_log_handler()
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
