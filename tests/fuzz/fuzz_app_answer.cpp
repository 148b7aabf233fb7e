// The app endpoint's answer from arbitrary bytes: interpret_app_answer never crashes, throws
// only wave::Error(WAVE_ERR_UPSTREAM) naming the endpoint, says "invalid" exactly for 400,
// 401 and 403, and "valid" only for 200 with a non-empty, NUL-free userID whose bytes are
// strict UTF-8 (RFC 3629, surrogates included: RapidJSON 1.1 would decode "\udc00" into
// one, which Wave refuses), from a body without NUL bytes.
//
// Input: "<status>\n<body>" when the first line is a decimal number (so seeds stay
// readable); otherwise the whole input is the body of a 200, the status that reaches JSON.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

#include "appauth/app_auth_client.hpp"
#include "common/error.hpp"
#include "common/utf8.hpp"

namespace {

constexpr std::string_view kEndpoint = "http://app.example/auth/check";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  long status = 200;
  std::string_view body = input;
  if (const auto newline = input.find('\n'); newline != std::string_view::npos) {
    const std::string_view line = input.substr(0, newline);
    long parsed = 0;
    const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), parsed);
    if (!line.empty() && error == std::errc() && end == line.data() + line.size()) {
      status = parsed;
      body = input.substr(newline + 1);
    }
  }
  const bool invalid_status = status == 400 || status == 401 || status == 403;

  wave::AppAuthAnswer answer;
  try {
    answer = wave::interpret_app_answer(status, body, kEndpoint);
  } catch (const wave::Error& error) {
    if (error.status() != WAVE_ERR_UPSTREAM) std::abort();
    if (invalid_status) std::abort();  // an invalid token is an answer, not an error
    const std::string_view message = error.what();
    if (!message.starts_with("the app's authentication endpoint http://app.example/auth/check answered")) {
      std::abort();
    }
    return 0;
  }
  if (answer.http_status != status) std::abort();
  switch (answer.verdict) {
    case wave::AppAuthVerdict::invalid:
      if (!invalid_status || !answer.user_id.empty()) std::abort();
      break;
    case wave::AppAuthVerdict::valid:
      if (status != 200 || answer.user_id.empty()) std::abort();
      if (answer.user_id.find('\0') != std::string::npos) std::abort();
      if (!wave::is_valid_utf8(answer.user_id)) std::abort();  // it goes to C callers and into Redis keys
      if (body.find('\0') != std::string_view::npos) std::abort();
      break;
    default:
      std::abort();
  }
  // Pure: the same answer again gives the same verdict.
  const wave::AppAuthAnswer again = wave::interpret_app_answer(status, body, kEndpoint);
  if (again.verdict != answer.verdict || again.user_id != answer.user_id) std::abort();
  return 0;
}
