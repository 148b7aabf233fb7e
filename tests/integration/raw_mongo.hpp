// A raw MongoDB client for the tests, through the C driver and independent of Wave's own
// stores, so that assertions see documents exactly as VerneMQ's MongoDB auth reads them.
#pragma once

#include <doctest/doctest.h>
#include <mongoc/mongoc.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace wave_test {

// An owned copy of one BSON document, with typed accessors that fail the test on a wrong
// type.  (A heap bson_t, not a member: bson_t is over-aligned.)
class BsonDoc {
 public:
  explicit BsonDoc(const bson_t* doc) : doc_(bson_copy(doc)) {}
  BsonDoc(const BsonDoc& other) : doc_(bson_copy(other.doc_)) {}
  BsonDoc(BsonDoc&& other) noexcept : doc_(std::exchange(other.doc_, nullptr)) {}
  BsonDoc& operator=(BsonDoc other) noexcept {
    std::swap(doc_, other.doc_);
    return *this;
  }
  ~BsonDoc() {
    if (doc_ != nullptr) bson_destroy(doc_);
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> result;
    bson_iter_t it;
    bson_iter_init(&it, doc_);
    while (bson_iter_next(&it)) result.emplace_back(bson_iter_key(&it));
    return result;
  }
  // BSON_TYPE_EOD when there is no such field.
  bson_type_t type(const char* key) const {
    bson_iter_t it;
    return bson_iter_init_find(&it, doc_, key) ? bson_iter_type(&it) : BSON_TYPE_EOD;
  }
  std::string text(const char* key) const {
    bson_iter_t it;
    REQUIRE_MESSAGE(bson_iter_init_find(&it, doc_, key), key);
    REQUIRE_MESSAGE(BSON_ITER_HOLDS_UTF8(&it), key);
    std::uint32_t length = 0;
    const char* value = bson_iter_utf8(&it, &length);
    return std::string(value, length);
  }
  // An array of exactly {"pattern": <string>} documents, as VerneMQ's PubAcl/SubAcl (no
  // extra keys).
  std::vector<std::string> patterns(const char* key) const {
    std::vector<std::string> result;
    for_each_element(key, [&](const bson_iter_t& element) {
      REQUIRE(BSON_ITER_HOLDS_DOCUMENT(&element));
      bson_iter_t field;
      REQUIRE(bson_iter_recurse(&element, &field));
      REQUIRE(bson_iter_next(&field));
      CHECK(std::string(bson_iter_key(&field)) == "pattern");
      REQUIRE(BSON_ITER_HOLDS_UTF8(&field));
      result.emplace_back(bson_iter_utf8(&field, nullptr));
      CHECK_FALSE(bson_iter_next(&field));  // nothing but the pattern
    });
    return result;
  }
  // An array of strings.
  std::vector<std::string> strings(const char* key) const {
    std::vector<std::string> result;
    for_each_element(key, [&](const bson_iter_t& element) {
      REQUIRE(BSON_ITER_HOLDS_UTF8(&element));
      result.emplace_back(bson_iter_utf8(&element, nullptr));
    });
    return result;
  }
  const bson_t* get() const { return doc_; }

 private:
  // Calls `visit` on each element of the array `key`, failing the test unless it is one.
  template <class Visit>
  void for_each_element(const char* key, Visit visit) const {
    bson_iter_t it;
    REQUIRE_MESSAGE(bson_iter_init_find(&it, doc_, key), key);
    REQUIRE_MESSAGE(BSON_ITER_HOLDS_ARRAY(&it), key);
    bson_iter_t element;
    REQUIRE(bson_iter_recurse(&it, &element));
    while (bson_iter_next(&element)) visit(element);
  }

  bson_t* doc_;
};

// A new document from extended JSON (the caller destroys it); fails the test on bad JSON.
inline bson_t* bson_from_json(const std::string& json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  REQUIRE_MESSAGE(doc != nullptr, error.message);
  return doc;
}

// A client of the test's own database, which it drops when the test ends.
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

  // Documents of `collection` that match `json_filter` (all by default).
  std::vector<BsonDoc> find(const char* collection, const std::string& json_filter = "{}") {
    bson_t* filter = bson_from_json(json_filter);
    std::vector<BsonDoc> result = query(collection, filter);
    bson_destroy(filter);
    return result;
  }

  // Documents of `collection` whose string field `key` equals `value` (no JSON escaping to
  // get wrong, whatever the value holds).
  std::vector<BsonDoc> find_where(const char* collection, const std::string& key, const std::string& value) {
    bson_t* filter = bson_new();
    BSON_APPEND_UTF8(filter, key.c_str(), value.c_str());
    std::vector<BsonDoc> result = query(collection, filter);
    bson_destroy(filter);
    return result;
  }

  // The one vmq_acl_auth document of `internal_id` (fails the test unless exactly one).
  BsonDoc acl(const std::string& internal_id) {
    auto docs = find_where("vmq_acl_auth", "client_id", internal_id);
    REQUIRE(docs.size() == 1);
    return docs.front();
  }

  // Inserts a document given as JSON; the server's error code, 0 on success.
  std::uint32_t insert(const char* collection, const std::string& json) {
    bson_t* doc = bson_from_json(json);
    mongoc_collection_t* coll = mongoc_client_get_collection(client_, database_.c_str(), collection);
    bson_error_t error;
    const bool ok = mongoc_collection_insert_one(coll, doc, nullptr, nullptr, &error);
    mongoc_collection_destroy(coll);
    bson_destroy(doc);
    return ok ? 0 : error.code;
  }

  // Applies the update `json_update` to the first document of `collection` matching
  // `json_filter` (to damage or repair documents behind Wave's back); the server's error
  // code, 0 on success.
  std::uint32_t update(const char* collection, const std::string& json_filter, const std::string& json_update) {
    bson_t* filter = bson_from_json(json_filter);
    bson_t* update = bson_from_json(json_update);
    mongoc_collection_t* coll = mongoc_client_get_collection(client_, database_.c_str(), collection);
    bson_error_t error;
    const bool ok = mongoc_collection_update_one(coll, filter, update, nullptr, nullptr, &error);
    mongoc_collection_destroy(coll);
    bson_destroy(update);
    bson_destroy(filter);
    return ok ? 0 : error.code;
  }

  // listIndexes: index name -> index document.
  std::map<std::string, BsonDoc> indexes(const char* collection) {
    mongoc_collection_t* coll = mongoc_client_get_collection(client_, database_.c_str(), collection);
    std::vector<BsonDoc> docs = drain(coll, mongoc_collection_find_indexes_with_opts(coll, nullptr));
    std::map<std::string, BsonDoc> result;
    for (BsonDoc& doc : docs) {
      std::string name = doc.text("name");
      result.emplace(std::move(name), std::move(doc));
    }
    return result;
  }

 private:
  std::vector<BsonDoc> query(const char* collection, const bson_t* filter) {
    mongoc_collection_t* coll = mongoc_client_get_collection(client_, database_.c_str(), collection);
    return drain(coll, mongoc_collection_find_with_opts(coll, filter, nullptr, nullptr));
  }

  // Every document of `cursor`; destroys the cursor and its collection, then fails the test
  // on a cursor error.
  static std::vector<BsonDoc> drain(mongoc_collection_t* coll, mongoc_cursor_t* cursor) {
    std::vector<BsonDoc> result;
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor, &doc)) result.emplace_back(doc);
    bson_error_t error;
    const bool failed = mongoc_cursor_error(cursor, &error);
    mongoc_cursor_destroy(cursor);
    mongoc_collection_destroy(coll);
    REQUIRE_MESSAGE(!failed, error.message);
    return result;
  }

  std::string database_;
  mongoc_client_t* client_ = nullptr;
};

}  // namespace wave_test
