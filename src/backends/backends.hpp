// The one place that turns Config::storage into stores: Redis + MongoDB ("servers"), or
// the in-memory twins ("memory").  The service takes the stores and never names a backend;
// the C API opens them here.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "store/stores.hpp"

namespace wave {

class RedisSessionStore;
class MongoDirectoryStore;

class Backends {
 public:
  // Builds the stores the config names.  Throws WAVE_ERR_CONFIG for bad settings (URIs,
  // database name, timeouts).  No server needs to be up (see the stores' constructors).
  explicit Backends(const Config& config);

  const std::shared_ptr<SessionStore>& sessions() const noexcept { return sessions_; }
  const std::shared_ptr<DirectoryStore>& directory() const noexcept { return directory_; }
  // Redis pub/sub with "servers", an in-process channel with "memory".
  const std::shared_ptr<InvalidationChannel>& invalidation() const noexcept { return invalidation_; }

  // Readiness: pings Redis, then MongoDB (in-memory stores: nothing to ping).  Throws the
  // first fault as wave::Error, its message starting with "redis: " or "mongodb: ".
  // Thread-safe.
  void ping() const;

 private:
  std::shared_ptr<SessionStore> sessions_;
  std::shared_ptr<DirectoryStore> directory_;
  std::shared_ptr<InvalidationChannel> invalidation_;
  std::shared_ptr<RedisSessionStore> redis_;  // null with in-memory stores
  std::shared_ptr<MongoDirectoryStore> mongo_;
};

}  // namespace wave
