// A lock per key (the service: per internal ID), so concurrent logins of one user in this
// process compute its passhash once while other users proceed.  Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace wave::service_detail {

class KeyedLocks {
 public:
  class Guard {
   public:
    Guard(KeyedLocks& owner, std::string key) : owner_(owner), key_(std::move(key)) { owner_.acquire(key_); }
    ~Guard() { owner_.release(key_); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    KeyedLocks& owner_;
    std::string key_;
  };

 private:
  struct Slot {
    bool held = false;
    std::size_t waiters = 0;
  };
  void acquire(const std::string& key) {
    std::unique_lock lock(mutex_);
    Slot& slot = slots_[key];
    ++slot.waiters;
    changed_.wait(lock, [&] { return !slot.held; });
    --slot.waiters;
    slot.held = true;
  }
  void release(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = slots_.find(key);
    it->second.held = false;
    if (it->second.waiters == 0) slots_.erase(it);
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<std::string, Slot> slots_;  // node-based: references stay valid
};

}  // namespace wave::service_detail
