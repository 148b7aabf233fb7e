#include "backends/backends.hpp"

#include <string>

#include "common/error.hpp"
#include "mongo/mongo_directory_store.hpp"
#include "redis/redis_invalidation.hpp"
#include "redis/redis_session_store.hpp"
#include "store/memory_stores.hpp"

namespace wave {
namespace {

// Runs a ping and names the backend in front of the message of its fault.
template <class Ping>
void ping_named(const char* backend, Ping&& ping) {
  try {
    ping();
  } catch (const Error& error) {
    throw Error(error.status(), std::string(backend) + ": " + error.what());
  }
}

}  // namespace

Backends::Backends(const Config& config) {
  if (config.storage == StorageBackend::memory) {
    sessions_ = std::make_shared<MemorySessionStore>();
    directory_ = std::make_shared<MemoryDirectoryStore>();
    invalidation_ = std::make_shared<MemoryInvalidationChannel>();
    return;
  }
  const RedisOptions redis{config.redis_uri, config.redis_key_prefix, config.redis_pool_size, config.redis_timeout_ms};
  redis_ = std::make_shared<RedisSessionStore>(redis);
  invalidation_ = std::make_shared<RedisInvalidationChannel>(redis);
  mongo_ = std::make_shared<MongoDirectoryStore>(
      MongoOptions{config.mongo_uri, config.mongo_database, config.mongo_timeout_ms});
  sessions_ = redis_;
  directory_ = mongo_;
}

void Backends::ping() const {
  if (redis_) ping_named("redis", [&] { redis_->ping(); });
  if (mongo_) ping_named("mongodb", [&] { mongo_->ping(); });
}

}  // namespace wave
