#include "redis/redis_invalidation.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "common/error.hpp"
#include "redis/redis_connection.hpp"

namespace wave {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kFirstBackoff = 50ms;
constexpr auto kMaxBackoff = 1000ms;
constexpr std::int64_t kListenerMaxTimeoutMs = 500;
constexpr auto kHeartbeatAfterSilence = 1000ms;

// The channel this thread listens on, so that stop() called from a handler does not wait
// for its own thread.
thread_local const RedisInvalidationChannel* t_listening_channel = nullptr;

// Thrown inside the listener to drop the connection and resubscribe; never leaves it.
struct ConnectionLost {};

int millis_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<std::int64_t>(left, 0, 60'000));
}

bool is_string(const redisReply* reply) { return reply->type == REDIS_REPLY_STRING; }

}  // namespace

RedisInvalidationChannel::RedisInvalidationChannel(RedisOptions options)
    : channel_(options.key_prefix + "wave:invalidate"),
      pool_(std::make_unique<redis::RedisConnectionPool>(options.uri, options.pool_size, options.timeout_ms)) {
  listener_server_ = std::make_unique<redis::RedisServer>(pool_->server().endpoint(),
                                                          std::min(options.timeout_ms, kListenerMaxTimeoutMs));
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) fail(WAVE_ERR_INTERNAL, std::string("cannot create an eventfd: ") + std::strerror(errno));
}

RedisInvalidationChannel::~RedisInvalidationChannel() {
  stop();
  ::close(wake_fd_);
}

std::int64_t RedisInvalidationChannel::publish(InvalidationKind kind, std::string_view internal_id) {
  const std::string message = format_invalidation_message(kind, internal_id);
  return pool_->with_connection([&](redisContext* context) -> std::int64_t {
    const redis::Reply reply = pool_->server().command(context, {"PUBLISH", channel_, message});
    if (reply->type == REDIS_REPLY_ERROR) redis::error_reply(reply.get(), pool_->server().display());
    if (reply->type != REDIS_REPLY_INTEGER) redis::unexpected_reply(pool_->server().display());
    return reply->integer;
  });
}

void RedisInvalidationChannel::start(MessageHandler on_message, ResubscribedHandler on_resubscribed) {
  if (!on_message || !on_resubscribed) fail(WAVE_ERR_INVALID_ARGUMENT, "the invalidation listener needs both handlers");
  std::lock_guard lock(lifecycle_);
  if (started_ || stopping_.load(std::memory_order_acquire))
    fail(WAVE_ERR_INVALID_ARGUMENT, "the invalidation listener was already started or stopped");
  on_message_ = std::move(on_message);
  on_resubscribed_ = std::move(on_resubscribed);
  started_ = true;
  listener_ = std::thread([this] { listen_until_stopped(); });
}

void RedisInvalidationChannel::stop() noexcept {
  stopping_.store(true, std::memory_order_release);
  const std::uint64_t one = 1;
  // Cannot fail but for a full counter, which still leaves the descriptor readable.
  [[maybe_unused]] const auto written = ::write(wake_fd_, &one, sizeof one);
  if (t_listening_channel == this) return;  // from a handler: the thread ends when it returns
  std::lock_guard lock(lifecycle_);
  if (listener_.joinable()) listener_.join();
}

bool RedisInvalidationChannel::wait_for_wake_up(int timeout_ms) const {
  pollfd wake{wake_fd_, POLLIN, 0};
  const int ready = ::poll(&wake, 1, timeout_ms);
  return ready > 0 || stopping_.load(std::memory_order_acquire);
}

void RedisInvalidationChannel::listen_until_stopped() {
  t_listening_channel = this;
  auto backoff = std::chrono::milliseconds(kFirstBackoff);
  while (!stopping_.load(std::memory_order_acquire)) {
    const auto subscriptions_before = subscriptions_.load(std::memory_order_acquire);
    try {
      listen_on_one_connection();
    } catch (...) {
      // Redis down, the connection broke, or a handler threw: reconnect and resubscribe.
    }
    subscribed_.store(false, std::memory_order_release);
    if (subscriptions_.load(std::memory_order_acquire) != subscriptions_before) backoff = kFirstBackoff;
    if (wait_for_wake_up(static_cast<int>(backoff.count()))) break;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(kMaxBackoff));
  }
}

// Subscribes on a new connection and delivers messages until the connection fails (throws)
// or stop() is called (returns).
void RedisInvalidationChannel::listen_on_one_connection() {
  const redis::RedisServer& server = *listener_server_;
  const redis::Context context = server.dial();
  if (stopping_.load(std::memory_order_acquire)) return;
  {
    const redis::Reply reply = server.command(context.get(), {"SUBSCRIBE", channel_});
    if (reply->type == REDIS_REPLY_ERROR) redis::error_reply(reply.get(), server.display());
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 || !is_string(reply->element[0]) ||
        redis::text_of(reply->element[0]) != "subscribe" || !is_string(reply->element[1]) ||
        redis::text_of(reply->element[1]) != channel_) {
      redis::unexpected_reply(server.display());
    }
  }
  subscribed_.store(true, std::memory_order_release);
  subscriptions_.fetch_add(1, std::memory_order_acq_rel);
  on_resubscribed_();

  const auto handle = [&](const redisReply* reply) {
    // A subscriber receives ["message", channel, payload], and ["pong", ""] for its PING.
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 && is_string(reply->element[0]) &&
        redis::text_of(reply->element[0]) == "pong") {
      return;
    }
    const bool is_message = reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 && is_string(reply->element[0]) &&
                            is_string(reply->element[1]) && is_string(reply->element[2]) &&
                            redis::text_of(reply->element[0]) == "message" &&
                            redis::text_of(reply->element[1]) == channel_;
    const auto invalidation =
        is_message ? parse_invalidation_message(redis::text_of(reply->element[2])) : std::nullopt;
    if (!invalidation) {
      malformed_.fetch_add(1, std::memory_order_acq_rel);
      return;
    }
    on_message_(invalidation->kind, invalidation->internal_id);
  };

  auto last_traffic = Clock::now();
  std::optional<Clock::time_point> ping_sent;
  const auto pong_timeout = std::chrono::milliseconds(pool_->server().timeout_ms());
  while (!stopping_.load(std::memory_order_acquire)) {
    // Replies already read (e.g. with the SUBSCRIBE confirmation) come first.
    for (;;) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(context.get(), &raw) != REDIS_OK) throw ConnectionLost{};  // protocol error
      if (raw == nullptr) break;
      const redis::Reply reply(static_cast<redisReply*>(raw));
      handle(reply.get());
      if (stopping_.load(std::memory_order_acquire)) return;
    }
    const auto deadline = ping_sent ? *ping_sent + pong_timeout : last_traffic + kHeartbeatAfterSilence;
    pollfd fds[2] = {{context->fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, millis_until(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw ConnectionLost{};
    }
    if (fds[1].revents != 0) return;  // stop()
    if (fds[0].revents != 0) {
      if (redisBufferRead(context.get()) != REDIS_OK) throw ConnectionLost{};  // closed or broken
      last_traffic = Clock::now();
      ping_sent.reset();
      continue;
    }
    if (ping_sent) throw ConnectionLost{};  // silent for the whole timeout after a PING
    if (redisAppendCommand(context.get(), "PING") != REDIS_OK) throw ConnectionLost{};
    int done = 0;
    while (!done) {
      if (redisBufferWrite(context.get(), &done) != REDIS_OK) throw ConnectionLost{};
    }
    ping_sent = Clock::now();
  }
}

}  // namespace wave
