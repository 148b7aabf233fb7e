#include "health.hpp"

#include <cstdint>
#include <string>

namespace wave_server {

Readiness check_backends(wave_service* service) {
  // Pings Redis, then MongoDB; the message names the backend ("redis: ...", "mongodb: ...").
  const wave_status status = wave_service_ping(service);
  if (status != WAVE_OK) return Readiness{false, wave_last_error_message()};
  return Readiness{true, ""};
}

std::optional<Readiness> ReadinessCache::fresh(std::chrono::steady_clock::duration max_age) const {
  std::lock_guard lock(mutex_);
  if (!last_ || std::chrono::steady_clock::now() - when_ > max_age) return std::nullopt;
  return last_;
}

std::optional<Readiness> ReadinessCache::last() const {
  std::lock_guard lock(mutex_);
  return last_;
}

bool ReadinessCache::begin_check() {
  std::lock_guard lock(mutex_);
  if (checking_) return false;
  checking_ = true;
  return true;
}

void ReadinessCache::store(Readiness readiness) {
  std::lock_guard lock(mutex_);
  last_ = std::move(readiness);
  when_ = std::chrono::steady_clock::now();
  checking_ = false;
}

void ReadinessCache::abandon() {
  std::lock_guard lock(mutex_);
  checking_ = false;
}

}  // namespace wave_server
