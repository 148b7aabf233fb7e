// In-memory twins of the two store interfaces (store/stores.hpp), for embedded,
// zero-setup use and demos: the same semantics as the Redis and MongoDB stores (TTLs,
// atomic create-or-rotate, one identity per app user, $addToSet/$pull pattern sets,
// conditional passhash writes), held in this process only: nothing is durable and
// nothing is shared with other processes (a broker plugin in another process cannot see
// these credentials).  They never fail with a fault (no server to lose).
// Thread-safe: one mutex per store; every operation is atomic.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/stores.hpp"

namespace wave {

class MemorySessionStore final : public SessionStore {
 public:
  using Clock = std::chrono::steady_clock;

  MemorySessionStore() = default;
  // `now` replaces the clock (for tests of expiry); it must be thread-safe.
  explicit MemorySessionStore(std::function<Clock::time_point()> now);

  std::optional<std::string> find_session(std::string_view token) override;
  std::vector<std::optional<std::string>> find_internal_ids(const std::vector<std::string>& app_user_ids) override;
  MapResult map_user(const MapRequest& request) override;
  std::optional<CredentialRecord> find_credential(std::string_view internal_id) override;
  bool forget_credential(std::string_view internal_id, std::string_view password_digest) override;
  std::optional<RevokeResult> revoke(std::string_view token) override;
  std::vector<std::string> claim_expired(std::size_t max, std::chrono::seconds lease) override;
  void unschedule(std::string_view internal_id) override;
  std::optional<std::string> mapped_token(std::string_view app_user_id) override;
  RateAnswer take_rate_token(std::string_view bucket, std::int64_t burst, std::chrono::milliseconds refill) override;

  // Drops everything (the equivalent of FLUSHALL).
  void clear();

 private:
  struct Session {
    std::string internal_id;
    Clock::time_point expires;
  };
  struct Mapping {
    std::string token;  // "" after a revoke
    std::string internal_id;
    std::string credential_id;
  };
  struct Credential {
    CredentialRecord record;
    Clock::time_point expires;
  };
  struct Bucket {
    std::int64_t tokens = 0;
    Clock::time_point refilled;  // when it last gained a token (or was found full)
    Clock::time_point expires;   // when it would be full again: then it is dropped
  };

  Clock::time_point now() const;
  void purge_expired(Clock::time_point now);  // called under mutex_

  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  std::unordered_map<std::string, Session> sessions_;        // by token
  std::unordered_map<std::string, Mapping> mappings_;        // by app user ID
  std::unordered_map<std::string, Credential> credentials_;  // by internal ID
  std::unordered_map<std::string, std::string> app_user_of_; // internal ID -> app user ID
  std::unordered_map<std::string, Clock::time_point> schedule_;  // internal ID -> session expiry
  std::unordered_map<std::string, Bucket> buckets_;          // rate limits, by bucket name
  std::size_t operations_since_purge_ = 0;
};

class MemoryDirectoryStore final : public DirectoryStore {
 public:
  std::string claim_identity(std::string_view app_user_id, std::string_view proposed_internal_id) override;
  std::optional<std::string> find_identity(std::string_view app_user_id) override;
  std::vector<std::optional<std::string>> find_identities(const std::vector<std::string>& app_user_ids) override;

  std::optional<AclDocument> find_acl(std::string_view internal_id) override;
  bool record_password_digest(std::string_view internal_id, std::string_view credential_id,
                              std::string_view password_digest) override;
  std::optional<AclDocument> find_acl_by_password_digest(std::string_view password_digest) override;
  bool upsert_credentials(std::string_view internal_id, std::string_view app_user_id, std::string_view passhash,
                          std::string_view credential_id, std::string_view expected_credential_id,
                          const std::vector<std::string>& publish_patterns,
                          const std::vector<std::string>& subscribe_patterns) override;
  bool replace_passhash(std::string_view internal_id, std::string_view credential_id,
                        std::string_view new_passhash, std::string_view new_credential_id) override;
  void add_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                    const std::vector<std::string>& subscribe) override;
  void remove_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                       const std::vector<std::string>& subscribe) override;

  void insert_group(const Group& group) override;
  std::optional<Group> find_group(std::string_view group_id) override;
  bool add_group_member(std::string_view group_id, std::string_view internal_id) override;
  bool remove_group_member(std::string_view group_id, std::string_view internal_id) override;
  std::optional<Group> delete_group(std::string_view group_id) override;
  std::vector<Group> groups_of(std::string_view internal_id) override;
  std::int64_t count_groups_of(std::string_view internal_id) override;

 private:
  AclDocument& document(std::string_view internal_id);  // creates it; under mutex_

  std::mutex mutex_;
  std::unordered_map<std::string, std::string> identities_;  // app user ID -> internal ID
  std::unordered_map<std::string, AclDocument> documents_;   // by internal ID
  std::map<std::string, Group> groups_;                      // by group ID (ordered: stable listings)
};

// The invalidation channel of one process: an announcement reaches this channel's own
// listener (if started), synchronously, on the publishing thread.  The handlers must not
// publish on the same channel.
class MemoryInvalidationChannel final : public InvalidationChannel {
 public:
  std::int64_t publish(InvalidationKind kind, std::string_view internal_id) override;
  void start(MessageHandler on_message, ResubscribedHandler on_resubscribed) override;
  void stop() noexcept override;

 private:
  std::mutex mutex_;  // held while a handler runs: one call at a time, and stop() waits
  MessageHandler on_message_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace wave
