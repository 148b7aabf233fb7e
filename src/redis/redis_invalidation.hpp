// Cross-process cache invalidation over Redis pub/sub: when one Wave instance rotates or
// revokes a credential, or changes a user's topic patterns, it publishes an invalidation;
// every instance (itself included) listening on the channel drops what its in-process cache
// holds for that user.
//
// Channel: "<key prefix>wave:invalidate".  Message: "<kind>:<internal ID>", kind
// "credential" or "acl" (redis/invalidation_message.hpp).  Messages are validated strictly;
// malformed ones are ignored and counted.
//
// Pub/sub delivers only to connected subscribers and keeps nothing: a listener that was
// disconnected (Redis restarted, network fault) may have missed messages.  So after every
// successful (re)subscription the listener calls on_resubscribed, and the user must then
// treat every cached entry as stale (flush the cache).  The same happens when on_message
// throws: the message counts as lost, the listener reconnects and calls on_resubscribed.
//
// The listener runs one thread with its own connection (not from the pool): it waits with
// poll() on the socket and on a wake-up descriptor, so stop() ends it promptly.  It sends a
// PING after a second of silence and treats a connection that stays silent for the
// command timeout after that as lost.  It reconnects forever, waiting 50 ms after a failure,
// doubling up to 1 s, until stop().  Its connect and command timeout is the configured one
// capped at 500 ms, which bounds how long stop() can wait for a connect in progress.
#pragma once

#include "redis/invalidation_message.hpp"
#include "redis/redis_options.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace wave {

namespace redis {
class RedisConnectionPool;
class RedisServer;
}  // namespace redis

class RedisInvalidationChannel final : public InvalidationChannel {
 public:
  // Called on the listener thread, one call at a time, in the order Redis delivered.
  using InvalidationChannel::MessageHandler;
  using InvalidationChannel::ResubscribedHandler;

  // Parses the URI and checks the options (WAVE_ERR_CONFIG, as RedisSessionStore); does not
  // connect.  options.pool_size bounds the connections publish() uses.
  explicit RedisInvalidationChannel(RedisOptions options);
  // stop(), then frees the connections.  Never destroy the channel from inside a handler.
  ~RedisInvalidationChannel();
  RedisInvalidationChannel(const RedisInvalidationChannel&) = delete;
  RedisInvalidationChannel& operator=(const RedisInvalidationChannel&) = delete;

  // "<key prefix>wave:invalidate".
  const std::string& channel() const noexcept { return channel_; }

  // PUBLISH "<kind>:<internal ID>" on a pooled connection; returns how many subscribers
  // Redis delivered it to (0 when none listens).  WAVE_ERR_INVALID_ARGUMENT for an ID that
  // is_valid_invalidation_id refuses; connection faults as RedisSessionStore.  Thread-safe.
  std::int64_t publish(InvalidationKind kind, std::string_view internal_id) override;

  // Starts the listener thread.  At most once per channel, and not after stop(): such a
  // call is WAVE_ERR_INVALID_ARGUMENT, as is an empty handler.  Never throws for Redis
  // faults: the thread connects in the background (subscribed() tells when it is).
  void start(MessageHandler on_message, ResubscribedHandler on_resubscribed) override;

  // Ends the listener thread and waits for it (at most about 500 ms, the capped connect
  // timeout, even while Redis is down).  Idempotent, from any thread; from inside a handler
  // it only asks the thread to end, without waiting.
  void stop() noexcept override;

  // Whether the listener is subscribed right now.
  bool subscribed() const noexcept { return subscribed_.load(std::memory_order_acquire); }
  // Successful subscriptions so far (the first one and every resubscription).
  std::uint64_t subscriptions() const noexcept { return subscriptions_.load(std::memory_order_acquire); }
  // Messages on the channel that were not valid invalidations, ignored.
  std::uint64_t malformed_messages() const noexcept { return malformed_.load(std::memory_order_acquire); }

 private:
  void listen_until_stopped();
  void listen_on_one_connection();
  bool wait_for_wake_up(int timeout_ms) const;  // true when stop() asked to end

  std::string channel_;
  std::unique_ptr<redis::RedisConnectionPool> pool_;
  std::unique_ptr<redis::RedisServer> listener_server_;
  MessageHandler on_message_;
  ResubscribedHandler on_resubscribed_;
  int wake_fd_ = -1;  // an eventfd stop() writes to
  std::atomic<bool> stopping_{false};
  std::atomic<bool> subscribed_{false};
  std::atomic<std::uint64_t> subscriptions_{0};
  std::atomic<std::uint64_t> malformed_{0};
  std::mutex lifecycle_;  // start() and stop()
  bool started_ = false;
  std::thread listener_;
};

}  // namespace wave
