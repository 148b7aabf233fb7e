/*
 * wave_service.h: the Wave service.  Part of <wave/wave.h>.
 *
 * Turns an app user's token into MQTT credentials and VerneMQ ACLs (login), addresses
 * other users (resolve), manages groups, ends sessions (revoke), and answers a broker's
 * register / publish / subscribe questions.
 *
 * Tokens cross as bytes (const uint8_t *token, size_t token_len).  Every call that takes a
 * token first checks its format (no network call for a malformed one); the app's endpoint
 * is asked when the token has no live session.  A session lasts sessionTTLSeconds from the
 * app's answer and is not extended by later calls, so a token the app has revoked stops
 * working within that time; wave_service_revoke() ends it at once.
 *
 * Statuses (besides WAVE_ERR_INVALID_ARGUMENT for NULL or malformed arguments):
 *   WAVE_ERR_INVALID_TOKEN  malformed token, or the app says it is invalid;
 *   WAVE_ERR_DENIED         not allowed (group owner/member rules, broker checks);
 *   WAVE_ERR_NOT_FOUND      no such group, user, or nothing to revoke;
 *   WAVE_ERR_CONFLICT       contradicts the current state (e.g. the owner leaving), or a
 *                           limit is reached (maxGroupsPerUser, maxGroupMembers);
 *   WAVE_ERR_RATE_LIMITED   a per-user rate is spent (groupCreationsPerHour; credential
 *                           changes: a login that writes a new passhash, a revoke); try
 *                           again after wave_last_error_retry_after_ms();
 *   WAVE_ERR_UNAVAILABLE, WAVE_ERR_TIMEOUT, WAVE_ERR_BACKEND (Redis, MongoDB) and
 *   WAVE_ERR_UPSTREAM (the app answered nonsense): faults, which never grant anything.
 * Messages (wave_last_error_message) never contain tokens or passwords.
 *
 * Thread-safety: a wave_service may be used from any number of threads at once; it must
 * not be freed while a call on it is running.  Result handles (wave_credentials,
 * wave_resolution, wave_group, wave_group_creation, wave_group_list) are immutable: any
 * number of threads may read one at once.  Their getters never touch
 * wave_last_error_message() and return NULL/0 for a NULL handle or an index out of range.
 */
#ifndef WAVE_SERVICE_H
#define WAVE_SERVICE_H

#include <wave/wave_common.h>
#include <wave/wave_config.h>

WAVE_BEGIN_DECLS

typedef struct wave_service wave_service;
typedef struct wave_credentials wave_credentials;
typedef struct wave_resolution wave_resolution;
typedef struct wave_group wave_group;
typedef struct wave_group_creation wave_group_creation;
typedef struct wave_group_list wave_group_list;

/* ---- The service ----------------------------------------------------------------------- */

/*
 * Creates a service from `config` (which it keeps a reference to: the caller may free the
 * config at once).  No server needs to be up yet: with storage "servers" (the default),
 * MongoDB, Redis and the app endpoint are first used by the first call that needs them
 * (MongoDB's indexes are created then), and outages of any of them are survived (calls
 * fail with UNAVAILABLE/TIMEOUT and succeed again once they are back).
 * With storage "memory" identities live in this process only.
 * On success *out is the caller's, freed with wave_service_free().
 * Errors: WAVE_ERR_CONFIG (bad settings, e.g. a malformed URI), WAVE_ERR_INVALID_ARGUMENT.
 */
WAVE_API wave_status wave_service_new(const wave_config *config, wave_service **out);

/* Frees a service.  Accepts NULL.  No call on it may be running. */
WAVE_API void wave_service_free(wave_service *service);

/*
 * Readiness: pings Redis, then MongoDB (storage "memory": nothing to ping, WAVE_OK).
 * Returns WAVE_OK, or the first fault (WAVE_ERR_UNAVAILABLE, WAVE_ERR_TIMEOUT,
 * WAVE_ERR_BACKEND) with a message starting with the backend's name ("redis: ...",
 * "mongodb: ...") and never a secret.  Blocks for at most about the backends' timeouts.
 * The app endpoint is not asked (it needs a token).  Thread-safe.
 */
WAVE_API wave_status wave_service_ping(wave_service *service);

/* ---- Counters -------------------------------------------------------------------------- */

/*
 * Counters a server reports as metrics.  Values are explicit and append-only.  All count
 * since wave_service_new(), except WAVE_COUNTER_CACHE_ENTRIES (users in the in-process
 * cache now).
 */
typedef enum wave_counter {
  WAVE_COUNTER_CACHE_HITS = 0,         /* broker checks answered by the in-process cache */
  WAVE_COUNTER_CACHE_MISSES = 1,       /* ... that were not */
  WAVE_COUNTER_CACHE_ENTRIES = 2,      /* users in the in-process cache now (a gauge) */
  WAVE_COUNTER_APP_VALID = 3,          /* app endpoint calls that said "valid" */
  WAVE_COUNTER_APP_INVALID = 4,        /* ... that said "invalid" */
  WAVE_COUNTER_APP_ERROR = 5,          /* ... that failed (timeout, unreachable, nonsense) */
  WAVE_COUNTER_APP_NANOSECONDS = 6,    /* total time of the app endpoint calls */
  WAVE_COUNTER_REDIS_ERRORS = 7,       /* faults of the session store (Redis) */
  WAVE_COUNTER_MONGO_ERRORS = 8,       /* faults of the directory store (MongoDB) */
  WAVE_COUNTER_BCRYPT_RUNS = 9,        /* bcrypt hashes and verifications run */
  WAVE_COUNTER_BCRYPT_NANOSECONDS = 10, /* their total time */
  WAVE_COUNTER_WARM_LOGINS = 11,       /* logins answered from a live session */
  WAVE_COUNTER_COLD_LOGINS = 12,       /* logins that asked the app */
  WAVE_COUNTER_REGISTER_FALLBACKS = 13, /* register checks that renewed an expired session */
  WAVE_COUNTER_WOULD_BLOCK = 14,       /* cache-only checks answered WAVE_ERR_WOULD_BLOCK */
  WAVE_COUNTER_SWEEP_RENEWED = 15,     /* expired sessions the sweep renewed (the app said valid) */
  WAVE_COUNTER_SWEEP_RETIRED = 16,     /* expired sessions whose passhash the sweep retired */
  WAVE_COUNTER_SWEEP_FAULTS = 17,      /* users a sweep could not settle (retried later) */
  WAVE_COUNTER_RATE_LIMITED = 18       /* calls refused with WAVE_ERR_RATE_LIMITED (group
                                          creations, credential changes) */
} wave_counter;

/*
 * The current value of `counter`: 0 for a NULL service or a value this version does not
 * know.  Never fails and never touches the last error.  Cheap (relaxed atomic loads; the
 * cache gauge briefly locks each cache shard).  Thread-safe.
 */
WAVE_API uint64_t wave_service_counter(const wave_service *service, wave_counter counter);

/* ---- Login ----------------------------------------------------------------------------- */

/*
 * Logs in with an app token: format check, then the live session or the app's endpoint,
 * the user's internal ID (one per app user, ever), the mapping (a new token rotates the
 * credential: the old one stops working everywhere), and the user's vmq_acl_auth document
 * (bcrypt only when the credential changed).  On success *out holds the credentials, the
 * caller's, freed with wave_credentials_free().  A login that would run bcrypt (a first
 * login, a rotation) takes a token from the user's credential-change bucket
 * (credentialChangeBurst, credentialChangesPerHour): WAVE_ERR_RATE_LIMITED when it is
 * empty; a warm login (a live session of this token) never does.
 */
WAVE_API wave_status wave_service_login(wave_service *service, const uint8_t *token, size_t token_len,
                                        wave_credentials **out);

/* Frees credentials (wiping the password).  Accepts NULL. */
WAVE_API void wave_credentials_free(wave_credentials *credentials);

/* Borrowed strings, valid until wave_credentials_free(); NULL when `credentials` is NULL.
 * client ID == username == internal ID.  The password is the MQTT password. */
WAVE_API const char *wave_credentials_internal_id(const wave_credentials *credentials);
WAVE_API const char *wave_credentials_client_id(const wave_credentials *credentials);
WAVE_API const char *wave_credentials_username(const wave_credentials *credentials);
WAVE_API const char *wave_credentials_password(const wave_credentials *credentials);
WAVE_API const char *wave_credentials_app_user_id(const wave_credentials *credentials);

/* The publish / subscribe ACL patterns and the group IDs: a count, and the item at `index`
 * (borrowed as above; NULL when index >= count or credentials is NULL). */
WAVE_API size_t wave_credentials_publish_acl_count(const wave_credentials *credentials);
WAVE_API const char *wave_credentials_publish_acl(const wave_credentials *credentials, size_t index);
WAVE_API size_t wave_credentials_subscribe_acl_count(const wave_credentials *credentials);
WAVE_API const char *wave_credentials_subscribe_acl(const wave_credentials *credentials, size_t index);
WAVE_API size_t wave_credentials_group_count(const wave_credentials *credentials);
WAVE_API const char *wave_credentials_group(const wave_credentials *credentials, size_t index);

/*
 * The credentials as a JSON object: {"internalWaveUserID", "clientID", "username",
 * "password", "appUserID", "publishACL": [...], "subscribeACL": [...], "groups": [...]}.
 * *out is the caller's, freed with wave_string_free() (it holds the password: wipe it).
 */
WAVE_API wave_status wave_credentials_to_json(const wave_credentials *credentials, char **out);

/* ---- Resolve --------------------------------------------------------------------------- */

/*
 * The internal IDs of `count` app users (NUL-terminated strings; at most 1000), in order,
 * so the caller can address them.  The caller authenticates with its own token.  Unknown
 * app users (never logged in) are reported as such, not as an error.
 * On success *out is the caller's, freed with wave_resolution_free().
 */
WAVE_API wave_status wave_service_resolve(wave_service *service, const uint8_t *token, size_t token_len,
                                          const char *const *app_user_ids, size_t count, wave_resolution **out);

WAVE_API void wave_resolution_free(wave_resolution *resolution);
WAVE_API size_t wave_resolution_count(const wave_resolution *resolution);
/* Borrowed until wave_resolution_free(); NULL when index >= count. */
WAVE_API const char *wave_resolution_app_user_id(const wave_resolution *resolution, size_t index);
/* The internal ID, or NULL when this app user is unknown (or index >= count). */
WAVE_API const char *wave_resolution_internal_id(const wave_resolution *resolution, size_t index);
/* [{"appUserID": "...", "internalWaveUserID": "..." | null}, ...]; freed with
 * wave_string_free(). */
WAVE_API wave_status wave_resolution_to_json(const wave_resolution *resolution, char **out);

/* ---- Groups ---------------------------------------------------------------------------- */

/*
 * Creates a group named `name` (1..200 bytes of UTF-8 without control characters) with
 * the caller as owner and member, plus the `member_count` app users listed (at most 1000;
 * member_app_user_ids may be NULL when member_count is 0).  Each member gets the group's
 * ACL patterns.  App users who never logged in are not added: they are reported through
 * wave_group_creation_unknown_count()/wave_group_creation_unknown().  On success *out is
 * the outcome (the new group and the unknown app users), the caller's, freed with
 * wave_group_creation_free().  WAVE_ERR_CONFLICT when the group would exceed
 * maxGroupMembers or the caller or a member would exceed maxGroupsPerUser;
 * WAVE_ERR_RATE_LIMITED beyond groupCreationsPerHour per caller.
 */
WAVE_API wave_status wave_service_group_create(wave_service *service, const uint8_t *token, size_t token_len,
                                               const char *name, const char *const *member_app_user_ids,
                                               size_t member_count, wave_group_creation **out);

/*
 * Adds / removes one member (by app user ID): the group's owner only (WAVE_ERR_DENIED
 * otherwise); WAVE_ERR_NOT_FOUND for an unknown group or app user; removing the owner is
 * WAVE_ERR_CONFLICT.  Idempotent: adding a member twice (or removing a non-member) succeeds
 * and sets *changed_out to 0 (1 when the membership changed).  changed_out may be NULL.
 * Adding a new member to a full group (maxGroupMembers), or a user already in
 * maxGroupsPerUser groups, is WAVE_ERR_CONFLICT.  An add and a remove of one member at once
 * (in any processes) end with her group patterns matching her membership.
 */
WAVE_API wave_status wave_service_group_add_member(wave_service *service, const uint8_t *token, size_t token_len,
                                                   const char *group_id, const char *app_user_id, int *changed_out);
WAVE_API wave_status wave_service_group_remove_member(wave_service *service, const uint8_t *token,
                                                      size_t token_len, const char *group_id,
                                                      const char *app_user_id, int *changed_out);

/* The caller leaves a group (WAVE_ERR_NOT_FOUND when not a member; the owner gets
 * WAVE_ERR_CONFLICT: delete the group instead). */
WAVE_API wave_status wave_service_group_leave(wave_service *service, const uint8_t *token, size_t token_len,
                                              const char *group_id);

/* Deletes a group and every member's group patterns: the owner only. */
WAVE_API wave_status wave_service_group_delete(wave_service *service, const uint8_t *token, size_t token_len,
                                               const char *group_id);

/* The groups the caller belongs to.  *out is the caller's, freed with wave_group_list_free(). */
WAVE_API wave_status wave_service_group_list(wave_service *service, const uint8_t *token, size_t token_len,
                                             wave_group_list **out);

/* One group with its members: members only (WAVE_ERR_DENIED for others).  *out is the
 * caller's, freed with wave_group_free(). */
WAVE_API wave_status wave_service_group_members(wave_service *service, const uint8_t *token, size_t token_len,
                                                const char *group_id, wave_group **out);

WAVE_API void wave_group_free(wave_group *group);
/* Borrowed until the group (or the list holding it) is freed; NULL for a NULL group. */
WAVE_API const char *wave_group_id(const wave_group *group);
WAVE_API const char *wave_group_name(const wave_group *group);
WAVE_API const char *wave_group_owner(const wave_group *group);  /* internal ID */
WAVE_API size_t wave_group_member_count(const wave_group *group);
WAVE_API const char *wave_group_member(const wave_group *group, size_t index); /* internal ID */
/* {"groupID", "name", "owner", "members": [...]}; freed with wave_string_free(). */
WAVE_API wave_status wave_group_to_json(const wave_group *group, char **out);

/* What wave_service_group_create() returns.  Frees the group with it.  Accepts NULL. */
WAVE_API void wave_group_creation_free(wave_group_creation *creation);
/* The new group.  Borrowed: valid until wave_group_creation_free(); do not free it.  NULL
 * for a NULL creation. */
WAVE_API const wave_group *wave_group_creation_group(const wave_group_creation *creation);
/* The requested app users who were not added because they never logged in: a count, and
 * the app user ID at `index` (borrowed until wave_group_creation_free(); NULL when index >=
 * count or creation is NULL). */
WAVE_API size_t wave_group_creation_unknown_count(const wave_group_creation *creation);
WAVE_API const char *wave_group_creation_unknown(const wave_group_creation *creation, size_t index);
/* {"groupID", "name", "owner", "members": [...], "unknownAppUserIDs": [...]}: the group's
 * fields and the unknown app users; freed with wave_string_free(). */
WAVE_API wave_status wave_group_creation_to_json(const wave_group_creation *creation, char **out);

WAVE_API void wave_group_list_free(wave_group_list *list);
WAVE_API size_t wave_group_list_count(const wave_group_list *list);
/* Borrowed: valid until wave_group_list_free(); NULL when index >= count.  Do not free. */
WAVE_API const wave_group *wave_group_list_get(const wave_group_list *list, size_t index);
/* A JSON array of group objects; freed with wave_string_free(). */
WAVE_API wave_status wave_group_list_to_json(const wave_group_list *list, char **out);

/* ---- Revoke ---------------------------------------------------------------------------- */

/*
 * Logs a token out: ends its session at once and, when the user's current credential is
 * this token's, replaces the vmq_acl_auth passhash so VerneMQ's MongoDB path refuses the
 * old password too; the broker-side checks of this service refuse the user until the next
 * login.  For a token without a session the app is asked whose it is
 * (WAVE_ERR_INVALID_TOKEN when it says invalid).  WAVE_ERR_NOT_FOUND when there is nothing
 * to revoke (the user never logged in, or the token was already revoked or replaced).
 * Other processes' in-memory caches may accept the old password for up to
 * credentialCacheTTLSeconds.  The app stays the authority: logging in again with a token it
 * still accepts starts a new session.  A revoke runs bcrypt, so it takes a token from the
 * user's credential-change bucket first: WAVE_ERR_RATE_LIMITED (nothing changed) when empty.
 * When internal_id_out is not NULL, *internal_id_out receives the user's internal ID
 * (freed with wave_string_free()).
 */
WAVE_API wave_status wave_service_revoke(wave_service *service, const uint8_t *token, size_t token_len,
                                         char **internal_id_out);

/* ---- Admin API (for the app's backend) ------------------------------------------------- */
/*
 * No token is asked for: the caller is trusted (wave-server authenticates it with an admin
 * key).  WAVE_ERR_INVALID_ARGUMENT for a malformed app user ID (empty, over 1024 bytes,
 * control characters, not UTF-8).  *json_out is set to NULL first; on WAVE_OK it is the
 * caller's, freed with wave_string_free().  May block (Redis, MongoDB).  Thread-safe.
 */

/*
 * Describes an app user: {"appUserID", "internalWaveUserID" (null: never logged in),
 * "session", "groups" (how many groups the user belongs to)}.  "session" is "live" (a
 * session's credential exists: the MQTT password works now), "expired" (no session, but
 * VerneMQ's MongoDB passhash still works until the sweep or a revoke retires it),
 * "logged_out" (the passhash was retired) or "unknown" (never logged in).  Read-only: an
 * unknown user is WAVE_OK with "unknown".
 */
WAVE_API wave_status wave_service_describe_user(wave_service *service, const char *app_user_id, char **json_out);

/*
 * Ends every session of an app user without asking the app (which has logged the user out
 * or banned them): the session of the token the user last logged in with, the credential
 * digest in Redis, the vmq_acl_auth passhash (replaced by an unusable one) and the expiry
 * schedule.  The change is announced to the other processes, which drop their cached
 * grants at once.  *json_out: {"internalWaveUserID", "sessionEnded": bool,
 * "passhashRetired": bool}.  WAVE_ERR_NOT_FOUND for a user who never logged in; otherwise
 * idempotent (a second call reports both false).  Runs a bcrypt when a passhash is retired.
 * A login with a token the app still accepts starts a new session afterwards.
 */
WAVE_API wave_status wave_service_end_user_sessions(wave_service *service, const char *app_user_id,
                                                    char **json_out);

/* ---- Broker-side checks ---------------------------------------------------------------- */
/*
 * WAVE_OK grants, WAVE_ERR_DENIED refuses (the reason in wave_last_error_message()); any
 * other status is a fault (Redis, MongoDB or the app unreachable...) that the caller must
 * treat as a refusal.  No bcrypt runs here.
 *
 * `flags`: 0, or a combination of
 *  - WAVE_CHECK_CACHED_ONLY: answer from this process's in-memory cache only, never
 *    blocking on Redis, MongoDB or the app (for a server's I/O threads).  When the answer
 *    needs them, the call returns WAVE_ERR_WOULD_BLOCK (not a grant): ask again without it
 *    from a thread that may block.  A refusal that needs no I/O (malformed IDs) is answered
 *    either way.
 *  - WAVE_CHECK_NO_APP: never ask the app endpoint (a broker's own thread): a CONNECT whose
 *    session needs renewing through the app is refused instead (WAVE_ERR_DENIED).
 * Other flag bits are reserved: WAVE_ERR_INVALID_ARGUMENT.
 */
#define WAVE_CHECK_CACHED_ONLY 1u
#define WAVE_CHECK_NO_APP 2u

/*
 * A client connecting: `client_id` must equal `username` and be a Wave internal ID; the
 * password (password_len bytes) must be the user's current MQTT password, checked in
 * constant time against a digest cached in this process (credentialCacheTTLSeconds), then
 * in Redis.  When the session has expired (or Redis lost it) and the password may be the
 * token itself (mqttPasswordScheme auto or token), the session is renewed: the app is asked
 * about the token, the user's identity and vmq_acl_auth document in MongoDB must be this
 * internal ID's and not logged out, and the session and credential digest are written to
 * Redis again.  No passhash is computed (no bcrypt): the next login writes one if needed.
 *
 * Refusals: a password with surrounding spaces or over tokenMaxLength is WAVE_ERR_DENIED
 * like any wrong password (never WAVE_ERR_INVALID_ARGUMENT).  Every refusal that depends on
 * what the stores hold (wrong password, expired session, logged-out or unknown user, a
 * token the app refuses or that is another user's) carries the same message, so the content
 * of the answer tells a prober nothing.  Its timing does (a presence signal): a live
 * session answers after one Redis read, an unknown or logged-out user after a MongoDB read
 * too, and only an expired session of a well-formed token calls the app (one HTTP round
 * trip).  A client can thus tell these states apart by latency; limit connection attempts
 * in front of the broker.  docs/service.md, "What a CONNECT check reveals".
 */
WAVE_API wave_status wave_service_authorize_register(wave_service *service, const char *client_id,
                                                     const char *username, const uint8_t *password,
                                                     size_t password_len, unsigned flags);

/* May `username` publish to `topic` (a topic name: no wildcards)? */
WAVE_API wave_status wave_service_authorize_publish(wave_service *service, const char *username,
                                                    const char *topic, unsigned flags);

/*
 * May `username` subscribe to each of the `count` filters?  results_out (caller-owned,
 * `count` entries) receives WAVE_OK or WAVE_ERR_DENIED per filter, in order.  Returns
 * WAVE_OK when every filter is granted, WAVE_ERR_DENIED when at least one is refused, or a
 * fault or WAVE_ERR_WOULD_BLOCK (then every result is that status).
 */
WAVE_API wave_status wave_service_authorize_subscribe(wave_service *service, const char *username,
                                                      const char *const *filters, size_t count, unsigned flags,
                                                      wave_status *results_out);

/* ---- Expired sessions ------------------------------------------------------------------ */

/*
 * A session that expires without a logout leaves its passhash in vmq_acl_auth, where
 * VerneMQ's own MongoDB auth still accepts it.  A server calls this every
 * credentialSweepIntervalSeconds: up to `max` users whose session expired are taken from the
 * schedule (in Redis; claims are atomic, so several servers may sweep at once), the app is
 * asked once about each user's current token, and the session is renewed (valid) or the
 * passhash retired and the broker grants dropped (invalid, another user's, or no token
 * left).  So a token the app stopped accepting stops working everywhere within
 * sessionTTLSeconds + credentialSweepIntervalSeconds.  A fault of one user leaves it
 * scheduled (retried a sweep interval later) and counts in WAVE_COUNTER_SWEEP_FAULTS; a
 * fault of the schedule itself is returned.  The counts of this call go to the non-NULL
 * out-parameters.  May block (Redis, MongoDB, the app, bcrypt for a retired passhash).
 * Thread-safe.
 */
WAVE_API wave_status wave_service_sweep_expired(wave_service *service, size_t max, size_t *claimed_out,
                                                size_t *renewed_out, size_t *retired_out);

/* ---- Changes made by other processes --------------------------------------------------- */

/* What changed for a user: the credential (rotation, revoke: the old MQTT password no longer
 * works) or the ACL patterns (group membership).  Values are fixed. */
typedef enum wave_invalidation_kind {
  WAVE_INVALIDATION_CREDENTIAL = 0,
  WAVE_INVALIDATION_ACL = 1
} wave_invalidation_kind;

/* Called with the user's internal ID (borrowed for the call) and the userdata given. */
typedef void (*wave_invalidation_callback)(wave_invalidation_kind kind, const char *internal_id, void *userdata);

/*
 * Every service announces its credential and ACL changes (storage "servers": on the Redis
 * channel "<redisKeyPrefix>wave:invalidate").  This starts a listener thread, owned by the
 * service, that takes the other processes' announcements: each drops the user's entries from
 * this service's cache at once (instead of within credentialCacheTTLSeconds), then calls
 * `callback` (may be NULL) on the listener thread; e.g. a broker plugin disconnects the
 * clients of a user whose credential changed.  After every (re)connection to Redis the whole
 * cache is dropped, since announcements made meanwhile are lost.  Redis faults never fail
 * this call: the thread reconnects by itself.  With storage "memory" this service's own
 * changes are reported, synchronously.  Calling it again replaces the callback and userdata
 * (NULL: none; the cache is still kept in step) and returns once a running call of the
 * previous callback has returned, so its userdata may then be freed.  The callback must not
 * call this function or free the service; wave_service_free() stops the listener and waits
 * for a running callback before it returns.  Thread-safe.
 */
WAVE_API wave_status wave_service_listen_invalidations(wave_service *service, wave_invalidation_callback callback,
                                                       void *userdata);

WAVE_END_DECLS

#endif /* WAVE_SERVICE_H */
