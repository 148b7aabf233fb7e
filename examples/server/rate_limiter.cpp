#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace wave_server {

AddressRateLimiter::AddressRateLimiter(std::int64_t per_second, std::int64_t burst, std::size_t slots)
    : per_second_(static_cast<double>(per_second)),
      burst_(static_cast<double>(std::max<std::int64_t>(1, burst))),
      slots_(per_second > 0 ? std::max<std::size_t>(1, slots) : 0) {}

std::optional<std::chrono::milliseconds> AddressRateLimiter::take(std::string_view address, Clock::time_point now) {
  if (!enabled()) return std::nullopt;
  const std::uint64_t key = std::hash<std::string_view>{}(address) | 1u;  // never 0 (unused)
  const std::size_t index = key % slots_.size();
  std::lock_guard lock(stripes_[index % kStripes]);
  Slot& slot = slots_[index];
  if (slot.key != key) slot = Slot{key, burst_, now};  // a new address: a full bucket
  const double elapsed = std::chrono::duration<double>(now - slot.refilled).count();
  if (elapsed > 0) {
    slot.tokens = std::min(burst_, slot.tokens + elapsed * per_second_);
    slot.refilled = now;
  }
  if (slot.tokens >= 1.0) {
    slot.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait_seconds = (1.0 - slot.tokens) / per_second_;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait_seconds * 1000.0)));
}

std::string_view address_of_peer(std::string_view peer) {
  const std::size_t colon = peer.rfind(':');
  if (colon == std::string_view::npos) return peer;
  return peer.substr(0, colon);
}

}  // namespace wave_server
