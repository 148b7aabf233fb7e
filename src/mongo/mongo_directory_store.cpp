#include "mongo/mongo_directory_store.hpp"

#include <mongoc/mongoc.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <climits>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/error.hpp"

namespace wave {
namespace {

constexpr const char* kAclCollection = "vmq_acl_auth";
constexpr const char* kIdentityCollection = "wave_identities";
constexpr const char* kGroupCollection = "wave_groups";

// Server error codes that mean "this server cannot serve right now" rather than "your
// command is wrong": shutting down, stepping down, not primary.
bool is_transient_server_code(std::uint32_t code) {
  switch (code) {
    case 6:      // HostUnreachable
    case 7:      // HostNotFound
    case 89:     // NetworkTimeout (reported as a timeout below)
    case 91:     // ShutdownInProgress
    case 189:    // PrimarySteppedDown
    case 10107:  // NotWritablePrimary
    case 11600:  // InterruptedAtShutdown
    case 11602:  // InterruptedDueToReplStateChange
    case 13435:  // NotPrimaryNoSecondaryOk
    case 13436:  // NotPrimaryOrSecondary
      return true;
    default:
      return false;
  }
}

bool is_duplicate_key(const bson_error_t& error) {
  return error.domain == MONGOC_ERROR_SERVER && error.code == MONGOC_ERROR_DUPLICATE_KEY;
}

// ---- small RAII helpers over the C driver ---------------------------------------------

// An owned heap bson_t.  (Not a unique_ptr<bson_t>: bson_t's alignment attribute makes
// GCC warn about template arguments.)
class Doc {
 public:
  Doc() : doc_(bson_new()) {}
  explicit Doc(const bson_t* copy_of) : doc_(bson_copy(copy_of)) {}
  ~Doc() {
    if (doc_ != nullptr) bson_destroy(doc_);
  }
  Doc(Doc&& other) noexcept : doc_(std::exchange(other.doc_, nullptr)) {}
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;
  Doc& operator=(Doc&&) = delete;
  bson_t* get() const { return doc_; }

 private:
  bson_t* doc_;
};

// A stack bson_t that is always destroyed (replies of the driver are initialised by it
// even on failure, so destroying them is always valid).
class Reply {
 public:
  Reply() { bson_init(&doc_); }
  ~Reply() { bson_destroy(&doc_); }
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  bson_t* get() { return &doc_; }
  std::int64_t count(const char* field) const {
    bson_iter_t it;
    if (bson_iter_init_find(&it, &doc_, field) && BSON_ITER_HOLDS_NUMBER(&it)) return bson_iter_as_int64(&it);
    return 0;
  }

 private:
  bson_t doc_;
};

struct CollectionDeleter {
  void operator()(mongoc_collection_t* c) const { mongoc_collection_destroy(c); }
};
using CollectionPtr = std::unique_ptr<mongoc_collection_t, CollectionDeleter>;

struct CursorDeleter {
  void operator()(mongoc_cursor_t* c) const { mongoc_cursor_destroy(c); }
};
using CursorPtr = std::unique_ptr<mongoc_cursor_t, CursorDeleter>;

struct UriDeleter {
  void operator()(mongoc_uri_t* u) const { mongoc_uri_destroy(u); }
};
using UriPtr = std::unique_ptr<mongoc_uri_t, UriDeleter>;

struct PoolDeleter {
  void operator()(mongoc_client_pool_t* p) const { mongoc_client_pool_destroy(p); }
};
using PoolPtr = std::unique_ptr<mongoc_client_pool_t, PoolDeleter>;

// ---- BSON building ------------------------------------------------------------------

void check_append(bool ok) {
  // bson_append_* fails only when the document would exceed the BSON size limit.
  if (!ok) fail(WAVE_ERR_INVALID_ARGUMENT, "MongoDB: the request is too large for one BSON document (16 MiB)");
}

int bson_length(std::string_view value) {
  if (value.size() > static_cast<std::size_t>(INT_MAX)) fail(WAVE_ERR_INVALID_ARGUMENT, "MongoDB: a value is too large");
  return static_cast<int>(value.size());
}

void append_string(bson_t* doc, const char* key, std::string_view value) {
  check_append(bson_append_utf8(doc, key, -1, value.data(), bson_length(value)));
}

void append_int64(bson_t* doc, const char* key, std::int64_t value) {
  check_append(bson_append_int64(doc, key, -1, value));
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Appends key: [ "a", "b", ... ].
void append_string_array(bson_t* doc, const char* key, const std::vector<std::string>& values) {
  bson_t array;
  check_append(bson_append_array_begin(doc, key, -1, &array));
  char index_buffer[16];
  for (std::size_t i = 0; i < values.size(); ++i) {
    const char* index_key = nullptr;
    const std::size_t index_len = bson_uint32_to_string(static_cast<std::uint32_t>(i), &index_key, index_buffer,
                                                        sizeof index_buffer);
    check_append(bson_append_utf8(&array, index_key, static_cast<int>(index_len), values[i].data(),
                                  bson_length(values[i])));
  }
  check_append(bson_append_array_end(doc, &array));
}

// Appends key: [ {pattern: "a"}, {pattern: "b"}, ... ]: VerneMQ's ACL entry shape.
void append_pattern_array(bson_t* doc, const char* key, const std::vector<std::string>& patterns) {
  bson_t array;
  check_append(bson_append_array_begin(doc, key, -1, &array));
  char index_buffer[16];
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const char* index_key = nullptr;
    const std::size_t index_len = bson_uint32_to_string(static_cast<std::uint32_t>(i), &index_key, index_buffer,
                                                        sizeof index_buffer);
    bson_t entry;
    check_append(bson_append_document_begin(&array, index_key, static_cast<int>(index_len), &entry));
    append_string(&entry, "pattern", patterns[i]);
    check_append(bson_append_document_end(&array, &entry));
  }
  check_append(bson_append_array_end(doc, &array));
}

// The selector VerneMQ's MongoDB auth uses (mountpoint "" = the default mountpoint).
Doc acl_selector(std::string_view internal_id) {
  Doc selector;
  append_string(selector.get(), "mountpoint", "");
  append_string(selector.get(), "client_id", internal_id);
  append_string(selector.get(), "username", internal_id);
  return selector;
}

Doc id_selector(std::string_view id) {
  Doc selector;
  append_string(selector.get(), "_id", id);
  return selector;
}

// ---- input validation ------------------------------------------------------------------

void require_text(std::string_view value, const char* what) {
  if (value.empty()) fail(WAVE_ERR_INVALID_ARGUMENT, std::string("MongoDB store: empty ") + what);
  if (value.find('\0') != std::string_view::npos)
    fail(WAVE_ERR_INVALID_ARGUMENT, std::string("MongoDB store: ") + what + " contains a NUL byte");
  if (!bson_utf8_validate(value.data(), value.size(), false))
    fail(WAVE_ERR_INVALID_ARGUMENT, std::string("MongoDB store: ") + what + " is not valid UTF-8");
}

// IDs that become a client_id/username or a topic level: "*" is VerneMQ's per-username
// fallback document, and '+', '#', '/' would turn into wildcards or extra levels when
// VerneMQ substitutes %u/%c.
void require_topic_safe_id(std::string_view value, const char* what) {
  require_text(value, what);
  if (value == "*") fail(WAVE_ERR_INVALID_ARGUMENT, std::string("MongoDB store: ") + what + " \"*\" is reserved by VerneMQ");
  if (value.find_first_of("+#/") != std::string_view::npos)
    fail(WAVE_ERR_INVALID_ARGUMENT, std::string("MongoDB store: ") + what + " contains '+', '#' or '/'");
}

std::vector<std::string> unique_in_order(const std::vector<std::string>& values, const char* what) {
  std::vector<std::string> out;
  out.reserve(values.size());
  std::unordered_set<std::string_view> seen;
  for (const auto& value : values) {
    require_text(value, what);
    if (seen.insert(value).second) out.push_back(value);
  }
  return out;
}

// ---- reading documents -----------------------------------------------------------------

[[noreturn]] void fail_malformed(const char* collection, std::string_view id, const std::string& problem) {
  fail(WAVE_ERR_BACKEND, std::string("MongoDB: malformed document in ") + collection + " for '" + std::string(id) +
                             "': " + problem + " (fix or delete the document)");
}

std::optional<std::string> string_field(const bson_t* doc, const char* field, const char* collection,
                                        std::string_view id) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, field)) return std::nullopt;
  if (!BSON_ITER_HOLDS_UTF8(&it)) fail_malformed(collection, id, std::string("field '") + field + "' is not a string");
  std::uint32_t length = 0;
  const char* text = bson_iter_utf8(&it, &length);
  return std::string(text, length);
}

std::string required_string(const bson_t* doc, const char* field, const char* collection, std::string_view id) {
  auto value = string_field(doc, field, collection, id);
  if (!value) fail_malformed(collection, id, std::string("field '") + field + "' is missing");
  return *value;
}

std::vector<std::string> string_array(const bson_t* doc, const char* field, const char* collection,
                                      std::string_view id) {
  std::vector<std::string> out;
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, field)) return out;
  bson_iter_t child;
  if (!BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &child))
    fail_malformed(collection, id, std::string("field '") + field + "' is not an array");
  while (bson_iter_next(&child)) {
    if (!BSON_ITER_HOLDS_UTF8(&child))
      fail_malformed(collection, id, std::string("an element of '") + field + "' is not a string");
    std::uint32_t length = 0;
    const char* text = bson_iter_utf8(&child, &length);
    out.emplace_back(text, length);
  }
  return out;
}

// publish_acl / subscribe_acl: VerneMQ treats a missing array as empty and ignores entries
// without a pattern, so do we; wrong types break VerneMQ's Lua script, so they are faults.
std::vector<std::string> pattern_array(const bson_t* doc, const char* field, std::string_view id) {
  std::vector<std::string> out;
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, field)) return out;
  bson_iter_t entries;
  if (!BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &entries))
    fail_malformed(kAclCollection, id, std::string("field '") + field + "' is not an array");
  while (bson_iter_next(&entries)) {
    bson_iter_t entry;
    if (!BSON_ITER_HOLDS_DOCUMENT(&entries) || !bson_iter_recurse(&entries, &entry))
      fail_malformed(kAclCollection, id, std::string("an entry of '") + field + "' is not a document");
    if (!bson_iter_find(&entry, "pattern")) continue;
    if (!BSON_ITER_HOLDS_UTF8(&entry))
      fail_malformed(kAclCollection, id, std::string("a pattern in '") + field + "' is not a string");
    std::uint32_t length = 0;
    const char* text = bson_iter_utf8(&entry, &length);
    out.emplace_back(text, length);
  }
  return out;
}

Group group_from(const bson_t* doc) {
  Group group;
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_UTF8(&it))
    fail(WAVE_ERR_BACKEND, std::string("MongoDB: a document in ") + kGroupCollection +
                               " has a non-string _id (fix or delete it)");
  std::uint32_t length = 0;
  const char* text = bson_iter_utf8(&it, &length);
  group.id.assign(text, length);
  group.name = string_field(doc, "name", kGroupCollection, group.id).value_or("");
  group.owner = required_string(doc, "owner", kGroupCollection, group.id);
  group.members = string_array(doc, "members", kGroupCollection, group.id);
  return group;
}

// ---- secrets ----------------------------------------------------------------------------

// The user-info part of "scheme://user:password@hosts/...", or "" when there is none.
std::string password_in_uri(const std::string& uri) {
  const auto scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return "";
  const auto at = uri.rfind('@');
  if (at == std::string::npos || at < scheme_end) return "";
  const std::string userinfo = uri.substr(scheme_end + 3, at - scheme_end - 3);
  const auto colon = userinfo.find(':');
  return colon == std::string::npos ? "" : userinfo.substr(colon + 1);
}

void replace_all(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
    text.replace(pos, secret.size(), "***");
}

}  // namespace

// ---- the store ----------------------------------------------------------------------------

struct MongoDirectoryStore::Impl {
  MongoOptions options;
  std::string raw_password;      // as written in the URI (maybe percent-encoded)
  std::string decoded_password;  // as the driver decoded it
  std::string servers;           // "host:port,..." for messages, never with credentials
  UriPtr uri;
  PoolPtr pool;
  std::atomic<bool> indexes_ready{false};

  // FerretDB v1 (SQLite backend) applies update operators as an unisolated
  // read-modify-write: concurrent updates of one document lose writes ($addToSet of 16
  // values from 16 clients kept 4) and a conditional update can succeed twice.  Writes to
  // one document are therefore serialised inside this process (striped by collection and
  // key); MongoDB needs no help and loses nothing but a little concurrency on one document.
  // Several Wave processes writing one document through FerretDB remain exposed.
  static constexpr std::size_t kWriteStripes = 128;
  std::array<std::mutex, kWriteStripes> write_stripes;

  std::mutex& write_lock(const char* collection, std::string_view key) {
    const std::size_t hash = std::hash<std::string_view>{}(key) ^ (std::hash<std::string_view>{}(collection) * 31);
    return write_stripes[hash % kWriteStripes];
  }

  // A client borrowed from the pool for the duration of one operation.
  class Client {
   public:
    Client(Impl& impl, const char* operation, const char* collection) : impl_(impl) {
      client_ = mongoc_client_pool_pop(impl.pool.get());  // waits up to waitQueueTimeoutMS
      if (client_ == nullptr)
        fail(WAVE_ERR_TIMEOUT, std::string("MongoDB ") + operation + " on " + impl.options.database + "." +
                                   collection + ": every pooled connection stayed busy for " +
                                   std::to_string(impl.options.timeout_ms) +
                                   " ms (MongoDB is slow or overloaded; check its load and the pool size, "
                                   "maxPoolSize in the URI)");
    }
    ~Client() { mongoc_client_pool_push(impl_.pool.get(), client_); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    CollectionPtr collection(const char* name) const {
      return CollectionPtr(mongoc_client_get_collection(client_, impl_.options.database.c_str(), name));
    }
    mongoc_client_t* get() const noexcept { return client_; }

   private:
    Impl& impl_;
    mongoc_client_t* client_ = nullptr;
  };

  std::string redact(std::string text) const {
    replace_all(text, raw_password);
    replace_all(text, decoded_password);
    return text;
  }

  // A fault the driver reported, mapped to a status and an operator's message.
  [[noreturn]] void fail_driver(const bson_error_t& error, const char* operation, const char* collection,
                                std::chrono::steady_clock::time_point started) const {
    const auto elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    const std::string where = std::string("MongoDB ") + operation + " on " + options.database + "." + collection;
    const std::string detail = redact(error.message);
    if (error.domain == MONGOC_ERROR_SERVER_SELECTION) {
      fail(WAVE_ERR_UNAVAILABLE, where + ": no MongoDB server reachable at " + servers + " within " +
                                     std::to_string(options.timeout_ms) + " ms (" + detail +
                                     "); check that MongoDB is running and reachable from this host");
    }
    if (error.domain == MONGOC_ERROR_STREAM) {
      // The driver reports a read timeout and a dropped connection alike ("socket error or
      // timeout"): the time spent tells them apart.
      if (error.code == MONGOC_ERROR_STREAM_SOCKET && elapsed_ms + 50 >= options.timeout_ms) {
        fail(WAVE_ERR_TIMEOUT, where + ": MongoDB at " + servers + " did not answer within " +
                                   std::to_string(options.timeout_ms) + " ms (" + detail +
                                   "); check the server's load and the network");
      }
      fail(WAVE_ERR_UNAVAILABLE, where + ": the connection to MongoDB at " + servers + " failed (" + detail +
                                     "); check that MongoDB is running and reachable from this host");
    }
    if (error.domain == MONGOC_ERROR_CLIENT && error.code == MONGOC_ERROR_CLIENT_AUTHENTICATE) {
      fail(WAVE_ERR_BACKEND, where + ": MongoDB at " + servers + " refused the credentials (" + detail +
                                 "); check the user, password and authSource in the MongoDB URI");
    }
    if (error.domain == MONGOC_ERROR_SERVER || error.domain == MONGOC_ERROR_WRITE_CONCERN ||
        error.domain == MONGOC_ERROR_QUERY || error.domain == MONGOC_ERROR_COMMAND) {
      if (error.code == MONGOC_ERROR_MAX_TIME_MS_EXPIRED || error.code == 89 /* NetworkTimeout */) {
        fail(WAVE_ERR_TIMEOUT, where + ": MongoDB gave up in time (" + detail + "); check the server's load");
      }
      if (is_transient_server_code(error.code)) {
        fail(WAVE_ERR_UNAVAILABLE, where + ": MongoDB cannot serve the request now (" + detail +
                                       "); check the server's state (shutdown, failover)");
      }
      fail(WAVE_ERR_BACKEND, where + " failed with server error " + std::to_string(error.code) + " (" + detail +
                                 "); check the server's log and the user's privileges on database " +
                                 options.database);
    }
    fail(WAVE_ERR_BACKEND, where + " failed (" + detail + ", domain " + std::to_string(error.domain) + ", code " +
                               std::to_string(error.code) + "); check the server's log");
  }

  // True for faults where a second attempt on a fresh connection may succeed at once: a
  // pooled connection the server closed (it restarted) fails fast with a stream error,
  // and the driver then reconnects.  Timeouts are not retried: the budget is spent.
  bool worth_retrying(const bson_error_t& error, std::chrono::steady_clock::time_point started) const {
    const auto elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    return error.domain == MONGOC_ERROR_STREAM && elapsed_ms + 50 < options.timeout_ms;
  }

  // Runs `attempt` (which returns false and fills the error on a driver fault), retrying
  // once a fast connection failure when `retry` says the operation is idempotent and its
  // result does not depend on whether a lost first attempt took effect.
  template <class Attempt>
  void run(const char* operation, const char* collection, Attempt&& attempt, bool retry = true) {
    const auto started = std::chrono::steady_clock::now();
    bson_error_t error{};
    if (attempt(error)) return;
    if (retry && worth_retrying(error, started)) {
      error = bson_error_t{};
      if (attempt(error)) return;
    }
    fail_driver(error, operation, collection, started);
  }

  template <class Fill>
  void create_indexes_on(const char* collection, Fill&& fill) {
    run("createIndexes", collection, [&](bson_error_t& error) {
      Client client(*this, "createIndexes", collection);
      CollectionPtr coll = client.collection(collection);
      Doc command;
      append_string(command.get(), "createIndexes", collection);
      bson_t indexes;
      check_append(bson_append_array_begin(command.get(), "indexes", -1, &indexes));
      fill(&indexes);
      check_append(bson_append_array_end(command.get(), &indexes));
      Reply reply;
      if (mongoc_collection_write_command_with_opts(coll.get(), command.get(), nullptr, reply.get(), &error))
        return true;
      if (is_duplicate_key(error)) {
        fail(WAVE_ERR_BACKEND, std::string("MongoDB createIndexes on ") + options.database + "." + collection +
                                   ": existing documents violate a unique index (" + redact(error.message) +
                                   "); remove the duplicate documents, then restart");
      }
      if (error.domain == MONGOC_ERROR_SERVER && (error.code == 85 || error.code == 86)) {
        // IndexOptionsConflict / IndexKeySpecsConflict: someone made a similar index.
        fail(WAVE_ERR_BACKEND, std::string("MongoDB createIndexes on ") + options.database + "." + collection +
                                   ": an index on the same fields exists with another name or options (" +
                                   redact(error.message) + "); drop it so Wave can create its own, then restart");
      }
      return false;
    });
  }

  static void add_index(bson_t* indexes, std::uint32_t position, const char* name,
                        std::initializer_list<const char*> fields, bool unique) {
    char index_buffer[16];
    const char* key = nullptr;
    const std::size_t key_len = bson_uint32_to_string(position, &key, index_buffer, sizeof index_buffer);
    bson_t index;
    bson_t keys;
    check_append(bson_append_document_begin(indexes, key, static_cast<int>(key_len), &index));
    check_append(bson_append_document_begin(&index, "key", -1, &keys));
    for (const char* field : fields) check_append(bson_append_int32(&keys, field, -1, 1));
    check_append(bson_append_document_end(&index, &keys));
    check_append(bson_append_utf8(&index, "name", -1, name, -1));
    if (unique) check_append(bson_append_bool(&index, "unique", -1, true));
    check_append(bson_append_document_end(indexes, &index));
  }

  // Idempotent; once it succeeded it costs an atomic load.  Every operation calls it, so a
  // store created while MongoDB was down gets its indexes before its first write.  No
  // mutex: while MongoDB is down, callers would queue behind each other's timeouts, and
  // concurrent createIndexes commands are harmless.
  void ensure_indexes() {
    if (indexes_ready.load(std::memory_order_acquire)) return;
    // (mountpoint, client_id) is what VerneMQ's ACL cache keys on: one document per client.
    create_indexes_on(kAclCollection, [](bson_t* indexes) {
      add_index(indexes, 0, "wave_mountpoint_client_id", {"mountpoint", "client_id"}, true);
    });
    create_indexes_on(kIdentityCollection, [](bson_t* indexes) {
      add_index(indexes, 0, "wave_internal_id", {"internal_id"}, true);
    });
    create_indexes_on(kGroupCollection, [](bson_t* indexes) {
      add_index(indexes, 0, "wave_members", {"members"}, false);
    });
    indexes_ready.store(true, std::memory_order_release);
  }

  // Runs a find and hands each document to `visit`.
  template <class Visit>
  void find(const char* operation, const char* collection, const bson_t* filter, const bson_t* opts, Visit&& visit) {
    ensure_indexes();
    std::vector<Doc> documents;
    run(operation, collection, [&](bson_error_t& error) {
      documents.clear();
      Client client(*this, operation, collection);
      CollectionPtr coll = client.collection(collection);
      CursorPtr cursor(mongoc_collection_find_with_opts(coll.get(), filter, opts, nullptr));
      const bson_t* doc = nullptr;
      while (mongoc_cursor_next(cursor.get(), &doc)) documents.emplace_back(doc);
      return !mongoc_cursor_error(cursor.get(), &error);
    });
    for (const auto& doc : documents) visit(doc.get());
  }

  std::optional<Doc> find_one(const char* operation, const char* collection, const bson_t* filter) {
    Doc opts;
    append_int64(opts.get(), "limit", 1);
    std::optional<Doc> found;
    find(operation, collection, filter, opts.get(), [&](const bson_t* doc) { found.emplace(doc); });
    return found;
  }

  struct UpdateCounts {
    std::int64_t matched = 0;
    std::int64_t modified = 0;
    std::int64_t upserted = 0;
    bool duplicate = false;  // only with report_duplicate: the upsert kept hitting a duplicate key
  };

  // update_one; with `upsert`, a duplicate-key error (two upserts inserting the same new
  // document at once: MongoDB may, FerretDB does, report it instead of retrying) is retried
  // as the update it now is.  A duplicate that persists means a document with this
  // client_id but another username exists: a conflict an operator must resolve; or, for a
  // conditional upsert, that the document exists but fails the condition, which the caller
  // tells apart (`report_duplicate`: counts.duplicate instead of the conflict).
  // `retry`: false when the caller reads the counts (a retry after a lost reply would count
  // the first attempt's effect as "nothing changed").
  UpdateCounts update_one(const char* operation, const char* collection, std::string_view document_key,
                          const bson_t* selector, const bson_t* update, bool upsert, bool retry,
                          bool report_duplicate = false) {
    ensure_indexes();
    std::lock_guard serialise(write_lock(collection, document_key));
    UpdateCounts counts;
    Doc opts;
    if (upsert) check_append(bson_append_bool(opts.get(), "upsert", -1, true));
    bool duplicate = false;
    auto attempt = [&](bson_error_t& error) {
      Client client(*this, operation, collection);
      CollectionPtr coll = client.collection(collection);
      Reply reply;
      if (!mongoc_collection_update_one(coll.get(), selector, update, opts.get(), reply.get(), &error)) {
        duplicate = is_duplicate_key(error);
        return false;
      }
      counts.matched = reply.count("matchedCount");
      counts.modified = reply.count("modifiedCount");
      counts.upserted = reply.count("upsertedCount");
      return true;
    };
    run(operation, collection, [&](bson_error_t& error) {
      if (attempt(error)) return true;
      if (duplicate && upsert) {
        error = bson_error_t{};
        if (attempt(error)) return true;
        if (duplicate && report_duplicate) {
          counts = UpdateCounts{};
          counts.duplicate = true;
          return true;
        }
        if (duplicate)
          fail(WAVE_ERR_CONFLICT, std::string("MongoDB ") + operation + " on " + options.database + "." + collection +
                                      ": another document already holds this key (" + redact(error.message) +
                                      "); a document with the same client_id but another username may exist: "
                                      "fix or delete it");
      }
      return false;
    }, retry);
    return counts;
  }
};

namespace {
std::once_flag mongoc_init_once;
}

MongoDirectoryStore::MongoDirectoryStore(MongoOptions options) : impl_(std::make_unique<Impl>()) {
  // The driver keeps global state for the life of the process; never cleaned up here
  // because other users in the process may share it.
  std::call_once(mongoc_init_once, [] { mongoc_init(); });

  Impl& impl = *impl_;
  impl.options = std::move(options);
  impl.raw_password = password_in_uri(impl.options.uri);

  const std::string& db = impl.options.database;
  if (db.empty() || db.size() > 63 || db.find_first_of(std::string("/\\. \"$*<>:|?\0", 13)) != std::string::npos)
    fail(WAVE_ERR_CONFIG, "MongoDB: invalid database name '" + db +
                              "' (1-63 characters, none of / \\ . space \" $ * < > : | ?)");
  if (impl.options.timeout_ms <= 0 || impl.options.timeout_ms > INT32_MAX)
    fail(WAVE_ERR_CONFIG, "MongoDB: the timeout must be between 1 and 2147483647 ms");

  bson_error_t error{};
  impl.uri.reset(mongoc_uri_new_with_error(impl.options.uri.c_str(), &error));
  if (!impl.uri) fail(WAVE_ERR_CONFIG, "MongoDB: invalid URI (" + impl.redact(error.message) +
                                           "); expected mongodb://[user:password@]host[:port][/?options]");
  if (const char* password = mongoc_uri_get_password(impl.uri.get())) impl.decoded_password = password;

  for (const mongoc_host_list_t* host = mongoc_uri_get_hosts(impl.uri.get()); host != nullptr; host = host->next) {
    if (!impl.servers.empty()) impl.servers += ",";
    impl.servers += host->host_and_port;
  }
  if (impl.servers.empty()) {
    const char* srv = mongoc_uri_get_srv_hostname(impl.uri.get());
    impl.servers = srv ? std::string("srv:") + srv : "(no host)";
  }

  // One budget bounds every wait: finding a server, connecting, each reply, and waiting
  // for a free pooled connection; so a dead server fails fast instead of hanging.
  const auto timeout = static_cast<std::int32_t>(impl.options.timeout_ms);
  for (const char* option : {MONGOC_URI_SERVERSELECTIONTIMEOUTMS, MONGOC_URI_CONNECTTIMEOUTMS,
                             MONGOC_URI_SOCKETTIMEOUTMS, MONGOC_URI_WAITQUEUETIMEOUTMS}) {
    if (!mongoc_uri_set_option_as_int32(impl.uri.get(), option, timeout))
      fail(WAVE_ERR_CONFIG, std::string("MongoDB: could not set ") + option + " on the URI");
  }

  // The driver's retryable reads would retry a read that timed out, doubling the wait;
  // the store retries fast connection failures itself (Impl::run).  Retryable writes stay
  // as configured: on a replica set they make a write survive a failover exactly once.
  if (!mongoc_uri_set_option_as_bool(impl.uri.get(), MONGOC_URI_RETRYREADS, false))
    fail(WAVE_ERR_CONFIG, "MongoDB: could not set retryReads on the URI");

  impl.pool.reset(mongoc_client_pool_new_with_error(impl.uri.get(), &error));
  if (!impl.pool) fail(WAVE_ERR_CONFIG, "MongoDB: cannot use the URI (" + impl.redact(error.message) + ")");
  // Version 2 reports server replies in MONGOC_ERROR_SERVER with the server's own code
  // (11000 for a duplicate key), which the error mapping relies on.
  if (!mongoc_client_pool_set_error_api(impl.pool.get(), MONGOC_ERROR_API_VERSION_2))
    fail(WAVE_ERR_INTERNAL, "MongoDB: could not select the driver's error API version 2");
  mongoc_client_pool_set_appname(impl.pool.get(), "wave");

  // Indexes at start-up; when MongoDB is not reachable yet, the first operation retries.
  try {
    impl.ensure_indexes();
  } catch (const Error& e) {
    if (e.status() != WAVE_ERR_UNAVAILABLE && e.status() != WAVE_ERR_TIMEOUT) throw;
  }
}

MongoDirectoryStore::~MongoDirectoryStore() = default;

const std::string& MongoDirectoryStore::database() const noexcept { return impl_->options.database; }

void MongoDirectoryStore::ping() {
  impl_->run("ping", "$cmd", [&](bson_error_t& error) {
    Impl::Client client(*impl_, "ping", "$cmd");
    Doc command;
    check_append(bson_append_int32(command.get(), "ping", -1, 1));
    Reply reply;
    return mongoc_client_command_simple(client.get(), impl_->options.database.c_str(), command.get(), nullptr,
                                        reply.get(), &error);
  });
}

// ---- identities ---------------------------------------------------------------------------

std::optional<std::string> MongoDirectoryStore::find_identity(std::string_view app_user_id) {
  require_text(app_user_id, "app user ID");
  Doc filter = id_selector(app_user_id);
  auto doc = impl_->find_one("find identity", kIdentityCollection, filter.get());
  if (!doc) return std::nullopt;
  return required_string(doc->get(), "internal_id", kIdentityCollection, app_user_id);
}

std::string MongoDirectoryStore::claim_identity(std::string_view app_user_id, std::string_view proposed_internal_id) {
  require_text(app_user_id, "app user ID");
  require_topic_safe_id(proposed_internal_id, "internal ID");
  // Most claims are for users who already have an ID: read first, insert only when absent.
  if (auto existing = find_identity(app_user_id)) return *existing;

  Doc document;
  append_string(document.get(), "_id", app_user_id);
  append_string(document.get(), "internal_id", proposed_internal_id);
  check_append(bson_append_now_utc(document.get(), "created_at", -1));
  bool duplicate = false;
  impl_->ensure_indexes();
  impl_->run("claim identity", kIdentityCollection, [&](bson_error_t& error) {
    Impl::Client client(*impl_, "claim identity", kIdentityCollection);
    CollectionPtr coll = client.collection(kIdentityCollection);
    Reply reply;
    if (mongoc_collection_insert_one(coll.get(), document.get(), nullptr, reply.get(), &error)) return true;
    // A concurrent claim won (or our own first attempt did, before a lost reply).
    duplicate = is_duplicate_key(error);
    return duplicate;
  });
  if (!duplicate) return std::string(proposed_internal_id);
  if (auto winner = find_identity(app_user_id)) return *winner;
  // The duplicate was not on _id: the proposed internal ID belongs to another app user.
  fail(WAVE_ERR_CONFLICT, "MongoDB claim identity on " + impl_->options.database + "." + kIdentityCollection +
                              ": the proposed internal ID is already assigned to another app user");
}

std::vector<std::optional<std::string>> MongoDirectoryStore::find_identities(
    const std::vector<std::string>& app_user_ids) {
  std::vector<std::optional<std::string>> result(app_user_ids.size());
  if (app_user_ids.empty()) return result;
  const std::vector<std::string> unique = unique_in_order(app_user_ids, "app user ID");

  Doc filter;
  bson_t id_condition;
  check_append(bson_append_document_begin(filter.get(), "_id", -1, &id_condition));
  append_string_array(&id_condition, "$in", unique);
  check_append(bson_append_document_end(filter.get(), &id_condition));
  Doc opts;
  bson_t projection;
  check_append(bson_append_document_begin(opts.get(), "projection", -1, &projection));
  check_append(bson_append_int32(&projection, "internal_id", -1, 1));
  check_append(bson_append_document_end(opts.get(), &projection));

  std::unordered_map<std::string, std::string> found;
  impl_->find("find identities", kIdentityCollection, filter.get(), opts.get(), [&](const bson_t* doc) {
    bson_iter_t it;
    if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_UTF8(&it)) return;  // not one of ours
    std::uint32_t length = 0;
    const char* text = bson_iter_utf8(&it, &length);
    std::string app_user_id(text, length);
    std::string internal_id = required_string(doc, "internal_id", kIdentityCollection, app_user_id);
    found.emplace(std::move(app_user_id), std::move(internal_id));
  });
  for (std::size_t i = 0; i < app_user_ids.size(); ++i) {
    if (auto it = found.find(app_user_ids[i]); it != found.end()) result[i] = it->second;
  }
  return result;
}

// ---- VerneMQ ACL documents ----------------------------------------------------------------

std::optional<AclDocument> MongoDirectoryStore::find_acl(std::string_view internal_id) {
  require_topic_safe_id(internal_id, "internal ID");
  Doc selector = acl_selector(internal_id);
  auto doc = impl_->find_one("find ACL document", kAclCollection, selector.get());
  if (!doc) return std::nullopt;
  AclDocument acl;
  acl.internal_id = std::string(internal_id);
  acl.app_user_id = string_field(doc->get(), "wave_app_user_id", kAclCollection, internal_id).value_or("");
  acl.passhash = string_field(doc->get(), "passhash", kAclCollection, internal_id).value_or("");
  acl.credential_id = string_field(doc->get(), "wave_credential_id", kAclCollection, internal_id).value_or("");
  acl.publish_acl = pattern_array(doc->get(), "publish_acl", internal_id);
  acl.subscribe_acl = pattern_array(doc->get(), "subscribe_acl", internal_id);
  return acl;
}

namespace {

// {$addToSet: {publish_acl: {$each: [...]}, subscribe_acl: {$each: [...]}}}.  An empty
// $each still creates the array, so VerneMQ always finds both fields.
void append_add_to_set(bson_t* update, const std::vector<std::string>& publish,
                       const std::vector<std::string>& subscribe) {
  bson_t add_to_set;
  check_append(bson_append_document_begin(update, "$addToSet", -1, &add_to_set));
  for (const auto& [field, patterns] : {std::pair<const char*, const std::vector<std::string>*>{"publish_acl", &publish},
                                        {"subscribe_acl", &subscribe}}) {
    bson_t each;
    check_append(bson_append_document_begin(&add_to_set, field, -1, &each));
    append_pattern_array(&each, "$each", *patterns);
    check_append(bson_append_document_end(&add_to_set, &each));
  }
  check_append(bson_append_document_end(update, &add_to_set));
}

}  // namespace

bool MongoDirectoryStore::upsert_credentials(std::string_view internal_id, std::string_view app_user_id,
                                             std::string_view passhash, std::string_view credential_id,
                                             std::string_view expected_credential_id,
                                             const std::vector<std::string>& publish_patterns,
                                             const std::vector<std::string>& subscribe_patterns) {
  require_topic_safe_id(internal_id, "internal ID");
  require_text(app_user_id, "app user ID");
  require_text(passhash, "passhash");
  require_text(credential_id, "credential ID");
  if (!expected_credential_id.empty()) require_text(expected_credential_id, "expected credential ID");
  const auto publish = unique_in_order(publish_patterns, "publish pattern");
  const auto subscribe = unique_in_order(subscribe_patterns, "subscribe pattern");

  // Compare-and-set in the selector: wave_credential_id $in [expected, ours, null] (null
  // also matches a missing field, on MongoDB and FerretDB alike).  When nothing matches,
  // the upsert tries to insert a second document for this client and the unique index
  // refuses it: that duplicate is the "changed meanwhile" answer.
  Doc selector = acl_selector(internal_id);
  {
    bson_t condition;
    bson_t allowed;
    check_append(bson_append_document_begin(selector.get(), "wave_credential_id", -1, &condition));
    check_append(bson_append_array_begin(&condition, "$in", -1, &allowed));
    std::uint32_t index = 0;
    const auto append_next = [&](std::string_view value) {
      char index_buffer[16];
      const char* index_key = nullptr;
      const std::size_t index_len = bson_uint32_to_string(index++, &index_key, index_buffer, sizeof index_buffer);
      if (value.empty()) {
        check_append(bson_append_null(&allowed, index_key, static_cast<int>(index_len)));
      } else {
        check_append(bson_append_utf8(&allowed, index_key, static_cast<int>(index_len), value.data(),
                                      bson_length(value)));
      }
    };
    if (!expected_credential_id.empty() && expected_credential_id != credential_id) append_next(expected_credential_id);
    append_next(credential_id);
    append_next("");
    check_append(bson_append_array_end(&condition, &allowed));
    check_append(bson_append_document_end(selector.get(), &condition));
  }
  Doc update;
  bson_t set;
  check_append(bson_append_document_begin(update.get(), "$set", -1, &set));
  append_string(&set, "passhash", passhash);
  append_string(&set, "wave_credential_id", credential_id);
  append_string(&set, "wave_app_user_id", app_user_id);
  // Milliseconds as an int64, not a BSON date: VerneMQ hands the whole document to Lua,
  // which takes strings, numbers and booleans only.
  append_int64(&set, "wave_updated_at_ms", now_ms());
  check_append(bson_append_document_end(update.get(), &set));
  append_add_to_set(update.get(), publish, subscribe);
  // Retried after a lost reply: a first attempt that took effect still matches (ours is in
  // the allowed set), so the retry changes nothing.
  const auto counts = impl_->update_one("upsert credentials", kAclCollection, internal_id, selector.get(),
                                        update.get(), true, true, true);
  if (!counts.duplicate) return true;
  // The duplicate is either this user's document holding another credential (the
  // compare-and-set said no) or a document with this client_id but another username.
  Doc plain = acl_selector(internal_id);
  if (impl_->find_one("upsert credentials", kAclCollection, plain.get())) return false;
  fail(WAVE_ERR_CONFLICT, "MongoDB upsert credentials on " + impl_->options.database + "." + kAclCollection +
                              ": another document already holds this client_id (a document with the same "
                              "client_id but another username may exist: fix or delete it)");
}

bool MongoDirectoryStore::replace_passhash(std::string_view internal_id, std::string_view credential_id,
                                           std::string_view new_passhash, std::string_view new_credential_id) {
  require_topic_safe_id(internal_id, "internal ID");
  require_text(credential_id, "credential ID");
  require_text(new_passhash, "passhash");
  require_text(new_credential_id, "new credential ID");
  // Compare-and-set in one command: the credential ID is part of the selector.
  Doc selector = acl_selector(internal_id);
  append_string(selector.get(), "wave_credential_id", credential_id);
  Doc update;
  bson_t set;
  check_append(bson_append_document_begin(update.get(), "$set", -1, &set));
  append_string(&set, "passhash", new_passhash);
  append_string(&set, "wave_credential_id", new_credential_id);
  append_int64(&set, "wave_updated_at_ms", now_ms());
  check_append(bson_append_document_end(update.get(), &set));
  return impl_->update_one("replace passhash", kAclCollection, internal_id, selector.get(), update.get(), false, false).matched == 1;
}

void MongoDirectoryStore::add_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                                       const std::vector<std::string>& subscribe) {
  require_topic_safe_id(internal_id, "internal ID");
  const auto unique_publish = unique_in_order(publish, "publish pattern");
  const auto unique_subscribe = unique_in_order(subscribe, "subscribe pattern");
  Doc selector = acl_selector(internal_id);
  Doc update;
  bson_t set;
  check_append(bson_append_document_begin(update.get(), "$set", -1, &set));
  append_int64(&set, "wave_updated_at_ms", now_ms());
  check_append(bson_append_document_end(update.get(), &set));
  append_add_to_set(update.get(), unique_publish, unique_subscribe);
  impl_->update_one("add patterns", kAclCollection, internal_id, selector.get(), update.get(), true, true);
}

void MongoDirectoryStore::remove_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                                          const std::vector<std::string>& subscribe) {
  require_topic_safe_id(internal_id, "internal ID");
  const auto unique_publish = unique_in_order(publish, "publish pattern");
  const auto unique_subscribe = unique_in_order(subscribe, "subscribe pattern");
  if (unique_publish.empty() && unique_subscribe.empty()) return;
  Doc selector = acl_selector(internal_id);
  Doc update;
  // $pullAll of whole {pattern} documents rather than $pull with {pattern: {$in: [...]}}:
  // FerretDB v1 silently removes nothing when $pull is given a query condition.  Wave writes
  // entries as exactly {pattern: <string>}, so exact-document matching removes them on
  // both MongoDB and FerretDB.
  bson_t pull_all;
  check_append(bson_append_document_begin(update.get(), "$pullAll", -1, &pull_all));
  if (!unique_publish.empty()) append_pattern_array(&pull_all, "publish_acl", unique_publish);
  if (!unique_subscribe.empty()) append_pattern_array(&pull_all, "subscribe_acl", unique_subscribe);
  check_append(bson_append_document_end(update.get(), &pull_all));
  bson_t set;
  check_append(bson_append_document_begin(update.get(), "$set", -1, &set));
  append_int64(&set, "wave_updated_at_ms", now_ms());
  check_append(bson_append_document_end(update.get(), &set));
  impl_->update_one("remove patterns", kAclCollection, internal_id, selector.get(), update.get(), false, true);
}

// ---- groups ---------------------------------------------------------------------------------

void MongoDirectoryStore::insert_group(const Group& group) {
  require_topic_safe_id(group.id, "group ID");
  if (group.name.find('\0') != std::string::npos || !bson_utf8_validate(group.name.data(), group.name.size(), false))
    fail(WAVE_ERR_INVALID_ARGUMENT, "MongoDB store: the group name is not valid UTF-8 text");
  require_topic_safe_id(group.owner, "group owner");
  std::vector<std::string> members = unique_in_order(group.members, "group member");
  for (const auto& member : members) require_topic_safe_id(member, "group member");

  Doc document;
  append_string(document.get(), "_id", group.id);
  append_string(document.get(), "name", group.name);
  append_string(document.get(), "owner", group.owner);
  append_string_array(document.get(), "members", members);
  check_append(bson_append_now_utc(document.get(), "created_at", -1));

  impl_->ensure_indexes();
  // Not retried: after a lost reply, a second insert would report our own group as a
  // conflict.
  const auto started = std::chrono::steady_clock::now();
  bson_error_t error{};
  bool inserted = false;
  {
    Impl::Client client(*impl_, "insert group", kGroupCollection);
    CollectionPtr coll = client.collection(kGroupCollection);
    Reply reply;
    inserted = mongoc_collection_insert_one(coll.get(), document.get(), nullptr, reply.get(), &error);
  }
  if (inserted) return;
  if (is_duplicate_key(error))
    fail(WAVE_ERR_CONFLICT, "MongoDB insert group: a group with ID '" + group.id + "' already exists");
  impl_->fail_driver(error, "insert group", kGroupCollection, started);
}

std::optional<Group> MongoDirectoryStore::find_group(std::string_view group_id) {
  require_text(group_id, "group ID");
  Doc filter = id_selector(group_id);
  auto doc = impl_->find_one("find group", kGroupCollection, filter.get());
  if (!doc) return std::nullopt;
  return group_from(doc->get());
}

namespace {
Doc member_update(const char* op, std::string_view internal_id) {
  Doc update;
  bson_t inner;
  check_append(bson_append_document_begin(update.get(), op, -1, &inner));
  append_string(&inner, "members", internal_id);
  check_append(bson_append_document_end(update.get(), &inner));
  return update;
}
}  // namespace

bool MongoDirectoryStore::add_group_member(std::string_view group_id, std::string_view internal_id) {
  require_text(group_id, "group ID");
  require_topic_safe_id(internal_id, "internal ID");
  Doc selector = id_selector(group_id);
  Doc update = member_update("$addToSet", internal_id);
  const auto counts = impl_->update_one("add group member", kGroupCollection, group_id, selector.get(), update.get(), false, false);
  if (counts.matched == 0) fail(WAVE_ERR_NOT_FOUND, "no group with ID '" + std::string(group_id) + "'");
  return counts.modified == 1;
}

bool MongoDirectoryStore::remove_group_member(std::string_view group_id, std::string_view internal_id) {
  require_text(group_id, "group ID");
  require_topic_safe_id(internal_id, "internal ID");
  Doc selector = id_selector(group_id);
  Doc update = member_update("$pull", internal_id);
  const auto counts = impl_->update_one("remove group member", kGroupCollection, group_id, selector.get(), update.get(), false, false);
  if (counts.matched == 0) fail(WAVE_ERR_NOT_FOUND, "no group with ID '" + std::string(group_id) + "'");
  return counts.modified == 1;
}

namespace {
struct FindAndModifyOptsDeleter {
  void operator()(mongoc_find_and_modify_opts_t* opts) const { mongoc_find_and_modify_opts_destroy(opts); }
};
using FindAndModifyOptsPtr = std::unique_ptr<mongoc_find_and_modify_opts_t, FindAndModifyOptsDeleter>;
}  // namespace

std::optional<Group> MongoDirectoryStore::delete_group(std::string_view group_id) {
  require_text(group_id, "group ID");
  Doc selector = id_selector(group_id);
  impl_->ensure_indexes();
  std::optional<Doc> deleted;
  // findAndModify with remove: the document as it was when it went, so the caller sees the
  // members added since it last read the group.  Serialised with this process's member
  // updates of the group.  Not retried: a retry after a lost reply would find nothing and
  // report "no such group".
  std::lock_guard serialise(impl_->write_lock(kGroupCollection, group_id));
  impl_->run("delete group", kGroupCollection, [&](bson_error_t& error) {
    Impl::Client client(*impl_, "delete group", kGroupCollection);
    CollectionPtr coll = client.collection(kGroupCollection);
    FindAndModifyOptsPtr opts(mongoc_find_and_modify_opts_new());
    if (!opts || !mongoc_find_and_modify_opts_set_flags(opts.get(), MONGOC_FIND_AND_MODIFY_REMOVE))
      fail(WAVE_ERR_NO_MEMORY, "MongoDB delete group: cannot build the findAndModify options");
    Reply reply;
    if (!mongoc_collection_find_and_modify_with_opts(coll.get(), selector.get(), opts.get(), reply.get(), &error))
      return false;
    bson_iter_t it;
    if (bson_iter_init_find(&it, reply.get(), "value") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      std::uint32_t length = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_document(&it, &length, &data);
      bson_t value;
      if (!bson_init_static(&value, data, length))
        fail(WAVE_ERR_BACKEND, "MongoDB delete group: the server returned a malformed document");
      deleted.emplace(&value);
    }
    return true;
  }, false);
  if (!deleted) return std::nullopt;
  return group_from(deleted->get());
}

std::vector<Group> MongoDirectoryStore::groups_of(std::string_view internal_id) {
  require_topic_safe_id(internal_id, "internal ID");
  Doc filter;
  append_string(filter.get(), "members", internal_id);  // matches an element of the array
  Doc opts;
  bson_t sort;
  check_append(bson_append_document_begin(opts.get(), "sort", -1, &sort));
  check_append(bson_append_int32(&sort, "_id", -1, 1));
  check_append(bson_append_document_end(opts.get(), &sort));
  std::vector<Group> groups;
  impl_->find("list groups of member", kGroupCollection, filter.get(), opts.get(),
              [&](const bson_t* doc) { groups.push_back(group_from(doc)); });
  return groups;
}

}  // namespace wave
