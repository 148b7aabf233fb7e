// Revoke: ends a token's session at once and retires its passhash so VerneMQ's MongoDB
// path refuses it too.  Which credential may be retired when the stores disagree, and why
// a login in flight cannot undo a revoke: docs/service.md, "Revoke".
#include "common/error.hpp"
#include "common/secure.hpp"
#include "crypto/password.hpp"
#include "crypto/random.hpp"
#include "crypto/uuid.hpp"
#include "service/service_state.hpp"

namespace wave {

using service_detail::is_revoked_credential;

// A passhash nobody can match: bcrypt of a fresh 256-bit random secret that is wiped at
// once (a well-formed hash, so VerneMQ's MongoDB path just refuses every password).
std::string Service::Impl::unusable_passhash() {
  unsigned char secret[32];
  random_bytes(secret, sizeof secret);
  std::string replacement = base64url_encode(secret, sizeof secret);
  secure_wipe(secret, sizeof secret);
  std::string passhash = hash_passhash(replacement);
  secure_wipe(replacement.data(), replacement.size());
  return passhash;
}

// Replaces the passhash of `credential_id` by an unusable one under a "revoked-"
// credential (compare-and-set: false, nothing written, when the document holds another
// credential).
bool Service::Impl::retire_passhash(const std::string& internal_id, const std::string& credential_id,
                                    const std::string& passhash) {
  return replace_passhash(internal_id, credential_id, passhash.empty() ? unusable_passhash() : passhash,
                          std::string(service_detail::kRevokedCredentialPrefix) + uuid_v4());
}

RevokeOutcome Service::Impl::revoke(std::string_view token) {
  const std::string password = check_token(token);
  const std::string digest = sha256_hex(password);
  RevokeOutcome outcome;
  std::optional<std::string> credential_id;

  if (const auto internal_id = sessions->find_session(token)) {
    outcome.internal_id = *internal_id;
    // A revoke runs bcrypt (the unusable passhash): limited before anything is written, so a
    // refused revoke changes nothing.
    limit_credential_change(outcome.internal_id);
    if (const auto credential = sessions->find_credential(*internal_id);
        credential && constant_time_equal(credential->password_digest, digest))
      credential_id = credential->credential_id;
    if (const auto ended = end_session(token)) {
      outcome.session_ended = true;
      outcome.internal_id = ended->internal_id;
    }
  }
  if (outcome.internal_id.empty()) {
    // No session.  The durable record of the credential says whose token it is, so a token
    // the app has already invalidated (a logged-out or deleted user) is still retired; a
    // credential recorded before Wave kept digests is identified by the app.
    if (const auto recorded = directory->find_acl_by_password_digest(digest);
        recorded && !is_revoked_credential(recorded->credential_id)) {
      outcome.internal_id = recorded->internal_id;
      credential_id = recorded->credential_id;
    } else {
      outcome.internal_id = internal_id_of(ask_app(token));
    }
    limit_credential_change(outcome.internal_id);
    if (const auto credential = sessions->find_credential(outcome.internal_id);
        credential && constant_time_equal(credential->password_digest, digest)) {
      credential_id = credential->credential_id;
      // The session is gone but this token's credential is not, and authorize_register
      // would keep granting it until it expires: delete it (compare-and-delete).
      forget_credential(outcome.internal_id, digest);
    }
  }
  // Even with nothing left to write: another process may have revoked already, and this
  // process's cached entry must not outlive that.
  cache.erase(outcome.internal_id);
  std::string replacement;  // one unusable passhash serves every attempt below
  const auto retire = [&](const std::string& credential) {
    if (replacement.empty()) replacement = unusable_passhash();
    return retire_passhash(outcome.internal_id, credential, replacement);
  };
  if (credential_id) outcome.passhash_replaced = retire(*credential_id);
  if (!outcome.passhash_replaced) {
    // The document does not hold the credential the session store named (or it named
    // none): no usable passhash of this token may stay behind, nor an older one.
    const auto doc = directory->find_acl(outcome.internal_id);
    if (doc && !doc->passhash.empty() && !is_revoked_credential(doc->credential_id)) {
      if (credential_id) {
        // The document holds an older credential, unless a newer token logged in since
        // (then the document's credential is the current one, and it stays).
        const auto current = sessions->find_credential(outcome.internal_id);
        if (!current || current->credential_id != doc->credential_id)
          outcome.passhash_replaced = retire(doc->credential_id);
      } else {
        // The session store does not know this token's credential (expired or lost):
        // the passhash decides whether it is this token's (bcrypt: revoke is not a hot
        // path); another token's is left alone.
        if (verify_passhash(password, doc->passhash)) outcome.passhash_replaced = retire(doc->credential_id);
      }
    }
  }
  if (!outcome.session_ended && !outcome.passhash_replaced)
    fail(WAVE_ERR_NOT_FOUND, "nothing to revoke: this token is not the user's current credential "
                             "(already revoked, or replaced by a newer token)");
  return outcome;
}

RevokeOutcome Service::revoke(std::string_view token) { return impl_->revoke(token); }

}  // namespace wave
