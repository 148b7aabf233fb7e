// The Redis URI from arbitrary bytes: parse_redis_uri never crashes, throws only
// wave::Error(WAVE_ERR_CONFIG), returns only endpoints within the documented ranges whose
// display is built from host and port, round-trips what it accepts, and never lets the
// password into the display or a message.
//
// The password check is metamorphic, so that it cannot raise false alarms (a password may
// well equal the host, or a word of a fixed message): the input's password, located by the
// URI grammar (user info ends at the authority's last '@', the user at its first ':'), is
// replaced by a marker that the input does not contain.  The marker must then appear in
// neither the display nor any message, and an accepted URI must still be accepted with
// everything but the password unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "redis/redis_uri.hpp"

namespace {

constexpr std::string_view kMarker = "Wv7PassMarkerQz";  // unreserved bytes only: no escape

struct Outcome {
  std::optional<wave::RedisEndpoint> endpoint;
  std::string message;  // when it threw
};

Outcome parse(std::string_view uri) {
  Outcome outcome;
  try {
    outcome.endpoint = wave::parse_redis_uri(uri);
  } catch (const wave::Error& error) {
    if (error.status() != WAVE_ERR_CONFIG) std::abort();
    outcome.message = error.what();
    if (!outcome.message.starts_with("the Redis URI ")) std::abort();
  }
  return outcome;
}

bool same_except_password(const wave::RedisEndpoint& a, const wave::RedisEndpoint& b) {
  return a.unix_socket == b.unix_socket && a.host == b.host && a.port == b.port && a.db == b.db && a.user == b.user &&
         a.has_password == b.has_password && a.display == b.display;
}

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

void append_escaped(std::string& out, char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(c);
  out.push_back('%');
  out.push_back(kHex[byte >> 4]);
  out.push_back(kHex[byte & 0xf]);
}

std::string escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (is_unreserved(c)) {
      out.push_back(c);
    } else {
      append_escaped(out, c);
    }
  }
  return out;
}

// The URI that names `endpoint` in the canonical form.
std::string format(const wave::RedisEndpoint& endpoint) {
  if (endpoint.unix_socket) {
    std::string out = "unix://";
    for (std::size_t i = 0; i < endpoint.host.size(); ++i) {
      const char c = endpoint.host[i];
      // '/' separates path segments, but a final one would name a directory.
      if (is_unreserved(c) || (c == '/' && (i == 0 || i + 1 < endpoint.host.size()))) {
        out.push_back(c);
      } else {
        append_escaped(out, c);
      }
    }
    if (endpoint.db != 0) out += "?db=" + std::to_string(endpoint.db);
    return out;
  }
  std::string out = "redis://";
  if (endpoint.has_password) out += escaped(endpoint.user) + ":" + escaped(endpoint.password) + "@";
  out += endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
  out += ":" + std::to_string(endpoint.port) + "/" + std::to_string(endpoint.db);
  return out;
}

void check_accepted(const wave::RedisEndpoint& endpoint) {
  if (endpoint.host.empty() || endpoint.db < 0 || endpoint.db > (1 << 20)) std::abort();
  if (endpoint.has_password != !endpoint.password.empty()) std::abort();
  if (!endpoint.has_password && !endpoint.user.empty()) std::abort();
  if (endpoint.unix_socket) {
    if (endpoint.host.front() != '/' || endpoint.has_password || endpoint.port != 6379) std::abort();
    if (endpoint.display != "unix:" + endpoint.host) std::abort();
  } else {
    if (endpoint.port < 1 || endpoint.port > 65535) std::abort();
    for (const char c : endpoint.host) {
      if (!is_unreserved(c) && c != ':') std::abort();
      if (c == '~') std::abort();
    }
    const bool v6 = endpoint.host.find(':') != std::string::npos;
    if (endpoint.display != (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port)) {
      std::abort();
    }
  }
  // What was accepted is accepted again, identically, in the canonical form.
  const Outcome again = parse(format(endpoint));
  if (!again.endpoint || !same_except_password(*again.endpoint, endpoint) ||
      again.endpoint->password != endpoint.password) {
    std::abort();
  }
}

// Where the grammar puts the password in a redis:// URI: [begin, end) of `uri`.
std::optional<std::pair<std::size_t, std::size_t>> password_span(std::string_view uri) {
  constexpr std::string_view kScheme = "redis://";
  if (!uri.starts_with(kScheme)) return std::nullopt;
  const std::string_view rest = uri.substr(kScheme.size());
  const std::string_view authority = rest.substr(0, rest.find('/'));
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const auto colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{kScheme.size() + colon + 1, kScheme.size() + at};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view uri(reinterpret_cast<const char*>(data), size);
  const Outcome original = parse(uri);
  if (original.endpoint) check_accepted(*original.endpoint);

  const auto span = password_span(uri);
  if (!span || uri.find(kMarker) != std::string_view::npos) return 0;
  std::string marked(uri.substr(0, span->first));
  marked += kMarker;
  marked += uri.substr(span->second);
  const Outcome outcome = parse(marked);
  if (!outcome.endpoint) {
    if (outcome.message.find(kMarker) != std::string::npos) std::abort();
    if (original.endpoint) std::abort();  // another valid password cannot make it invalid
    return 0;
  }
  const wave::RedisEndpoint& endpoint = *outcome.endpoint;
  check_accepted(endpoint);
  if (endpoint.password != kMarker) std::abort();  // the grammar's password is the parser's
  if (endpoint.display.find(kMarker) != std::string::npos) std::abort();
  if (original.endpoint && !same_except_password(*original.endpoint, endpoint)) std::abort();
  return 0;
}
