// Connections to one Redis server, shared by the Redis session store and the invalidation
// channel: dialling (connect and command timeouts, TCP keep-alive, AUTH and SELECT from the
// URI), commands and pipelines, the mapping of faults to wave::Error, and a bounded pool.
//
// Errors: WAVE_ERR_UNAVAILABLE (cannot connect, or the connection broke), WAVE_ERR_TIMEOUT
// (no answer within the timeout), WAVE_ERR_BACKEND (an error reply, or a reply of the wrong
// type), WAVE_ERR_CONFIG (bad URI or options; Redis refused the credentials or database).
// Messages name the server by RedisEndpoint::display, never with the password.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "redis/redis_uri.hpp"

namespace wave::redis {

struct ReplyDeleter {
  void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* context) const noexcept { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

inline std::string_view text_of(const redisReply* reply) { return {reply->str, reply->len}; }

// A Redis error reply: the server is there but refused.  Transient server states are
// "unavailable" (try again), a missing password is configuration, the rest "backend".
[[noreturn]] void error_reply(const redisReply* reply, const std::string& where);
[[noreturn]] void unexpected_reply(const std::string& where);

// One Redis server as the URI names it, with one timeout for connecting and per command.
// Stateless apart from its settings: thread-safe.
class RedisServer {
 public:
  RedisServer(RedisEndpoint endpoint, std::int64_t timeout_ms);

  const RedisEndpoint& endpoint() const noexcept { return endpoint_; }
  const std::string& display() const noexcept { return endpoint_.display; }
  std::int64_t timeout_ms() const noexcept { return timeout_ms_; }

  // A new connection, authenticated and on the URI's database; its socket has the
  // timeout for every read and write.
  Context dial() const;

  // One command; throws on I/O faults (the connection is then unusable) but returns error
  // replies (the connection stays in step).
  Reply command(redisContext* context, const std::vector<std::string_view>& argv) const;
  // Sends every command, then reads every reply: one round trip.
  std::vector<Reply> pipeline(redisContext* context, const std::vector<std::vector<std::string>>& commands) const;
  // nullopt for nil; the string otherwise; an error reply or any other type throws.
  std::optional<std::string> string_or_nil(const redisReply* reply) const;

  // A failed exchange leaves the connection in an unknown state: the caller drops it.
  [[noreturn]] void connection_failed(const redisContext* context, int saved_errno) const;

 private:
  void expect_ok(redisContext* context, const std::vector<std::string_view>& argv) const;

  RedisEndpoint endpoint_;
  std::int64_t timeout_ms_;
};

// At most pool_size connections to one server, dialled on demand.  A connection whose
// exchange failed is dropped and redialled on next use, so users recover by themselves
// when Redis comes back.  Thread-safe.
class RedisConnectionPool {
 public:
  // Parses the URI; WAVE_ERR_CONFIG for a bad URI, a pool size outside 1..1024 or a timeout
  // outside 1 ms..1 hour.  Does not connect.
  RedisConnectionPool(std::string_view uri, int pool_size, std::int64_t timeout_ms);
  ~RedisConnectionPool();
  RedisConnectionPool(const RedisConnectionPool&) = delete;
  RedisConnectionPool& operator=(const RedisConnectionPool&) = delete;

  const RedisServer& server() const noexcept { return server_; }

  // Runs `work(redisContext*)` on a pooled connection and returns its result; a connection
  // whose exchange failed is dropped.  Waits at most the timeout for a free connection.
  template <typename Work>
  auto with_connection(Work&& work) {
    redisContext* context = acquire();
    try {
      auto result = work(context);
      release(context, context->err == 0);
      return result;
    } catch (const Error&) {
      // Error replies leave the connection in step; I/O failures set context->err.
      release(context, context->err == 0);
      throw;
    } catch (...) {
      release(context, false);  // replies may be left unread
      throw;
    }
  }

 private:
  redisContext* acquire();
  void release(redisContext* context, bool healthy);

  RedisServer server_;
  int pool_size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<redisContext*> idle_;
  int open_ = 0;  // idle + in use
};

}  // namespace wave::redis
