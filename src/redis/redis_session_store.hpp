// SessionStore (store/stores.hpp) on Redis (hiredis): sessions, app-user mappings and
// credential digests.
//
// Key layout (with the configured key prefix in front of each key):
//   session:<token>             string  -> internal ID, expires after the session TTL
//   mapping:<appUserID>         hash    {token, internalWaveUserID, credentialID}
//   credential:<internalID>     hash    {passwordDigest, appUserID, credentialID}, same TTL
//   session-expiries            sorted set: internal ID by its session's expiry (Unix
//                               seconds), for the sweep; claimed entries move a lease ahead
//   rate:<bucket>               hash    {tokens, refilled (ms, Redis's clock)}: a token
//                               bucket (take_rate_token, one Lua script), expires when full
// passwordDigest is lowercase hex SHA-256 of the MQTT password.  map_user is one Lua script
// (atomic create-or-rotate); forget_credential and revoke are scripts too.
//
// URIs: redis://[[user]:password@]host[:port][/db]  (port 6379, db 0 by default; user
// needs Redis 6 ACLs) and unix:///path/to/socket[?db=N] (protected by the socket's file
// permissions), parsed by parse_redis_uri (redis/redis_uri.hpp).  Anything else is
// WAVE_ERR_CONFIG; messages never echo the password.
// A pool of at most pool_size connections; each command has timeout_ms to complete.
// A broken connection is dropped and redialled on next use, so the store recovers by
// itself when Redis comes back.  Errors: WAVE_ERR_UNAVAILABLE (cannot connect or the
// connection broke), WAVE_ERR_TIMEOUT, WAVE_ERR_BACKEND (an error reply),
// WAVE_ERR_CONFIG (bad URI / options, thrown by the constructor), WAVE_ERR_CONFLICT
// (map_user: the mapping names another internal ID than the request).  Thread-safe.
//
// Besides keys, Wave uses one pub/sub channel in the same Redis (RedisInvalidationChannel,
// redis/redis_invalidation.hpp):
//   <prefix>wave:invalidate     messages "credential:<internalID>" (a credential was
//                               rotated or revoked) and "acl:<internalID>" (the user's
//                               topic patterns changed); every instance drops its cached
//                               entries for that user, and flushes its whole cache after
//                               each (re)subscription, since pub/sub drops messages while
//                               a subscriber is disconnected.
// Files: redis_uri (URI parsing), redis_connection (dialling, AUTH/SELECT, commands,
// fault mapping, the pool), this store (the Lua scripts and the operations),
// invalidation_message and redis_invalidation (the channel).
#pragma once

#include "redis/redis_options.hpp"  // RedisOptions

#include <cstdint>
#include <memory>
#include <string>

#include "store/stores.hpp"

namespace wave {

class RedisSessionStore final : public SessionStore {
 public:
  // Parses the URI (WAVE_ERR_CONFIG on error); does not connect yet.
  explicit RedisSessionStore(RedisOptions options);
  ~RedisSessionStore() override;
  RedisSessionStore(const RedisSessionStore&) = delete;
  RedisSessionStore& operator=(const RedisSessionStore&) = delete;

  std::optional<std::string> find_session(std::string_view token) override;
  std::vector<std::optional<std::string>> find_internal_ids(
      const std::vector<std::string>& app_user_ids) override;
  MapResult map_user(const MapRequest& request) override;
  std::optional<CredentialRecord> find_credential(std::string_view internal_id) override;
  bool forget_credential(std::string_view internal_id, std::string_view password_digest) override;
  std::optional<RevokeResult> revoke(std::string_view token) override;
  std::vector<std::string> claim_expired(std::size_t max, std::chrono::seconds lease) override;
  void unschedule(std::string_view internal_id) override;
  std::optional<std::string> mapped_token(std::string_view app_user_id) override;
  RateAnswer take_rate_token(std::string_view bucket, std::int64_t burst, std::chrono::milliseconds refill) override;

  // Sends PING; throws like any command.  For health checks and start-up validation.
  void ping();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wave
