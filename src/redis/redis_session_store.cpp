#include "redis/redis_session_store.hpp"

#include <chrono>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <utility>

#include "common/error.hpp"
#include "redis/redis_connection.hpp"

namespace wave {

using redis::Reply;
using redis::text_of;

namespace {

// Optimistic create-or-rotate/revoke: a script whose pre-read went stale is retried.  Each
// retry means another writer succeeded, so this bounds only a pathological storm.
constexpr int kMaxScriptAttempts = 128;

// ---- Lua scripts -----------------------------------------------------------------------
// Every key is passed in KEYS: the caller pre-reads the mapping (or session) to name them,
// and the script re-checks that what it read still holds, answering 'retry' otherwise.

// Creates the app user's mapping, or rotates its token, and (re)writes the session and the
// credential digest.  Returns {'ok', internal ID, credential ID, '1'|'0' token changed,
// previous token or ''}, {'retry'} when the pre-read went stale, or {'conflict'} (nothing
// written) when the mapping names another internal ID than the durable one.
constexpr std::string_view kCreateOrRotateMappingScript = R"lua(
local mapping_key = KEYS[1]        -- mapping:<app user ID>
local session_key = KEYS[2]        -- session:<new token>
local credential_key = KEYS[3]     -- credential:<internal ID>
local schedule_key = KEYS[4]       -- session-expiries (sorted set: internal ID by expiry time)
local old_session_key = KEYS[5]    -- session:<old token>, only when the pre-read saw another token
local expected_id = ARGV[1]        -- the internal ID the pre-read saw ('' = no mapping)
local expected_token = ARGV[2]     -- the token the pre-read saw ('' = none)
local new_token = ARGV[3]
local durable_id = ARGV[4]         -- the internal ID in the durable store
local new_credential_id = ARGV[5]
local password_digest = ARGV[6]
local app_user_id = ARGV[7]
local ttl_seconds = ARGV[8]
local now_seconds = ARGV[9]        -- the caller's clock (the sweep compares with it too)

local current = redis.call('HMGET', mapping_key, 'internalWaveUserID', 'token', 'credentialID')
local id = current[1] or ''
local token = current[2] or ''
local credential = current[3] or ''
if id ~= expected_id or token ~= expected_token then
  return {'retry'}
end
if id ~= '' and id ~= durable_id then
  return {'conflict'}
end
local changed = '0'
local previous = ''
if id == '' then
  id = durable_id
  credential = new_credential_id
  changed = '1'
  redis.call('HSET', mapping_key, 'internalWaveUserID', id, 'token', new_token, 'credentialID', credential)
elseif token ~= new_token or credential == '' then
  if token ~= '' and token ~= new_token then
    previous = token
    -- Only the old session of this user: a token shared by accident stays with its owner.
    if redis.call('GET', old_session_key) == id then
      redis.call('DEL', old_session_key)
    end
  end
  credential = new_credential_id
  changed = '1'
  redis.call('HSET', mapping_key, 'token', new_token, 'credentialID', credential)
end
redis.call('SET', session_key, id, 'EX', ttl_seconds)
redis.call('DEL', credential_key)
redis.call('HSET', credential_key, 'passwordDigest', password_digest, 'appUserID', app_user_id, 'credentialID', credential)
redis.call('EXPIRE', credential_key, ttl_seconds)
redis.call('ZADD', schedule_key, tonumber(now_seconds) + tonumber(ttl_seconds), id)
return {'ok', id, credential, changed, previous}
)lua";

// Ends a session: deletes it and its credential, and the mapping's token when it still
// names this token.  Returns {'ok'} | {'absent'} | {'retry'} (the session was re-mapped).
constexpr std::string_view kEndSessionScript = R"lua(
local session_key = KEYS[1]     -- session:<token>
local credential_key = KEYS[2]  -- credential:<internal ID>
local mapping_key = KEYS[3]     -- mapping:<app user ID>, when known
local expected_id = ARGV[1]     -- the internal ID the pre-read saw
local token = ARGV[2]

local id = redis.call('GET', session_key)
if not id then
  return {'absent'}
end
if id ~= expected_id then
  return {'retry'}
end
redis.call('DEL', session_key)
redis.call('DEL', credential_key)
if mapping_key and redis.call('HGET', mapping_key, 'token') == token then
  redis.call('HDEL', mapping_key, 'token')
end
return {'ok'}
)lua";

// Compare-and-delete of a credential on its digest.  Returns {'deleted'} or {'kept'}
// (absent, or another credential's digest).
// Claims the users whose session expired by ARGV[1]: reschedules each a lease later, in the
// same step, so two sweepers never get the same user.  Returns {'claimed', internal IDs...}.
constexpr std::string_view kClaimExpiredScript = R"lua(
local schedule_key = KEYS[1]       -- session-expiries
local now_seconds = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local lease_seconds = tonumber(ARGV[3])

local due = redis.call('ZRANGEBYSCORE', schedule_key, '-inf', now_seconds, 'LIMIT', 0, max)
local claimed = {'claimed'}
for _, id in ipairs(due) do
  redis.call('ZADD', schedule_key, now_seconds + lease_seconds, id)
  claimed[#claimed + 1] = id
end
return claimed
)lua";

constexpr std::string_view kForgetCredentialScript = R"lua(
local credential_key = KEYS[1]  -- credential:<internal ID>
local password_digest = ARGV[1]

if redis.call('HGET', credential_key, 'passwordDigest') == password_digest then
  redis.call('DEL', credential_key)
  return {'deleted'}
end
return {'kept'}
)lua";

std::string unix_seconds_now() {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}
// A token bucket (SessionStore::take_rate_token), on Redis's clock so that every process
// agrees.  The hash holds the tokens left and when the bucket last gained one (ms); it
// expires when it would be full again, and a missing hash is a full bucket.  Returns
// {'1', '0'} (taken) or {'0', <ms until the next token>}.
constexpr std::string_view kTakeRateTokenScript = R"lua(
local bucket_key = KEYS[1]         -- rate:<bucket>
local burst = tonumber(ARGV[1])
local refill_ms = tonumber(ARGV[2])

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', bucket_key, 'tokens', 'refilled')
local tokens = tonumber(state[1])
local refilled = tonumber(state[2])
if tokens == nil or refilled == nil then
  tokens = burst
  refilled = now
elseif refilled > now then
  refilled = now  -- Redis's clock stepped back: no refill, and no reset either
end
local gained = math.floor((now - refilled) / refill_ms)
if gained > 0 then
  tokens = math.min(burst, tokens + gained)
  refilled = refilled + gained * refill_ms
end
if tokens >= burst then
  refilled = now
end
local allowed = '0'
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = '1'
else
  wait = math.max(1, refilled + refill_ms - now)
end
redis.call('HSET', bucket_key, 'tokens', tostring(tokens), 'refilled', string.format('%d', refilled))
redis.call('PEXPIRE', bucket_key, math.max(1, refilled + (burst - tokens) * refill_ms - now))
return {allowed, string.format('%d', wait)}
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

}  // namespace

// ---- The store ---------------------------------------------------------------------------

struct RedisSessionStore::Impl {
  explicit Impl(const RedisOptions& options)
      : pool(options.uri, options.pool_size, options.timeout_ms), key_prefix(options.key_prefix) {}

  redis::RedisConnectionPool pool;
  std::string key_prefix;
  Script create_or_rotate_mapping_script{kCreateOrRotateMappingScript, sha1_hex(kCreateOrRotateMappingScript)};
  Script end_session_script{kEndSessionScript, sha1_hex(kEndSessionScript)};
  Script forget_credential_script{kForgetCredentialScript, sha1_hex(kForgetCredentialScript)};
  Script claim_expired_script{kClaimExpiredScript, sha1_hex(kClaimExpiredScript)};
  Script take_rate_token_script{kTakeRateTokenScript, sha1_hex(kTakeRateTokenScript)};

  const redis::RedisServer& server() const { return pool.server(); }
  const std::string& where() const { return pool.server().display(); }

  std::string key(std::string_view kind, std::string_view id) const {
    std::string out;
    out.reserve(key_prefix.size() + kind.size() + id.size());
    out.append(key_prefix).append(kind).append(id);
    return out;
  }

  // EVALSHA, loading the script with EVAL when Redis does not know it (first use, or a
  // Redis that restarted or ran SCRIPT FLUSH).
  Reply run_script(redisContext* context, const Script& script, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args) const {
    const std::string key_count = std::to_string(keys.size());
    std::vector<std::string_view> argv = {"EVALSHA", script.sha, key_count};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    Reply reply = server().command(context, argv);
    if (reply->type == REDIS_REPLY_ERROR && text_of(reply.get()).starts_with("NOSCRIPT")) {
      argv[0] = "EVAL";
      argv[1] = script.body;
      reply = server().command(context, argv);
    }
    if (reply->type == REDIS_REPLY_ERROR) redis::error_reply(reply.get(), where());
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) redis::unexpected_reply(where());
    for (std::size_t i = 0; i < reply->elements; ++i) {
      if (reply->element[i]->type != REDIS_REPLY_STRING) redis::unexpected_reply(where());
    }
    return reply;
  }

  // Pre-reads the mapping to name the keys, then runs the create-or-rotate script; again
  // while another login changes the mapping in between.
  MapResult create_or_rotate_mapping(redisContext* context, const MapRequest& request) const {
    const std::string mapping_key = key("mapping:", request.app_user_id);
    const std::string session_key = key("session:", request.token);
    const std::string ttl = std::to_string(request.ttl.count());
    for (int attempt = 0; attempt < kMaxScriptAttempts; ++attempt) {
      const Reply current = server().command(context, {"HMGET", mapping_key, "internalWaveUserID", "token"});
      if (current->type == REDIS_REPLY_ERROR) redis::error_reply(current.get(), where());
      if (current->type != REDIS_REPLY_ARRAY || current->elements != 2) redis::unexpected_reply(where());
      const std::string id = server().string_or_nil(current->element[0]).value_or("");
      const std::string token = server().string_or_nil(current->element[1]).value_or("");

      const std::string& internal_id = id.empty() ? request.internal_id : id;
      std::vector<std::string> keys = {mapping_key, session_key, key("credential:", internal_id),
                                       key("session-expiries", "")};
      if (!token.empty() && token != request.token) keys.push_back(key("session:", token));
      const Reply reply = run_script(context, create_or_rotate_mapping_script, keys,
                                     {id, token, request.token, request.internal_id, request.credential_id,
                                      request.password_digest, request.app_user_id, ttl, unix_seconds_now()});
      const std::string_view outcome = text_of(reply->element[0]);
      if (outcome == "retry") continue;  // another login changed the mapping
      if (outcome == "conflict")
        fail(WAVE_ERR_CONFLICT, "Redis (mapping:) names another internal ID for this app user than the durable "
                                "record (MongoDB wave_identities); nothing was written: delete the Redis mapping so "
                                "that it is rebuilt from MongoDB");
      if (outcome != "ok" || reply->elements != 5) redis::unexpected_reply(where());
      MapResult result;
      result.internal_id = text_of(reply->element[1]);
      result.credential_id = text_of(reply->element[2]);
      result.token_changed = text_of(reply->element[3]) == "1";
      if (reply->element[4]->len > 0) result.previous_token = std::string(text_of(reply->element[4]));
      return result;
    }
    fail(WAVE_ERR_CONFLICT, "the Redis mapping of an app user kept changing under concurrent logins; try again");
  }

  // Pre-reads the session (and its credential's app user, to name the mapping), then runs
  // the end-session script; again while the session is re-mapped in between.
  std::optional<RevokeResult> end_session(redisContext* context, std::string_view token) const {
    const std::string session_key = key("session:", token);
    for (int attempt = 0; attempt < kMaxScriptAttempts; ++attempt) {
      const Reply session = server().command(context, {"GET", session_key});
      const auto internal_id = server().string_or_nil(session.get());
      if (!internal_id) return std::nullopt;
      const std::string credential_key = key("credential:", *internal_id);
      const Reply credential = server().command(context, {"HGET", credential_key, "appUserID"});
      const std::string app_user_id = server().string_or_nil(credential.get()).value_or("");

      std::vector<std::string> keys = {session_key, credential_key};
      if (!app_user_id.empty()) keys.push_back(key("mapping:", app_user_id));
      const Reply reply = run_script(context, end_session_script, keys, {*internal_id, std::string(token)});
      const std::string_view outcome = text_of(reply->element[0]);
      if (outcome == "retry") continue;  // the session was re-mapped meanwhile
      if (outcome == "absent") return std::nullopt;
      if (outcome != "ok") redis::unexpected_reply(where());
      return RevokeResult{*internal_id, app_user_id};
    }
    fail(WAVE_ERR_CONFLICT, "a Redis session kept changing while being revoked; try again");
  }
};

RedisSessionStore::RedisSessionStore(RedisOptions options) : impl_(std::make_unique<Impl>(options)) {}

RedisSessionStore::~RedisSessionStore() = default;

void RedisSessionStore::ping() {
  impl_->pool.with_connection([&](redisContext* context) {
    const Reply reply = impl_->server().command(context, {"PING"});
    if (reply->type == REDIS_REPLY_ERROR) redis::error_reply(reply.get(), impl_->where());
    return 0;
  });
}

std::optional<std::string> RedisSessionStore::find_session(std::string_view token) {
  if (token.empty()) return std::nullopt;  // map_user never stores an empty token
  const std::string key = impl_->key("session:", token);
  return impl_->pool.with_connection([&](redisContext* context) {
    const Reply reply = impl_->server().command(context, {"GET", key});
    return impl_->server().string_or_nil(reply.get());
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
  return impl_->pool.with_connection([&](redisContext* context) {
    const std::vector<Reply> replies = impl_->server().pipeline(context, commands);
    for (std::size_t i = 0; i < replies.size(); ++i) {
      auto id = impl_->server().string_or_nil(replies[i].get());
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
  return impl_->pool.with_connection(
      [&](redisContext* context) { return impl_->create_or_rotate_mapping(context, request); });
}

std::optional<CredentialRecord> RedisSessionStore::find_credential(std::string_view internal_id) {
  if (internal_id.empty()) return std::nullopt;
  const std::string key = impl_->key("credential:", internal_id);
  return impl_->pool.with_connection([&](redisContext* context) -> std::optional<CredentialRecord> {
    const Reply reply = impl_->server().command(context, {"HMGET", key, "passwordDigest", "appUserID", "credentialID"});
    if (reply->type == REDIS_REPLY_ERROR) redis::error_reply(reply.get(), impl_->where());
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) redis::unexpected_reply(impl_->where());
    auto digest = impl_->server().string_or_nil(reply->element[0]);
    auto app_user_id = impl_->server().string_or_nil(reply->element[1]);
    auto credential_id = impl_->server().string_or_nil(reply->element[2]);
    // A record without its digest can authorize nothing: treat it as absent.
    if (!digest || digest->empty()) return std::nullopt;
    return CredentialRecord{std::move(*digest), app_user_id.value_or(""), credential_id.value_or("")};
  });
}

bool RedisSessionStore::forget_credential(std::string_view internal_id, std::string_view password_digest) {
  if (internal_id.empty() || password_digest.empty()) return false;
  const std::string key = impl_->key("credential:", internal_id);
  return impl_->pool.with_connection([&](redisContext* context) {
    const Reply reply =
        impl_->run_script(context, impl_->forget_credential_script, {key}, {std::string(password_digest)});
    const std::string_view outcome = text_of(reply->element[0]);
    if (outcome != "deleted" && outcome != "kept") redis::unexpected_reply(impl_->where());
    return outcome == "deleted";
  });
}

std::vector<std::string> RedisSessionStore::claim_expired(std::size_t max, std::chrono::seconds lease) {
  if (max == 0) return {};
  return impl_->pool.with_connection([&](redisContext* context) {
    const Reply reply = impl_->run_script(context, impl_->claim_expired_script, {impl_->key("session-expiries", "")},
                                          {unix_seconds_now(), std::to_string(max), std::to_string(lease.count())});
    if (text_of(reply->element[0]) != "claimed") redis::unexpected_reply(impl_->where());
    std::vector<std::string> claimed;
    for (std::size_t i = 1; i < reply->elements; ++i) claimed.emplace_back(text_of(reply->element[i]));
    return claimed;
  });
}

void RedisSessionStore::unschedule(std::string_view internal_id) {
  const std::string schedule = impl_->key("session-expiries", "");
  impl_->pool.with_connection([&](redisContext* context) {
    const Reply reply = impl_->server().command(context, {"ZREM", schedule, internal_id});
    if (reply->type == REDIS_REPLY_ERROR) redis::error_reply(reply.get(), impl_->where());
    return reply->type == REDIS_REPLY_INTEGER && reply->integer > 0;
  });
}

std::optional<std::string> RedisSessionStore::mapped_token(std::string_view app_user_id) {
  if (app_user_id.empty()) return std::nullopt;
  return impl_->pool.with_connection([&](redisContext* context) -> std::optional<std::string> {
    const Reply reply = impl_->server().command(context, {"HGET", impl_->key("mapping:", app_user_id), "token"});
    if (reply->type == REDIS_REPLY_ERROR) redis::error_reply(reply.get(), impl_->where());
    auto token = impl_->server().string_or_nil(reply.get());
    if (!token || token->empty()) return std::nullopt;
    return token;
  });
}

std::optional<RevokeResult> RedisSessionStore::revoke(std::string_view token) {
  if (token.empty()) return std::nullopt;
  return impl_->pool.with_connection([&](redisContext* context) { return impl_->end_session(context, token); });
}

RateAnswer RedisSessionStore::take_rate_token(std::string_view bucket, std::int64_t burst,
                                              std::chrono::milliseconds refill) {
  if (bucket.empty() || burst < 1 || refill.count() <= 0)
    fail(WAVE_ERR_INVALID_ARGUMENT, "take_rate_token: an empty bucket name, a burst below 1 or a refill time of 0");
  const std::string key = impl_->key("rate:", bucket);
  return impl_->pool.with_connection([&](redisContext* context) {
    const Reply reply = impl_->run_script(context, impl_->take_rate_token_script, {key},
                                          {std::to_string(burst), std::to_string(refill.count())});
    if (reply->elements != 2) redis::unexpected_reply(impl_->where());
    const std::string_view allowed = text_of(reply->element[0]);
    const std::string wait(text_of(reply->element[1]));
    if (allowed != "1" && allowed != "0") redis::unexpected_reply(impl_->where());
    RateAnswer answer;
    answer.allowed = allowed == "1";
    if (!answer.allowed) {
      char* end = nullptr;
      const long long milliseconds = std::strtoll(wait.c_str(), &end, 10);
      if (end == wait.c_str() || *end != '\0' || milliseconds < 1) redis::unexpected_reply(impl_->where());
      answer.retry_after = std::chrono::milliseconds(milliseconds);
    }
    return answer;
  });
}

}  // namespace wave
