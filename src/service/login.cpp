// Login and what it shares with resolve and the group calls: the token's session (warm,
// or cold through the app), the user's vmq_acl_auth document and its group patterns, and
// the caller's identity.  Why the writes come in this order: docs/service.md.
#include <string_view>
#include <unordered_set>

#include "common/error.hpp"
#include "common/secure.hpp"
#include "crypto/password.hpp"
#include "crypto/uuid.hpp"
#include "service/service_state.hpp"

namespace wave {

using service_detail::check_app_user_id;
using service_detail::check_id_count;
using service_detail::count;

namespace {

constexpr const char* kNoLongerCurrent =
    "this token stopped being the user's current credential while logging in (revoked, replaced by another "
    "token's login, or its session ended); log in again";

// The group patterns of `groups` (valid group IDs only) for member `internal_id`, each once.
// A group's patterns depend only on its ID: distinct IDs give distinct patterns, so
// skipping repeated IDs is the whole deduplication (one pass, O(N)).
acl::Patterns patterns_of_groups(const std::vector<Group>& groups, const std::string& internal_id) {
  acl::Patterns all;
  all.publish.reserve(groups.size());
  all.subscribe.reserve(groups.size());
  std::unordered_set<std::string_view> seen;
  seen.reserve(groups.size());
  for (const auto& group : groups) {
    if (!acl::is_valid_group_id(group.id) || !seen.insert(group.id).second) continue;
    acl::Patterns patterns = acl::group_patterns(group.id, internal_id);
    for (auto& pattern : patterns.publish) all.publish.push_back(std::move(pattern));
    for (auto& pattern : patterns.subscribe) all.subscribe.push_back(std::move(pattern));
  }
  return all;
}

}  // namespace

// ---- sessions ---------------------------------------------------------------------------------

std::optional<Service::Impl::Session> Service::Impl::warm_session(std::string_view token, std::string_view digest) {
  const auto internal_id = sessions->find_session(token);
  if (!internal_id) return std::nullopt;
  const auto credential = sessions->find_credential(*internal_id);
  if (!credential || !constant_time_equal(credential->password_digest, digest)) return std::nullopt;
  return Session{*internal_id, credential->app_user_id, credential->credential_id};
}

// The app says who the token belongs to; the identity comes from the durable store (so a
// session store wiped empty gives the same internal ID back) and the mapping is created or
// rotated atomically.
Service::Impl::Session Service::Impl::cold_session(std::string_view token, const std::string& digest) {
  const std::string app_user_id = ask_app(token);
  const auto known = sessions->find_internal_ids({app_user_id});
  const std::string proposed = known.at(0) ? *known[0] : uuid_v4();
  const std::string internal_id = directory->claim_identity(app_user_id, proposed);
  if (!acl::is_valid_user_id(internal_id))
    fail(WAVE_ERR_BACKEND, "the stored internal ID of this app user is not a canonical UUID (wave_identities)");
  // Another token's live credential: this login rotates, and bcrypt will follow.  The limit
  // is taken before the rotation, so a refused login leaves the current token working.
  bool change_counted = false;
  if (const auto current = sessions->find_credential(internal_id);
      current && !constant_time_equal(current->password_digest, digest)) {
    limit_credential_change(internal_id);
    change_counted = true;
  }
  MapRequest request;
  request.app_user_id = app_user_id;
  request.internal_id = internal_id;
  request.token = std::string(token);
  request.password_digest = digest;
  request.credential_id = uuid_v4();
  request.ttl = std::chrono::seconds(config.session_ttl_seconds);
  const MapResult mapped = map_user(request);
  if (mapped.internal_id != internal_id)
    fail(WAVE_ERR_CONFLICT,
         "Redis (mapping:) and MongoDB (wave_identities) disagree on this app user's internal ID; "
         "MongoDB is the durable record: delete the Redis mapping so it is rebuilt from MongoDB");
  return Session{internal_id, app_user_id, mapped.credential_id, change_counted};
}

// ---- the ACL document ---------------------------------------------------------------------

// Makes sure the user's vmq_acl_auth document carries this credential's passhash and the
// private patterns.  bcrypt runs only when the document belongs to another credential
// (first login, rotation, lost document, a renewed session), once per user in this
// process however many logins race.
AclDocument Service::Impl::ensure_document(const Session& session, std::string_view password) {
  const acl::Patterns own = acl::private_patterns(session.internal_id);
  service_detail::KeyedLocks::Guard guard(user_locks, session.internal_id);
  std::optional<AclDocument> doc = directory->find_acl(session.internal_id);
  if (!doc || doc->credential_id != session.credential_id || doc->passhash.empty()) {
    ensure_still_current(session);
    // bcrypt follows (a warm login never gets here); a rotation took its token already.
    if (!session.change_counted) limit_credential_change(session.internal_id);
    const std::string passhash = hash_passhash(password);
    write_passhash(session, passhash, sha256_hex(password), own, doc ? doc->credential_id : std::string());
    doc = directory->find_acl(session.internal_id);
    if (!doc) fail(WAVE_ERR_BACKEND, "the vmq_acl_auth document was not found right after it was written");
    return *doc;
  }
  const auto publish = acl::missing_from(own.publish, doc->publish_acl);
  const auto subscribe = acl::missing_from(own.subscribe, doc->subscribe_acl);
  if (!publish.empty() || !subscribe.empty()) {
    add_patterns(session.internal_id, publish, subscribe);
    acl::add_to_set(doc->publish_acl, publish);
    acl::add_to_set(doc->subscribe_acl, subscribe);
  }
  return *doc;
}

// Writes this credential's passhash compare-and-set on the credential the document held
// (`expected`), then looks at the session store once more; a credential that stopped being
// current meanwhile is retired again and the login fails.  Why: docs/service.md, "A login
// racing a revoke or a rotation".
void Service::Impl::write_passhash(const Session& session, const std::string& passhash,
                                   const std::string& password_digest, const acl::Patterns& own,
                                   std::string expected) {
  for (int attempt = 1;; ++attempt) {
    ensure_still_current(session);  // bcrypt takes a while: look again before writing
    if (upsert_credentials(session.internal_id, session.app_user_id, passhash, password_digest, session.credential_id,
                           expected, own))
      break;
    // Another process changed the document since it was read; if this credential is
    // still current (checked again at the top), what the document holds now is stale.
    if (attempt == service_detail::kMaxPasshashWrites)
      fail(WAVE_ERR_CONFLICT, "the user's vmq_acl_auth document kept changing under concurrent logins; try again");
    const auto now = directory->find_acl(session.internal_id);
    expected = now ? now->credential_id : std::string();
  }
  bool current = false;
  try {
    current = is_current(session);
  } catch (const Error&) {
    // Fail closed: unable to tell whether the credential is still current, retire what
    // was just written (the next login writes it again), then report the fault.
    try {
      retire_passhash(session.internal_id, session.credential_id);
    } catch (const Error&) {
    }
    throw;
  }
  if (!current) {
    retire_passhash(session.internal_id, session.credential_id);
    fail(WAVE_ERR_CONFLICT, kNoLongerCurrent);
  }
}

// Whether the credential this login works for is still the user's current one.  No
// credential at all means a revoke (or the session's end, or a wipe) came in between: not
// current either, or the login would write a passhash for a revoked token.
bool Service::Impl::is_current(const Session& session) {
  const auto current = sessions->find_credential(session.internal_id);
  return current && current->credential_id == session.credential_id;
}

void Service::Impl::ensure_still_current(const Session& session) {
  if (!is_current(session)) fail(WAVE_ERR_CONFLICT, kNoLongerCurrent);
}

// The group patterns in the document follow the group memberships: added where missing
// (an interrupted add), removed where the group is gone or the user left (an interrupted
// remove/delete).  Only Wave's own group namespace is touched.  Returns the memberships the
// document now follows (read again when patterns were added: docs/service.md, "Group
// patterns").
std::vector<Group> Service::Impl::reconcile_groups(AclDocument& doc, std::vector<Group> groups) {
  const acl::Patterns expected = patterns_of_groups(groups, doc.internal_id);
  const auto add_publish = acl::missing_from(expected.publish, doc.publish_acl);
  const auto add_subscribe = acl::missing_from(expected.subscribe, doc.subscribe_acl);
  const auto drop_publish = acl::stale_group_patterns(doc.publish_acl, expected.publish);
  const auto drop_subscribe = acl::stale_group_patterns(doc.subscribe_acl, expected.subscribe);
  if (!add_publish.empty() || !add_subscribe.empty()) {
    add_patterns(doc.internal_id, add_publish, add_subscribe);
    acl::add_to_set(doc.publish_acl, add_publish);
    acl::add_to_set(doc.subscribe_acl, add_subscribe);
    // A removal may have withdrawn before this add landed: look again.
    groups = directory->groups_of(doc.internal_id);
    const acl::Patterns still = patterns_of_groups(groups, doc.internal_id);
    const auto late_publish = acl::missing_from(add_publish, still.publish);
    const auto late_subscribe = acl::missing_from(add_subscribe, still.subscribe);
    if (!late_publish.empty() || !late_subscribe.empty()) {
      remove_patterns(doc.internal_id, late_publish, late_subscribe);
      acl::pull_all(doc.publish_acl, late_publish);
      acl::pull_all(doc.subscribe_acl, late_subscribe);
    }
  }
  if (!drop_publish.empty() || !drop_subscribe.empty()) {
    remove_patterns(doc.internal_id, drop_publish, drop_subscribe);
    acl::pull_all(doc.publish_acl, drop_publish);
    acl::pull_all(doc.subscribe_acl, drop_subscribe);
  }
  return groups;
}

// ---- login and the caller ---------------------------------------------------------------

Credentials Service::Impl::login(std::string_view token) {
  const std::string password = check_token(token);
  const std::string digest = sha256_hex(password);
  std::optional<Session> session = warm_session(token, digest);
  if (session) {
    count(counters.warm_logins);
  } else {
    count(counters.cold_logins);
    session = cold_session(token, digest);
  }
  AclDocument doc = ensure_document(*session, password);
  const std::vector<Group> groups = reconcile_groups(doc, directory->groups_of(session->internal_id));

  Credentials credentials;
  credentials.internal_id = session->internal_id;
  credentials.client_id = session->internal_id;
  credentials.username = session->internal_id;
  credentials.password = password;
  credentials.app_user_id = session->app_user_id;
  credentials.publish_acl = std::move(doc.publish_acl);
  credentials.subscribe_acl = std::move(doc.subscribe_acl);
  for (const auto& group : groups) credentials.groups.push_back(group.id);
  return credentials;
}

// The caller's internal ID: a live session, or a full login (which asks the app).
std::string Service::Impl::caller(std::string_view token) {
  check_token(token);
  if (auto internal_id = sessions->find_session(token)) return *internal_id;
  return login(token).internal_id;
}

// Internal IDs of app users: the session store first, then the durable record for the rest.
std::vector<std::optional<std::string>> Service::Impl::internal_ids_of(const std::vector<std::string>& app_user_ids) {
  if (app_user_ids.empty()) return {};
  auto result = sessions->find_internal_ids(app_user_ids);
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < result.size(); ++i)
    if (!result[i]) missing.push_back(app_user_ids[i]);
  if (!missing.empty()) {
    const auto durable = directory->find_identities(missing);
    std::size_t next = 0;
    for (auto& entry : result)
      if (!entry) entry = durable.at(next++);
  }
  for (auto& entry : result)
    if (entry && !acl::is_valid_user_id(*entry)) fail(WAVE_ERR_BACKEND, "a stored internal ID is not a canonical UUID");
  return result;
}

std::string Service::Impl::internal_id_of(std::string_view app_user_id) {
  check_app_user_id(app_user_id, WAVE_ERR_INVALID_ARGUMENT, "an app user ID");
  const auto ids = internal_ids_of({std::string(app_user_id)});
  if (!ids.at(0)) fail(WAVE_ERR_NOT_FOUND, "this app user has never logged in to Wave");
  return *ids[0];
}

Credentials Service::login(std::string_view token) { return impl_->login(token); }

std::vector<ResolvedUser> Service::resolve(std::string_view token, const std::vector<std::string>& app_user_ids) {
  check_id_count(app_user_ids.size(), "app user IDs");
  for (const auto& id : app_user_ids) check_app_user_id(id, WAVE_ERR_INVALID_ARGUMENT, "an app user ID");
  impl_->caller(token);
  const auto ids = impl_->internal_ids_of(app_user_ids);
  std::vector<ResolvedUser> result;
  result.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) result.push_back(ResolvedUser{app_user_ids[i], ids[i]});
  return result;
}

}  // namespace wave
