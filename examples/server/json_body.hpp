// Request bodies as JSON, for the webhook and API handlers.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

namespace wave_server {

// Parses `body` into `document`: iteratively (nesting cannot exhaust the stack), with the raw
// bytes' encoding validated, and then every string and key checked again, because RapidJSON
// 1.1 decodes a lone low-surrogate escape ("\udc00") into bytes that are not UTF-8, which
// would reach the answers (a refused filter is echoed) as JSON nobody can read.  False when
// the body is not JSON or holds such a string.
bool parse_json_body(std::string_view body, rapidjson::Document& document);

}  // namespace wave_server
