// A per-client-address request limit for the management API: a token bucket per address,
// in a fixed table of slots (bounded memory whatever the number of addresses; an address
// whose slot another one took starts with a full bucket, which only ever lets more
// through).  Per server instance: with N instances behind a load balancer the limit is N
// times higher per address, which still bounds what one client can make the backends do.
// Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace wave_server {

class AddressRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `per_second` tokens refill each second, up to `burst`; per_second 0 turns it off.
  AddressRateLimiter(std::int64_t per_second, std::int64_t burst, std::size_t slots = 65536);

  // Takes a token for `address`: nullopt when allowed, else how long until one is back.
  std::optional<std::chrono::milliseconds> take(std::string_view address, Clock::time_point now);

  bool enabled() const noexcept { return per_second_ > 0; }

 private:
  struct Slot {
    std::uint64_t key = 0;  // the address's hash (0: unused)
    double tokens = 0;
    Clock::time_point refilled{};
  };
  static constexpr std::size_t kStripes = 64;

  double per_second_;
  double burst_;
  std::vector<Slot> slots_;
  std::array<std::mutex, kStripes> stripes_;
};

// The address part of "host:port" / "[v6]:port" (the port changes per connection).
std::string_view address_of_peer(std::string_view peer);

}  // namespace wave_server
