// How to reach MongoDB: the options of MongoDirectoryStore (and of its client).
#pragma once

#include <cstdint>
#include <string>

namespace wave {

struct MongoOptions {
  std::string uri;                 // mongodb://[user:pass@]host[:port][/...][?options]
  std::string database = "wave";   // where all three collections live
  std::int64_t timeout_ms = 5000;  // server selection, connect and socket timeouts
};

}  // namespace wave
