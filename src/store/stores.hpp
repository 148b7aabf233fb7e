// The two store interfaces (ports) behind the Wave service.  The service takes them and
// never names a backend; src/redis and src/mongo implement them on real servers,
// store/memory_stores.* in this process, and src/backends picks one from the config.
//
// Every method may throw wave::Error: WAVE_ERR_UNAVAILABLE when the server cannot be
// reached, WAVE_ERR_TIMEOUT when it does not answer in time, WAVE_ERR_BACKEND when it
// answers with an error.  A store never turns a fault into "not found".
// Implementations are safe to call from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wave {

// ---- Sessions and mappings (fast, may be lost: Redis in production) ------------------
//
// Three records: a session (token -> internal ID, expires after the session TTL), a mapping
// per app user (its token, internal ID and current credential ID) and a credential per
// internal ID (the MQTT password's digest, the app user ID and the credential ID, same
// TTL).  The digest is lowercase hex SHA-256 of the MQTT password: what authorize_register
// compares (in constant time) instead of running bcrypt.

struct MapRequest {
  std::string app_user_id;
  std::string internal_id;      // from the durable store: creates the mapping, or must match it
  std::string token;
  std::string password_digest;  // hex SHA-256 of the MQTT password derived from `token`
  std::string credential_id;    // fresh random ID, used when the token changes
  std::chrono::seconds ttl{3600};
};

struct MapResult {
  std::string internal_id;    // the mapping's internal ID (never changes once set)
  std::string credential_id;  // the current credential's ID (new when token_changed)
  bool token_changed = false; // first login, or a rotation: passhash must be rewritten
  std::optional<std::string> previous_token;  // on rotation: the token whose session ended
};

struct CredentialRecord {
  std::string password_digest;
  std::string app_user_id;
  std::string credential_id;
};

struct RevokeResult {
  std::string internal_id;
  std::string app_user_id;
};

// A token bucket's answer (SessionStore::take_rate_token).
struct RateAnswer {
  bool allowed = false;
  std::chrono::milliseconds retry_after{0};  // refused: until the next token arrives (>= 1 ms)
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // The session of <token>: its internal ID; nullopt when absent or expired.
  virtual std::optional<std::string> find_session(std::string_view token) = 0;

  // The mapping's internal ID for each app user ID, in order (nullopt when unknown).
  virtual std::vector<std::optional<std::string>> find_internal_ids(
      const std::vector<std::string>& app_user_ids) = 0;

  // The atomic create-or-rotate step:
  //  - no mapping: create it with request.internal_id, token and credential_id;
  //  - a mapping with another internal ID than request.internal_id (the durable one): the
  //    two stores disagree; WAVE_ERR_CONFLICT, and nothing is written;
  //  - mapping with the same token: keep everything, refresh the TTLs (token_changed false);
  //  - mapping with another token: keep the internal ID, end the old token's session, store
  //    the new token and credential_id (token_changed true, previous_token set).
  // In every case but the conflict, the session of <token> and the credential are (re)written
  // with request.ttl.
  virtual MapResult map_user(const MapRequest& request) = 0;

  // The credential of <internalID>, nullopt when absent or expired.
  virtual std::optional<CredentialRecord> find_credential(std::string_view internal_id) = 0;

  // Compare-and-delete (atomic): deletes the credential of <internalID> only while its
  // passwordDigest is still `password_digest`, so a newer credential written meanwhile
  // stays.  True when it was deleted.
  virtual bool forget_credential(std::string_view internal_id, std::string_view password_digest) = 0;

  // Ends the session of `token` at once: deletes the session and the credential, and
  // the mapping's token field if it still names this token (the internal ID stays).
  // nullopt when the token has no session.
  virtual std::optional<RevokeResult> revoke(std::string_view token) = 0;

  // ---- The expiry schedule, for the sweep that makes expired sessions reach VerneMQ's
  // MongoDB path (Service::sweep_expired).  map_user schedules the user at its session's
  // expiry; nothing else does.

  // Claims up to `max` users whose session expired: each is rescheduled `lease` later in
  // the same atomic step, so concurrent sweepers (several servers) never claim one user
  // twice within a lease, and a sweeper that dies leaves it to the next one.
  virtual std::vector<std::string> claim_expired(std::size_t max, std::chrono::seconds lease) = 0;
  // Takes the user off the schedule (its credential was retired, or nothing is left).
  virtual void unschedule(std::string_view internal_id) = 0;
  // The token the app user's mapping holds; nullopt when none (revoked, or no mapping).
  virtual std::optional<std::string> mapped_token(std::string_view app_user_id) = 0;
  // Takes one token from the bucket named `bucket` (e.g. "credentials:<internal ID>"),
  // atomically for every process sharing the store: rate limits hold across processes.
  // A bucket holds at most `burst` tokens (>= 1), starts full, and gains one token every
  // `refill` (> 0), counted from the moment it last gained one.  Refused: nothing is
  // taken and retry_after says when the next token arrives.  A bucket left alone expires
  // once it would be full again, so idle users cost nothing.
  virtual RateAnswer take_rate_token(std::string_view bucket, std::int64_t burst,
                                     std::chrono::milliseconds refill) = 0;
};

// ---- Durable directory (MongoDB in production): identities, VerneMQ ACL documents, groups

struct AclDocument {
  std::string internal_id;  // client_id == username
  std::string app_user_id;  // wave_app_user_id (extra field; VerneMQ ignores it)
  std::string passhash;     // "" when never set
  std::string credential_id;  // wave_credential_id: which credential passhash belongs to
  std::string password_digest;  // wave_password_digest: hex SHA-256 of that credential's MQTT
                                // password ("" when not recorded, or retired)
  std::vector<std::string> publish_acl;    // the patterns, in document order
  std::vector<std::string> subscribe_acl;
};

struct Group {
  std::string id;
  std::string name;
  std::string owner;                 // internal ID
  std::vector<std::string> members;  // internal IDs, owner included
};

class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;

  // One internal ID per app user, ever: stores app_user_id -> proposed_internal_id unless
  // the app user already has one, and returns the stored ID (race-safe: 64 concurrent
  // claims return the same ID).
  virtual std::string claim_identity(std::string_view app_user_id,
                                     std::string_view proposed_internal_id) = 0;
  virtual std::optional<std::string> find_identity(std::string_view app_user_id) = 0;
  virtual std::vector<std::optional<std::string>> find_identities(
      const std::vector<std::string>& app_user_ids) = 0;

  // vmq_acl_auth document of `internal_id` (selector {mountpoint:"", client_id, username}).
  virtual std::optional<AclDocument> find_acl(std::string_view internal_id) = 0;

  // Upserts the user's document: sets passhash, credential_id and app_user_id, and adds
  // (never removes) the given patterns with $addToSet, so group patterns stay.
  // Compare-and-set: writes only while the document holds no credential (absent document,
  // or one without wave_credential_id), `expected_credential_id` (what the caller read;
  // "" for none) or `credential_id` itself (so a repeated write is harmless).  Returns false,
  // writing nothing, when the document holds any other credential: another process rotated
  // or revoked it meanwhile, and the caller must look again rather than overwrite it.
  virtual bool upsert_credentials(std::string_view internal_id, std::string_view app_user_id,
                                  std::string_view passhash, std::string_view credential_id,
                                  std::string_view expected_credential_id,
                                  const std::vector<std::string>& publish_patterns,
                                  const std::vector<std::string>& subscribe_patterns) = 0;

  // Records the SHA-256 digest of the MQTT password of `credential_id` on the document,
  // only while the document still holds that credential (false, nothing written,
  // otherwise): the durable lookup from a credential to its user, so a revoke never needs
  // the app's verdict to find what to retire.
  virtual bool record_password_digest(std::string_view internal_id, std::string_view credential_id,
                                      std::string_view password_digest) = 0;
  // The document whose recorded digest is `password_digest` (nullopt: none).
  virtual std::optional<AclDocument> find_acl_by_password_digest(std::string_view password_digest) = 0;

  // Replaces passhash only if the document's credential_id is still `credential_id`
  // (revoke: the old password must stop working on VerneMQ's MongoDB path); the recorded
  // password digest goes with it.
  virtual bool replace_passhash(std::string_view internal_id, std::string_view credential_id,
                                std::string_view new_passhash, std::string_view new_credential_id) = 0;

  // $addToSet / $pull of patterns on a user's document.  add_patterns upserts a document
  // without passhash when the user has none yet (VerneMQ then refuses it, which is right).
  virtual void add_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                            const std::vector<std::string>& subscribe) = 0;
  virtual void remove_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                               const std::vector<std::string>& subscribe) = 0;

  // Groups (collection wave_groups).
  virtual void insert_group(const Group& group) = 0;  // WAVE_ERR_CONFLICT if the ID exists
  virtual std::optional<Group> find_group(std::string_view group_id) = 0;
  virtual bool add_group_member(std::string_view group_id, std::string_view internal_id) = 0;  // false: already a member
  virtual bool remove_group_member(std::string_view group_id, std::string_view internal_id) = 0;  // false: not a member
  // Deletes the group and returns it as it was at that moment (members added since any
  // earlier read included); nullopt: no such group.
  virtual std::optional<Group> delete_group(std::string_view group_id) = 0;
  virtual std::vector<Group> groups_of(std::string_view internal_id) = 0;
  // How many groups `internal_id` belongs to (cheap: no group is loaded; the limits).
  virtual std::int64_t count_groups_of(std::string_view internal_id) = 0;
};

// ---- Cache invalidation across processes (Redis pub/sub) ----------------------------------
//
// Every process keeps an in-process cache of credentials and ACLs.  A write that changes
// what those caches mirror is announced here, so other processes drop their entries at
// once instead of when the entries expire.  Delivery is best effort (pub/sub loses what is
// published while a listener is disconnected): a listener is told when it (re)subscribed,
// and must then forget everything it cached.

enum class InvalidationKind {
  credential,  // a user's credential changed (login rotation, revoke): drop cached credentials
  acl,         // a user's topic patterns changed (group membership): drop cached ACL answers
};

class InvalidationChannel {
 public:
  // Called on the listener's thread, one call at a time.
  using MessageHandler = std::function<void(InvalidationKind kind, std::string_view internal_id)>;
  using ResubscribedHandler = std::function<void()>;

  virtual ~InvalidationChannel() = default;

  // Announces a change of `internal_id`'s credential or ACL; returns how many listeners it
  // reached.  Faults throw as the stores do.  Thread-safe.
  virtual std::int64_t publish(InvalidationKind kind, std::string_view internal_id) = 0;

  // Starts listening (at most once): on_message per announcement, on_resubscribed after
  // every (re)subscription.  Never throws for backend faults: it retries in the background.
  virtual void start(MessageHandler on_message, ResubscribedHandler on_resubscribed) = 0;

  // Stops listening and waits for the handlers to return (unless called from one).
  // Idempotent, from any thread.
  virtual void stop() noexcept = 0;
};

}  // namespace wave
