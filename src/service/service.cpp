// The service's construction, what every job shares (tokens, the app, bcrypt, the writes
// that keep the in-process cache honest) and its counters.  See service_state.hpp.
#include <algorithm>
#include <chrono>
#include <utility>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/utf8.hpp"
#include "crypto/password.hpp"
#include "service/passhash.hpp"
#include "service/service_state.hpp"
#include "store/counting_stores.hpp"

namespace wave {
namespace service_detail {

void check_app_user_id(std::string_view id, wave_status status, const char* what) {
  if (id.empty() || id.size() > kMaxAppUserIdBytes)
    fail(status, std::string(what) + " must be 1 to " + std::to_string(kMaxAppUserIdBytes) + " bytes");
  for (const char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) fail(status, std::string(what) + " must not contain control characters");
  }
  if (!is_valid_utf8(id)) fail(status, std::string(what) + " must be valid UTF-8");
}

void check_group_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxGroupNameBytes)
    fail(WAVE_ERR_INVALID_ARGUMENT, "a group name must be 1 to " + std::to_string(kMaxGroupNameBytes) + " bytes");
  if (!is_valid_utf8(name)) fail(WAVE_ERR_INVALID_ARGUMENT, "a group name must be valid UTF-8");
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) fail(WAVE_ERR_INVALID_ARGUMENT, "a group name must not contain control characters");
  }
}

void check_group_id(std::string_view group_id) {
  if (!acl::is_valid_group_id(group_id))
    fail(WAVE_ERR_INVALID_ARGUMENT, "not a group ID (a canonical UUID or [A-Za-z0-9_-]{1,64})");
}

void check_id_count(std::size_t count, const char* what) {
  if (count > kMaxIdsPerCall)
    fail(WAVE_ERR_INVALID_ARGUMENT, std::string("at most ") + std::to_string(kMaxIdsPerCall) + " " + what + " per call");
}

bool contains(const std::vector<std::string>& items, std::string_view value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}

}  // namespace service_detail

namespace {

using service_detail::count;

std::uint64_t nanoseconds_since(std::chrono::steady_clock::time_point started) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace

Service::Impl::Impl(Config cfg, std::shared_ptr<SessionStore> session_store,
                    std::shared_ptr<DirectoryStore> directory_store,
                    std::shared_ptr<InvalidationChannel> invalidation_channel)
    : config(std::move(cfg)),
      invalidation(std::move(invalidation_channel)),
      cache(config.credential_cache_size, std::chrono::seconds(config.credential_cache_ttl_seconds)) {
  if (!session_store || !directory_store) fail(WAVE_ERR_INVALID_ARGUMENT, "Service: the stores must not be null");
  validator = config.token_validator;
  if (!validator) validator = std::make_shared<const TokenValidator>(config.token_validation_regex, config.token_max_length);
  if (config.bcrypt_cost < 4 || config.bcrypt_cost > 31) fail(WAVE_ERR_CONFIG, "bcryptCost must be from 4 to 31");
  if (config.session_ttl_seconds <= 0) fail(WAVE_ERR_CONFIG, "sessionTTLSeconds must be positive");
  app = std::make_unique<AppAuthClient>(AppAuthOptions{config.authentication_check_endpoint,
                                                       config.http_connect_timeout_ms, config.http_timeout_ms,
                                                       config.http_verify_tls, config.http_ca_file, 64 * 1024});
  sessions = std::make_shared<CountingSessionStore>(std::move(session_store), counters.session_store_errors);
  directory = std::make_shared<CountingDirectoryStore>(std::move(directory_store), counters.directory_store_errors);
}

// ---- tokens, the app and bcrypt -------------------------------------------------------------

std::string Service::Impl::check_token(std::string_view token) const {
  validator->check(token);
  try {
    return mqtt_password(token, config.mqtt_password_scheme);
  } catch (const Error& error) {
    if (error.status() != WAVE_ERR_INVALID_ARGUMENT) throw;
    fail(WAVE_ERR_INVALID_TOKEN,
         "the token cannot be used as an MQTT password under mqttPasswordScheme \"token\" "
         "(over 72 bytes or containing NUL); use \"auto\" or \"sha256\"");
  }
}

std::string Service::Impl::ask_app(std::string_view token) {
  count(counters.app_checks);
  const auto started = std::chrono::steady_clock::now();
  AppAuthAnswer answer{AppAuthVerdict::invalid, {}, 0};
  bool unsendable = false;  // a token the app client cannot send: a refusal, not a fault
  try {
    try {
      answer = app->check(token);
      if (answer.verdict == AppAuthVerdict::valid)
        service_detail::check_app_user_id(answer.user_id, WAVE_ERR_UPSTREAM, "the userID in the app's answer");
    } catch (const Error& error) {
      // Surrounding spaces, or too long for a header: like any malformed token, an
      // INVALID_TOKEN refusal (a broker sees "denied"), never a caller's argument error.
      if (error.status() != WAVE_ERR_INVALID_ARGUMENT) throw;
      unsendable = true;
    }
  } catch (...) {
    count(counters.app_nanoseconds, nanoseconds_since(started));
    count(counters.app_errors);
    throw;
  }
  count(counters.app_nanoseconds, nanoseconds_since(started));
  if (unsendable) {
    count(counters.app_invalid);
    fail(WAVE_ERR_INVALID_TOKEN, "the token cannot be sent to the app's endpoint (surrounding spaces, or too long)");
  }
  if (answer.verdict != AppAuthVerdict::valid) {
    count(counters.app_invalid);
    fail(WAVE_ERR_INVALID_TOKEN,
         "the app's endpoint says the token is invalid (HTTP " + std::to_string(answer.http_status) + ")");
  }
  count(counters.app_valid);
  return answer.user_id;
}

std::string Service::Impl::hash_passhash(std::string_view password) {
  const auto started = std::chrono::steady_clock::now();
  std::string passhash = service_detail::make_passhash(password, config.bcrypt_cost);
  count(counters.bcrypt_nanoseconds, nanoseconds_since(started));
  count(counters.bcrypt_hashes);
  return passhash;
}

bool Service::Impl::verify_passhash(std::string_view password, std::string_view passhash) {
  const auto started = std::chrono::steady_clock::now();
  const bool matches = service_detail::passhash_matches(password, passhash);
  count(counters.bcrypt_nanoseconds, nanoseconds_since(started));
  count(counters.bcrypt_verifies);
  return matches;
}

// ---- rate limits --------------------------------------------------------------------------

void Service::Impl::take_rate_token(const std::string& bucket, std::int64_t burst, std::int64_t per_hour,
                                    const char* what) {
  const auto refill = std::chrono::milliseconds(std::max<std::int64_t>(1, 3600000 / std::max<std::int64_t>(1, per_hour)));
  const RateAnswer answer = sessions->take_rate_token(bucket, std::max<std::int64_t>(1, burst), refill);
  if (answer.allowed) return;
  count(counters.rate_limited);
  const auto milliseconds = std::clamp<std::int64_t>(answer.retry_after.count(), 1, UINT32_MAX);
  fail(WAVE_ERR_RATE_LIMITED,
       std::string("too many ") + what + " for this user: try again in " + std::to_string((milliseconds + 999) / 1000) +
           " s",
       static_cast<std::uint32_t>(milliseconds));
}

void Service::Impl::limit_credential_change(const std::string& internal_id) {
  take_rate_token("credentials:" + internal_id, config.credential_change_burst, config.credential_changes_per_hour,
                  "credential changes (credentialChangesPerHour, credentialChangeBurst)");
}

// ---- writes -------------------------------------------------------------------------------
// Every write that changes what the cache mirrors (a credential, a passhash, patterns)
// goes through one of these, which drops the user's cached entry after the write; so no
// path can forget to.

void Service::Impl::invalidate(InvalidationKind kind, const std::string& internal_id) {
  cache.erase(internal_id);
  if (!invalidation) return;
  try {
    invalidation->publish(kind, internal_id);
  } catch (const Error& error) {
    // The write itself succeeded; the other processes' caches then expire the entry within
    // credentialCacheTTLSeconds, the bound that holds without announcements.
    count(counters.session_store_errors);
    log::write(WAVE_LOG_WARNING, std::string("could not announce a change to other processes (their caches expire it "
                                             "within credentialCacheTTLSeconds): ") + error.what());
  }
}

MapResult Service::Impl::map_user(const MapRequest& request) {
  MapResult mapped = sessions->map_user(request);
  // A rotation ended the old token's session: its cached credential must go at once.
  if (mapped.previous_token) invalidate(InvalidationKind::credential, mapped.internal_id);
  return mapped;
}

std::optional<RevokeResult> Service::Impl::end_session(std::string_view token) {
  auto ended = sessions->revoke(token);
  if (ended) invalidate(InvalidationKind::credential, ended->internal_id);
  return ended;
}

bool Service::Impl::forget_credential(const std::string& internal_id, std::string_view password_digest) {
  const bool forgotten = sessions->forget_credential(internal_id, password_digest);
  invalidate(InvalidationKind::credential, internal_id);
  return forgotten;
}

bool Service::Impl::upsert_credentials(const std::string& internal_id, const std::string& app_user_id,
                                       const std::string& passhash, const std::string& password_digest,
                                       const std::string& credential_id, const std::string& expected_credential_id,
                                       const acl::Patterns& patterns) {
  const bool written = directory->upsert_credentials(internal_id, app_user_id, passhash, credential_id,
                                                     expected_credential_id, patterns.publish, patterns.subscribe);
  // A second write, compare-and-set on the same credential: a process that dies between
  // the two leaves a document without digest, which revoke handles as before (the app
  // says whose token it is, bcrypt says whether the passhash is this token's).
  if (written) directory->record_password_digest(internal_id, credential_id, password_digest);
  invalidate(InvalidationKind::credential, internal_id);
  return written;
}

bool Service::Impl::replace_passhash(const std::string& internal_id, const std::string& credential_id,
                                     const std::string& new_passhash, const std::string& new_credential_id) {
  const bool replaced = directory->replace_passhash(internal_id, credential_id, new_passhash, new_credential_id);
  invalidate(InvalidationKind::credential, internal_id);
  return replaced;
}

void Service::Impl::add_patterns(const std::string& internal_id, const std::vector<std::string>& publish,
                                 const std::vector<std::string>& subscribe) {
  directory->add_patterns(internal_id, publish, subscribe);
  invalidate(InvalidationKind::acl, internal_id);
}

void Service::Impl::remove_patterns(const std::string& internal_id, const std::vector<std::string>& publish,
                                    const std::vector<std::string>& subscribe) {
  directory->remove_patterns(internal_id, publish, subscribe);
  invalidate(InvalidationKind::acl, internal_id);
}

// ---- the facade -------------------------------------------------------------------------------

Service::Service(Config config, std::shared_ptr<SessionStore> sessions, std::shared_ptr<DirectoryStore> directory,
                 std::shared_ptr<InvalidationChannel> invalidation)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(sessions), std::move(directory),
                                   std::move(invalidation))) {}

Service::~Service() {
  // The listener's handlers use the cache: they must be done before it goes.
  if (impl_->invalidation) impl_->invalidation->stop();
}

void Service::listen_invalidations(InvalidationHandler on_change) {
  Impl& impl = *impl_;
  if (!impl.invalidation) fail(WAVE_ERR_INVALID_ARGUMENT, "this service has no invalidation channel");
  impl.invalidation->start(
      [&impl, on_change = std::move(on_change)](InvalidationKind kind, std::string_view internal_id) {
        impl.cache.erase(internal_id);
        if (on_change) on_change(kind, internal_id);
      },
      [&impl] { impl.cache.clear(); });
}

ServiceStats Service::stats() const {
  const auto load = [](const std::atomic<std::uint64_t>& counter) { return counter.load(std::memory_order_relaxed); };
  const Impl::Counters& c = impl_->counters;
  ServiceStats stats;
  stats.bcrypt_hashes = load(c.bcrypt_hashes);
  stats.bcrypt_verifies = load(c.bcrypt_verifies);
  stats.bcrypt_runs = stats.bcrypt_hashes + stats.bcrypt_verifies;
  stats.bcrypt_nanoseconds = load(c.bcrypt_nanoseconds);
  stats.app_checks = load(c.app_checks);
  stats.app_valid = load(c.app_valid);
  stats.app_invalid = load(c.app_invalid);
  stats.app_errors = load(c.app_errors);
  stats.app_nanoseconds = load(c.app_nanoseconds);
  stats.session_store_errors = load(c.session_store_errors);
  stats.directory_store_errors = load(c.directory_store_errors);
  stats.warm_logins = load(c.warm_logins);
  stats.cold_logins = load(c.cold_logins);
  stats.cache_hits = load(c.cache_hits);
  stats.cache_misses = load(c.cache_misses);
  stats.cache_entries = impl_->cache.size();
  stats.register_fallbacks = load(c.register_fallbacks);
  stats.would_block = load(c.would_block);
  stats.sweep_renewed = load(c.sweep_renewed);
  stats.sweep_retired = load(c.sweep_retired);
  stats.sweep_faults = load(c.sweep_faults);
  stats.rate_limited = load(c.rate_limited);
  return stats;
}

const Config& Service::config() const noexcept { return impl_->config; }

}  // namespace wave
