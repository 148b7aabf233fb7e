// Private to src/service: the state every part of the service shares (Service::Impl) and
// the small rules they have in common.  Each job has its own file:
//   service.cpp        construction, tokens and the app, bcrypt, the invalidating writes,
//                      counters;
//   login.cpp          login, resolve and the caller's identity;
//   groups.cpp         groups and their patterns;
//   broker_checks.cpp  authorize_register/publish/subscribe and the session renewal;
//   revoke.cpp         revoke;
//   admin.cpp          the admin API (describe a user, end all of a user's sessions).
// The concurrency arguments behind the order of the writes are in docs/service.md.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "acl/acl.hpp"
#include "appauth/app_auth_client.hpp"
#include "service/keyed_locks.hpp"
#include "service/service.hpp"
#include "service/user_cache.hpp"
#include "token/token.hpp"

namespace wave {
namespace service_detail {

constexpr std::size_t kMaxIdsPerCall = 1000;
constexpr std::size_t kMaxAppUserIdBytes = 1024;
constexpr std::size_t kMaxGroupNameBytes = 200;
// Written as wave_credential_id when revoke() replaces a passhash: the broker-side checks
// read it as "logged out" (no renewal through the app, no publish/subscribe) until the user
// logs in again, which writes a fresh credential.
constexpr std::string_view kRevokedCredentialPrefix = "revoked-";
// Compare-and-set writes of a passhash that found the document changed: each retry means
// another process wrote meanwhile, so this bounds only a pathological storm.
constexpr int kMaxPasshashWrites = 8;

inline bool is_revoked_credential(std::string_view credential_id) {
  return credential_id.starts_with(kRevokedCredentialPrefix);
}

// App user IDs travel as Redis key parts, MongoDB _ids and JSON strings: UTF-8 text
// without control characters, bounded.
void check_app_user_id(std::string_view id, wave_status status, const char* what);
void check_group_name(std::string_view name);
void check_group_id(std::string_view group_id);
void check_id_count(std::size_t count, const char* what);

// One membership test in a short list (group members): a scan is the cheapest.
bool contains(const std::vector<std::string>& items, std::string_view value);

inline Decision granted() { return Decision{true, "", false}; }
inline Decision denied(const char* reason) { return Decision{false, reason, false}; }
inline Decision would_block() {
  return Decision{false, "the answer needs Redis, MongoDB or the app: ask again without the cache-only flag", true};
}

inline void count(std::atomic<std::uint64_t>& counter, std::uint64_t amount = 1) noexcept {
  counter.fetch_add(amount, std::memory_order_relaxed);
}

}  // namespace service_detail

struct Service::Impl {
  // Relaxed atomics: each counter is exact, reads are cheap, no ordering is implied.
  struct Counters {
    std::atomic<std::uint64_t> bcrypt_hashes{0};
    std::atomic<std::uint64_t> bcrypt_verifies{0};
    std::atomic<std::uint64_t> bcrypt_nanoseconds{0};
    std::atomic<std::uint64_t> app_checks{0};
    std::atomic<std::uint64_t> app_valid{0};
    std::atomic<std::uint64_t> app_invalid{0};
    std::atomic<std::uint64_t> app_errors{0};
    std::atomic<std::uint64_t> app_nanoseconds{0};
    std::atomic<std::uint64_t> session_store_errors{0};
    std::atomic<std::uint64_t> directory_store_errors{0};
    std::atomic<std::uint64_t> warm_logins{0};
    std::atomic<std::uint64_t> cold_logins{0};
    std::atomic<std::uint64_t> cache_hits{0};
    std::atomic<std::uint64_t> cache_misses{0};
    std::atomic<std::uint64_t> register_fallbacks{0};
    std::atomic<std::uint64_t> would_block{0};
    std::atomic<std::uint64_t> sweep_renewed{0};
    std::atomic<std::uint64_t> sweep_retired{0};
    std::atomic<std::uint64_t> sweep_faults{0};
    std::atomic<std::uint64_t> rate_limited{0};
  };

  // Who a token's session belongs to, and which credential it carries.
  struct Session {
    std::string internal_id;
    std::string app_user_id;
    std::string credential_id;
    bool change_counted = false;  // this login already took its credential-change token
  };

  // The user's compiled ACL (null: unknown, never logged in, or logged out), or
  // would_block when CheckMode::cached_only found nothing cached.
  struct AuthorizerLookup {
    std::shared_ptr<const acl::Authorizer> authorizer;
    bool would_block = false;
  };

  Config config;
  std::shared_ptr<const TokenValidator> validator;
  Counters counters;  // before the stores: they count into it
  std::shared_ptr<SessionStore> sessions;
  std::shared_ptr<DirectoryStore> directory;
  std::shared_ptr<InvalidationChannel> invalidation;  // null: nobody else to tell
  std::unique_ptr<AppAuthClient> app;
  service_detail::UserCache cache;
  service_detail::KeyedLocks user_locks;
  // Per (group, member): a membership change and the patterns that follow it run in one
  // ordered sequence in this process (docs/service.md, "Add and remove of one member").
  service_detail::KeyedLocks membership_locks;

  Impl(Config cfg, std::shared_ptr<SessionStore> session_store, std::shared_ptr<DirectoryStore> directory_store,
       std::shared_ptr<InvalidationChannel> invalidation_channel);

  // ---- tokens, the app and bcrypt (service.cpp) ---------------------------------------
  // The format check, then the MQTT password the token maps to (no network call yet).
  std::string check_token(std::string_view token) const;
  // The app's answer for a well-formed token: its app user ID, or INVALID_TOKEN.
  std::string ask_app(std::string_view token);
  // bcrypt, counted and timed.
  std::string hash_passhash(std::string_view password);
  bool verify_passhash(std::string_view password, std::string_view passhash);

  // ---- rate limits, in the session store so they hold across processes (service.cpp) ---
  // Takes a token from the bucket, or throws WAVE_ERR_RATE_LIMITED with the retry-after
  // time (counted in rate_limited).  `what` names the limit for the message.
  void take_rate_token(const std::string& bucket, std::int64_t burst, std::int64_t per_hour, const char* what);
  // Before every bcrypt a user's request causes (a login writing a new passhash, a revoke):
  // credentialChangeBurst, then credentialChangesPerHour.
  void limit_credential_change(const std::string& internal_id);

  // ---- writes: each drops the user's entry from this process's cache and announces the
  // change to the other processes (invalidate), so no path can forget to (service.cpp) ----
  void invalidate(InvalidationKind kind, const std::string& internal_id);
  MapResult map_user(const MapRequest& request);
  std::optional<RevokeResult> end_session(std::string_view token);
  bool forget_credential(const std::string& internal_id, std::string_view password_digest);
  // Also records the password's digest on the document (the durable lookup revoke uses).
  bool upsert_credentials(const std::string& internal_id, const std::string& app_user_id,
                          const std::string& passhash, const std::string& password_digest,
                          const std::string& credential_id, const std::string& expected_credential_id,
                          const acl::Patterns& patterns);
  bool replace_passhash(const std::string& internal_id, const std::string& credential_id,
                        const std::string& new_passhash, const std::string& new_credential_id);
  void add_patterns(const std::string& internal_id, const std::vector<std::string>& publish,
                    const std::vector<std::string>& subscribe);
  void remove_patterns(const std::string& internal_id, const std::vector<std::string>& publish,
                       const std::vector<std::string>& subscribe);

  // ---- login (login.cpp) ----------------------------------------------------------------
  std::optional<Session> warm_session(std::string_view token, std::string_view digest);
  Session cold_session(std::string_view token, const std::string& digest);
  AclDocument ensure_document(const Session& session, std::string_view password);
  void write_passhash(const Session& session, const std::string& passhash, const std::string& password_digest,
                      const acl::Patterns& own, std::string expected);
  bool is_current(const Session& session);
  void ensure_still_current(const Session& session);
  std::vector<Group> reconcile_groups(AclDocument& doc, std::vector<Group> groups);
  Credentials login(std::string_view token);
  std::string caller(std::string_view token);
  std::vector<std::optional<std::string>> internal_ids_of(const std::vector<std::string>& app_user_ids);
  std::string internal_id_of(std::string_view app_user_id);

  // ---- groups (groups.cpp) --------------------------------------------------------------
  Group group_or_throw(std::string_view group_id);
  std::pair<Group, std::string> owner_change(std::string_view token, std::string_view group_id,
                                             std::string_view app_user_id, const char* action);
  bool grant_group(const std::string& group_id, const std::vector<std::string>& members);
  void withdraw_group(const std::string& group_id, const std::string& member);
  // After a membership change: the member's patterns of this group made to match her
  // membership as the store holds it now, read again until two reads agree.  Returns
  // whether she is a member (false too when the group is gone).
  bool settle_membership(const std::string& group_id, const std::string& member);
  // WAVE_ERR_CONFLICT when `member` already belongs to maxGroupsPerUser groups.
  void check_group_count(const std::string& member, const char* whose);

  // ---- broker-side checks (broker_checks.cpp) -------------------------------------------
  AuthorizerLookup authorizer_for(std::string_view username, CheckMode mode);
  Decision authorize_register(std::string_view client_id, std::string_view username, std::string_view password,
                              CheckMode mode);
  Decision renew_session(std::string_view username, std::string_view password, const std::string& digest,
                         const AclDocument& doc);

  // ---- the sweep of expired sessions (sweep.cpp) -----------------------------------------
  enum class SweepStep { renewed, retired, unchanged };
  SweepStep sweep_one(const std::string& internal_id);
  SweepOutcome sweep_expired(std::size_t max);

  // ---- revoke (revoke.cpp) --------------------------------------------------------------
  std::string unusable_passhash();
  bool retire_passhash(const std::string& internal_id, const std::string& credential_id,
                       const std::string& passhash = {});
  RevokeOutcome revoke(std::string_view token);

  // ---- the admin API (admin.cpp) ----------------------------------------------------------
  UserDescription describe_user(std::string_view app_user_id);
  EndSessionsOutcome end_user_sessions(std::string_view app_user_id);
};

}  // namespace wave
