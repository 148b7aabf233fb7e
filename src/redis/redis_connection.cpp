#include "redis/redis_connection.hpp"

#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <utility>

namespace wave::redis {

void error_reply(const redisReply* reply, const std::string& where) {
  const std::string_view text = text_of(reply).substr(0, 200);
  const std::string detail(text);
  for (const std::string_view transient : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"}) {
    if (text.starts_with(transient)) fail(WAVE_ERR_UNAVAILABLE, "Redis at " + where + " is not ready (" + detail + "); retry shortly");
  }
  if (text.starts_with("NOAUTH") || text.starts_with("WRONGPASS") || text.starts_with("NOPERM")) {
    fail(WAVE_ERR_CONFIG, "Redis at " + where + " refused Wave's credentials (" + detail +
                              "); set the right user and password in the Redis URI");
  }
  fail(WAVE_ERR_BACKEND, "Redis at " + where + " answered with an error: " + detail);
}

void unexpected_reply(const std::string& where) {
  fail(WAVE_ERR_BACKEND, "Redis at " + where + " gave an answer of an unexpected type; is the key space shared with "
                         "another application (check the key prefix)?");
}

// ---- RedisServer ----------------------------------------------------------------------------

RedisServer::RedisServer(RedisEndpoint endpoint, std::int64_t timeout_ms)
    : endpoint_(std::move(endpoint)), timeout_ms_(timeout_ms) {}

void RedisServer::connection_failed(const redisContext* context, int saved_errno) const {
  const std::string why = context->errstr;
  if (context->err == REDIS_ERR_IO &&
      (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT)) {
    fail(WAVE_ERR_TIMEOUT, "Redis at " + endpoint_.display + " did not answer within " + std::to_string(timeout_ms_) +
                               " ms; check its load and latency, or raise the timeout");
  }
  if (context->err == REDIS_ERR_OOM) fail(WAVE_ERR_NO_MEMORY, "out of memory talking to Redis");
  if (context->err == REDIS_ERR_PROTOCOL) {
    fail(WAVE_ERR_BACKEND, "the server at " + endpoint_.display + " does not speak the Redis protocol (" + why + ")");
  }
  fail(WAVE_ERR_UNAVAILABLE, "the connection to Redis at " + endpoint_.display + " broke (" +
                                 (why.empty() ? std::string("closed") : why) + "); check that Redis is running");
}

Context RedisServer::dial() const {
  const timeval timeout{static_cast<time_t>(timeout_ms_ / 1000), static_cast<suseconds_t>((timeout_ms_ % 1000) * 1000)};
  Context context(endpoint_.unix_socket ? redisConnectUnixWithTimeout(endpoint_.host.c_str(), timeout)
                                        : redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, timeout));
  if (!context) fail(WAVE_ERR_NO_MEMORY, "out of memory connecting to Redis");
  if (context->err != 0) {
    fail(WAVE_ERR_UNAVAILABLE, "cannot connect to Redis at " + endpoint_.display + " (" + context->errstr +
                                   "); check that Redis is running and the URI is right");
  }
  if (redisSetTimeout(context.get(), timeout) != REDIS_OK) connection_failed(context.get(), errno);
  if (!endpoint_.unix_socket) redisEnableKeepAlive(context.get());  // notices silently dead peers
  if (endpoint_.has_password) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
    auth.push_back(endpoint_.password);
    expect_ok(context.get(), auth);
  }
  if (endpoint_.db != 0) expect_ok(context.get(), {"SELECT", std::to_string(endpoint_.db)});
  return context;
}

void RedisServer::expect_ok(redisContext* context, const std::vector<std::string_view>& argv) const {
  Reply reply = command(context, argv);
  if (reply->type == REDIS_REPLY_ERROR) {
    const std::string_view text = text_of(reply.get());
    if (argv[0] == "SELECT") {
      fail(WAVE_ERR_CONFIG, "Redis at " + endpoint_.display + " refused database " + std::to_string(endpoint_.db) +
                                " (" + std::string(text.substr(0, 200)) + "); fix the database in the Redis URI");
    }
    if (argv[0] == "AUTH") {
      fail(WAVE_ERR_CONFIG, "Redis at " + endpoint_.display + " refused the credentials in the Redis URI (" +
                                std::string(text.substr(0, 200)) + ")");
    }
    error_reply(reply.get(), endpoint_.display);
  }
}

Reply RedisServer::command(redisContext* context, const std::vector<std::string_view>& argv) const {
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  for (const auto& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  errno = 0;
  auto* raw = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), pointers.data(), lengths.data()));
  const int saved_errno = errno;
  if (raw == nullptr) connection_failed(context, saved_errno);
  return Reply(raw);
}

std::vector<Reply> RedisServer::pipeline(redisContext* context,
                                         const std::vector<std::vector<std::string>>& commands) const {
  for (const auto& argv : commands) {
    std::vector<const char*> pointers;
    std::vector<std::size_t> lengths;
    for (const auto& arg : argv) {
      pointers.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context, static_cast<int>(argv.size()), pointers.data(), lengths.data()) != REDIS_OK) {
      connection_failed(context, errno);
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    errno = 0;
    const int status = redisGetReply(context, &raw);
    const int saved_errno = errno;
    if (status != REDIS_OK || raw == nullptr) connection_failed(context, saved_errno);
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  return replies;
}

std::optional<std::string> RedisServer::string_or_nil(const redisReply* reply) const {
  if (reply->type == REDIS_REPLY_NIL) return std::nullopt;
  if (reply->type == REDIS_REPLY_ERROR) error_reply(reply, endpoint_.display);
  if (reply->type != REDIS_REPLY_STRING) unexpected_reply(endpoint_.display);
  return std::string(text_of(reply));
}

// ---- RedisConnectionPool --------------------------------------------------------------------

namespace {

RedisServer checked_server(std::string_view uri, int pool_size, std::int64_t timeout_ms) {
  RedisEndpoint endpoint = parse_redis_uri(uri);
  if (pool_size < 1 || pool_size > 1024) fail(WAVE_ERR_CONFIG, "the Redis pool size must be between 1 and 1024");
  if (timeout_ms < 1 || timeout_ms > 3'600'000) fail(WAVE_ERR_CONFIG, "the Redis timeout must be between 1 ms and 1 hour");
  return RedisServer(std::move(endpoint), timeout_ms);
}

// An idle connection is healthy when nothing is waiting on it: a readable socket with no
// request outstanding means the server closed it (e.g. Redis restarted).
bool looks_alive(const redisContext* context) {
  pollfd entry{context->fd, POLLIN, 0};
  const int ready = ::poll(&entry, 1, 0);
  return ready == 0;
}

}  // namespace

RedisConnectionPool::RedisConnectionPool(std::string_view uri, int pool_size, std::int64_t timeout_ms)
    : server_(checked_server(uri, pool_size, timeout_ms)), pool_size_(pool_size) {}

RedisConnectionPool::~RedisConnectionPool() {
  for (redisContext* context : idle_) redisFree(context);
}

redisContext* RedisConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(server_.timeout_ms());
  for (;;) {
    while (!idle_.empty()) {
      redisContext* context = idle_.back();
      idle_.pop_back();
      if (looks_alive(context)) return context;
      redisFree(context);
      --open_;
    }
    if (open_ < pool_size_) {
      ++open_;
      lock.unlock();
      try {
        return server_.dial().release();
      } catch (...) {
        lock.lock();
        --open_;
        available_.notify_one();
        throw;
      }
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= pool_size_) {
      fail(WAVE_ERR_TIMEOUT, "all " + std::to_string(pool_size_) + " connections to Redis at " + server_.display() +
                                 " stayed busy for " + std::to_string(server_.timeout_ms()) +
                                 " ms; raise the Redis pool size or check Redis's latency");
    }
  }
}

void RedisConnectionPool::release(redisContext* context, bool healthy) {
  {
    std::lock_guard lock(mutex_);
    if (healthy) {
      idle_.push_back(context);
    } else {
      --open_;
    }
  }
  if (!healthy) redisFree(context);
  available_.notify_one();
}

}  // namespace wave::redis
