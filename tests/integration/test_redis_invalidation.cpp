// RedisInvalidationChannel against real redis-server processes: the `redis` fixture, and
// private servers the tests stop, restart and pause.  Each test uses its own key prefix,
// hence its own channel.
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "integration/test_errors.hpp"
#include "integration/test_servers.hpp"
#include "redis/redis_connection.hpp"
#include "redis/redis_invalidation.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using wave::Invalidation;
using wave::InvalidationKind;
using wave::RedisInvalidationChannel;
using wave::RedisOptions;
using wave_test::status_of;

std::string unique_prefix(const std::string& base) {
  static std::atomic<int> counter{0};
  return base + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ":";
}

RedisOptions options_for(const std::string& uri, const std::string& prefix, std::int64_t timeout_ms = 2000) {
  RedisOptions options;
  options.uri = uri;
  options.key_prefix = prefix;
  options.pool_size = 2;
  options.timeout_ms = timeout_ms;
  return options;
}

// What a listener's handlers saw, with waits for it.
class Recorder {
 public:
  void start(RedisInvalidationChannel& channel) {
    channel.start([this](InvalidationKind kind, std::string_view id) { record(kind, id); },
                  [this] { resubscribed(); });
  }
  void record(InvalidationKind kind, std::string_view id) {
    std::lock_guard lock(mutex_);
    messages_.push_back(Invalidation{kind, std::string(id)});
    received_at_ = Clock::now();
    changed_.notify_all();
  }
  void resubscribed() {
    std::lock_guard lock(mutex_);
    ++resubscriptions_;
    changed_.notify_all();
  }
  bool wait_for_messages(std::size_t count, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  }
  bool wait_for_resubscriptions(int count, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return resubscriptions_ >= count; });
  }
  std::vector<Invalidation> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  int resubscriptions() {
    std::lock_guard lock(mutex_);
    return resubscriptions_;
  }
  Clock::time_point received_at() {
    std::lock_guard lock(mutex_);
    return received_at_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Invalidation> messages_;
  int resubscriptions_ = 0;
  Clock::time_point received_at_{};
};

template <typename Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

// PUBLISH of arbitrary bytes on a channel, as another program could send them.
void publish_raw(const std::string& uri, const std::string& channel, const std::string& message) {
  wave::redis::RedisConnectionPool pool(uri, 1, 2000);
  pool.with_connection([&](redisContext* context) {
    const auto reply = pool.server().command(context, {"PUBLISH", channel, message});
    REQUIRE(reply->type == REDIS_REPLY_INTEGER);
    return 0;
  });
}

bool is_outage(wave_status status) { return status == WAVE_ERR_UNAVAILABLE || status == WAVE_ERR_TIMEOUT; }

bool same(const Invalidation& a, InvalidationKind kind, const std::string& id) {
  return a.kind == kind && a.internal_id == id;
}

}  // namespace

TEST_CASE("a published invalidation reaches every listener within a second") {
  const std::string uri = wave_test::fixture_uri("redis");
  const std::string prefix = unique_prefix("fanout");
  RedisInvalidationChannel first(options_for(uri, prefix));
  RedisInvalidationChannel second(options_for(uri, prefix));
  RedisInvalidationChannel publisher(options_for(uri, prefix));
  CHECK(first.channel() == prefix + "wave:invalidate");
  Recorder first_seen;
  Recorder second_seen;
  first_seen.start(first);
  second_seen.start(second);
  REQUIRE(first_seen.wait_for_resubscriptions(1));
  REQUIRE(second_seen.wait_for_resubscriptions(1));
  CHECK(first.subscribed());
  CHECK(second.subscribed());

  const std::string id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  const auto sent = Clock::now();
  CHECK(publisher.publish(InvalidationKind::credential, id) == 2);  // both listeners, nobody else
  REQUIRE(first_seen.wait_for_messages(1));
  REQUIRE(second_seen.wait_for_messages(1));
  CHECK(first_seen.received_at() - sent < 1s);
  CHECK(second_seen.received_at() - sent < 1s);
  CHECK(same(first_seen.messages()[0], InvalidationKind::credential, id));
  CHECK(same(second_seen.messages()[0], InvalidationKind::credential, id));

  CHECK(first.publish(InvalidationKind::acl, "user-2") == 2);  // a listener hears its own too
  REQUIRE(first_seen.wait_for_messages(2));
  REQUIRE(second_seen.wait_for_messages(2));
  CHECK(same(first_seen.messages()[1], InvalidationKind::acl, "user-2"));
  CHECK(same(second_seen.messages()[1], InvalidationKind::acl, "user-2"));
  CHECK(first_seen.resubscriptions() == 1);
  CHECK(first.malformed_messages() == 0);

  // Another prefix is another channel: nothing crosses over.
  RedisInvalidationChannel other(options_for(uri, unique_prefix("other")));
  CHECK(other.publish(InvalidationKind::credential, id) == 0);
  std::this_thread::sleep_for(200ms);
  CHECK(first_seen.messages().size() == 2);
}

TEST_CASE("malformed messages are ignored and counted; publish refuses bad IDs") {
  const std::string uri = wave_test::fixture_uri("redis");
  const std::string prefix = unique_prefix("malformed");
  RedisInvalidationChannel channel(options_for(uri, prefix));
  Recorder seen;
  seen.start(channel);
  REQUIRE(seen.wait_for_resubscriptions(1));

  const std::vector<std::string> malformed = {
      "",
      "credential",
      "credential:",
      ":user-1",
      "credentials:user-1",
      "CREDENTIAL:user-1",
      "acl:user:1",
      "acl:user 1",
      "acl: user-1",
      "acl:user-1\n",
      std::string("acl:user\0-1", 11),
      "acl:us\xc3\xa9r",
      "acl:user/1",
      "acl:" + std::string(129, 'a'),
      "session:user-1",
  };
  for (const auto& message : malformed) publish_raw(uri, channel.channel(), message);
  publish_raw(uri, channel.channel(), "acl:" + std::string(128, 'a'));  // the longest valid ID
  publish_raw(uri, channel.channel(), "credential:user-1");
  REQUIRE(seen.wait_for_messages(2));
  std::this_thread::sleep_for(100ms);
  const auto messages = seen.messages();
  REQUIRE(messages.size() == 2);
  CHECK(same(messages[0], InvalidationKind::acl, std::string(128, 'a')));
  CHECK(same(messages[1], InvalidationKind::credential, "user-1"));
  CHECK(channel.malformed_messages() == malformed.size());
  CHECK(channel.subscribed());  // malformed input never costs the subscription
  CHECK(seen.resubscriptions() == 1);

  for (const std::string& bad : std::vector<std::string>{"", "user 1", "user:1", "user/1", std::string(129, 'a')}) {
    CHECK(status_of([&] { channel.publish(InvalidationKind::credential, bad); }) == WAVE_ERR_INVALID_ARGUMENT);
  }
}

TEST_CASE("after Redis restarts, the listener resubscribes by itself and hears later messages") {
  wave_test::PrivateServer server("redis", "invalidation-restart");
  const std::string prefix = unique_prefix("restart");
  RedisInvalidationChannel channel(options_for(server.uri(), prefix, 500));
  Recorder seen;
  seen.start(channel);
  REQUIRE(seen.wait_for_resubscriptions(1));
  CHECK(channel.publish(InvalidationKind::credential, "before") == 1);
  REQUIRE(seen.wait_for_messages(1));

  server.stop();
  CHECK(eventually([&] { return !channel.subscribed(); }));
  CHECK(is_outage(status_of([&] { channel.publish(InvalidationKind::credential, "down"); })));
  std::this_thread::sleep_for(1500ms);  // several failed reconnects: the backoff reaches its cap
  CHECK(seen.resubscriptions() == 1);

  server.start();  // same port, a new process
  const auto restarted = Clock::now();
  REQUIRE(seen.wait_for_resubscriptions(2));
  CHECK(Clock::now() - restarted < 2s);  // at most one capped backoff (1 s) plus the connect
  CHECK(channel.subscribed());
  CHECK(channel.subscriptions() == 2);
  CHECK(channel.publish(InvalidationKind::acl, "after") == 1);
  REQUIRE(seen.wait_for_messages(2));
  CHECK(same(seen.messages()[1], InvalidationKind::acl, "after"));
}

TEST_CASE("a connection that goes silent is noticed by the heartbeat and replaced") {
  wave_test::PrivateServer server("redis", "invalidation-pause");
  RedisInvalidationChannel channel(options_for(server.uri(), unique_prefix("pause"), 300));
  Recorder seen;
  seen.start(channel);
  REQUIRE(seen.wait_for_resubscriptions(1));
  wave::redis::RedisConnectionPool admin(server.uri(), 1, 2000);
  admin.with_connection([&](redisContext* context) {
    const auto reply = admin.server().command(context, {"CLIENT", "PAUSE", "3000", "ALL"});
    REQUIRE(reply->type == REDIS_REPLY_STATUS);
    return 0;
  });
  // The socket stays open but Redis answers nothing: after a second of silence the PING
  // goes unanswered for the 300 ms timeout, and the listener gives the connection up.
  CHECK(eventually([&] { return !channel.subscribed(); }, 2800ms));
  REQUIRE(seen.wait_for_resubscriptions(2, 6000ms));  // once the pause is over
  CHECK(channel.subscribed());
  CHECK(channel.publish(InvalidationKind::credential, "after-pause") == 1);
  REQUIRE(seen.wait_for_messages(1));
}

TEST_CASE("a handler that throws counts as a lost message: the listener resubscribes") {
  const std::string uri = wave_test::fixture_uri("redis");
  RedisInvalidationChannel channel(options_for(uri, unique_prefix("throwing")));
  Recorder seen;
  std::atomic<bool> thrown{false};
  channel.start(
      [&](InvalidationKind kind, std::string_view id) {
        if (!thrown.exchange(true)) throw std::runtime_error("cache unavailable");
        seen.record(kind, id);
      },
      [&] { seen.resubscribed(); });
  REQUIRE(seen.wait_for_resubscriptions(1));
  channel.publish(InvalidationKind::credential, "lost");
  REQUIRE(seen.wait_for_resubscriptions(2));  // the service flushes its whole cache here
  CHECK(channel.publish(InvalidationKind::credential, "kept") == 1);
  REQUIRE(seen.wait_for_messages(1));
  CHECK(same(seen.messages()[0], InvalidationKind::credential, "kept"));
}

TEST_CASE("stop() returns within a second even while Redis is down; it is idempotent") {
  SUBCASE("Redis was never there") {
    const std::string uri = "redis://127.0.0.1:" + std::to_string(wave_test::unused_loopback_port());
    RedisInvalidationChannel channel(options_for(uri, unique_prefix("never")));
    Recorder seen;
    seen.start(channel);
    std::this_thread::sleep_for(700ms);  // several refused connects
    CHECK(!channel.subscribed());
    const auto started = Clock::now();
    channel.stop();
    CHECK(Clock::now() - started < 1s);
    channel.stop();
    CHECK(seen.resubscriptions() == 0);
    CHECK(channel.subscriptions() == 0);
  }
  SUBCASE("Redis went away while subscribed") {
    wave_test::PrivateServer server("redis", "invalidation-stop");
    RedisInvalidationChannel channel(options_for(server.uri(), unique_prefix("gone")));
    Recorder seen;
    seen.start(channel);
    REQUIRE(seen.wait_for_resubscriptions(1));
    server.stop();
    CHECK(eventually([&] { return !channel.subscribed(); }));
    std::this_thread::sleep_for(1200ms);  // in the capped backoff
    const auto started = Clock::now();
    std::thread other([&] { channel.stop(); });  // from another thread, and from this one
    channel.stop();
    other.join();
    CHECK(Clock::now() - started < 1s);
  }
  SUBCASE("while subscribed and idle") {
    RedisInvalidationChannel channel(options_for(wave_test::fixture_uri("redis"), unique_prefix("idle")));
    Recorder seen;
    seen.start(channel);
    REQUIRE(seen.wait_for_resubscriptions(1));
    const auto started = Clock::now();
    channel.stop();
    CHECK(Clock::now() - started < 200ms);
    CHECK(channel.publish(InvalidationKind::acl, "still-publishes") == 0);  // publishing needs no listener
  }
  SUBCASE("from inside a handler, then the destructor") {
    auto channel = std::make_unique<RedisInvalidationChannel>(
        options_for(wave_test::fixture_uri("redis"), unique_prefix("inside")));
    Recorder seen;
    RedisInvalidationChannel* self = channel.get();
    channel->start(
        [&](InvalidationKind kind, std::string_view id) {
          self->stop();
          seen.record(kind, id);
        },
        [&] { seen.resubscribed(); });
    REQUIRE(seen.wait_for_resubscriptions(1));
    channel->publish(InvalidationKind::credential, "last");
    REQUIRE(seen.wait_for_messages(1));
    CHECK(eventually([&] { return !channel->subscribed(); }));
    const auto started = Clock::now();
    channel.reset();
    CHECK(Clock::now() - started < 1s);
  }
}

TEST_CASE("start() needs both handlers and runs once") {
  RedisInvalidationChannel channel(options_for(wave_test::fixture_uri("redis"), unique_prefix("once")));
  CHECK(status_of([&] { channel.start(nullptr, [] {}); }) == WAVE_ERR_INVALID_ARGUMENT);
  Recorder seen;
  seen.start(channel);
  CHECK(status_of([&] { seen.start(channel); }) == WAVE_ERR_INVALID_ARGUMENT);
  REQUIRE(seen.wait_for_resubscriptions(1));

  RedisInvalidationChannel stopped(options_for(wave_test::fixture_uri("redis"), unique_prefix("stopped")));
  stopped.stop();
  CHECK(status_of([&] { seen.start(stopped); }) == WAVE_ERR_INVALID_ARGUMENT);
}

TEST_CASE("bad options are configuration errors") {
  CHECK(status_of([] { RedisInvalidationChannel channel(options_for("http://x", "")); }) == WAVE_ERR_CONFIG);
  CHECK(status_of([] { RedisInvalidationChannel channel(options_for("redis://127.0.0.1", "", 0)); }) ==
        WAVE_ERR_CONFIG);
}
