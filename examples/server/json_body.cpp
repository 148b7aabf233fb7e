#include "json_body.hpp"

#include <cstddef>
#include <vector>

#include <rapidjson/encodings.h>
#include <rapidjson/memorystream.h>

namespace wave_server {
namespace {

struct DiscardOutput {
  void Put(char) {}
};

// RapidJSON's own UTF-8 check (it refuses surrogates, overlong forms and truncation).
bool is_utf8(const rapidjson::Value& string) {
  const std::size_t size = string.GetStringLength();
  rapidjson::MemoryStream stream(string.GetString(), size);
  DiscardOutput discard;
  while (stream.Tell() < size)
    if (!rapidjson::UTF8<>::Validate(stream, discard)) return false;
  return true;
}

}  // namespace

bool parse_json_body(std::string_view body, rapidjson::Document& document) {
  document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (document.HasParseError()) return false;
  std::vector<const rapidjson::Value*> pending{&document};  // a stack: depth is the body's to choose
  while (!pending.empty()) {
    const rapidjson::Value& value = *pending.back();
    pending.pop_back();
    if (value.IsString()) {
      if (!is_utf8(value)) return false;
    } else if (value.IsArray()) {
      for (const auto& item : value.GetArray()) pending.push_back(&item);
    } else if (value.IsObject()) {
      for (const auto& member : value.GetObject()) {
        if (!is_utf8(member.name)) return false;
        pending.push_back(&member.value);
      }
    }
  }
  return true;
}

}  // namespace wave_server
