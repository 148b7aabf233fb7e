// The admin API: the app's backend knows when a user logs out or is banned, and may end all
// of the user's sessions without a token (the app would only answer "invalid" by then), or
// look at the user's state.  The writes go through the helpers in service.cpp, which drop
// this process's cache and announce the change to the other processes.
#include "common/error.hpp"
#include "service/service_state.hpp"

namespace wave {

using service_detail::check_app_user_id;
using service_detail::is_revoked_credential;

namespace {

// The document holds a passhash VerneMQ's MongoDB path accepts.
bool has_usable_passhash(const std::optional<AclDocument>& doc) {
  return doc && !doc->passhash.empty() && !is_revoked_credential(doc->credential_id);
}

}  // namespace

UserDescription Service::Impl::describe_user(std::string_view app_user_id) {
  check_app_user_id(app_user_id, WAVE_ERR_INVALID_ARGUMENT, "an app user ID");
  UserDescription description;
  description.app_user_id = std::string(app_user_id);
  description.internal_id = internal_ids_of({description.app_user_id}).at(0);
  if (!description.internal_id) return description;
  const std::string& internal_id = *description.internal_id;
  const auto doc = directory->find_acl(internal_id);
  if (sessions->find_credential(internal_id))
    description.session = SessionState::live;
  else if (has_usable_passhash(doc))
    description.session = SessionState::expired;
  else if (doc && is_revoked_credential(doc->credential_id))
    description.session = SessionState::logged_out;
  // else: an identity whose first login never wrote a credential: still "unknown".
  description.groups = directory->groups_of(internal_id).size();
  return description;
}

EndSessionsOutcome Service::Impl::end_user_sessions(std::string_view app_user_id) {
  check_app_user_id(app_user_id, WAVE_ERR_INVALID_ARGUMENT, "an app user ID");
  EndSessionsOutcome outcome;
  outcome.internal_id = internal_id_of(app_user_id);  // NOT_FOUND: never logged in
  const std::string& internal_id = outcome.internal_id;
  // One at a time with this process's logins and sweeps of the user; other processes are
  // ordered by the compare-and-set writes below.
  service_detail::KeyedLocks::Guard guard(user_locks, internal_id);

  if (const auto token = sessions->mapped_token(app_user_id))
    if (end_session(*token)) outcome.session_ended = true;  // the session, the credential, the mapping's token
  // A credential left without the mapping's token (its session expired, or a store lost
  // the token) would still let authorize_register grant the password until it expires.
  if (const auto credential = sessions->find_credential(internal_id))
    if (forget_credential(internal_id, credential->password_digest)) outcome.session_ended = true;

  // Compare-and-set on the credential just read; a login that wrote a newer one meanwhile
  // is retired too (its token was issued before the app's backend asked for this).
  std::string replacement;  // one unusable passhash serves every attempt
  for (int attempt = 0; attempt < service_detail::kMaxPasshashWrites; ++attempt) {
    const auto doc = directory->find_acl(internal_id);
    if (!has_usable_passhash(doc)) break;
    if (replacement.empty()) replacement = unusable_passhash();
    if (retire_passhash(internal_id, doc->credential_id, replacement)) {
      outcome.passhash_retired = true;
      break;
    }
    if (attempt + 1 == service_detail::kMaxPasshashWrites)
      fail(WAVE_ERR_CONFLICT, "the user's credential kept changing while its sessions were being ended: try again");
  }
  sessions->unschedule(internal_id);  // nothing is left for the sweep
  // Even with nothing written: another process may have ended the sessions, and this
  // process's cached grant must not outlive that.
  cache.erase(internal_id);
  return outcome;
}

UserDescription Service::describe_user(std::string_view app_user_id) { return impl_->describe_user(app_user_id); }
EndSessionsOutcome Service::end_user_sessions(std::string_view app_user_id) {
  return impl_->end_user_sessions(app_user_id);
}

}  // namespace wave
