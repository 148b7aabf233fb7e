// The broker's questions: may this client connect (register), publish, subscribe?  No
// bcrypt here.  Answers come from the in-process cache, then the stores; an expired or lost
// session whose password is the token itself is renewed through the app (renew_session).
#include "common/error.hpp"
#include "common/secure.hpp"
#include "crypto/password.hpp"
#include "crypto/uuid.hpp"
#include "service/service_state.hpp"

namespace wave {

using service_detail::count;
using service_detail::denied;
using service_detail::granted;
using service_detail::is_revoked_credential;

namespace {

// One reason for every refusal that depends on what the stores hold (a wrong password, an
// expired session, a logged-out or unknown user, a token the app refuses or that is another
// user's): distinct reasons would tell a prober which internal IDs exist, which are logged
// out, and which of its guesses are someone's valid tokens.  The timing still differs
// (docs/service.md, "What a CONNECT check reveals").
constexpr const char* kNotACurrentCredential = "not a current credential of this user: log in again";

}  // namespace

Service::Impl::AuthorizerLookup Service::Impl::authorizer_for(std::string_view username, CheckMode mode) {
  if (auto cached = cache.authorizer(username)) {
    count(counters.cache_hits);
    return {std::move(cached), false};
  }
  count(counters.cache_misses);
  if (mode == CheckMode::cached_only) {
    count(counters.would_block);
    return {nullptr, true};
  }
  const auto ticket = cache.ticket(username);  // before the read: see UserCache::Ticket
  const auto doc = directory->find_acl(username);
  if (!doc || doc->passhash.empty() || is_revoked_credential(doc->credential_id)) return {};
  std::shared_ptr<const acl::Authorizer> authorizer;
  try {
    authorizer = std::make_shared<const acl::Authorizer>(doc->publish_acl, doc->subscribe_acl, config.topic_max_depth);
  } catch (const Error& error) {
    if (error.status() != WAVE_ERR_INVALID_ARGUMENT) throw;
    fail(WAVE_ERR_BACKEND, std::string("the user's vmq_acl_auth document holds an unusable pattern: ") + error.what());
  }
  cache.store_authorizer(username, authorizer, ticket);
  return {std::move(authorizer), false};
}

Decision Service::Impl::authorize_register(std::string_view client_id, std::string_view username,
                                           std::string_view password, CheckMode mode) {
  if (client_id != username) return denied("the client ID differs from the username");
  if (!acl::is_valid_user_id(username)) return denied("the username is not a Wave internal ID");
  if (password.empty()) return denied("no password");
  const std::string digest = sha256_hex(password);
  if (cache.digest_matches(username, digest)) {
    count(counters.cache_hits);
    return granted();
  }
  count(counters.cache_misses);
  if (mode == CheckMode::cached_only) {
    count(counters.would_block);
    return service_detail::would_block();
  }
  const auto ticket = cache.ticket(username);  // before the read: see UserCache::Ticket
  if (const auto credential = sessions->find_credential(username)) {
    if (!constant_time_equal(credential->password_digest, digest)) return denied(kNotACurrentCredential);
    cache.store_digest(username, digest, ticket);
    return granted();
  }
  // No live credential (the session expired, or the session store lost it): the password
  // may be the token itself; then the session is renewed if the app still accepts it.
  if (config.mqtt_password_scheme == PasswordScheme::sha256) return denied(kNotACurrentCredential);
  if (password.size() > kBcryptMaxPassword || !validator->is_valid(password)) return denied(kNotACurrentCredential);
  const auto doc = directory->find_acl(username);
  if (!doc || doc->passhash.empty()) return denied(kNotACurrentCredential);
  if (is_revoked_credential(doc->credential_id)) return denied(kNotACurrentCredential);
  if (mode == CheckMode::stores_only) return denied(kNotACurrentCredential);  // the app is not asked from here
  return renew_session(username, password, digest, *doc);
}

// The register fallback's own step: the app vouches for the token, the durable identity
// and document vouch for the user, and the session store gets the session and credential
// digest back.  No passhash is computed: the document keeps the one it has, and the next
// login writes a new one only when the credential changed.  docs/service.md, "Renewing a
// session in a CONNECT check", explains the order and what it does not cover.
Decision Service::Impl::renew_session(std::string_view username, std::string_view password,
                                      const std::string& digest, const AclDocument& doc) {
  count(counters.register_fallbacks);
  try {
    if (check_token(password) != password) return denied(kNotACurrentCredential);
  } catch (const Error& error) {
    if (error.status() == WAVE_ERR_INVALID_TOKEN) return denied(kNotACurrentCredential);
    throw;
  }
  std::string app_user_id;
  try {
    app_user_id = ask_app(password);
  } catch (const Error& error) {
    if (error.status() == WAVE_ERR_INVALID_TOKEN) return denied(kNotACurrentCredential);
    throw;
  }
  const auto identity = directory->find_identity(app_user_id);
  if (!identity || *identity != username) return denied(kNotACurrentCredential);

  MapRequest request;
  request.app_user_id = app_user_id;
  request.internal_id = std::string(username);
  request.token = std::string(password);
  request.password_digest = digest;
  request.credential_id = uuid_v4();  // used only when the mapping is gone or names another token
  request.ttl = std::chrono::seconds(config.session_ttl_seconds);
  const MapResult mapped = map_user(request);
  if (mapped.internal_id != username)
    fail(WAVE_ERR_CONFLICT, "the session store's mapping names another internal ID than the durable record");

  // A revoke or another login may have changed the document while the app was asked: then
  // this credential is not the user's to renew, and the session just written goes again.
  const auto ticket = cache.ticket(username);  // after this check's own write, before the read
  const auto now = directory->find_acl(username);
  if (!now || now->passhash.empty() || is_revoked_credential(now->credential_id) ||
      now->credential_id != doc.credential_id) {
    end_session(password);
    return denied(kNotACurrentCredential);
  }
  cache.store_digest(username, digest, ticket);
  return granted();
}

Decision Service::authorize_register(std::string_view client_id, std::string_view username, std::string_view password,
                                     CheckMode mode) {
  return impl_->authorize_register(client_id, username, password, mode);
}

Decision Service::authorize_publish(std::string_view username, std::string_view topic, CheckMode mode) {
  if (!acl::is_valid_user_id(username)) return denied("the username is not a Wave internal ID");
  const auto lookup = impl_->authorizer_for(username, mode);
  if (lookup.would_block) return service_detail::would_block();
  if (!lookup.authorizer) return denied("unknown or logged-out user");
  return lookup.authorizer->may_publish(topic) ? granted() : denied("no publish pattern allows this topic");
}

std::vector<Decision> Service::authorize_subscribe(std::string_view username, const std::vector<std::string>& filters,
                                                   CheckMode mode) {
  std::vector<Decision> result;
  result.reserve(filters.size());
  if (!acl::is_valid_user_id(username)) {
    result.assign(filters.size(), denied("the username is not a Wave internal ID"));
    return result;
  }
  const auto lookup = impl_->authorizer_for(username, mode);
  if (lookup.would_block) {
    result.assign(filters.size(), service_detail::would_block());
    return result;
  }
  for (const auto& filter : filters) {
    if (!lookup.authorizer)
      result.push_back(denied("unknown or logged-out user"));
    else
      result.push_back(lookup.authorizer->may_subscribe(filter) ? granted()
                                                                : denied("no subscribe pattern covers this filter"));
  }
  return result;
}

}  // namespace wave
