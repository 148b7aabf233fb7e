// Raw access to the servers behind the Wave service, independent of Wave's own stores: the
// MongoDB C driver (to see documents exactly as VerneMQ reads them) and redis-cli.
#pragma once

#include <doctest/doctest.h>
#include <mongoc/mongoc.h>

#include <cstdio>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace wave_test {

// One BSON document, copied, with typed accessors that fail the test on a wrong type.
class BsonDoc {
 public:
  explicit BsonDoc(const bson_t* doc) : bytes_(bson_get_data(doc), bson_get_data(doc) + doc->len) {}

  std::vector<std::string> keys() const {
    std::vector<std::string> result;
    const View v = view();
    bson_iter_t it;
    bson_iter_init(&it, v.get());
    while (bson_iter_next(&it)) result.emplace_back(bson_iter_key(&it));
    return result;
  }
  bool has(const char* key) const {
    const View v = view();
    bson_iter_t it;
    return bson_iter_init_find(&it, v.get(), key);
  }
  std::string text(const char* key) const {
    const View v = view();
    bson_iter_t it;
    REQUIRE_MESSAGE(bson_iter_init_find(&it, v.get(), key), key);
    REQUIRE_MESSAGE(BSON_ITER_HOLDS_UTF8(&it), key);
    std::uint32_t length = 0;
    const char* value = bson_iter_utf8(&it, &length);
    return std::string(value, length);
  }
  // An array of exactly {"pattern": <string>} documents, as VerneMQ's PubAcl/SubAcl.
  std::vector<std::string> patterns(const char* key) const {
    const View v = view();
    bson_iter_t it;
    REQUIRE_MESSAGE(bson_iter_init_find(&it, v.get(), key), key);
    REQUIRE_MESSAGE(BSON_ITER_HOLDS_ARRAY(&it), key);
    bson_iter_t element;
    REQUIRE(bson_iter_recurse(&it, &element));
    std::vector<std::string> result;
    while (bson_iter_next(&element)) {
      REQUIRE(BSON_ITER_HOLDS_DOCUMENT(&element));
      bson_iter_t field;
      REQUIRE(bson_iter_recurse(&element, &field));
      REQUIRE(bson_iter_next(&field));
      CHECK(std::string(bson_iter_key(&field)) == "pattern");
      REQUIRE(BSON_ITER_HOLDS_UTF8(&field));
      result.emplace_back(bson_iter_utf8(&field, nullptr));
      CHECK_FALSE(bson_iter_next(&field));
    }
    return result;
  }
  std::vector<std::string> strings(const char* key) const {
    const View v = view();
    bson_iter_t it;
    REQUIRE_MESSAGE(bson_iter_init_find(&it, v.get(), key), key);
    REQUIRE_MESSAGE(BSON_ITER_HOLDS_ARRAY(&it), key);
    bson_iter_t element;
    REQUIRE(bson_iter_recurse(&it, &element));
    std::vector<std::string> result;
    while (bson_iter_next(&element)) {
      REQUIRE(BSON_ITER_HOLDS_UTF8(&element));
      result.emplace_back(bson_iter_utf8(&element, nullptr));
    }
    return result;
  }

 private:
  // A read-only view of the copied bytes (bson_t itself is over-aligned: no container).
  struct View {
    bson_t bson;
    explicit View(const std::vector<std::uint8_t>& bytes) { bson_init_static(&bson, bytes.data(), bytes.size()); }
    const bson_t* get() const { return &bson; }
  };
  View view() const { return View(bytes_); }
  std::vector<std::uint8_t> bytes_;
};

// A client of the test's database, dropped when the test ends.
class RawMongo {
 public:
  RawMongo(const std::string& uri, std::string database) : database_(std::move(database)) {
    mongoc_init();
    client_ = mongoc_client_new(uri.c_str());
    REQUIRE(client_ != nullptr);
    mongoc_client_set_error_api(client_, MONGOC_ERROR_API_VERSION_2);
  }
  ~RawMongo() {
    mongoc_database_t* db = mongoc_client_get_database(client_, database_.c_str());
    mongoc_database_drop(db, nullptr);
    mongoc_database_destroy(db);
    mongoc_client_destroy(client_);
  }
  RawMongo(const RawMongo&) = delete;
  RawMongo& operator=(const RawMongo&) = delete;

  // Documents of `collection` whose string field `key` equals `value` (all when key is "").
  std::vector<BsonDoc> find(const char* collection, const std::string& key = "", const std::string& value = "") {
    bson_t* filter = bson_new();
    if (!key.empty()) BSON_APPEND_UTF8(filter, key.c_str(), value.c_str());
    mongoc_collection_t* coll = mongoc_client_get_collection(client_, database_.c_str(), collection);
    mongoc_cursor_t* cursor = mongoc_collection_find_with_opts(coll, filter, nullptr, nullptr);
    std::vector<BsonDoc> result;
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor, &doc)) result.emplace_back(doc);
    bson_error_t error;
    const bool failed = mongoc_cursor_error(cursor, &error);
    mongoc_cursor_destroy(cursor);
    mongoc_collection_destroy(coll);
    bson_destroy(filter);
    REQUIRE_MESSAGE(!failed, error.message);
    return result;
  }

  // The one vmq_acl_auth document of `internal_id` (fails the test unless exactly one).
  BsonDoc acl(const std::string& internal_id) {
    auto docs = find("vmq_acl_auth", "client_id", internal_id);
    REQUIRE(docs.size() == 1);
    return docs.front();
  }

 private:
  std::string database_;
  mongoc_client_t* client_ = nullptr;
};

// Runs redis-cli against `uri` with `arguments` (already shell-safe) and returns its output.
inline std::string redis_cli(const std::string& uri, const std::string& arguments) {
  const std::string command = "redis-cli -u '" + uri + "' --raw " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (const size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  pclose(pipe);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
}

}  // namespace wave_test
