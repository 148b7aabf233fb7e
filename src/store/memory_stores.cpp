#include "store/memory_stores.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "common/error.hpp"

namespace wave {
namespace {

std::string key(std::string_view text) { return std::string(text); }

// The same refusals as the MongoDB store: an empty or "*" client ID would be read by
// VerneMQ as a missing or wildcard document.
void check_document_id(std::string_view internal_id) {
  if (internal_id.empty() || internal_id == "*")
    fail(WAVE_ERR_INVALID_ARGUMENT, "a vmq_acl_auth client ID must not be empty or \"*\"");
}

// $addToSet / $pull with hash sets: a document with thousands of group patterns costs
// O(N + M) per write, not O(N * M).
void add_to_set(std::vector<std::string>& set, const std::vector<std::string>& values) {
  std::unordered_set<std::string> present(set.begin(), set.end());
  for (const auto& value : values)
    if (present.insert(value).second) set.push_back(value);
}

void pull(std::vector<std::string>& set, const std::vector<std::string>& values) {
  const std::unordered_set<std::string_view> gone(values.begin(), values.end());
  std::erase_if(set, [&](const std::string& item) { return gone.contains(item); });
}

}  // namespace

// ---- MemorySessionStore -----------------------------------------------------------------

MemorySessionStore::MemorySessionStore(std::function<Clock::time_point()> now) : now_(std::move(now)) {}

MemorySessionStore::Clock::time_point MemorySessionStore::now() const { return now_ ? now_() : Clock::now(); }

void MemorySessionStore::purge_expired(Clock::time_point now) {
  // Amortised: a full sweep once per max(1024, size) operations keeps memory bounded by
  // the live entries without a timer thread.
  if (++operations_since_purge_ < std::max<std::size_t>(1024, sessions_.size() + credentials_.size())) return;
  operations_since_purge_ = 0;
  std::erase_if(sessions_, [&](const auto& item) { return item.second.expires <= now; });
  std::erase_if(credentials_, [&](const auto& item) { return item.second.expires <= now; });
  std::erase_if(buckets_, [&](const auto& item) { return item.second.expires <= now; });
}

std::optional<std::string> MemorySessionStore::find_session(std::string_view token) {
  std::lock_guard lock(mutex_);
  const auto now = this->now();
  purge_expired(now);
  const auto it = sessions_.find(key(token));
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second.internal_id;
}

std::vector<std::optional<std::string>> MemorySessionStore::find_internal_ids(
    const std::vector<std::string>& app_user_ids) {
  std::lock_guard lock(mutex_);
  std::vector<std::optional<std::string>> result;
  result.reserve(app_user_ids.size());
  for (const auto& id : app_user_ids) {
    const auto it = mappings_.find(id);
    result.push_back(it == mappings_.end() ? std::nullopt : std::optional<std::string>(it->second.internal_id));
  }
  return result;
}

MapResult MemorySessionStore::map_user(const MapRequest& request) {
  if (request.app_user_id.empty() || request.internal_id.empty() || request.token.empty() ||
      request.credential_id.empty() || request.password_digest.empty())
    fail(WAVE_ERR_INVALID_ARGUMENT, "map_user: empty app user ID, internal ID, token, digest or credential ID");
  std::lock_guard lock(mutex_);
  const auto now = this->now();
  purge_expired(now);
  MapResult result;
  auto it = mappings_.find(request.app_user_id);
  if (it != mappings_.end() && it->second.internal_id != request.internal_id)
    fail(WAVE_ERR_CONFLICT, "the session store maps this app user to another internal ID than the durable record; "
                            "delete its mapping so that it is rebuilt from the durable record");
  if (it == mappings_.end()) {
    it = mappings_.emplace(request.app_user_id, Mapping{request.token, request.internal_id, request.credential_id}).first;
    app_user_of_[request.internal_id] = request.app_user_id;
    result.token_changed = true;
  } else if (it->second.token != request.token) {
    if (!it->second.token.empty()) {
      sessions_.erase(it->second.token);
      result.previous_token = it->second.token;
    }
    it->second.token = request.token;
    it->second.credential_id = request.credential_id;
    result.token_changed = true;
  }
  const Mapping& mapping = it->second;
  result.internal_id = mapping.internal_id;
  result.credential_id = mapping.credential_id;
  const auto expires = now + request.ttl;
  sessions_[request.token] = Session{mapping.internal_id, expires};
  credentials_[mapping.internal_id] =
      Credential{CredentialRecord{request.password_digest, request.app_user_id, mapping.credential_id}, expires};
  schedule_[mapping.internal_id] = expires;
  return result;
}

std::vector<std::string> MemorySessionStore::claim_expired(std::size_t max, std::chrono::seconds lease) {
  std::lock_guard lock(mutex_);
  const auto now = this->now();
  std::vector<std::string> claimed;
  for (auto& [internal_id, due] : schedule_) {
    if (claimed.size() >= max) break;
    if (due > now) continue;
    due = now + lease;
    claimed.push_back(internal_id);
  }
  return claimed;
}

void MemorySessionStore::unschedule(std::string_view internal_id) {
  std::lock_guard lock(mutex_);
  schedule_.erase(key(internal_id));
}

std::optional<std::string> MemorySessionStore::mapped_token(std::string_view app_user_id) {
  std::lock_guard lock(mutex_);
  const auto it = mappings_.find(key(app_user_id));
  if (it == mappings_.end() || it->second.token.empty()) return std::nullopt;
  return it->second.token;
}

std::optional<CredentialRecord> MemorySessionStore::find_credential(std::string_view internal_id) {
  std::lock_guard lock(mutex_);
  const auto now = this->now();
  purge_expired(now);
  const auto it = credentials_.find(key(internal_id));
  if (it == credentials_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    credentials_.erase(it);
    return std::nullopt;
  }
  return it->second.record;
}

bool MemorySessionStore::forget_credential(std::string_view internal_id, std::string_view password_digest) {
  std::lock_guard lock(mutex_);
  const auto it = credentials_.find(key(internal_id));
  if (it == credentials_.end() || it->second.record.password_digest != password_digest) return false;
  const bool live = it->second.expires > now();
  credentials_.erase(it);
  return live;
}

std::optional<RevokeResult> MemorySessionStore::revoke(std::string_view token) {
  std::lock_guard lock(mutex_);
  const auto now = this->now();
  const auto session = sessions_.find(key(token));
  if (session == sessions_.end()) return std::nullopt;
  const bool live = session->second.expires > now;
  const std::string internal_id = session->second.internal_id;
  sessions_.erase(session);
  if (!live) return std::nullopt;
  RevokeResult result{internal_id, ""};
  if (const auto credential = credentials_.find(internal_id); credential != credentials_.end()) {
    result.app_user_id = credential->second.record.app_user_id;
    credentials_.erase(credential);
  }
  if (const auto app_user = app_user_of_.find(internal_id); app_user != app_user_of_.end()) {
    if (result.app_user_id.empty()) result.app_user_id = app_user->second;
    if (const auto mapping = mappings_.find(app_user->second);
        mapping != mappings_.end() && mapping->second.token == token)
      mapping->second.token.clear();
  }
  return result;
}

// The same token bucket as RedisSessionStore's script, on this store's clock.
RateAnswer MemorySessionStore::take_rate_token(std::string_view bucket, std::int64_t burst,
                                               std::chrono::milliseconds refill) {
  if (bucket.empty() || burst < 1 || refill.count() <= 0)
    fail(WAVE_ERR_INVALID_ARGUMENT, "take_rate_token: an empty bucket name, a burst below 1 or a refill time of 0");
  std::lock_guard lock(mutex_);
  const auto now = this->now();
  purge_expired(now);
  auto [it, created] = buckets_.try_emplace(key(bucket));
  Bucket& state = it->second;
  if (created || state.expires <= now) {
    state.tokens = burst;
    state.refilled = now;
  }
  const auto gained = (now - state.refilled) / refill;
  if (gained > 0) {
    state.tokens = std::min<std::int64_t>(burst, state.tokens + static_cast<std::int64_t>(gained));
    state.refilled += gained * refill;
  }
  if (state.tokens >= burst) state.refilled = now;
  RateAnswer answer;
  if (state.tokens >= 1) {
    --state.tokens;
    answer.allowed = true;
  } else {
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(state.refilled + refill - now);
    answer.retry_after = std::max(wait, std::chrono::milliseconds(1));
  }
  state.expires = state.refilled + (burst - state.tokens) * refill;
  return answer;
}

void MemorySessionStore::clear() {
  std::lock_guard lock(mutex_);
  sessions_.clear();
  mappings_.clear();
  credentials_.clear();
  app_user_of_.clear();
  schedule_.clear();
  buckets_.clear();
}

// ---- MemoryDirectoryStore ---------------------------------------------------------------

std::string MemoryDirectoryStore::claim_identity(std::string_view app_user_id, std::string_view proposed_internal_id) {
  if (app_user_id.empty() || proposed_internal_id.empty())
    fail(WAVE_ERR_INVALID_ARGUMENT, "claim_identity: empty app user ID or internal ID");
  std::lock_guard lock(mutex_);
  return identities_.try_emplace(key(app_user_id), key(proposed_internal_id)).first->second;
}

std::optional<std::string> MemoryDirectoryStore::find_identity(std::string_view app_user_id) {
  std::lock_guard lock(mutex_);
  const auto it = identities_.find(key(app_user_id));
  if (it == identities_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::optional<std::string>> MemoryDirectoryStore::find_identities(
    const std::vector<std::string>& app_user_ids) {
  std::lock_guard lock(mutex_);
  std::vector<std::optional<std::string>> result;
  result.reserve(app_user_ids.size());
  for (const auto& id : app_user_ids) {
    const auto it = identities_.find(id);
    result.push_back(it == identities_.end() ? std::nullopt : std::optional<std::string>(it->second));
  }
  return result;
}

AclDocument& MemoryDirectoryStore::document(std::string_view internal_id) {
  auto [it, inserted] = documents_.try_emplace(key(internal_id));
  if (inserted) it->second.internal_id = key(internal_id);
  return it->second;
}

std::optional<AclDocument> MemoryDirectoryStore::find_acl(std::string_view internal_id) {
  std::lock_guard lock(mutex_);
  const auto it = documents_.find(key(internal_id));
  if (it == documents_.end()) return std::nullopt;
  return it->second;
}

bool MemoryDirectoryStore::upsert_credentials(std::string_view internal_id, std::string_view app_user_id,
                                              std::string_view passhash, std::string_view credential_id,
                                              std::string_view expected_credential_id,
                                              const std::vector<std::string>& publish_patterns,
                                              const std::vector<std::string>& subscribe_patterns) {
  check_document_id(internal_id);
  if (credential_id.empty()) fail(WAVE_ERR_INVALID_ARGUMENT, "upsert_credentials: empty credential ID");
  std::lock_guard lock(mutex_);
  if (const auto it = documents_.find(key(internal_id)); it != documents_.end()) {
    const std::string& held = it->second.credential_id;  // "" stands for no wave_credential_id
    if (!held.empty() && held != expected_credential_id && held != credential_id) return false;
  }
  AclDocument& doc = document(internal_id);
  doc.app_user_id = key(app_user_id);
  doc.passhash = key(passhash);
  doc.credential_id = key(credential_id);
  add_to_set(doc.publish_acl, publish_patterns);
  add_to_set(doc.subscribe_acl, subscribe_patterns);
  return true;
}

bool MemoryDirectoryStore::replace_passhash(std::string_view internal_id, std::string_view credential_id,
                                            std::string_view new_passhash, std::string_view new_credential_id) {
  std::lock_guard lock(mutex_);
  const auto it = documents_.find(key(internal_id));
  if (it == documents_.end() || it->second.credential_id != credential_id) return false;
  it->second.passhash = key(new_passhash);
  it->second.credential_id = key(new_credential_id);
  it->second.password_digest.clear();
  return true;
}

bool MemoryDirectoryStore::record_password_digest(std::string_view internal_id, std::string_view credential_id,
                                                  std::string_view password_digest) {
  std::lock_guard lock(mutex_);
  const auto it = documents_.find(key(internal_id));
  if (it == documents_.end() || it->second.credential_id != credential_id) return false;
  it->second.password_digest = key(password_digest);
  return true;
}

std::optional<AclDocument> MemoryDirectoryStore::find_acl_by_password_digest(std::string_view password_digest) {
  std::lock_guard lock(mutex_);
  if (password_digest.empty()) return std::nullopt;
  for (const auto& [id, doc] : documents_)  // the embedded mode's few users: a scan will do
    if (doc.password_digest == password_digest) return doc;
  return std::nullopt;
}

void MemoryDirectoryStore::add_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                                        const std::vector<std::string>& subscribe) {
  check_document_id(internal_id);
  std::lock_guard lock(mutex_);
  AclDocument& doc = document(internal_id);
  add_to_set(doc.publish_acl, publish);
  add_to_set(doc.subscribe_acl, subscribe);
}

void MemoryDirectoryStore::remove_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                                           const std::vector<std::string>& subscribe) {
  std::lock_guard lock(mutex_);
  const auto it = documents_.find(key(internal_id));
  if (it == documents_.end()) return;
  pull(it->second.publish_acl, publish);
  pull(it->second.subscribe_acl, subscribe);
}

void MemoryDirectoryStore::insert_group(const Group& group) {
  if (group.id.empty()) fail(WAVE_ERR_INVALID_ARGUMENT, "insert_group: empty group ID");
  std::lock_guard lock(mutex_);
  if (!groups_.try_emplace(group.id, group).second)
    fail(WAVE_ERR_CONFLICT, "a group with this ID already exists");
}

std::optional<Group> MemoryDirectoryStore::find_group(std::string_view group_id) {
  std::lock_guard lock(mutex_);
  const auto it = groups_.find(key(group_id));
  if (it == groups_.end()) return std::nullopt;
  return it->second;
}

bool MemoryDirectoryStore::add_group_member(std::string_view group_id, std::string_view internal_id) {
  std::lock_guard lock(mutex_);
  const auto it = groups_.find(key(group_id));
  if (it == groups_.end()) return false;
  auto& members = it->second.members;
  if (std::find(members.begin(), members.end(), internal_id) != members.end()) return false;
  members.push_back(key(internal_id));
  return true;
}

bool MemoryDirectoryStore::remove_group_member(std::string_view group_id, std::string_view internal_id) {
  std::lock_guard lock(mutex_);
  const auto it = groups_.find(key(group_id));
  if (it == groups_.end()) return false;
  return std::erase(it->second.members, key(internal_id)) > 0;
}

std::optional<Group> MemoryDirectoryStore::delete_group(std::string_view group_id) {
  std::lock_guard lock(mutex_);
  auto node = groups_.extract(key(group_id));
  if (node.empty()) return std::nullopt;
  return std::move(node.mapped());
}

std::vector<Group> MemoryDirectoryStore::groups_of(std::string_view internal_id) {
  std::lock_guard lock(mutex_);
  std::vector<Group> result;
  for (const auto& [id, group] : groups_) {
    if (std::find(group.members.begin(), group.members.end(), internal_id) != group.members.end())
      result.push_back(group);
  }
  return result;
}

std::int64_t MemoryDirectoryStore::count_groups_of(std::string_view internal_id) {
  std::lock_guard lock(mutex_);
  std::int64_t count = 0;
  for (const auto& [id, group] : groups_)
    if (std::find(group.members.begin(), group.members.end(), internal_id) != group.members.end()) ++count;
  return count;
}

// ---- invalidation ----------------------------------------------------------------------------

std::int64_t MemoryInvalidationChannel::publish(InvalidationKind kind, std::string_view internal_id) {
  std::lock_guard lock(mutex_);
  if (!on_message_) return 0;
  on_message_(kind, internal_id);
  return 1;
}

void MemoryInvalidationChannel::start(MessageHandler on_message, ResubscribedHandler on_resubscribed) {
  if (!on_message || !on_resubscribed) fail(WAVE_ERR_INVALID_ARGUMENT, "the invalidation handlers must not be empty");
  std::lock_guard lock(mutex_);
  if (started_ || stopped_) fail(WAVE_ERR_INVALID_ARGUMENT, "the invalidation channel was started before");
  started_ = true;
  on_message_ = std::move(on_message);
  on_resubscribed();
}

void MemoryInvalidationChannel::stop() noexcept {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  on_message_ = nullptr;
}

}  // namespace wave
