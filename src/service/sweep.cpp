// The sweep: a session that expires without a logout leaves its passhash in vmq_acl_auth,
// where VerneMQ's own MongoDB auth keeps accepting it.  So every expired session is looked
// at once: the app is asked about the user's current token, and the session is renewed
// (valid) or the passhash retired (invalid, another user's, or no token left).  The
// schedule lives in the session store (SessionStore::claim_expired), whose claims are
// atomic, so several servers sweep at once without doing a user twice; a fault leaves the
// user scheduled, and the claim's lease brings it back a sweep interval later.
// docs/service.md, "Expired sessions reach VerneMQ's MongoDB path".
#include "common/error.hpp"
#include "crypto/password.hpp"
#include "service/service_state.hpp"

namespace wave {

using service_detail::count;
using service_detail::is_revoked_credential;

Service::Impl::SweepStep Service::Impl::sweep_one(const std::string& internal_id) {
  service_detail::KeyedLocks::Guard guard(user_locks, internal_id);
  // A login renewed the session meanwhile (and rescheduled it).
  if (sessions->find_credential(internal_id)) return SweepStep::unchanged;
  const auto doc = directory->find_acl(internal_id);
  if (!doc || doc->passhash.empty() || is_revoked_credential(doc->credential_id)) {
    sessions->unschedule(internal_id);  // nothing works with this document any more
    return SweepStep::unchanged;
  }
  const auto token = doc->app_user_id.empty() ? std::nullopt : sessions->mapped_token(doc->app_user_id);
  if (token) {
    std::optional<std::string> app_user_id;
    std::string password;
    try {
      password = check_token(*token);
      app_user_id = ask_app(*token);  // faults propagate: the user stays scheduled
    } catch (const Error& error) {
      if (error.status() != WAVE_ERR_INVALID_TOKEN) throw;
    }
    if (app_user_id && *app_user_id == doc->app_user_id) {
      MapRequest request;
      request.app_user_id = *app_user_id;
      request.internal_id = internal_id;
      request.token = *token;
      request.password_digest = sha256_hex(password);
      request.credential_id = doc->credential_id;
      request.ttl = std::chrono::seconds(config.session_ttl_seconds);
      map_user(request);  // the session, the credential digest, the next expiry
      // A revoke or a login may have changed the document while the app was asked.
      const auto now = directory->find_acl(internal_id);
      if (!now || now->credential_id != doc->credential_id) {
        end_session(*token);
        return SweepStep::unchanged;
      }
      return SweepStep::renewed;
    }
    end_session(*token);  // also takes the token off the mapping
  }
  // Compare-and-set on the credential read above: a newer one written meanwhile stays.
  // The write helper announces it, so broker grants cached anywhere go too.
  retire_passhash(internal_id, doc->credential_id);
  sessions->unschedule(internal_id);
  return SweepStep::retired;
}

SweepOutcome Service::Impl::sweep_expired(std::size_t max) {
  SweepOutcome outcome;
  const auto lease = std::chrono::seconds(config.credential_sweep_interval_seconds);
  const std::vector<std::string> claimed = sessions->claim_expired(max, lease);
  outcome.claimed = claimed.size();
  for (const std::string& internal_id : claimed) {
    try {
      switch (sweep_one(internal_id)) {
        case SweepStep::renewed: ++outcome.renewed; break;
        case SweepStep::retired: ++outcome.retired; break;
        case SweepStep::unchanged: ++outcome.unchanged; break;
      }
    } catch (const Error&) {
      ++outcome.faults;  // left scheduled: the lease brings it back
    }
  }
  count(counters.sweep_renewed, outcome.renewed);
  count(counters.sweep_retired, outcome.retired);
  count(counters.sweep_faults, outcome.faults);
  return outcome;
}

SweepOutcome Service::sweep_expired(std::size_t max) { return impl_->sweep_expired(max); }

}  // namespace wave
