#include "health.hpp"

#include <cstdint>
#include <string>

namespace wave_server {
namespace {

// An internal ID (canonical UUIDv4 form) that Wave's uuid_v4() cannot produce twice in the
// life of the universe and no login is given: reserved for the probe.
constexpr const char* kProbeUser = "00000000-0000-4000-8000-00000000a11c";

}  // namespace

Readiness check_backends(wave_service* service) {
  const std::string password(80, '#');  // over 72 bytes: never tried as an app token
  const wave_status redis = wave_service_authorize_register(
      service, kProbeUser, kProbeUser, reinterpret_cast<const std::uint8_t*>(password.data()), password.size());
  if (redis != WAVE_ERR_DENIED && redis != WAVE_OK)
    return Readiness{false, std::string("redis: ") + wave_status_str(redis) + ": " + wave_last_error_message()};
  const wave_status mongo = wave_service_authorize_publish(service, kProbeUser, "wave/readyz");
  if (mongo != WAVE_ERR_DENIED && mongo != WAVE_OK)
    return Readiness{false, std::string("mongodb: ") + wave_status_str(mongo) + ": " + wave_last_error_message()};
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
