#include "mongo/bson_util.hpp"

#include <climits>
#include <utility>

#include "common/error.hpp"

namespace wave::mongo {
namespace {

void check_append(bool ok) {
  // bson_append_* fails only when the document would exceed the BSON size limit.
  if (!ok) fail(WAVE_ERR_INVALID_ARGUMENT, "MongoDB: the request is too large for one BSON document (16 MiB)");
}

int bson_length(std::string_view value) {
  if (value.size() > static_cast<std::size_t>(INT_MAX)) fail(WAVE_ERR_INVALID_ARGUMENT, "MongoDB: a value is too large");
  return static_cast<int>(value.size());
}

}  // namespace

Doc::Doc() : doc_(bson_new()) {}
Doc::Doc(const bson_t* copy_of) : doc_(bson_copy(copy_of)) {}
Doc::~Doc() {
  if (doc_ != nullptr) bson_destroy(doc_);
}
Doc::Doc(Doc&& other) noexcept : doc_(std::exchange(other.doc_, nullptr)) {}

std::int64_t Reply::count(const char* field) const {
  bson_iter_t it;
  if (bson_iter_init_find(&it, &doc_, field) && BSON_ITER_HOLDS_NUMBER(&it)) return bson_iter_as_int64(&it);
  return 0;
}

// ---- BsonWriter ---------------------------------------------------------------------------

BsonWriter& BsonWriter::text(const char* key, std::string_view value) {
  check_append(bson_append_utf8(target_, key, -1, value.data(), bson_length(value)));
  return *this;
}

BsonWriter& BsonWriter::int64(const char* key, std::int64_t value) {
  check_append(bson_append_int64(target_, key, -1, value));
  return *this;
}

BsonWriter& BsonWriter::int32(const char* key, std::int32_t value) {
  check_append(bson_append_int32(target_, key, -1, value));
  return *this;
}

BsonWriter& BsonWriter::boolean(const char* key, bool value) {
  check_append(bson_append_bool(target_, key, -1, value));
  return *this;
}

BsonWriter& BsonWriter::now_utc(const char* key) {
  check_append(bson_append_now_utc(target_, key, -1));
  return *this;
}

BsonWriter& BsonWriter::text_array(const char* key, const std::vector<std::string>& values) {
  return array(key, [&](BsonWriter& array) {
    for (const auto& value : values) array.push_text(value);
  });
}

BsonWriter& BsonWriter::push_text(std::string_view value) {
  Key key;
  next_key(key);
  check_append(bson_append_utf8(target_, key.text, key.length, value.data(), bson_length(value)));
  return *this;
}

BsonWriter& BsonWriter::push_null() {
  Key key;
  next_key(key);
  check_append(bson_append_null(target_, key.text, key.length));
  return *this;
}

void BsonWriter::next_key(Key& key) {
  const std::size_t length = bson_uint32_to_string(next_index_++, &key.text, key.buffer, sizeof key.buffer);
  key.length = static_cast<int>(length);
}

void BsonWriter::begin(const char* key, int key_length, Nesting nesting, bson_t* child) {
  check_append(nesting == Nesting::array ? bson_append_array_begin(target_, key, key_length, child)
                                         : bson_append_document_begin(target_, key, key_length, child));
}

void BsonWriter::end(Nesting nesting, bson_t* child) {
  check_append(nesting == Nesting::array ? bson_append_array_end(target_, child)
                                         : bson_append_document_end(target_, child));
}

// ---- reading ----------------------------------------------------------------------------

void fail_malformed(DocumentSource source, const std::string& problem) {
  fail(WAVE_ERR_BACKEND, std::string("MongoDB: malformed document in ") + source.collection + " for '" +
                             std::string(source.id) + "': " + problem + " (fix or delete the document)");
}

std::optional<std::string> string_field(const bson_t* doc, const char* field, DocumentSource source) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, field)) return std::nullopt;
  if (!BSON_ITER_HOLDS_UTF8(&it)) fail_malformed(source, std::string("field '") + field + "' is not a string");
  return iter_text(it);
}

std::string required_string(const bson_t* doc, const char* field, DocumentSource source) {
  auto value = string_field(doc, field, source);
  if (!value) fail_malformed(source, std::string("field '") + field + "' is missing");
  return *value;
}

std::string iter_text(const bson_iter_t& element) {
  std::uint32_t length = 0;
  const char* text = bson_iter_utf8(&element, &length);
  return std::string(text, length);
}

std::vector<std::string> string_array(const bson_t* doc, const char* field, DocumentSource source) {
  std::vector<std::string> out;
  for_each_element(doc, field, source, [&](const bson_iter_t& element) {
    if (!BSON_ITER_HOLDS_UTF8(&element))
      fail_malformed(source, std::string("an element of '") + field + "' is not a string");
    out.push_back(iter_text(element));
  });
  return out;
}

std::optional<std::string> string_id(const bson_t* doc) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_UTF8(&it)) return std::nullopt;
  return iter_text(it);
}

}  // namespace wave::mongo
