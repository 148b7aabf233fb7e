// How to reach Redis: the options of RedisSessionStore and RedisInvalidationChannel.
#pragma once

#include <cstdint>
#include <string>

namespace wave {

struct RedisOptions {
  std::string uri;         // redis://... or unix://... (redis/redis_uri.hpp)
  std::string key_prefix;  // put in front of every key and channel name ("" = none)
  int pool_size = 8;       // connections at most
  std::int64_t timeout_ms = 2000;  // connect timeout and per-command timeout
};

}  // namespace wave
