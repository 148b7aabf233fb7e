// MongoDirectoryStore against a real server (FerretDB from the `mongo` fixture, or the
// MongoDB of WAVE_TEST_MONGO_URI).  Documents are checked with raw driver reads, so the test
// sees exactly what VerneMQ's MongoDB auth will read.
#include <doctest/doctest.h>
#include <mongoc/mongoc.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "integration/test_servers.hpp"
#include "mongo/mongo_directory_store.hpp"

namespace {

using wave::MongoDirectoryStore;
using wave::MongoOptions;

// A database of the test's own, dropped at the end, so test cases never see each other's
// documents.
std::string unique_database(const char* tag) {
  static std::atomic<int> counter{0};
  return std::string("wt_") + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
}

std::string fake_passhash(char fill) { return "$2a$14$" + std::string(53, fill); }

wave_status status_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const wave::Error& e) {
    return e.status();
  }
  return WAVE_OK;
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const wave::Error& e) {
    return e.what();
  }
  return "";
}

// Direct access through the C driver, independent of the store.
class Raw {
 public:
  Raw(const std::string& uri, std::string database) : database_(std::move(database)) {
    mongoc_init();
    client_ = mongoc_client_new(uri.c_str());
    REQUIRE(client_ != nullptr);
    mongoc_client_set_error_api(client_, MONGOC_ERROR_API_VERSION_2);
  }
  ~Raw() {
    mongoc_database_t* db = mongoc_client_get_database(client_, database_.c_str());
    mongoc_database_drop(db, nullptr);  // best effort: the test's data goes away
    mongoc_database_destroy(db);
    mongoc_client_destroy(client_);
  }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  // All documents matching the JSON filter (owned copies).
  std::vector<bson_t*> find(const char* collection, const std::string& json_filter) {
    bson_error_t error;
    bson_t* filter = bson_new_from_json(reinterpret_cast<const uint8_t*>(json_filter.data()),
                                        static_cast<ssize_t>(json_filter.size()), &error);
    REQUIRE_MESSAGE(filter != nullptr, error.message);
    mongoc_collection_t* coll = mongoc_client_get_collection(client_, database_.c_str(), collection);
    mongoc_cursor_t* cursor = mongoc_collection_find_with_opts(coll, filter, nullptr, nullptr);
    std::vector<bson_t*> out;
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor, &doc)) out.push_back(bson_copy(doc));
    const bool failed = mongoc_cursor_error(cursor, &error);
    mongoc_cursor_destroy(cursor);
    mongoc_collection_destroy(coll);
    bson_destroy(filter);
    REQUIRE_MESSAGE(!failed, error.message);
    docs_.insert(docs_.end(), out.begin(), out.end());
    return out;
  }

  // Inserts a JSON document; returns the server's error code (0 on success).
  std::uint32_t insert(const char* collection, const std::string& json) {
    bson_error_t error;
    bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()), static_cast<ssize_t>(json.size()),
                                     &error);
    REQUIRE_MESSAGE(doc != nullptr, error.message);
    mongoc_collection_t* coll = mongoc_client_get_collection(client_, database_.c_str(), collection);
    const bool ok = mongoc_collection_insert_one(coll, doc, nullptr, nullptr, &error);
    mongoc_collection_destroy(coll);
    bson_destroy(doc);
    return ok ? 0 : error.code;
  }

  // listIndexes as {name -> index document (owned)}.
  std::map<std::string, bson_t*> indexes(const char* collection) {
    mongoc_collection_t* coll = mongoc_client_get_collection(client_, database_.c_str(), collection);
    mongoc_cursor_t* cursor = mongoc_collection_find_indexes_with_opts(coll, nullptr);
    std::map<std::string, bson_t*> out;
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor, &doc)) {
      bson_iter_t it;
      REQUIRE(bson_iter_init_find(&it, doc, "name"));
      bson_t* copy = bson_copy(doc);
      docs_.push_back(copy);
      out[bson_iter_utf8(&it, nullptr)] = copy;
    }
    bson_error_t error;
    const bool failed = mongoc_cursor_error(cursor, &error);
    mongoc_cursor_destroy(cursor);
    mongoc_collection_destroy(coll);
    REQUIRE_MESSAGE(!failed, error.message);
    return out;
  }

  std::size_t count(const char* collection, const std::string& json_filter) {
    return find(collection, json_filter).size();
  }

  ~Raw() noexcept(false);

 private:
  std::string database_;
  mongoc_client_t* client_ = nullptr;
  std::vector<bson_t*> docs_;  // freed with the Raw
 public:
  void release() {
    for (bson_t* doc : docs_) bson_destroy(doc);
    docs_.clear();
  }
};

}  // namespace
