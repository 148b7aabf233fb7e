// Decorators that count the faults of a store (wave::Error with WAVE_ERR_UNAVAILABLE,
// WAVE_ERR_TIMEOUT or WAVE_ERR_BACKEND) and pass every call and every exception through
// unchanged.  The service wraps its stores in them to report backend errors per store
// without knowing which backend is behind each.  Thread-safe (relaxed atomic counter).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include <wave/wave_common.h>

#include "store/stores.hpp"

namespace wave {

// True for the statuses a store throws when its server failed it (not for a conflict,
// a bad argument or "not found").
bool is_store_fault(wave_status status) noexcept;

class CountingSessionStore final : public SessionStore {
 public:
  // `inner` must not be null; `faults` must outlive this store.
  CountingSessionStore(std::shared_ptr<SessionStore> inner, std::atomic<std::uint64_t>& faults);

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

 private:
  std::shared_ptr<SessionStore> inner_;
  std::atomic<std::uint64_t>& faults_;
};

class CountingDirectoryStore final : public DirectoryStore {
 public:
  CountingDirectoryStore(std::shared_ptr<DirectoryStore> inner, std::atomic<std::uint64_t>& faults);

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
  std::shared_ptr<DirectoryStore> inner_;
  std::atomic<std::uint64_t>& faults_;
};

}  // namespace wave
