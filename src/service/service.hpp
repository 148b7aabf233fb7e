// The Wave service: the facade the CLI, the webhook server, the bindings and the broker
// plugin use.  It turns an app user's token into MQTT credentials and VerneMQ ACLs, manages
// groups, and answers the broker's register/publish/subscribe questions.
//
// Stores (store/stores.hpp): a SessionStore (sessions, mappings, credential digests; fast,
// may be lost: Redis in production) and a DirectoryStore (identities, vmq_acl_auth
// documents, groups; the durable record: MongoDB in production).  The service takes them
// and never names a backend: src/backends opens the ones Config::storage names.
//
// Sessions.  A session starts when the app endpoint accepts a token and lasts
// session_ttl_seconds from that moment: a warm login (session hit) neither calls the app
// nor extends the session.  When it expires, the next login (or register check) asks the
// app again, so a token the app has revoked stops working within the TTL.  revoke() ends a
// session at once.  One app user has one current token: logging in with a new token rotates
// the credential (same internal ID, old token refused everywhere).
//
// Concurrency across processes: a revoke or a rotation made by another process while a
// login runs is never undone by it (the login fails with WAVE_ERR_CONFLICT), nor is a
// concurrent group removal or delete.  The arguments are in docs/service.md.
//
// Errors: every method may throw wave::Error.  WAVE_ERR_INVALID_TOKEN (malformed, or the
// app says invalid), WAVE_ERR_DENIED (not allowed), WAVE_ERR_NOT_FOUND (no such group or
// user), WAVE_ERR_CONFLICT (the operation contradicts the current state),
// WAVE_ERR_RATE_LIMITED (a per-user rate is spent: Error::retry_after_ms() says when to
// try again; group creations, and every call that would run bcrypt for a user: a login
// writing a new passhash, a revoke), WAVE_ERR_INVALID_ARGUMENT (a malformed ID or name;
// never for a token: a malformed token is INVALID_TOKEN), and the faults of the stores and the
// app endpoint: WAVE_ERR_UNAVAILABLE, WAVE_ERR_TIMEOUT, WAVE_ERR_BACKEND, WAVE_ERR_UPSTREAM.
// A fault never grants anything.  Messages never contain tokens or passwords.
//
// Thread-safety: a Service may be used from any number of threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "store/stores.hpp"

namespace wave {

// What login() returns: everything an MQTT client needs to connect.
struct Credentials {
  std::string internal_id;  // internalWaveUserID (a canonical UUIDv4)
  std::string client_id;    // == internal_id
  std::string username;     // == internal_id
  std::string password;     // the MQTT password, derived from the token per the scheme
  std::string app_user_id;
  std::vector<std::string> publish_acl;    // the vmq_acl_auth document's patterns
  std::vector<std::string> subscribe_acl;
  std::vector<std::string> groups;  // IDs of the groups the user belongs to
};

struct ResolvedUser {
  std::string app_user_id;
  std::optional<std::string> internal_id;  // nullopt: this app user never logged in
};

struct GroupCreation {
  Group group;  // as stored: id, name, owner (the creator), members (internal IDs)
  std::vector<std::string> unknown_app_user_ids;  // requested members who never logged in
};

struct RevokeOutcome {
  std::string internal_id;
  bool session_ended = false;      // a live session of this token was deleted
  bool passhash_replaced = false;  // VerneMQ's MongoDB path now refuses the old password
                                   // (false with session_ended: the document held
                                   // nothing of this token's or older to retire: none
                                   // yet, already revoked, or a newer token's)
};

// A broker-side answer.  `reason` is static text for logs (empty when granted).
// would_block: CheckMode::cached_only could not answer from the in-process cache (not a
// grant: ask again with CheckMode::full, off the thread that must not block).
struct Decision {
  bool granted = false;
  const char* reason = "";
  bool would_block = false;
  explicit operator bool() const noexcept { return granted; }
};

// How far a broker-side check may go for its answer.
enum class CheckMode {
  full,         // the in-process cache, then the stores and the app endpoint
  stores_only,  // the cache and the stores, never the app (a broker's own thread: a
                // session that needs renewing is refused instead)
  cached_only,  // the in-process cache only: never blocks on I/O (Decision::would_block)
};

// Counters since construction, for tests, benchmarks and metrics.  Each is read with a
// relaxed atomic load: cheap, and consistent per counter (not across counters).
struct ServiceStats {
  std::uint64_t bcrypt_hashes = 0;       // passhashes computed (login, rotation, revoke,
                                         // taking back a login's write that went stale)
  std::uint64_t bcrypt_verifies = 0;     // revoke of a session-less token only
  std::uint64_t bcrypt_runs = 0;         // bcrypt_hashes + bcrypt_verifies
  std::uint64_t bcrypt_nanoseconds = 0;  // time spent in those runs
  std::uint64_t app_checks = 0;          // calls to the app endpoint (all outcomes)
  std::uint64_t app_valid = 0;           // ... answered "valid" with a usable user ID
  std::uint64_t app_invalid = 0;         // ... answered "invalid"
  std::uint64_t app_errors = 0;          // ... failed (timeout, unreachable, nonsense)
  std::uint64_t app_nanoseconds = 0;     // total time of those calls
  std::uint64_t session_store_errors = 0;    // faults of the session store (Redis)
  std::uint64_t directory_store_errors = 0;  // faults of the directory store (MongoDB)
  std::uint64_t warm_logins = 0;         // logins answered from a live session
  std::uint64_t cold_logins = 0;         // logins that asked the app
  std::uint64_t cache_hits = 0;          // in-process credential/ACL cache
  std::uint64_t cache_misses = 0;
  std::uint64_t cache_entries = 0;       // users in the cache now
  std::uint64_t register_fallbacks = 0;  // authorize_register renewing an expired session
  std::uint64_t would_block = 0;         // cached_only checks the cache could not answer
  std::uint64_t sweep_renewed = 0;       // expired sessions the sweep renewed
  std::uint64_t sweep_retired = 0;       // expired sessions whose passhash the sweep retired
  std::uint64_t sweep_faults = 0;        // users a sweep could not settle (retried)
  std::uint64_t rate_limited = 0;        // calls refused with WAVE_ERR_RATE_LIMITED
};

// What one sweep of expired sessions did (Service::sweep_expired).
struct SweepOutcome {
  std::size_t claimed = 0;    // expired sessions taken from the schedule
  std::size_t renewed = 0;    // the app still accepts the token: a new session
  std::size_t retired = 0;    // passhash retired (invalid, another user's, or no token left)
  std::size_t unchanged = 0;  // renewed meanwhile by a login, or nothing left to retire
  std::size_t faults = 0;     // a backend or the app failed: retried after the lease
};

// The state of an app user's session, as the admin API reports it (Service::describe_user).
enum class SessionState {
  unknown,     // never logged in (no identity, or no credential was ever written)
  live,        // a credential in the session store: the user's MQTT password works now
  expired,     // no session, but the vmq_acl_auth passhash still works (not retired)
  logged_out,  // the passhash was retired (revoke, the sweep, end_user_sessions)
};

struct UserDescription {
  std::string app_user_id;
  std::optional<std::string> internal_id;  // nullopt: never logged in
  SessionState session = SessionState::unknown;
  std::size_t groups = 0;  // groups the user belongs to
};

// What Service::end_user_sessions changed (both false: nothing was left to end).
struct EndSessionsOutcome {
  std::string internal_id;
  bool session_ended = false;     // a session or credential digest was deleted
  bool passhash_retired = false;  // VerneMQ's MongoDB path now refuses the old password
};

class Service {
 public:
  // Uses the given stores (which must not be null; src/backends opens them from the
  // config) and builds the app endpoint client.  Throws WAVE_ERR_CONFIG for bad settings.
  // No server needs to be up: each is first used by the first call that needs it.
  // `invalidation` (may be null: this process only) announces every credential and ACL
  // change to the other processes sharing the stores, and carries theirs to
  // listen_invalidations().
  Service(Config config, std::shared_ptr<SessionStore> sessions, std::shared_ptr<DirectoryStore> directory,
          std::shared_ptr<InvalidationChannel> invalidation = nullptr);
  // Stops the invalidation listener first (its handlers have returned when this returns).
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Token format check (no network call for a malformed token), then the session or the
  // app, the identity, the mapping and the ACL document (bcrypt only when the credential
  // changed: first login, rotation, lost document); returns the credentials.
  // WAVE_ERR_CONFLICT when the token stopped being the user's current credential during
  // the login (revoked, or another token logged in, meanwhile: nothing usable is left in
  // MongoDB for it), and when Redis's mapping names another internal ID than MongoDB's
  // durable record (nothing is written to Redis then; delete the mapping to rebuild it).
  Credentials login(std::string_view token);

  // Internal IDs of app users, in the order asked (duplicates allowed; at most 1000 IDs).
  // The caller must present a valid token (a live session, or one the app accepts).
  std::vector<ResolvedUser> resolve(std::string_view token, const std::vector<std::string>& app_user_ids);

  // Groups.  The token identifies the caller (as in resolve()).
  // create: name 1..200 bytes of printable text; the creator is owner and member; members
  // who never logged in are reported back, not added.  At most 1000 members per call.
  // Limits (config): the group's size (maxGroupMembers, the owner included) and the
  // group count of the creator and of every member (maxGroupsPerUser) give
  // WAVE_ERR_CONFLICT; groupCreationsPerHour per creator gives WAVE_ERR_RATE_LIMITED.
  GroupCreation create_group(std::string_view token, std::string_view name,
                             const std::vector<std::string>& member_app_user_ids);
  // Owner only (WAVE_ERR_DENIED otherwise).  NOT_FOUND for an unknown group or app user.
  // Idempotent: returns false when the user already was (add) / was not (remove) a member,
  // and makes sure the member's group patterns match either way.  The owner cannot be
  // removed (WAVE_ERR_CONFLICT: delete the group instead).  Adding a new member to a full
  // group, or a user already in maxGroupsPerUser groups, is WAVE_ERR_CONFLICT.  A concurrent
  // add and remove of one member (in any processes) end with her patterns matching her
  // membership: each reads the group again after its write until two reads agree.
  bool add_group_member(std::string_view token, std::string_view group_id, std::string_view app_user_id);
  bool remove_group_member(std::string_view token, std::string_view group_id, std::string_view app_user_id);
  // A member leaves (NOT_FOUND when not a member; the owner gets WAVE_ERR_CONFLICT).
  void leave_group(std::string_view token, std::string_view group_id);
  // Owner only: deletes the group and every member's group patterns.  The patterns go
  // first, so a fault midway leaves the group in place and a retry finishes the job; the
  // members the group had when it went (including any added meanwhile) are withdrawn once
  // more afterwards.
  void delete_group(std::string_view token, std::string_view group_id);
  // The groups the caller belongs to.
  std::vector<Group> list_groups(std::string_view token);
  // One group, members only (WAVE_ERR_DENIED for others).
  Group group_members(std::string_view token, std::string_view group_id);

  // Ends the token's session at once and, if the user's current credential is this
  // token's, replaces the passhash (bcrypt of a fresh random secret) so VerneMQ's MongoDB
  // path refuses the old password too; drops this process's cached entries.
  // A token without a session: the app is asked who it is (INVALID_TOKEN when it says
  // invalid), and a credential digest still holding this token's is deleted too (else
  // authorize_register would grant it until it expired).  NOT_FOUND when the user never
  // logged in or this token is not the user's current credential (nothing to revoke).
  // The app stays the authority: logging in again with a token the app still accepts
  // starts a new session.  A login of this token in flight fails without leaving a usable
  // passhash (docs/service.md, "Revoke", has the argument and the one case left open).
  RevokeOutcome revoke(std::string_view token);

  // ---- Broker-side checks: granted, or refused with a reason; faults throw (and callers
  // must refuse on a fault).  No bcrypt on these paths.  With CheckMode::cached_only they
  // answer from the in-process cache alone and never touch a store or the app: an answer
  // that needs them comes back as Decision::would_block.
  //
  // client_id must equal username and be a canonical UUID.  The password's SHA-256 is
  // compared in constant time with the credential digest from the in-process cache, then
  // the session store.  When neither has a credential (expired or wiped) and the password
  // may be the token itself (scheme auto/token, well-formed token), the session is renewed:
  // the app is asked about the token, and the grant needs the app user's durable identity
  // to be this internal ID and its vmq_acl_auth document to hold a live credential (not
  // logged out); the session and credential digest are then written again, and no passhash
  // is computed (the next login writes one when the credential changed).  The app refusing
  // the token and the token being another user's give the same reason, so that the answer
  // does not tell a guesser which guesses are someone's valid tokens.  A credential that
  // exists but does not match is refused without asking the app.
  // Cached credentials (credentialCacheTTLSeconds): after a revoke or a rotation made by
  // another process, this process's cache may still accept the old password for at most
  // that TTL (a revoke or rotation made through this Service drops the entry at once).
  // Every refusal that depends on the stores' state has one reason text; the latency still
  // tells live, unknown/logged-out and expired apart (docs/service.md, "What a CONNECT
  // check reveals").  Known limit: the fallback is not rate limited.  Each costs one call
  // to the app endpoint, so a client can use CONNECTs to try guessed tokens against the
  // app; limit connection attempts in front of the broker (listener limits, a proxy).
  Decision authorize_register(std::string_view client_id, std::string_view username, std::string_view password,
                              CheckMode mode = CheckMode::full);
  // From the user's vmq_acl_auth patterns (compiled and cached per user); unknown user:
  // refused.
  Decision authorize_publish(std::string_view username, std::string_view topic, CheckMode mode = CheckMode::full);
  // One decision per filter, in order (with cached_only: all would_block, or none).
  std::vector<Decision> authorize_subscribe(std::string_view username, const std::vector<std::string>& filters,
                                            CheckMode mode = CheckMode::full);

  // Listens to the other processes' announcements (at most once per Service): each drops
  // the user's entries from this process's cache, then calls `on_change` (may be empty) on
  // the listener's thread; after every (re)subscription the whole cache is dropped, since
  // announcements made meanwhile are lost.  WAVE_ERR_INVALID_ARGUMENT without a channel or
  // when already listening.
  using InvalidationHandler = std::function<void(InvalidationKind kind, std::string_view internal_id)>;
  void listen_invalidations(InvalidationHandler on_change);

  // Looks at up to `max` sessions that expired (credentialSweepIntervalSeconds apart, from
  // a server): asks the app once about each user's current token, then renews the session
  // or retires the passhash and the broker grants, so a token the app stopped accepting
  // stops working on VerneMQ's MongoDB path within sessionTTLSeconds plus the interval.
  // Several processes may sweep at once: each user is claimed by one of them.  Faults of
  // single users are counted in the outcome (they are retried); a fault of the schedule
  // itself throws.
  SweepOutcome sweep_expired(std::size_t max);

  // ---- The admin API (for the app's backend, which knows when a user logs out or is
  // banned; admin.cpp).  No token: the caller is trusted (a server authenticates it).
  // WAVE_ERR_INVALID_ARGUMENT for a malformed app user ID.
  //
  // The user's internal ID, session state and group count.  Read-only.
  UserDescription describe_user(std::string_view app_user_id);
  // Retires every credential of the user without asking the app: the mapped token's
  // session, the credential digest, the vmq_acl_auth passhash (compare-and-set, retried
  // while logins race it) and the expiry schedule.  The writes announce the change, so
  // other processes drop their cached grants (and a server disconnects live clients).
  // NOT_FOUND for an app user who never logged in; idempotent otherwise (a second call
  // reports nothing changed).  Runs a bcrypt when a passhash is retired.  A login with a
  // token the app still accepts starts a new session afterwards: the app stays the
  // authority, so it must stop accepting the user's tokens first.
  EndSessionsOutcome end_user_sessions(std::string_view app_user_id);

  ServiceStats stats() const;
  const Config& config() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wave
