#include "service/service.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "acl/acl.hpp"
#include "appauth/app_auth_client.hpp"
#include "common/error.hpp"
#include "common/secure.hpp"
#include "common/utf8.hpp"
#include "crypto/password.hpp"
#include "crypto/random.hpp"
#include "crypto/uuid.hpp"
#include "mongo/mongo_directory_store.hpp"
#include "redis/redis_session_store.hpp"
#include "service/memory_stores.hpp"
#include "service/passhash.hpp"
#include "service/user_cache.hpp"

namespace wave {
namespace {

using service_detail::UserCache;

constexpr std::size_t kMaxIdsPerCall = 1000;
constexpr std::size_t kMaxAppUserIdBytes = 1024;
constexpr std::size_t kMaxGroupNameBytes = 200;
// Written as wave_credential_id when revoke() replaces a passhash: the broker-side checks
// read it as "logged out" (no fallback to the app, no publish/subscribe) until the user
// logs in again, which writes a fresh credential.
constexpr std::string_view kRevokedCredentialPrefix = "revoked-";
// Compare-and-set writes of a passhash that found the document changed: each retry means
// another process wrote meanwhile, so this bounds only a pathological storm.
constexpr int kMaxPasshashWrites = 8;
constexpr std::string_view kGroupTopicPrefix = "conversations/group/";

bool is_revoked_credential(std::string_view credential_id) {
  return credential_id.substr(0, kRevokedCredentialPrefix.size()) == kRevokedCredentialPrefix;
}

// App user IDs travel as Redis key parts, MongoDB _ids and JSON strings: UTF-8 text
// without control characters, bounded.
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

std::vector<std::string> missing_from(const std::vector<std::string>& wanted, const std::vector<std::string>& have) {
  std::vector<std::string> result;
  for (const auto& item : wanted)
    if (!contains(have, item) && !contains(result, item)) result.push_back(item);
  return result;
}

void add_to_set(std::vector<std::string>& set, const std::vector<std::string>& values) {
  for (const auto& value : values)
    if (!contains(set, value)) set.push_back(value);
}

void pull(std::vector<std::string>& set, const std::vector<std::string>& values) {
  std::erase_if(set, [&](const std::string& item) { return contains(values, item); });
}

// A lock per key (here: per internal ID), so concurrent logins of one user in this process
// compute its passhash once while other users proceed.
class KeyedLocks {
 public:
  class Guard {
   public:
    Guard(KeyedLocks& owner, std::string key) : owner_(owner), key_(std::move(key)) { owner_.acquire(key_); }
    ~Guard() { owner_.release(key_); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    KeyedLocks& owner_;
    std::string key_;
  };

 private:
  struct Slot {
    bool held = false;
    std::size_t waiters = 0;
  };
  void acquire(const std::string& key) {
    std::unique_lock lock(mutex_);
    Slot& slot = slots_[key];
    ++slot.waiters;
    changed_.wait(lock, [&] { return !slot.held; });
    --slot.waiters;
    slot.held = true;
  }
  void release(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = slots_.find(key);
    it->second.held = false;
    if (it->second.waiters == 0) slots_.erase(it);
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<std::string, Slot> slots_;  // node-based: references stay valid
};

Decision granted() { return Decision{true, ""}; }
Decision denied(const char* reason) { return Decision{false, reason}; }

}  // namespace

struct Service::Impl {
  Config config;
  std::shared_ptr<const TokenValidator> validator;
  std::shared_ptr<SessionStore> sessions;
  std::shared_ptr<DirectoryStore> directory;
  std::unique_ptr<AppAuthClient> app;
  UserCache cache;
  KeyedLocks user_locks;

  std::atomic<std::uint64_t> bcrypt_hashes{0};
  std::atomic<std::uint64_t> bcrypt_verifies{0};
  std::atomic<std::uint64_t> app_checks{0};
  std::atomic<std::uint64_t> warm_logins{0};
  std::atomic<std::uint64_t> cold_logins{0};
  std::atomic<std::uint64_t> cache_hits{0};
  std::atomic<std::uint64_t> cache_misses{0};
  std::atomic<std::uint64_t> register_fallbacks{0};

  Impl(Config cfg, std::shared_ptr<SessionStore> session_store, std::shared_ptr<DirectoryStore> directory_store)
      : config(std::move(cfg)),
        cache(config.credential_cache_size, std::chrono::seconds(config.credential_cache_ttl_seconds)) {
    validator = config.token_validator;
    if (!validator) validator = std::make_shared<const TokenValidator>(config.token_validation_regex, config.token_max_length);
    if (config.bcrypt_cost < 4 || config.bcrypt_cost > 31) fail(WAVE_ERR_CONFIG, "bcryptCost must be from 4 to 31");
    if (config.session_ttl_seconds <= 0) fail(WAVE_ERR_CONFIG, "sessionTTLSeconds must be positive");
    app = std::make_unique<AppAuthClient>(AppAuthOptions{config.authentication_check_endpoint,
                                                         config.http_connect_timeout_ms, config.http_timeout_ms,
                                                         config.http_verify_tls, config.http_ca_file, 64 * 1024});
    if (!session_store || !directory_store) {
      if (config.storage == StorageBackend::memory) {
        session_store = std::make_shared<MemorySessionStore>();
        directory_store = std::make_shared<MemoryDirectoryStore>();
      } else {
        session_store = std::make_shared<RedisSessionStore>(RedisOptions{
            config.redis_uri, config.redis_key_prefix, config.redis_pool_size, config.redis_timeout_ms});
        directory_store = std::make_shared<MongoDirectoryStore>(
            MongoOptions{config.mongo_uri, config.mongo_database, config.mongo_timeout_ms});
      }
    }
    sessions = std::move(session_store);
    directory = std::move(directory_store);
  }

  // ---- tokens and the app ---------------------------------------------------------------

  // The format check, then the MQTT password the token maps to (no network call yet).
  std::string check_token(std::string_view token) const {
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

  // The app's answer for a well-formed token: its app user ID, or INVALID_TOKEN.
  std::string ask_app(std::string_view token) {
    ++app_checks;
    const AppAuthAnswer answer = app->check(token);
    if (answer.verdict != AppAuthVerdict::valid)
      fail(WAVE_ERR_INVALID_TOKEN, "the app's endpoint says the token is invalid (HTTP " +
                                       std::to_string(answer.http_status) + ")");
    check_app_user_id(answer.user_id, WAVE_ERR_UPSTREAM, "the userID in the app's answer");
    return answer.user_id;
  }

  // ---- sessions ------------------------------------------------------------------------

  struct Session {
    std::string internal_id;
    std::string app_user_id;
    std::string credential_id;
  };

  // A live session whose credential is this token's, without asking anyone.
  std::optional<Session> warm_session(std::string_view token, std::string_view digest) {
    const auto internal_id = sessions->find_session(token);
    if (!internal_id) return std::nullopt;
    const auto credential = sessions->find_credential(*internal_id);
    if (!credential || !constant_time_equal(credential->password_digest, digest)) return std::nullopt;
    return Session{*internal_id, credential->app_user_id, credential->credential_id};
  }

  // The app says who the token belongs to; the identity comes from the durable store (so a
  // Redis wiped empty gives the same internal ID back) and the mapping is created or
  // rotated atomically.
  Session cold_session(std::string_view token, const std::string& digest) {
    const std::string app_user_id = ask_app(token);
    const auto known = sessions->find_internal_ids({app_user_id});
    const std::string proposed = known.at(0) ? *known[0] : uuid_v4();
    const std::string internal_id = directory->claim_identity(app_user_id, proposed);
    if (!acl::is_valid_user_id(internal_id))
      fail(WAVE_ERR_BACKEND, "the stored internal ID of this app user is not a canonical UUID (wave_identities)");
    MapRequest request;
    request.app_user_id = app_user_id;
    request.internal_id = internal_id;
    request.token = std::string(token);
    request.password_digest = digest;
    request.credential_id = uuid_v4();
    request.ttl = std::chrono::seconds(config.session_ttl_seconds);
    const MapResult mapped = sessions->map_user(request);
    if (mapped.internal_id != internal_id)
      fail(WAVE_ERR_CONFLICT,
           "Redis (mapping:) and MongoDB (wave_identities) disagree on this app user's internal ID; "
           "MongoDB is the durable record: delete the Redis mapping so it is rebuilt from MongoDB");
    if (mapped.previous_token) {
      // The old token's session is gone; drop this process's cached credential at once.
      cache.erase(internal_id);
    }
    return Session{internal_id, app_user_id, mapped.credential_id};
  }

  // ---- the ACL document ----------------------------------------------------------------

  // Makes sure the user's vmq_acl_auth document carries this credential's passhash and the
  // private patterns.  bcrypt runs only when the document belongs to another credential
  // (first login, rotation, lost document), once per user in this process however many
  // logins race.
  AclDocument ensure_document(const Session& session, std::string_view password) {
    const acl::Patterns own = acl::private_patterns(session.internal_id);
    KeyedLocks::Guard guard(user_locks, session.internal_id);
    std::optional<AclDocument> doc = directory->find_acl(session.internal_id);
    if (!doc || doc->credential_id != session.credential_id || doc->passhash.empty()) {
      ensure_still_current(session);
      const std::string passhash = service_detail::make_passhash(password, config.bcrypt_cost);
      ++bcrypt_hashes;
      write_passhash(session, passhash, own, doc ? doc->credential_id : std::string());
      doc = directory->find_acl(session.internal_id);
      if (!doc) fail(WAVE_ERR_BACKEND, "the vmq_acl_auth document was not found right after it was written");
      return *doc;
    }
    const auto publish = missing_from(own.publish, doc->publish_acl);
    const auto subscribe = missing_from(own.subscribe, doc->subscribe_acl);
    if (!publish.empty() || !subscribe.empty()) {
      directory->add_patterns(session.internal_id, publish, subscribe);
      add_to_set(doc->publish_acl, publish);
      add_to_set(doc->subscribe_acl, subscribe);
      cache.erase(session.internal_id);
    }
    return *doc;
  }

  // Writes this credential's passhash, compare-and-set on the credential the document held
  // (`expected`), so that a rotation or revoke written meanwhile by another process is never
  // overwritten by this older login; then looks at Redis once more.  A revoke or rotation
  // that landed between the last look and the write makes the passhash just written belong
  // to a credential that is no longer current: it is retired again (compare-and-set on this
  // credential, so a newer one is never touched) and the login fails.  Without this, a
  // revoke racing a login's bcrypt would leave the revoked token's passhash in MongoDB.
  void write_passhash(const Session& session, const std::string& passhash, const acl::Patterns& own,
                      std::string expected) {
    for (int attempt = 1;; ++attempt) {
      ensure_still_current(session);  // bcrypt takes a while: look again before writing
      if (directory->upsert_credentials(session.internal_id, session.app_user_id, passhash, session.credential_id,
                                        expected, own.publish, own.subscribe))
        break;
      // Another process changed the document since it was read; if this credential is
      // still current (checked again at the top), what the document holds now is stale.
      if (attempt == kMaxPasshashWrites)
        fail(WAVE_ERR_CONFLICT, "the user's vmq_acl_auth document kept changing under concurrent logins; try again");
      const auto now = directory->find_acl(session.internal_id);
      expected = now ? now->credential_id : std::string();
    }
    cache.erase(session.internal_id);
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
      cache.erase(session.internal_id);
      fail(WAVE_ERR_CONFLICT, kNoLongerCurrent);
    }
  }

  static constexpr const char* kNoLongerCurrent =
      "this token stopped being the user's current credential while logging in (revoked, replaced by another "
      "token's login, or its session ended); log in again";

  // Whether the credential this login works for is still the user's current one in Redis.
  // No credential at all means a revoke (or the session's end, or a Redis wipe) came in
  // between: not current either, or the login would write a passhash for a revoked token.
  bool is_current(const Session& session) {
    const auto current = sessions->find_credential(session.internal_id);
    return current && current->credential_id == session.credential_id;
  }

  void ensure_still_current(const Session& session) {
    if (!is_current(session)) fail(WAVE_ERR_CONFLICT, kNoLongerCurrent);
  }

  // A passhash nobody can match: bcrypt of a fresh 256-bit random secret that is wiped at
  // once (a well-formed hash, so VerneMQ's MongoDB path just refuses every password).
  std::string unusable_passhash() {
    unsigned char secret[32];
    random_bytes(secret, sizeof secret);
    std::string replacement = base64url_encode(secret, sizeof secret);
    secure_wipe(secret, sizeof secret);
    std::string passhash = service_detail::make_passhash(replacement, config.bcrypt_cost);
    secure_wipe(replacement.data(), replacement.size());
    ++bcrypt_hashes;
    return passhash;
  }

  // Replaces the passhash of `credential_id` by an unusable one under a "revoked-"
  // credential (compare-and-set: false, nothing written, when the document holds another
  // credential).
  bool retire_passhash(const std::string& internal_id, const std::string& credential_id,
                       const std::string& passhash = {}) {
    const bool replaced = directory->replace_passhash(internal_id, credential_id,
                                                      passhash.empty() ? unusable_passhash() : passhash,
                                                      std::string(kRevokedCredentialPrefix) + uuid_v4());
    cache.erase(internal_id);
    return replaced;
  }

  // The group patterns of `groups` (valid group IDs only) for member `internal_id`.
  static acl::Patterns patterns_of_groups(const std::vector<Group>& groups, const std::string& internal_id) {
    acl::Patterns expected;
    for (const auto& group : groups) {
      if (!acl::is_valid_group_id(group.id)) continue;
      const acl::Patterns patterns = acl::group_patterns(group.id, internal_id);
      add_to_set(expected.publish, patterns.publish);
      add_to_set(expected.subscribe, patterns.subscribe);
    }
    return expected;
  }

  // The group patterns in the document follow the group memberships: added where missing
  // (an interrupted add), removed where the group is gone or the user left (an interrupted
  // remove/delete).  Only Wave's own conversations/group/ namespace is touched.  Returns
  // the memberships the document now follows (read again when patterns were added).
  std::vector<Group> reconcile_groups(AclDocument& doc, std::vector<Group> groups) {
    const acl::Patterns expected = patterns_of_groups(groups, doc.internal_id);
    const auto stale = [](const std::vector<std::string>& have, const std::vector<std::string>& keep) {
      std::vector<std::string> result;
      for (const auto& pattern : have)
        if (pattern.starts_with(kGroupTopicPrefix) && !contains(keep, pattern)) result.push_back(pattern);
      return result;
    };
    const auto add_publish = missing_from(expected.publish, doc.publish_acl);
    const auto add_subscribe = missing_from(expected.subscribe, doc.subscribe_acl);
    const auto drop_publish = stale(doc.publish_acl, expected.publish);
    const auto drop_subscribe = stale(doc.subscribe_acl, expected.subscribe);
    if (!add_publish.empty() || !add_subscribe.empty()) {
      directory->add_patterns(doc.internal_id, add_publish, add_subscribe);
      add_to_set(doc.publish_acl, add_publish);
      add_to_set(doc.subscribe_acl, add_subscribe);
      cache.erase(doc.internal_id);
      // A removal (or group delete) may have run between groups_of and this add, its
      // withdrawal landing before the add: look again and withdraw what no longer
      // belongs.  (A removal that lands after this look withdraws after this add itself.)
      groups = directory->groups_of(doc.internal_id);
      const acl::Patterns still = patterns_of_groups(groups, doc.internal_id);
      std::vector<std::string> late_publish;
      std::vector<std::string> late_subscribe;
      for (const auto& pattern : add_publish)
        if (!contains(still.publish, pattern)) late_publish.push_back(pattern);
      for (const auto& pattern : add_subscribe)
        if (!contains(still.subscribe, pattern)) late_subscribe.push_back(pattern);
      if (!late_publish.empty() || !late_subscribe.empty()) {
        directory->remove_patterns(doc.internal_id, late_publish, late_subscribe);
        pull(doc.publish_acl, late_publish);
        pull(doc.subscribe_acl, late_subscribe);
      }
    }
    if (!drop_publish.empty() || !drop_subscribe.empty()) {
      directory->remove_patterns(doc.internal_id, drop_publish, drop_subscribe);
      pull(doc.publish_acl, drop_publish);
      pull(doc.subscribe_acl, drop_subscribe);
      cache.erase(doc.internal_id);
    }
    return groups;
  }

  Credentials login(std::string_view token) {
    const std::string password = check_token(token);
    const std::string digest = sha256_hex(password);
    std::optional<Session> session = warm_session(token, digest);
    if (session) {
      ++warm_logins;
    } else {
      ++cold_logins;
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
  std::string caller(std::string_view token) {
    check_token(token);
    if (auto internal_id = sessions->find_session(token)) return *internal_id;
    return login(token).internal_id;
  }

  // Internal IDs of app users: Redis first, then MongoDB (the durable record) for the rest.
  std::vector<std::optional<std::string>> internal_ids_of(const std::vector<std::string>& app_user_ids) {
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
      if (entry && !acl::is_valid_user_id(*entry))
        fail(WAVE_ERR_BACKEND, "a stored internal ID is not a canonical UUID");
    return result;
  }

  std::string internal_id_of(std::string_view app_user_id) {
    check_app_user_id(app_user_id, WAVE_ERR_INVALID_ARGUMENT, "an app user ID");
    const auto ids = internal_ids_of({std::string(app_user_id)});
    if (!ids.at(0)) fail(WAVE_ERR_NOT_FOUND, "this app user has never logged in to Wave");
    return *ids[0];
  }

  Group group_or_throw(std::string_view group_id) {
    auto group = directory->find_group(group_id);
    if (!group) fail(WAVE_ERR_NOT_FOUND, "no such group");
    return std::move(*group);
  }

  // What every owner-only membership change checks first: valid IDs, the caller owns the
  // group, and the app user has an internal ID.  Returns the group and the member's ID.
  std::pair<Group, std::string> owner_change(std::string_view token, std::string_view group_id,
                                             std::string_view app_user_id, const char* action) {
    check_group_id(group_id);
    check_app_user_id(app_user_id, WAVE_ERR_INVALID_ARGUMENT, "an app user ID");
    const std::string me = caller(token);
    Group group = group_or_throw(group_id);
    if (group.owner != me) fail(WAVE_ERR_DENIED, std::string("only the group's owner can ") + action);
    std::string member = internal_id_of(app_user_id);
    return {std::move(group), std::move(member)};
  }

  // Adds the group patterns of `members`, then reads the group again: a removal or delete
  // that ran meanwhile may have withdrawn before these adds landed, so the patterns of
  // whoever is no longer a member are withdrawn again.  False when the group is gone.
  bool grant_group(const std::string& group_id, const std::vector<std::string>& members) {
    for (const auto& member : members) {
      const acl::Patterns patterns = acl::group_patterns(group_id, member);
      directory->add_patterns(member, patterns.publish, patterns.subscribe);
      cache.erase(member);
    }
    const auto group = directory->find_group(group_id);
    for (const auto& member : members)
      if (!group || !contains(group->members, member)) withdraw_group(group_id, member);
    return group.has_value();
  }

  void withdraw_group(const std::string& group_id, const std::string& member) {
    const acl::Patterns patterns = acl::group_patterns(group_id, member);
    directory->remove_patterns(member, patterns.publish, patterns.subscribe);
    cache.erase(member);
  }

  // ---- broker-side -------------------------------------------------------------------

  // The user's compiled ACL, or null when the user has no usable credential (unknown,
  // never logged in, or logged out).
  std::shared_ptr<const acl::Authorizer> authorizer_for(std::string_view username) {
    if (auto cached = cache.authorizer(username)) {
      ++cache_hits;
      return cached;
    }
    ++cache_misses;
    const auto doc = directory->find_acl(username);
    if (!doc || doc->passhash.empty() || is_revoked_credential(doc->credential_id)) return nullptr;
    std::shared_ptr<const acl::Authorizer> authorizer;
    try {
      authorizer = std::make_shared<const acl::Authorizer>(doc->publish_acl, doc->subscribe_acl, config.topic_max_depth);
    } catch (const Error& error) {
      if (error.status() != WAVE_ERR_INVALID_ARGUMENT) throw;
      fail(WAVE_ERR_BACKEND, std::string("the user's vmq_acl_auth document holds an unusable pattern: ") + error.what());
    }
    cache.store_authorizer(username, authorizer);
    return authorizer;
  }

  Decision authorize_register(std::string_view client_id, std::string_view username, std::string_view password) {
    if (client_id != username) return denied("the client ID differs from the username");
    if (!acl::is_valid_user_id(username)) return denied("the username is not a Wave internal ID");
    if (password.empty()) return denied("no password");
    const std::string digest = sha256_hex(password);
    if (cache.digest_matches(username, digest)) {
      ++cache_hits;
      return granted();
    }
    ++cache_misses;
    if (const auto credential = sessions->find_credential(username)) {
      if (!constant_time_equal(credential->password_digest, digest)) return denied("wrong password");
      cache.store_digest(username, digest);
      return granted();
    }
    // No live credential (the session expired, or Redis lost it): the password may be the
    // token itself; then the app decides, as at login.
    if (config.mqtt_password_scheme == PasswordScheme::sha256)
      return denied("the session expired: log in again");
    if (password.size() > kBcryptMaxPassword || !validator->is_valid(password))
      return denied("the session expired: log in again");
    const auto doc = directory->find_acl(username);
    if (!doc || doc->passhash.empty()) return denied("unknown user");
    if (is_revoked_credential(doc->credential_id)) return denied("logged out: log in again");
    ++register_fallbacks;
    // One reason for "the app refused it" and "it is another user's token": two would tell
    // a guesser which of its guesses are valid tokens of someone else.
    constexpr const char* kNotThisUsersToken = "the password is not a current token of this user";
    try {
      const Credentials credentials = login(password);
      if (credentials.internal_id != username || credentials.password != password) return denied(kNotThisUsersToken);
    } catch (const Error& error) {
      if (error.status() == WAVE_ERR_INVALID_TOKEN) return denied(kNotThisUsersToken);
      throw;
    }
    cache.store_digest(username, digest);
    return granted();
  }

  // ---- revoke ------------------------------------------------------------------------

  RevokeOutcome revoke(std::string_view token) {
    const std::string password = check_token(token);
    const std::string digest = sha256_hex(password);
    RevokeOutcome outcome;
    std::optional<std::string> credential_id;

    if (const auto internal_id = sessions->find_session(token)) {
      outcome.internal_id = *internal_id;
      if (const auto credential = sessions->find_credential(*internal_id);
          credential && constant_time_equal(credential->password_digest, digest))
        credential_id = credential->credential_id;
      if (const auto ended = sessions->revoke(token)) {
        outcome.session_ended = true;
        outcome.internal_id = ended->internal_id;
      }
    }
    if (outcome.internal_id.empty()) {
      // No session: the app says whose token it is.
      outcome.internal_id = internal_id_of(ask_app(token));
      if (const auto credential = sessions->find_credential(outcome.internal_id);
          credential && constant_time_equal(credential->password_digest, digest)) {
        credential_id = credential->credential_id;
        // The session is gone but Redis still holds this token's credential, which
        // authorize_register would keep granting until it expires: delete it (only while
        // it is still this token's: compare-and-delete).
        sessions->forget_credential(outcome.internal_id, digest);
      }
    }
    cache.erase(outcome.internal_id);
    std::string replacement;  // one unusable passhash serves every attempt below
    const auto retire = [&](const std::string& credential) {
      if (replacement.empty()) replacement = unusable_passhash();
      return retire_passhash(outcome.internal_id, credential, replacement);
    };
    if (credential_id) outcome.passhash_replaced = retire(*credential_id);
    if (!outcome.passhash_replaced) {
      // The document does not hold the credential Redis named (or Redis named none).  No
      // usable passhash of this token may stay behind, nor an older one: a revoke logs the
      // user out of VerneMQ's MongoDB path, and the "revoked-" credential also stops the
      // broker-side checks from logging the token in again through the app.
      const auto doc = directory->find_acl(outcome.internal_id);
      if (doc && !doc->passhash.empty() && !is_revoked_credential(doc->credential_id)) {
        if (credential_id) {
          // Redis said this token's credential was the current one, so the document holds
          // an older credential (a login of this token is on its way to write: it will
          // find its credential gone, or its compare-and-set write refused, and write
          // nothing usable), unless a login with a newer token ran since: then the
          // document's credential is Redis's current one, and it stays.  The
          // compare-and-set below loses to such a login's write, never overwrites it.
          const auto current = sessions->find_credential(outcome.internal_id);
          if (!current || current->credential_id != doc->credential_id)
            outcome.passhash_replaced = retire(doc->credential_id);
        } else {
          // Redis does not know this token's credential (expired or lost): MongoDB's
          // passhash decides whether it is this token's (bcrypt, but revoke is not a hot
          // path); another token's is left alone.
          ++bcrypt_verifies;
          if (service_detail::passhash_matches(password, doc->passhash))
            outcome.passhash_replaced = retire(doc->credential_id);
        }
      }
    }
    cache.erase(outcome.internal_id);
    if (!outcome.session_ended && !outcome.passhash_replaced)
      fail(WAVE_ERR_NOT_FOUND, "nothing to revoke: this token is not the user's current credential "
                               "(already revoked, or replaced by a newer token)");
    return outcome;
  }
};

Service::Service(Config config) : impl_(std::make_unique<Impl>(std::move(config), nullptr, nullptr)) {}

Service::Service(Config config, std::shared_ptr<SessionStore> sessions, std::shared_ptr<DirectoryStore> directory) {
  if (!sessions || !directory) fail(WAVE_ERR_INVALID_ARGUMENT, "Service: the stores must not be null");
  impl_ = std::make_unique<Impl>(std::move(config), std::move(sessions), std::move(directory));
}

Service::~Service() = default;

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

GroupCreation Service::create_group(std::string_view token, std::string_view name,
                                    const std::vector<std::string>& member_app_user_ids) {
  check_group_name(name);
  check_id_count(member_app_user_ids.size(), "members");
  for (const auto& id : member_app_user_ids) check_app_user_id(id, WAVE_ERR_INVALID_ARGUMENT, "a member's app user ID");
  const std::string owner = impl_->caller(token);
  const auto ids = impl_->internal_ids_of(member_app_user_ids);

  GroupCreation creation;
  creation.group.id = uuid_v4();
  creation.group.name = std::string(name);
  creation.group.owner = owner;
  creation.group.members.push_back(owner);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i]) {
      if (!contains(creation.unknown_app_user_ids, member_app_user_ids[i]))
        creation.unknown_app_user_ids.push_back(member_app_user_ids[i]);
    } else if (!contains(creation.group.members, *ids[i])) {
      creation.group.members.push_back(*ids[i]);
    }
  }
  impl_->directory->insert_group(creation.group);
  // Memberships first, then patterns: an interruption leaves patterns missing, which the
  // member's next login (or a repeated add) restores, never patterns without a membership.
  if (!impl_->grant_group(creation.group.id, creation.group.members))
    fail(WAVE_ERR_NOT_FOUND, "the group was deleted while it was being created");
  return creation;
}

bool Service::add_group_member(std::string_view token, std::string_view group_id, std::string_view app_user_id) {
  const auto [group, member] = impl_->owner_change(token, group_id, app_user_id, "add members");
  const bool added = impl_->directory->add_group_member(group.id, member);
  if (!added && !contains(group.members, member)) fail(WAVE_ERR_NOT_FOUND, "no such group (it was just deleted)");
  if (!impl_->grant_group(group.id, {member})) fail(WAVE_ERR_NOT_FOUND, "no such group (it was just deleted)");
  return added;
}

bool Service::remove_group_member(std::string_view token, std::string_view group_id, std::string_view app_user_id) {
  const auto [group, member] = impl_->owner_change(token, group_id, app_user_id, "remove members");
  if (member == group.owner)
    fail(WAVE_ERR_CONFLICT, "the owner cannot be removed from the group: delete the group instead");
  const bool removed = impl_->directory->remove_group_member(group.id, member);
  impl_->withdraw_group(group.id, member);
  return removed;
}

void Service::leave_group(std::string_view token, std::string_view group_id) {
  check_group_id(group_id);
  const std::string me = impl_->caller(token);
  const Group group = impl_->group_or_throw(group_id);
  if (!contains(group.members, me)) fail(WAVE_ERR_NOT_FOUND, "you are not a member of this group");
  if (group.owner == me) fail(WAVE_ERR_CONFLICT, "the owner cannot leave the group: delete it instead");
  impl_->directory->remove_group_member(group.id, me);
  impl_->withdraw_group(group.id, me);
}

void Service::delete_group(std::string_view token, std::string_view group_id) {
  check_group_id(group_id);
  const std::string me = impl_->caller(token);
  const Group group = impl_->group_or_throw(group_id);
  if (group.owner != me) fail(WAVE_ERR_DENIED, "only the group's owner can delete it");
  // Patterns first, then the group: a fault midway leaves the group in place, so a retry
  // finishes the job (once the group is gone, nothing would find the patterns left).
  for (const auto& member : group.members) impl_->withdraw_group(group.id, member);
  const auto deleted = impl_->directory->delete_group(group.id);
  if (!deleted) fail(WAVE_ERR_NOT_FOUND, "no such group");
  // The group as it went: members added meanwhile, and patterns a concurrent add or login
  // put back after the withdrawals above, are withdrawn now ($pullAll: idempotent).  A
  // fault here leaves patterns of a group that no longer exists, which each member's next
  // login removes.
  for (const auto& member : deleted->members) impl_->withdraw_group(group.id, member);
}

std::vector<Group> Service::list_groups(std::string_view token) {
  const std::string me = impl_->caller(token);
  return impl_->directory->groups_of(me);
}

Group Service::group_members(std::string_view token, std::string_view group_id) {
  check_group_id(group_id);
  const std::string me = impl_->caller(token);
  Group group = impl_->group_or_throw(group_id);
  if (!contains(group.members, me)) fail(WAVE_ERR_DENIED, "only members can list a group's members");
  return group;
}

RevokeOutcome Service::revoke(std::string_view token) { return impl_->revoke(token); }

Decision Service::authorize_register(std::string_view client_id, std::string_view username, std::string_view password) {
  return impl_->authorize_register(client_id, username, password);
}

Decision Service::authorize_publish(std::string_view username, std::string_view topic) {
  if (!acl::is_valid_user_id(username)) return denied("the username is not a Wave internal ID");
  const auto authorizer = impl_->authorizer_for(username);
  if (!authorizer) return denied("unknown or logged-out user");
  return authorizer->may_publish(topic) ? granted() : denied("no publish pattern allows this topic");
}

std::vector<Decision> Service::authorize_subscribe(std::string_view username, const std::vector<std::string>& filters) {
  std::vector<Decision> result;
  result.reserve(filters.size());
  if (!acl::is_valid_user_id(username)) {
    result.assign(filters.size(), denied("the username is not a Wave internal ID"));
    return result;
  }
  const auto authorizer = impl_->authorizer_for(username);
  for (const auto& filter : filters) {
    if (!authorizer)
      result.push_back(denied("unknown or logged-out user"));
    else
      result.push_back(authorizer->may_subscribe(filter) ? granted() : denied("no subscribe pattern covers this filter"));
  }
  return result;
}

ServiceStats Service::stats() const {
  ServiceStats stats;
  stats.bcrypt_hashes = impl_->bcrypt_hashes.load();
  stats.bcrypt_verifies = impl_->bcrypt_verifies.load();
  stats.app_checks = impl_->app_checks.load();
  stats.warm_logins = impl_->warm_logins.load();
  stats.cold_logins = impl_->cold_logins.load();
  stats.cache_hits = impl_->cache_hits.load();
  stats.cache_misses = impl_->cache_misses.load();
  stats.register_fallbacks = impl_->register_fallbacks.load();
  return stats;
}

const Config& Service::config() const noexcept { return impl_->config; }

}  // namespace wave
