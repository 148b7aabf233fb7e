#include "store/counting_stores.hpp"

#include <utility>

#include "common/error.hpp"

namespace wave {
namespace {

// Runs one store call; a fault is counted, then rethrown as it was.
template <class Call>
decltype(auto) counted(std::atomic<std::uint64_t>& faults, Call&& call) {
  try {
    return call();
  } catch (const Error& error) {
    if (is_store_fault(error.status())) faults.fetch_add(1, std::memory_order_relaxed);
    throw;
  }
}

}  // namespace

bool is_store_fault(wave_status status) noexcept {
  return status == WAVE_ERR_UNAVAILABLE || status == WAVE_ERR_TIMEOUT || status == WAVE_ERR_BACKEND;
}

CountingSessionStore::CountingSessionStore(std::shared_ptr<SessionStore> inner, std::atomic<std::uint64_t>& faults)
    : inner_(std::move(inner)), faults_(faults) {
  if (!inner_) fail(WAVE_ERR_INVALID_ARGUMENT, "CountingSessionStore: the store must not be null");
}

std::optional<std::string> CountingSessionStore::find_session(std::string_view token) {
  return counted(faults_, [&] { return inner_->find_session(token); });
}
std::vector<std::optional<std::string>> CountingSessionStore::find_internal_ids(
    const std::vector<std::string>& app_user_ids) {
  return counted(faults_, [&] { return inner_->find_internal_ids(app_user_ids); });
}
MapResult CountingSessionStore::map_user(const MapRequest& request) {
  return counted(faults_, [&] { return inner_->map_user(request); });
}
std::optional<CredentialRecord> CountingSessionStore::find_credential(std::string_view internal_id) {
  return counted(faults_, [&] { return inner_->find_credential(internal_id); });
}
bool CountingSessionStore::forget_credential(std::string_view internal_id, std::string_view password_digest) {
  return counted(faults_, [&] { return inner_->forget_credential(internal_id, password_digest); });
}
std::optional<RevokeResult> CountingSessionStore::revoke(std::string_view token) {
  return counted(faults_, [&] { return inner_->revoke(token); });
}
RateAnswer CountingSessionStore::take_rate_token(std::string_view bucket, std::int64_t burst,
                                                 std::chrono::milliseconds refill) {
  return counted(faults_, [&] { return inner_->take_rate_token(bucket, burst, refill); });
}

std::vector<std::string> CountingSessionStore::claim_expired(std::size_t max, std::chrono::seconds lease) {
  return counted(faults_, [&] { return inner_->claim_expired(max, lease); });
}

void CountingSessionStore::unschedule(std::string_view internal_id) {
  counted(faults_, [&] { inner_->unschedule(internal_id); });
}

std::optional<std::string> CountingSessionStore::mapped_token(std::string_view app_user_id) {
  return counted(faults_, [&] { return inner_->mapped_token(app_user_id); });
}

CountingDirectoryStore::CountingDirectoryStore(std::shared_ptr<DirectoryStore> inner,
                                               std::atomic<std::uint64_t>& faults)
    : inner_(std::move(inner)), faults_(faults) {
  if (!inner_) fail(WAVE_ERR_INVALID_ARGUMENT, "CountingDirectoryStore: the store must not be null");
}

std::string CountingDirectoryStore::claim_identity(std::string_view app_user_id,
                                                   std::string_view proposed_internal_id) {
  return counted(faults_, [&] { return inner_->claim_identity(app_user_id, proposed_internal_id); });
}
std::optional<std::string> CountingDirectoryStore::find_identity(std::string_view app_user_id) {
  return counted(faults_, [&] { return inner_->find_identity(app_user_id); });
}
std::vector<std::optional<std::string>> CountingDirectoryStore::find_identities(
    const std::vector<std::string>& app_user_ids) {
  return counted(faults_, [&] { return inner_->find_identities(app_user_ids); });
}
std::optional<AclDocument> CountingDirectoryStore::find_acl(std::string_view internal_id) {
  return counted(faults_, [&] { return inner_->find_acl(internal_id); });
}
bool CountingDirectoryStore::upsert_credentials(std::string_view internal_id, std::string_view app_user_id,
                                                std::string_view passhash, std::string_view credential_id,
                                                std::string_view expected_credential_id,
                                                const std::vector<std::string>& publish_patterns,
                                                const std::vector<std::string>& subscribe_patterns) {
  return counted(faults_, [&] {
    return inner_->upsert_credentials(internal_id, app_user_id, passhash, credential_id, expected_credential_id,
                                      publish_patterns, subscribe_patterns);
  });
}
bool CountingDirectoryStore::record_password_digest(std::string_view internal_id, std::string_view credential_id,
                                                    std::string_view password_digest) {
  return counted(faults_, [&] { return inner_->record_password_digest(internal_id, credential_id, password_digest); });
}

std::optional<AclDocument> CountingDirectoryStore::find_acl_by_password_digest(std::string_view password_digest) {
  return counted(faults_, [&] { return inner_->find_acl_by_password_digest(password_digest); });
}

bool CountingDirectoryStore::replace_passhash(std::string_view internal_id, std::string_view credential_id,
                                              std::string_view new_passhash, std::string_view new_credential_id) {
  return counted(faults_,
                 [&] { return inner_->replace_passhash(internal_id, credential_id, new_passhash, new_credential_id); });
}
void CountingDirectoryStore::add_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                                          const std::vector<std::string>& subscribe) {
  counted(faults_, [&] { inner_->add_patterns(internal_id, publish, subscribe); });
}
void CountingDirectoryStore::remove_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                                             const std::vector<std::string>& subscribe) {
  counted(faults_, [&] { inner_->remove_patterns(internal_id, publish, subscribe); });
}
void CountingDirectoryStore::insert_group(const Group& group) {
  counted(faults_, [&] { inner_->insert_group(group); });
}
std::optional<Group> CountingDirectoryStore::find_group(std::string_view group_id) {
  return counted(faults_, [&] { return inner_->find_group(group_id); });
}
bool CountingDirectoryStore::add_group_member(std::string_view group_id, std::string_view internal_id) {
  return counted(faults_, [&] { return inner_->add_group_member(group_id, internal_id); });
}
bool CountingDirectoryStore::remove_group_member(std::string_view group_id, std::string_view internal_id) {
  return counted(faults_, [&] { return inner_->remove_group_member(group_id, internal_id); });
}
std::optional<Group> CountingDirectoryStore::delete_group(std::string_view group_id) {
  return counted(faults_, [&] { return inner_->delete_group(group_id); });
}
std::vector<Group> CountingDirectoryStore::groups_of(std::string_view internal_id) {
  return counted(faults_, [&] { return inner_->groups_of(internal_id); });
}
std::int64_t CountingDirectoryStore::count_groups_of(std::string_view internal_id) {
  return counted(faults_, [&] { return inner_->count_groups_of(internal_id); });
}

}  // namespace wave
