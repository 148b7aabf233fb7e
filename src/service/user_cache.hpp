// The bounded in-process cache behind the broker-side checks: per internal ID, the digest
// of a credential that was verified against Redis, and the user's compiled ACL authorizer.
// Sharded LRU with a TTL per part: at most `capacity` users, entries older than `ttl` are
// never returned, and only grants are stored (a refusal is never cached).
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "acl/acl.hpp"

namespace wave::service_detail {

class UserCache {
 public:
  using Clock = std::chrono::steady_clock;

  // capacity 0 or ttl 0 turns the cache off.
  UserCache(std::size_t capacity, std::chrono::seconds ttl);

  bool enabled() const noexcept { return !shards_.empty(); }

  // Fills race with changes: a check that read the stores just before a revoke must not
  // cache what it read after the revoke dropped the entry.  So a check takes a ticket
  // BEFORE it reads the stores, and a fill with a ticket older than the last erase of its
  // shard is dropped.  (Per shard, not per user, to stay bounded: another user's change in
  // the same shard costs one cache miss, never a stale grant.)
  using Ticket = std::uint64_t;
  Ticket ticket(std::string_view id);

  // True only when a fresh digest is cached for `id` and equals `digest` (constant time).
  bool digest_matches(std::string_view id, std::string_view digest);
  void store_digest(std::string_view id, std::string_view digest, Ticket ticket);

  // The cached authorizer, or null when absent or expired.
  std::shared_ptr<const acl::Authorizer> authorizer(std::string_view id);
  void store_authorizer(std::string_view id, std::shared_ptr<const acl::Authorizer> authorizer, Ticket ticket);

  // Drops the entry and makes every ticket taken before this call stale.
  void erase(std::string_view id);
  // Drops every entry (announcements of other processes' changes may have been lost).
  void clear();
  std::size_t size();

 private:
  struct Entry {
    std::string digest;  // "" when none
    Clock::time_point digest_expires{};
    std::shared_ptr<const acl::Authorizer> authorizer;
    Clock::time_point authorizer_expires{};
    std::list<std::string>::iterator position;  // in Shard::order (front = most recent)
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  struct Shard {
    std::mutex mutex;
    std::size_t capacity = 0;
    std::list<std::string> order;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries;
    Ticket changes = 0;  // erases so far; a ticket is the value when it was taken
  };

  Shard& shard_for(std::string_view id);
  // The entry for `id`, created (and the least recent one evicted) when absent; under the
  // shard's mutex.
  Entry& upsert(Shard& shard, std::string_view id);

  std::chrono::seconds ttl_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace wave::service_detail
