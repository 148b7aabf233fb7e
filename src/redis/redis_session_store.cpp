#include "redis/redis_session_store.hpp"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <utility>

#include "common/error.hpp"
#include "redis/redis_uri.hpp"

namespace wave {
namespace {

// Optimistic create-or-rotate/revoke: a script whose pre-read went stale is retried.  Each
// retry means another writer succeeded, so this bounds only a pathological storm.
constexpr int kMaxScriptAttempts = 128;

// ---- Lua scripts -----------------------------------------------------------------------
// Every key is passed in KEYS: the caller pre-reads the mapping (or session) to name them,
// and the script re-checks that what it read still holds, answering 'retry' otherwise.

// KEYS: 1 mapping:<app>  2 session:<new token>  3 credential:<internal id>
//       4 session:<old token> (only when the pre-read saw another token)
// ARGV: 1 expected internal ID ("" = no mapping)  2 expected token ("" = none)
//       3 new token  4 the durable internal ID  5 new credential ID  6 password digest
//       7 app user ID  8 TTL in seconds
// Returns {'ok', internal ID, credential ID, '1'|'0' token changed, previous token or ''},
// {'retry'} when the pre-read went stale, or {'conflict'} (nothing written) when the
// mapping names another internal ID than the durable one.
constexpr std::string_view kMapScript = R"lua(
local current = redis.call('HMGET', KEYS[1], 'internalWaveUserID', 'token', 'credentialID')
local id = current[1] or ''
local token = current[2] or ''
local credential = current[3] or ''
if id ~= ARGV[1] or token ~= ARGV[2] then
  return {'retry'}
end
if id ~= '' and id ~= ARGV[4] then
  return {'conflict'}
end
local changed = '0'
local previous = ''
if id == '' then
  id = ARGV[4]
  credential = ARGV[5]
  changed = '1'
  redis.call('HSET', KEYS[1], 'internalWaveUserID', id, 'token', ARGV[3], 'credentialID', credential)
elseif token ~= ARGV[3] or credential == '' then
  if token ~= '' and token ~= ARGV[3] then
    previous = token
    -- Only the old session of this user: a token shared by accident stays with its owner.
    if redis.call('GET', KEYS[4]) == id then
      redis.call('DEL', KEYS[4])
    end
  end
  credential = ARGV[5]
  changed = '1'
  redis.call('HSET', KEYS[1], 'token', ARGV[3], 'credentialID', credential)
end
redis.call('SET', KEYS[2], id, 'EX', ARGV[8])
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'passwordDigest', ARGV[6], 'appUserID', ARGV[7], 'credentialID', credential)
redis.call('EXPIRE', KEYS[3], ARGV[8])
return {'ok', id, credential, changed, previous}
)lua";

// KEYS: 1 session:<token>  2 credential:<internal id>  3 mapping:<app> (when known)
// ARGV: 1 expected internal ID  2 token
// Returns {'ok'} | {'absent'} | {'retry'}.
constexpr std::string_view kRevokeScript = R"lua(
local id = redis.call('GET', KEYS[1])
if not id then
  return {'absent'}
end
if id ~= ARGV[1] then
  return {'retry'}
end
redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
if KEYS[3] and redis.call('HGET', KEYS[3], 'token') == ARGV[2] then
  redis.call('HDEL', KEYS[3], 'token')
end
return {'ok'}
)lua";

// KEYS: 1 credential:<internal id>   ARGV: 1 password digest
// Returns {'deleted'} or {'kept'} (absent, or another credential's digest).
constexpr std::string_view kForgetScript = R"lua(
if redis.call('HGET', KEYS[1], 'passwordDigest') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {'deleted'}
end
return {'kept'}
)lua";

std::string sha1_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha1(), nullptr) != 1) {
    fail(WAVE_ERR_INTERNAL, "SHA-1 of a Redis script failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

struct Script {
  std::string_view body;
  std::string sha;
};

// ---- Replies -----------------------------------------------------------------------------

struct ReplyDeleter {
  void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

std::string_view text_of(const redisReply* reply) { return {reply->str, reply->len}; }

// A Redis error reply: the server is there but refused.  Transient server states are
// "unavailable" (try again), a missing password is configuration, the rest "backend".
[[noreturn]] void error_reply(const redisReply* reply, const std::string& where) {
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

[[noreturn]] void unexpected_reply(const std::string& where) {
  fail(WAVE_ERR_BACKEND, "Redis at " + where + " gave an answer of an unexpected type; is the key space shared with "
                         "another application (check the key prefix)?");
}

}  // namespace

// ---- The store ---------------------------------------------------------------------------

struct RedisSessionStore::Impl {
  RedisOptions options;
  RedisEndpoint endpoint;
  Script map_script{kMapScript, sha1_hex(kMapScript)};
  Script revoke_script{kRevokeScript, sha1_hex(kRevokeScript)};
  Script forget_script{kForgetScript, sha1_hex(kForgetScript)};

  std::mutex mutex;
  std::condition_variable available;
  std::vector<redisContext*> idle;
  int open = 0;  // idle + in use

  ~Impl() {
    for (redisContext* context : idle) redisFree(context);
  }

  timeval timeout() const {
    return timeval{static_cast<time_t>(options.timeout_ms / 1000), static_cast<suseconds_t>((options.timeout_ms % 1000) * 1000)};
  }

  std::string key(std::string_view kind, std::string_view id) const {
    std::string out;
    out.reserve(options.key_prefix.size() + kind.size() + id.size());
    out.append(options.key_prefix).append(kind).append(id);
    return out;
  }

  // A failed exchange leaves the connection in an unknown state: the caller drops it.
  [[noreturn]] void connection_failed(redisContext* context, int saved_errno) {
    const std::string why = context->errstr;
    if (context->err == REDIS_ERR_IO &&
        (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT)) {
      fail(WAVE_ERR_TIMEOUT, "Redis at " + endpoint.display + " did not answer within " +
                                 std::to_string(options.timeout_ms) + " ms; check its load and latency, or raise the timeout");
    }
    if (context->err == REDIS_ERR_OOM) fail(WAVE_ERR_NO_MEMORY, "out of memory talking to Redis");
    if (context->err == REDIS_ERR_PROTOCOL) {
      fail(WAVE_ERR_BACKEND, "the server at " + endpoint.display + " does not speak the Redis protocol (" + why + ")");
    }
    fail(WAVE_ERR_UNAVAILABLE, "the connection to Redis at " + endpoint.display + " broke (" +
                                   (why.empty() ? std::string("closed") : why) + "); check that Redis is running");
  }

  redisContext* dial() {
    redisContext* context = endpoint.unix_socket ? redisConnectUnixWithTimeout(endpoint.host.c_str(), timeout())
                                                 : redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, timeout());
    if (context == nullptr) fail(WAVE_ERR_NO_MEMORY, "out of memory connecting to Redis");
    if (context->err != 0) {
      const std::string why = context->errstr;
      redisFree(context);
      fail(WAVE_ERR_UNAVAILABLE, "cannot connect to Redis at " + endpoint.display + " (" + why +
                                     "); check that Redis is running and the URI is right");
    }
    try {
      if (redisSetTimeout(context, timeout()) != REDIS_OK) connection_failed(context, errno);
      if (!endpoint.unix_socket) redisEnableKeepAlive(context);  // notices silently dead peers
      if (endpoint.has_password) {
        std::vector<std::string_view> auth = {"AUTH"};
        if (!endpoint.user.empty()) auth.push_back(endpoint.user);
        auth.push_back(endpoint.password);
        expect_ok(context, auth);
      }
      if (endpoint.db != 0) expect_ok(context, {"SELECT", std::to_string(endpoint.db)});
    } catch (...) {
      redisFree(context);
      throw;
    }
    return context;
  }

  void expect_ok(redisContext* context, const std::vector<std::string_view>& argv) {
    Reply reply = command(context, argv);
    if (reply->type == REDIS_REPLY_ERROR) {
      const std::string_view text = text_of(reply.get());
      if (argv[0] == "SELECT") {
        fail(WAVE_ERR_CONFIG, "Redis at " + endpoint.display + " refused database " + std::to_string(endpoint.db) +
                                  " (" + std::string(text.substr(0, 200)) + "); fix the database in the Redis URI");
      }
      if (argv[0] == "AUTH") {
        fail(WAVE_ERR_CONFIG, "Redis at " + endpoint.display + " refused the credentials in the Redis URI (" +
                                  std::string(text.substr(0, 200)) + ")");
      }
      error_reply(reply.get(), endpoint.display);
    }
  }

  // An idle connection is healthy when nothing is waiting on it: a readable socket with no
  // request outstanding means the server closed it (e.g. Redis restarted).
  static bool looks_alive(const redisContext* context) {
    pollfd entry{context->fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, 0);
    return ready == 0;
  }

  redisContext* acquire() {
    std::unique_lock lock(mutex);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
    for (;;) {
      while (!idle.empty()) {
        redisContext* context = idle.back();
        idle.pop_back();
        if (looks_alive(context)) return context;
        redisFree(context);
        --open;
      }
      if (open < options.pool_size) {
        ++open;
        lock.unlock();
        try {
          return dial();
        } catch (...) {
          lock.lock();
          --open;
          available.notify_one();
          throw;
        }
      }
      if (available.wait_until(lock, deadline) == std::cv_status::timeout && idle.empty() &&
          open >= options.pool_size) {
        fail(WAVE_ERR_TIMEOUT, "all " + std::to_string(options.pool_size) + " connections to Redis at " +
                                   endpoint.display + " stayed busy for " + std::to_string(options.timeout_ms) +
                                   " ms; raise the Redis pool size or check Redis's latency");
      }
    }
  }

  void release(redisContext* context, bool healthy) {
    {
      std::lock_guard lock(mutex);
      if (healthy) {
        idle.push_back(context);
      } else {
        --open;
      }
    }
    if (!healthy) redisFree(context);
    available.notify_one();
  }

  // Runs `work` on a pooled connection; a connection whose exchange failed is dropped, so
  // the next call dials again (recovery without restarting Wave).
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

  Reply command(redisContext* context, const std::vector<std::string_view>& argv) {
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

  // Sends every command, then reads every reply: one round trip.
  std::vector<Reply> pipeline(redisContext* context, const std::vector<std::vector<std::string>>& commands) {
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

  // EVALSHA, loading the script with EVAL when Redis does not know it (first use, or a
  // Redis that restarted or ran SCRIPT FLUSH).
  Reply run_script(redisContext* context, const Script& script, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args) {
    const std::string key_count = std::to_string(keys.size());
    std::vector<std::string_view> argv = {"EVALSHA", script.sha, key_count};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    Reply reply = command(context, argv);
    if (reply->type == REDIS_REPLY_ERROR && text_of(reply.get()).starts_with("NOSCRIPT")) {
      argv[0] = "EVAL";
      argv[1] = script.body;
      reply = command(context, argv);
    }
    if (reply->type == REDIS_REPLY_ERROR) error_reply(reply.get(), endpoint.display);
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) unexpected_reply(endpoint.display);
    for (std::size_t i = 0; i < reply->elements; ++i) {
      if (reply->element[i]->type != REDIS_REPLY_STRING) unexpected_reply(endpoint.display);
    }
    return reply;
  }

  // nullopt for nil; the string otherwise; anything else is a foreign value.
  std::optional<std::string> string_or_nil(const redisReply* reply) const {
    if (reply->type == REDIS_REPLY_NIL) return std::nullopt;
    if (reply->type == REDIS_REPLY_ERROR) error_reply(reply, endpoint.display);
    if (reply->type != REDIS_REPLY_STRING) unexpected_reply(endpoint.display);
    return std::string(text_of(reply));
  }
};

RedisSessionStore::RedisSessionStore(RedisOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = parse_redis_uri(options.uri);
  if (options.pool_size < 1 || options.pool_size > 1024) {
    fail(WAVE_ERR_CONFIG, "the Redis pool size must be between 1 and 1024");
  }
  if (options.timeout_ms < 1 || options.timeout_ms > 3'600'000) {
    fail(WAVE_ERR_CONFIG, "the Redis timeout must be between 1 ms and 1 hour");
  }
  impl_->options = std::move(options);
}

RedisSessionStore::~RedisSessionStore() = default;

void RedisSessionStore::ping() {
  impl_->with_connection([&](redisContext* context) {
    const Reply reply = impl_->command(context, {"PING"});
    if (reply->type == REDIS_REPLY_ERROR) error_reply(reply.get(), impl_->endpoint.display);
    return 0;
  });
}

std::optional<std::string> RedisSessionStore::find_session(std::string_view token) {
  if (token.empty()) return std::nullopt;  // map_user never stores an empty token
  const std::string key = impl_->key("session:", token);
  return impl_->with_connection([&](redisContext* context) {
    const Reply reply = impl_->command(context, {"GET", key});
    return impl_->string_or_nil(reply.get());
  });
}

std::vector<std::optional<std::string>> RedisSessionStore::find_internal_ids(
    const std::vector<std::string>& app_user_ids) {
  std::vector<std::optional<std::string>> ids(app_user_ids.size());
  if (app_user_ids.empty()) return ids;
  std::vector<std::vector<std::string>> commands;
  commands.reserve(app_user_ids.size());
  for (const auto& app_user_id : app_user_ids) {
    commands.push_back({"HGET", impl_->key("mapping:", app_user_id), "internalWaveUserID"});
  }
  return impl_->with_connection([&](redisContext* context) {
    const std::vector<Reply> replies = impl_->pipeline(context, commands);
    for (std::size_t i = 0; i < replies.size(); ++i) {
      auto id = impl_->string_or_nil(replies[i].get());
      if (id && !id->empty()) ids[i] = std::move(id);
    }
    return ids;
  });
}

MapResult RedisSessionStore::map_user(const MapRequest& request) {
  if (request.app_user_id.empty() || request.internal_id.empty() || request.token.empty() ||
      request.password_digest.empty() || request.credential_id.empty()) {
    fail(WAVE_ERR_INVALID_ARGUMENT, "map_user needs an app user ID, internal ID, token, password digest and credential ID");
  }
  if (request.ttl.count() <= 0) fail(WAVE_ERR_INVALID_ARGUMENT, "the session TTL must be positive");
  const std::string mapping_key = impl_->key("mapping:", request.app_user_id);
  const std::string session_key = impl_->key("session:", request.token);
  const std::string ttl = std::to_string(request.ttl.count());

  return impl_->with_connection([&](redisContext* context) {
    for (int attempt = 0; attempt < kMaxScriptAttempts; ++attempt) {
      const Reply current = impl_->command(context, {"HMGET", mapping_key, "internalWaveUserID", "token"});
      if (current->type == REDIS_REPLY_ERROR) error_reply(current.get(), impl_->endpoint.display);
      if (current->type != REDIS_REPLY_ARRAY || current->elements != 2) unexpected_reply(impl_->endpoint.display);
      const std::string id = impl_->string_or_nil(current->element[0]).value_or("");
      const std::string token = impl_->string_or_nil(current->element[1]).value_or("");

      const std::string& internal_id = id.empty() ? request.internal_id : id;
      std::vector<std::string> keys = {mapping_key, session_key, impl_->key("credential:", internal_id)};
      if (!token.empty() && token != request.token) keys.push_back(impl_->key("session:", token));
      const Reply reply = impl_->run_script(
          context, impl_->map_script, keys,
          {id, token, request.token, request.internal_id, request.credential_id, request.password_digest,
           request.app_user_id, ttl});
      if (text_of(reply->element[0]) == "retry") continue;  // another login changed the mapping
      if (text_of(reply->element[0]) == "conflict")
        fail(WAVE_ERR_CONFLICT, "Redis (mapping:) names another internal ID for this app user than the durable "
                                "record (MongoDB wave_identities); nothing was written: delete the Redis mapping so "
                                "that it is rebuilt from MongoDB");
      if (text_of(reply->element[0]) != "ok" || reply->elements != 5) unexpected_reply(impl_->endpoint.display);
      MapResult result;
      result.internal_id = text_of(reply->element[1]);
      result.credential_id = text_of(reply->element[2]);
      result.token_changed = text_of(reply->element[3]) == "1";
      if (reply->element[4]->len > 0) result.previous_token = std::string(text_of(reply->element[4]));
      return result;
    }
    fail(WAVE_ERR_CONFLICT, "the Redis mapping of an app user kept changing under concurrent logins; try again");
  });
}

std::optional<CredentialRecord> RedisSessionStore::find_credential(std::string_view internal_id) {
  if (internal_id.empty()) return std::nullopt;
  const std::string key = impl_->key("credential:", internal_id);
  return impl_->with_connection([&](redisContext* context) -> std::optional<CredentialRecord> {
    const Reply reply = impl_->command(context, {"HMGET", key, "passwordDigest", "appUserID", "credentialID"});
    if (reply->type == REDIS_REPLY_ERROR) error_reply(reply.get(), impl_->endpoint.display);
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) unexpected_reply(impl_->endpoint.display);
    auto digest = impl_->string_or_nil(reply->element[0]);
    auto app_user_id = impl_->string_or_nil(reply->element[1]);
    auto credential_id = impl_->string_or_nil(reply->element[2]);
    // A record without its digest can authorize nothing: treat it as absent.
    if (!digest || digest->empty()) return std::nullopt;
    return CredentialRecord{std::move(*digest), app_user_id.value_or(""), credential_id.value_or("")};
  });
}

bool RedisSessionStore::forget_credential(std::string_view internal_id, std::string_view password_digest) {
  if (internal_id.empty() || password_digest.empty()) return false;
  const std::string key = impl_->key("credential:", internal_id);
  return impl_->with_connection([&](redisContext* context) {
    const Reply reply = impl_->run_script(context, impl_->forget_script, {key}, {std::string(password_digest)});
    const std::string_view outcome = text_of(reply->element[0]);
    if (outcome != "deleted" && outcome != "kept") unexpected_reply(impl_->endpoint.display);
    return outcome == "deleted";
  });
}

std::optional<RevokeResult> RedisSessionStore::revoke(std::string_view token) {
  if (token.empty()) return std::nullopt;
  const std::string session_key = impl_->key("session:", token);
  return impl_->with_connection([&](redisContext* context) -> std::optional<RevokeResult> {
    for (int attempt = 0; attempt < kMaxScriptAttempts; ++attempt) {
      const Reply session = impl_->command(context, {"GET", session_key});
      const auto internal_id = impl_->string_or_nil(session.get());
      if (!internal_id) return std::nullopt;
      const std::string credential_key = impl_->key("credential:", *internal_id);
      const Reply credential = impl_->command(context, {"HGET", credential_key, "appUserID"});
      const std::string app_user_id = impl_->string_or_nil(credential.get()).value_or("");

      std::vector<std::string> keys = {session_key, credential_key};
      if (!app_user_id.empty()) keys.push_back(impl_->key("mapping:", app_user_id));
      const Reply reply = impl_->run_script(context, impl_->revoke_script, keys, {*internal_id, std::string(token)});
      const std::string_view outcome = text_of(reply->element[0]);
      if (outcome == "retry") continue;  // the session was re-mapped meanwhile
      if (outcome == "absent") return std::nullopt;
      if (outcome != "ok") unexpected_reply(impl_->endpoint.display);
      return RevokeResult{*internal_id, app_user_id};
    }
    fail(WAVE_ERR_CONFLICT, "a Redis session kept changing while being revoked; try again");
  });
}

}  // namespace wave
