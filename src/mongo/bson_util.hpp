// BSON helpers for the MongoDB adapter: an owned document, a driver reply, one checked
// builder, and readers of typed fields.  No knowledge of Wave's collections.
//
// Building: BsonWriter wraps a bson_t and appends through libbson, turning every failed
// append (the 16 MiB document limit) into wave::Error(WAVE_ERR_INVALID_ARGUMENT).  libbson's
// BCON_NEW is not used because it asserts (aborts the process) when an append fails, and
// an oversized list of patterns must be an error, never a crash.
//   Doc update = build_document([&](BsonWriter& doc) {
//     doc.document("$set", [&](BsonWriter& set) { set.text("passhash", passhash); });
//     doc.array("members", [&](BsonWriter& members) { members.push_text(id); });
//   });
// Reading: fields of the wrong type are WAVE_ERR_BACKEND naming the collection and document,
// because a malformed stored document is a fault an operator must fix.
#pragma once

#include <mongoc/mongoc.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wave::mongo {

// An owned heap bson_t.  (Not a unique_ptr<bson_t>: bson_t's alignment attribute makes GCC
// warn about template arguments.)
class Doc {
 public:
  Doc();
  explicit Doc(const bson_t* copy_of);
  ~Doc();
  Doc(Doc&& other) noexcept;
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;
  Doc& operator=(Doc&&) = delete;
  bson_t* get() const { return doc_; }

 private:
  bson_t* doc_;
};

// A stack bson_t for a driver's reply; the driver initialises it even on failure, so it is
// always destroyed.
class Reply {
 public:
  Reply() { bson_init(&doc_); }
  ~Reply() { bson_destroy(&doc_); }
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  bson_t* get() { return &doc_; }
  const bson_t* get() const { return &doc_; }
  // A numeric field of the reply ("matchedCount"...), 0 when absent.
  std::int64_t count(const char* field) const;

 private:
  bson_t doc_;
};

// Appends to one document or array.  Keyed calls are for documents; push_* calls append the
// next element of an array (keys "0", "1", ...).  Every value must be free of NUL bytes
// (the store validates its inputs before building).
class BsonWriter {
 public:
  explicit BsonWriter(bson_t* target) : target_(target) {}

  BsonWriter& text(const char* key, std::string_view value);
  BsonWriter& int64(const char* key, std::int64_t value);
  BsonWriter& int32(const char* key, std::int32_t value);
  BsonWriter& boolean(const char* key, bool value);
  BsonWriter& now_utc(const char* key);  // a BSON date: the current time
  // key: [value, ...]
  BsonWriter& text_array(const char* key, const std::vector<std::string>& values);
  template <class Fill>
  BsonWriter& document(const char* key, Fill&& fill) {
    return nested(key, -1, Nesting::document, fill);
  }
  template <class Fill>
  BsonWriter& array(const char* key, Fill&& fill) {
    return nested(key, -1, Nesting::array, fill);
  }

  BsonWriter& push_text(std::string_view value);
  BsonWriter& push_null();
  template <class Fill>
  BsonWriter& push_document(Fill&& fill) {
    Key key;
    next_key(key);
    return nested(key.text, key.length, Nesting::document, fill);
  }

 private:
  // An array index as a key; `text` may point into `buffer`, so a Key is never copied.
  struct Key {
    Key() = default;
    Key(const Key&) = delete;
    Key& operator=(const Key&) = delete;
    char buffer[16] = {};
    const char* text = nullptr;
    int length = 0;
  };
  enum class Nesting { document, array };
  void next_key(Key& key);
  void begin(const char* key, int key_length, Nesting nesting, bson_t* child);
  void end(Nesting nesting, bson_t* child);
  template <class Fill>
  BsonWriter& nested(const char* key, int key_length, Nesting nesting, Fill& fill) {
    bson_t child;
    begin(key, key_length, nesting, &child);
    BsonWriter writer(&child);
    fill(writer);
    end(nesting, &child);
    return *this;
  }

  bson_t* target_;
  std::uint32_t next_index_ = 0;
};

// A new document filled by `fill`.
template <class Fill>
Doc build_document(Fill&& fill) {
  Doc doc;
  BsonWriter writer(doc.get());
  fill(writer);
  return doc;
}

// ---- reading --------------------------------------------------------------------------

// Where a document came from, for messages: collection and the document's key.
struct DocumentSource {
  const char* collection;
  std::string_view id;
};

[[noreturn]] void fail_malformed(DocumentSource source, const std::string& problem);

// A string field; nullopt when absent; WAVE_ERR_BACKEND when it is not a string.
std::optional<std::string> string_field(const bson_t* doc, const char* field, DocumentSource source);
// As string_field, but absent is WAVE_ERR_BACKEND too.
std::string required_string(const bson_t* doc, const char* field, DocumentSource source);
// Calls visit(bson_iter_t& element) for each element of the array `field`: nothing when the
// field is absent, WAVE_ERR_BACKEND when it is not an array.
template <class Visit>
void for_each_element(const bson_t* doc, const char* field, DocumentSource source, Visit&& visit) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, field)) return;
  bson_iter_t element;
  if (!BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &element))
    fail_malformed(source, std::string("field '") + field + "' is not an array");
  while (bson_iter_next(&element)) visit(element);
}
// The text of a UTF-8 element.
std::string iter_text(const bson_iter_t& element);
// An array of strings; empty when absent; WAVE_ERR_BACKEND for any other type.
std::vector<std::string> string_array(const bson_t* doc, const char* field, DocumentSource source);
// The string _id of a document, or nullopt when it has none or another type.
std::optional<std::string> string_id(const bson_t* doc);

}  // namespace wave::mongo
