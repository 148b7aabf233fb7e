// The MongoDB client of the adapter: a pool of connections, one time budget for every
// wait, a retry for connections the server closed, the mapping of driver faults to
// wave::Error statuses (with the URI's password redacted), lazily created indexes, and the
// handful of collection operations the directory store needs.  Knows nothing of Wave's
// documents: collections, selectors and updates come from the caller.
//
// Thread-safety: one client may be used from any number of threads at once.
// Writes to one document (update_one, find_one_and_delete) are serialised inside the
// process, keyed by collection and document key: FerretDB v1 (SQLite backend) applies
// update operators as an unisolated read-modify-write, so concurrent updates of one
// document lose writes ($addToSet of 16 values from 16 clients kept 4) and a conditional
// update can succeed twice.  MongoDB needs no help and loses nothing but a little
// concurrency on one document.  Several processes writing one document through FerretDB
// remain exposed.
#pragma once

#include <mongoc/mongoc.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mongo/bson_util.hpp"
#include "mongo/mongo_options.hpp"

namespace wave::mongo {

// An index the client makes sure exists before its first successful operation.
struct IndexSpec {
  const char* collection;
  const char* name;
  std::vector<const char*> fields;  // ascending keys, in order
  bool unique = false;
};

// Whether an operation is attempted a second time after a fast connection failure (a
// pooled connection the server closed when it restarted).  Only for operations whose
// result does not depend on whether a first attempt, whose reply was lost, took effect.
enum class Retry { never, after_fast_connection_failure };

struct UpdateOptions {
  bool upsert = false;  // insert a document when nothing matches
  Retry retry = Retry::never;
  // With upsert: a duplicate key that persists on the second attempt is reported in
  // UpdateCounts::duplicate rather than thrown as WAVE_ERR_CONFLICT (a conditional upsert
  // whose condition failed: the caller tells it apart).
  bool report_duplicate = false;
};

struct UpdateCounts {
  std::int64_t matched = 0;
  std::int64_t modified = 0;
  std::int64_t upserted = 0;
  bool duplicate = false;  // only with report_duplicate
};

class MongoClient {
 public:
  // Parses the URI and creates the pool; throws WAVE_ERR_CONFIG for a bad URI, database
  // name or timeout.  Does not connect.
  MongoClient(MongoOptions options, std::vector<IndexSpec> indexes);
  ~MongoClient();
  MongoClient(const MongoClient&) = delete;
  MongoClient& operator=(const MongoClient&) = delete;

  const MongoOptions& options() const noexcept { return options_; }

  // Creates the indexes unless that succeeded before; once it did, this costs an atomic
  // load.  Every operation below calls it first.
  void ensure_indexes();

  // The ping command (readiness checks): returns when the server answers, throws the
  // mapped fault otherwise.  Never retried: a readiness check reports what it sees.
  void ping();

  // Runs a find; the documents it returned, in order.
  std::vector<Doc> find(const char* operation, const char* collection, const bson_t* filter, const bson_t* opts);
  std::optional<Doc> find_one(const char* operation, const char* collection, const bson_t* filter);

  // insert_one: true when inserted, false on a duplicate key (the caller knows which key).
  bool insert_one(const char* operation, const char* collection, const bson_t* document, Retry retry);

  // update_one of the document `document_key` names (for serialising writes).  With
  // upsert, a duplicate-key error (two upserts inserting the same new document at once:
  // MongoDB may, FerretDB does, report it instead of retrying) is retried as the update it
  // now is; a duplicate that persists means another document holds the unique key:
  // WAVE_ERR_CONFLICT, or counts.duplicate with report_duplicate.
  UpdateCounts update_one(const char* operation, const char* collection, std::string_view document_key,
                          const bson_t* selector, const bson_t* update, UpdateOptions options);

  // findAndModify with remove: the document as it was when it went; nullopt when nothing
  // matched.  Never retried (a retry after a lost reply would find nothing).
  std::optional<Doc> find_one_and_delete(const char* operation, const char* collection,
                                         std::string_view document_key, const bson_t* selector);

 private:
  class PooledClient;
  struct UriDeleter {
    void operator()(mongoc_uri_t* uri) const { mongoc_uri_destroy(uri); }
  };
  struct PoolDeleter {
    void operator()(mongoc_client_pool_t* pool) const { mongoc_client_pool_destroy(pool); }
  };

  std::mutex& write_lock(const char* collection, std::string_view key);
  std::string redact(std::string text) const;
  [[noreturn]] void fail_driver(const bson_error_t& error, const char* operation, const char* collection,
                                std::chrono::steady_clock::time_point started) const;
  bool worth_retrying(const bson_error_t& error, std::chrono::steady_clock::time_point started) const;
  // Runs `attempt` (false with the error filled on a driver fault), once more after a fast
  // connection failure when `retry` allows it; throws the mapped fault otherwise.
  // (A template, not std::function: bson_error_t's alignment attribute would be dropped.)
  template <class Attempt>
  void run(const char* operation, const char* collection, Attempt&& attempt, Retry retry);
  void create_indexes_on(const char* collection, const std::vector<const IndexSpec*>& specs);

  MongoOptions options_;
  std::vector<IndexSpec> indexes_;
  std::string raw_password_;      // as written in the URI (maybe percent-encoded)
  std::string decoded_password_;  // as the driver decoded it
  std::string servers_;           // "host:port,..." for messages, never with credentials
  std::unique_ptr<mongoc_uri_t, UriDeleter> uri_;
  std::unique_ptr<mongoc_client_pool_t, PoolDeleter> pool_;
  std::atomic<bool> indexes_ready_{false};
  static constexpr std::size_t kWriteStripes = 128;
  std::array<std::mutex, kWriteStripes> write_stripes_;
};

}  // namespace wave::mongo
