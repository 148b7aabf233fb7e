#include "mongo/mongo_client.hpp"

#include <climits>
#include <utility>

#include "common/error.hpp"

namespace wave::mongo {
namespace {

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

struct CollectionDeleter {
  void operator()(mongoc_collection_t* c) const { mongoc_collection_destroy(c); }
};
using CollectionPtr = std::unique_ptr<mongoc_collection_t, CollectionDeleter>;

struct CursorDeleter {
  void operator()(mongoc_cursor_t* c) const { mongoc_cursor_destroy(c); }
};
using CursorPtr = std::unique_ptr<mongoc_cursor_t, CursorDeleter>;

struct FindAndModifyOptsDeleter {
  void operator()(mongoc_find_and_modify_opts_t* opts) const { mongoc_find_and_modify_opts_destroy(opts); }
};
using FindAndModifyOptsPtr = std::unique_ptr<mongoc_find_and_modify_opts_t, FindAndModifyOptsDeleter>;

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

std::once_flag mongoc_init_once;

}  // namespace

// A client borrowed from the pool for the duration of one operation.
class MongoClient::PooledClient {
 public:
  PooledClient(MongoClient& owner, const char* operation, const char* collection) : owner_(owner) {
    client_ = mongoc_client_pool_pop(owner.pool_.get());  // waits up to waitQueueTimeoutMS
    if (client_ == nullptr)
      fail(WAVE_ERR_TIMEOUT, std::string("MongoDB ") + operation + " on " + owner.options_.database + "." +
                                 collection + ": every pooled connection stayed busy for " +
                                 std::to_string(owner.options_.timeout_ms) +
                                 " ms (MongoDB is slow or overloaded; check its load and the pool size, "
                                 "maxPoolSize in the URI)");
  }
  ~PooledClient() { mongoc_client_pool_push(owner_.pool_.get(), client_); }
  PooledClient(const PooledClient&) = delete;
  PooledClient& operator=(const PooledClient&) = delete;
  CollectionPtr collection(const char* name) const {
    return CollectionPtr(mongoc_client_get_collection(client_, owner_.options_.database.c_str(), name));
  }
  mongoc_client_t* get() const noexcept { return client_; }

 private:
  MongoClient& owner_;
  mongoc_client_t* client_ = nullptr;
};

MongoClient::MongoClient(MongoOptions options, std::vector<IndexSpec> indexes)
    : options_(std::move(options)), indexes_(std::move(indexes)) {
  // The driver keeps global state for the life of the process; never cleaned up here
  // because other users in the process may share it.
  std::call_once(mongoc_init_once, [] { mongoc_init(); });
  raw_password_ = password_in_uri(options_.uri);

  const std::string& db = options_.database;
  if (db.empty() || db.size() > 63 || db.find_first_of(std::string("/\\. \"$*<>:|?\0", 13)) != std::string::npos)
    fail(WAVE_ERR_CONFIG, "MongoDB: invalid database name '" + db +
                              "' (1-63 characters, none of / \\ . space \" $ * < > : | ?)");
  if (options_.timeout_ms <= 0 || options_.timeout_ms > INT32_MAX)
    fail(WAVE_ERR_CONFIG, "MongoDB: the timeout must be between 1 and 2147483647 ms");

  bson_error_t error{};
  uri_.reset(mongoc_uri_new_with_error(options_.uri.c_str(), &error));
  if (!uri_) fail(WAVE_ERR_CONFIG, "MongoDB: invalid URI (" + redact(error.message) +
                                       "); expected mongodb://[user:password@]host[:port][/?options]");
  if (const char* password = mongoc_uri_get_password(uri_.get())) decoded_password_ = password;

  for (const mongoc_host_list_t* host = mongoc_uri_get_hosts(uri_.get()); host != nullptr; host = host->next) {
    if (!servers_.empty()) servers_ += ",";
    servers_ += host->host_and_port;
  }
  if (servers_.empty()) {
    const char* srv = mongoc_uri_get_srv_hostname(uri_.get());
    servers_ = srv ? std::string("srv:") + srv : "(no host)";
  }

  // One budget bounds every wait: finding a server, connecting, each reply, and waiting
  // for a free pooled connection; so a dead server fails fast instead of hanging.
  const auto timeout = static_cast<std::int32_t>(options_.timeout_ms);
  for (const char* option : {MONGOC_URI_SERVERSELECTIONTIMEOUTMS, MONGOC_URI_CONNECTTIMEOUTMS,
                             MONGOC_URI_SOCKETTIMEOUTMS, MONGOC_URI_WAITQUEUETIMEOUTMS}) {
    if (!mongoc_uri_set_option_as_int32(uri_.get(), option, timeout))
      fail(WAVE_ERR_CONFIG, std::string("MongoDB: could not set ") + option + " on the URI");
  }

  // The driver's retryable reads would retry a read that timed out, doubling the wait;
  // the client retries fast connection failures itself (run).  Retryable writes stay as
  // configured: on a replica set they make a write survive a failover exactly once.
  if (!mongoc_uri_set_option_as_bool(uri_.get(), MONGOC_URI_RETRYREADS, false))
    fail(WAVE_ERR_CONFIG, "MongoDB: could not set retryReads on the URI");

  pool_.reset(mongoc_client_pool_new_with_error(uri_.get(), &error));
  if (!pool_) fail(WAVE_ERR_CONFIG, "MongoDB: cannot use the URI (" + redact(error.message) + ")");
  // Version 2 reports server replies in MONGOC_ERROR_SERVER with the server's own code
  // (11000 for a duplicate key), which the error mapping relies on.
  if (!mongoc_client_pool_set_error_api(pool_.get(), MONGOC_ERROR_API_VERSION_2))
    fail(WAVE_ERR_INTERNAL, "MongoDB: could not select the driver's error API version 2");
  mongoc_client_pool_set_appname(pool_.get(), "wave");
}

MongoClient::~MongoClient() = default;

std::mutex& MongoClient::write_lock(const char* collection, std::string_view key) {
  const std::size_t hash = std::hash<std::string_view>{}(key) ^ (std::hash<std::string_view>{}(collection) * 31);
  return write_stripes_[hash % kWriteStripes];
}

std::string MongoClient::redact(std::string text) const {
  replace_all(text, raw_password_);
  replace_all(text, decoded_password_);
  return text;
}

void MongoClient::fail_driver(const bson_error_t& error, const char* operation, const char* collection,
                              std::chrono::steady_clock::time_point started) const {
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  const std::string where = std::string("MongoDB ") + operation + " on " + options_.database + "." + collection;
  const std::string detail = redact(error.message);
  if (error.domain == MONGOC_ERROR_SERVER_SELECTION) {
    fail(WAVE_ERR_UNAVAILABLE, where + ": no MongoDB server reachable at " + servers_ + " within " +
                                   std::to_string(options_.timeout_ms) + " ms (" + detail +
                                   "); check that MongoDB is running and reachable from this host");
  }
  if (error.domain == MONGOC_ERROR_STREAM) {
    // The driver reports a read timeout and a dropped connection alike ("socket error or
    // timeout"): the time spent tells them apart.
    if (error.code == MONGOC_ERROR_STREAM_SOCKET && elapsed_ms + 50 >= options_.timeout_ms) {
      fail(WAVE_ERR_TIMEOUT, where + ": MongoDB at " + servers_ + " did not answer within " +
                                 std::to_string(options_.timeout_ms) + " ms (" + detail +
                                 "); check the server's load and the network");
    }
    fail(WAVE_ERR_UNAVAILABLE, where + ": the connection to MongoDB at " + servers_ + " failed (" + detail +
                                   "); check that MongoDB is running and reachable from this host");
  }
  if (error.domain == MONGOC_ERROR_CLIENT && error.code == MONGOC_ERROR_CLIENT_AUTHENTICATE) {
    fail(WAVE_ERR_BACKEND, where + ": MongoDB at " + servers_ + " refused the credentials (" + detail +
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
                               options_.database);
  }
  fail(WAVE_ERR_BACKEND, where + " failed (" + detail + ", domain " + std::to_string(error.domain) + ", code " +
                             std::to_string(error.code) + "); check the server's log");
}

// True for faults where a second attempt on a fresh connection may succeed at once: a
// pooled connection the server closed (it restarted) fails fast with a stream error, and
// the driver then reconnects.  Timeouts are not retried: the budget is spent.
bool MongoClient::worth_retrying(const bson_error_t& error, std::chrono::steady_clock::time_point started) const {
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return error.domain == MONGOC_ERROR_STREAM && elapsed_ms + 50 < options_.timeout_ms;
}

template <class Attempt>
void MongoClient::run(const char* operation, const char* collection, Attempt&& attempt, Retry retry) {
  const auto started = std::chrono::steady_clock::now();
  bson_error_t error{};
  if (attempt(error)) return;
  if (retry == Retry::after_fast_connection_failure && worth_retrying(error, started)) {
    error = bson_error_t{};
    if (attempt(error)) return;
  }
  fail_driver(error, operation, collection, started);
}

// ---- indexes ----------------------------------------------------------------------------

void MongoClient::create_indexes_on(const char* collection, const std::vector<const IndexSpec*>& specs) {
  const Doc command = build_document([&](BsonWriter& doc) {
    doc.text("createIndexes", collection);
    doc.array("indexes", [&](BsonWriter& indexes) {
      for (const IndexSpec* spec : specs) {
        indexes.push_document([&](BsonWriter& index) {
          index.document("key", [&](BsonWriter& keys) {
            for (const char* field : spec->fields) keys.int32(field, 1);
          });
          index.text("name", spec->name);
          if (spec->unique) index.boolean("unique", true);
        });
      }
    });
  });
  run("createIndexes", collection, [&](bson_error_t& error) {
    PooledClient client(*this, "createIndexes", collection);
    CollectionPtr coll = client.collection(collection);
    Reply reply;
    if (mongoc_collection_write_command_with_opts(coll.get(), command.get(), nullptr, reply.get(), &error))
      return true;
    if (is_duplicate_key(error)) {
      fail(WAVE_ERR_BACKEND, std::string("MongoDB createIndexes on ") + options_.database + "." + collection +
                                 ": existing documents violate a unique index (" + redact(error.message) +
                                 "); remove the duplicate documents, then restart");
    }
    if (error.domain == MONGOC_ERROR_SERVER && (error.code == 85 || error.code == 86)) {
      // IndexOptionsConflict / IndexKeySpecsConflict: someone made a similar index.
      fail(WAVE_ERR_BACKEND, std::string("MongoDB createIndexes on ") + options_.database + "." + collection +
                                 ": an index on the same fields exists with another name or options (" +
                                 redact(error.message) + "); drop it so Wave can create its own, then restart");
    }
    return false;
  }, Retry::after_fast_connection_failure);
}

// No mutex: while MongoDB is down, callers would queue behind each other's timeouts, and
// concurrent createIndexes commands are harmless.
void MongoClient::ensure_indexes() {
  if (indexes_ready_.load(std::memory_order_acquire)) return;
  // One createIndexes command per index: FerretDB v1 (SQLite) drops the connection on a
  // command that lists two indexes of one collection (a panic in its handler).
  for (const auto& spec : indexes_) create_indexes_on(spec.collection, {&spec});
  indexes_ready_.store(true, std::memory_order_release);
}

// ---- operations -------------------------------------------------------------------------

std::vector<Doc> MongoClient::find(const char* operation, const char* collection, const bson_t* filter,
                                   const bson_t* opts) {
  ensure_indexes();
  std::vector<Doc> documents;
  run(operation, collection, [&](bson_error_t& error) {
    documents.clear();
    PooledClient client(*this, operation, collection);
    CollectionPtr coll = client.collection(collection);
    CursorPtr cursor(mongoc_collection_find_with_opts(coll.get(), filter, opts, nullptr));
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor.get(), &doc)) documents.emplace_back(doc);
    return !mongoc_cursor_error(cursor.get(), &error);
  }, Retry::after_fast_connection_failure);
  return documents;
}

void MongoClient::ping() {
  run("ping", "$cmd", [&](bson_error_t& error) {
    PooledClient client(*this, "ping", "$cmd");
    const Doc command = build_document([](BsonWriter& doc) { doc.int32("ping", 1); });
    Reply reply;
    return mongoc_client_command_simple(client.get(), options_.database.c_str(), command.get(), nullptr, reply.get(),
                                        &error);
  }, Retry::never);
}

std::optional<Doc> MongoClient::find_one(const char* operation, const char* collection, const bson_t* filter) {
  const Doc opts = build_document([](BsonWriter& doc) { doc.int64("limit", 1); });
  std::vector<Doc> found = find(operation, collection, filter, opts.get());
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

bool MongoClient::insert_one(const char* operation, const char* collection, const bson_t* document, Retry retry) {
  ensure_indexes();
  bool duplicate = false;
  run(operation, collection, [&](bson_error_t& error) {
    PooledClient client(*this, operation, collection);
    CollectionPtr coll = client.collection(collection);
    Reply reply;
    if (mongoc_collection_insert_one(coll.get(), document, nullptr, reply.get(), &error)) return true;
    duplicate = is_duplicate_key(error);
    return duplicate;
  }, retry);
  return !duplicate;
}

UpdateCounts MongoClient::update_one(const char* operation, const char* collection, std::string_view document_key,
                                     const bson_t* selector, const bson_t* update, UpdateOptions options) {
  ensure_indexes();
  std::lock_guard serialise(write_lock(collection, document_key));
  UpdateCounts counts;
  const Doc opts = build_document([&](BsonWriter& doc) {
    if (options.upsert) doc.boolean("upsert", true);
  });
  bool duplicate = false;
  auto attempt = [&](bson_error_t& error) {
    PooledClient client(*this, operation, collection);
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
    if (duplicate && options.upsert) {
      error = bson_error_t{};
      if (attempt(error)) return true;
      if (duplicate && options.report_duplicate) {
        counts = UpdateCounts{};
        counts.duplicate = true;
        return true;
      }
      if (duplicate)
        fail(WAVE_ERR_CONFLICT, std::string("MongoDB ") + operation + " on " + options_.database + "." + collection +
                                    ": another document already holds this key (" + redact(error.message) +
                                    "); a document with the same client_id but another username may exist: "
                                    "fix or delete it");
    }
    return false;
  }, options.retry);
  return counts;
}

std::optional<Doc> MongoClient::find_one_and_delete(const char* operation, const char* collection,
                                                    std::string_view document_key, const bson_t* selector) {
  ensure_indexes();
  std::optional<Doc> deleted;
  std::lock_guard serialise(write_lock(collection, document_key));
  run(operation, collection, [&](bson_error_t& error) {
    PooledClient client(*this, operation, collection);
    CollectionPtr coll = client.collection(collection);
    FindAndModifyOptsPtr opts(mongoc_find_and_modify_opts_new());
    if (!opts || !mongoc_find_and_modify_opts_set_flags(opts.get(), MONGOC_FIND_AND_MODIFY_REMOVE))
      fail(WAVE_ERR_NO_MEMORY, std::string("MongoDB ") + operation + ": cannot build the findAndModify options");
    Reply reply;
    if (!mongoc_collection_find_and_modify_with_opts(coll.get(), selector, opts.get(), reply.get(), &error))
      return false;
    bson_iter_t it;
    if (bson_iter_init_find(&it, reply.get(), "value") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      std::uint32_t length = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_document(&it, &length, &data);
      bson_t value;
      if (!bson_init_static(&value, data, length))
        fail(WAVE_ERR_BACKEND, std::string("MongoDB ") + operation + ": the server returned a malformed document");
      deleted.emplace(&value);
    }
    return true;
  }, Retry::never);
  return deleted;
}

}  // namespace wave::mongo
