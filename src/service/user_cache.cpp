#include "service/user_cache.hpp"

#include <algorithm>

#include "common/secure.hpp"

namespace wave::service_detail {

UserCache::UserCache(std::size_t capacity, std::chrono::seconds ttl) : ttl_(ttl) {
  if (capacity == 0 || ttl.count() <= 0) return;
  // Shards cut lock contention between threads; the capacities add up to `capacity`.
  const std::size_t count = std::min<std::size_t>(16, capacity);
  for (std::size_t i = 0; i < count; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->capacity = capacity / count + (i < capacity % count ? 1 : 0);
    shards_.push_back(std::move(shard));
  }
}

UserCache::Shard& UserCache::shard_for(std::string_view id) {
  return *shards_[std::hash<std::string_view>{}(id) % shards_.size()];
}

UserCache::Entry& UserCache::upsert(Shard& shard, std::string_view id) {
  if (auto it = shard.entries.find(id); it != shard.entries.end()) {
    shard.order.splice(shard.order.begin(), shard.order, it->second.position);
    return it->second;
  }
  while (shard.entries.size() >= shard.capacity && !shard.order.empty()) {
    shard.entries.erase(shard.order.back());
    shard.order.pop_back();
  }
  shard.order.emplace_front(id);
  Entry& entry = shard.entries[shard.order.front()];
  entry.position = shard.order.begin();
  return entry;
}

UserCache::Ticket UserCache::ticket(std::string_view id) {
  if (!enabled()) return 0;
  Shard& shard = shard_for(id);
  std::lock_guard lock(shard.mutex);
  return shard.changes;
}

bool UserCache::digest_matches(std::string_view id, std::string_view digest) {
  if (!enabled()) return false;
  Shard& shard = shard_for(id);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.entries.find(id);
  if (it == shard.entries.end()) return false;
  Entry& entry = it->second;
  if (entry.digest.empty() || entry.digest_expires <= Clock::now()) return false;
  if (!constant_time_equal(entry.digest, digest)) return false;
  shard.order.splice(shard.order.begin(), shard.order, entry.position);
  return true;
}

void UserCache::store_digest(std::string_view id, std::string_view digest, Ticket ticket) {
  if (!enabled()) return;
  Shard& shard = shard_for(id);
  std::lock_guard lock(shard.mutex);
  if (ticket != shard.changes) return;  // changed since the check read the stores
  Entry& entry = upsert(shard, id);
  entry.digest.assign(digest);
  entry.digest_expires = Clock::now() + ttl_;
}

std::shared_ptr<const acl::Authorizer> UserCache::authorizer(std::string_view id) {
  if (!enabled()) return nullptr;
  Shard& shard = shard_for(id);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.entries.find(id);
  if (it == shard.entries.end()) return nullptr;
  Entry& entry = it->second;
  if (!entry.authorizer || entry.authorizer_expires <= Clock::now()) return nullptr;
  shard.order.splice(shard.order.begin(), shard.order, entry.position);
  return entry.authorizer;
}

void UserCache::store_authorizer(std::string_view id, std::shared_ptr<const acl::Authorizer> authorizer,
                                 Ticket ticket) {
  if (!enabled() || !authorizer) return;
  Shard& shard = shard_for(id);
  std::lock_guard lock(shard.mutex);
  if (ticket != shard.changes) return;  // changed since the check read the stores
  Entry& entry = upsert(shard, id);
  entry.authorizer = std::move(authorizer);
  entry.authorizer_expires = Clock::now() + ttl_;
}

void UserCache::erase(std::string_view id) {
  if (!enabled()) return;
  Shard& shard = shard_for(id);
  std::lock_guard lock(shard.mutex);
  ++shard.changes;  // even without an entry: a fill in flight must not land
  const auto it = shard.entries.find(id);
  if (it == shard.entries.end()) return;
  shard.order.erase(it->second.position);
  shard.entries.erase(it);
}

void UserCache::clear() {
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    ++shard->changes;
    shard->order.clear();
    shard->entries.clear();
  }
}

std::size_t UserCache::size() {
  std::size_t total = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->entries.size();
  }
  return total;
}

}  // namespace wave::service_detail
