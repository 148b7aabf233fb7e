#include "redis/redis_uri.hpp"

#include <cctype>
#include <charconv>
#include <system_error>

#include "common/error.hpp"

namespace wave {
namespace {

[[noreturn]] void bad_uri(const std::string& problem) {
  fail(WAVE_ERR_CONFIG,
       "the Redis URI " + problem +
           " (expected redis://[[user]:password@]host[:port][/db] or unix:///path/to/socket[?db=N])");
}

bool parse_int(std::string_view text, int min, int max, int& out) {
  if (text.empty()) return false;
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) return false;
  out = value;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// User names, passwords and socket paths may carry reserved characters as %XX.
std::string percent_decode(std::string_view text, const char* what) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) bad_uri(std::string("has a bad percent-escape in its ") + what);
    // A NUL would silently cut the value short where it reaches C (a socket path, AUTH).
    if (high == 0 && low == 0) bad_uri(std::string("has a NUL byte (%00) in its ") + what);
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace

RedisEndpoint parse_redis_uri(std::string_view uri) {
  RedisEndpoint endpoint;
  if (uri.empty()) bad_uri("is empty");
  for (const char c : uri) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) bad_uri("contains spaces or control characters");
  }
  constexpr std::string_view kRedis = "redis://";
  constexpr std::string_view kUnix = "unix://";
  if (uri.starts_with(kUnix)) {
    std::string_view rest = uri.substr(kUnix.size());
    if (!rest.starts_with('/')) bad_uri("names no absolute socket path after unix://");
    std::string_view query;
    if (const auto mark = rest.find('?'); mark != std::string_view::npos) {
      query = rest.substr(mark + 1);
      rest = rest.substr(0, mark);
    }
    if (rest.find('#') != std::string_view::npos) bad_uri("has a fragment");
    if (rest.size() < 2 || rest.back() == '/') bad_uri("names no socket file");
    if (!query.empty() || uri.find('?') != std::string_view::npos) {
      if (!query.starts_with("db=") || !parse_int(query.substr(3), 0, 1 << 20, endpoint.db)) {
        bad_uri("accepts only ?db=N (a non-negative number) after the socket path");
      }
    }
    endpoint.unix_socket = true;
    endpoint.host = percent_decode(rest, "socket path");
    endpoint.display = "unix:" + endpoint.host;
    return endpoint;
  }
  if (uri.starts_with("rediss://")) bad_uri("uses TLS (rediss://), which this build does not support");
  if (!uri.starts_with(kRedis)) bad_uri("must start with redis:// or unix://");
  std::string_view rest = uri.substr(kRedis.size());
  if (rest.find_first_of("?#") != std::string_view::npos) bad_uri("has a query or fragment, which are not supported");
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !parse_int(db, 0, 1 << 20, endpoint.db)) bad_uri("has a database that is not a non-negative number");
  }
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) bad_uri("has user info without ':' (write [user]:password@)");
    endpoint.user = percent_decode(userinfo.substr(0, colon), "user name");
    endpoint.password = percent_decode(userinfo.substr(colon + 1), "password");
    endpoint.has_password = true;
    if (endpoint.password.empty()) bad_uri("has an empty password");
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {  // [IPv6]
    const auto close = authority.find(']');
    if (close == std::string_view::npos) bad_uri("has an unterminated [IPv6] host");
    endpoint.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) bad_uri("has text after the [IPv6] host");
      port_text = after.substr(1);
      if (port_text.empty()) bad_uri("has an empty port");
    }
  } else {
    const auto colon = authority.find(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) bad_uri("has an empty port");
    }
  }
  if (endpoint.host.empty()) bad_uri("has no host");
  for (const char c : endpoint.host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':';
    if (!ok) bad_uri("has a host with characters that are not allowed in a host name");
  }
  if (!port_text.empty() && !parse_int(port_text, 1, 65535, endpoint.port)) bad_uri("has a port outside 1-65535");
  endpoint.display = endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
  endpoint.display += ":" + std::to_string(endpoint.port);
  return endpoint;
}

}  // namespace wave
