// Readiness: do the backends answer?  One function asks libwave; a one-second cache keeps a
// probe storm from becoming a backend storm.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include <wave/wave.h>

namespace wave_server {

struct Readiness {
  bool ready = false;
  std::string reason;  // "redis: ...", "mongodb: ..." when not ready
};

// Asks Redis and MongoDB one cheap question each through the public API.  Blocking: a
// worker thread's job.  This is the one place to switch to a dedicated ping call.
//
// Until libwave has one, it asks questions whose honest answer is a refusal: a register
// check for a fixed internal ID that no login creates, with a password over bcrypt's 72
// bytes (so the app endpoint is never asked), reads Redis; a publish check for that ID
// reads MongoDB (unknown users are not cached).  DENIED means the backend answered; any
// other status is its fault.
Readiness check_backends(wave_service* service);

// The last readiness result, reused for `max_age`; while one check runs, other probes get
// the previous result instead of starting more (a probe storm never becomes a backend storm).
class ReadinessCache {
 public:
  std::optional<Readiness> fresh(std::chrono::steady_clock::duration max_age) const;
  // The previous result, whatever its age (nothing before the first check ends).
  std::optional<Readiness> last() const;
  // True when no check is running: the caller runs one and ends it with store() or abandon().
  bool begin_check();
  void store(Readiness readiness);
  void abandon();

 private:
  mutable std::mutex mutex_;
  std::optional<Readiness> last_;
  std::chrono::steady_clock::time_point when_{};
  bool checking_ = false;
};

}  // namespace wave_server
