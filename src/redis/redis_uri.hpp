// Redis connection URIs, as RedisSessionStore accepts them:
//   redis://[[user]:password@]host[:port][/db]   port 6379 and db 0 by default; host is a
//       name, an IPv4 address or an [IPv6] address; user needs Redis 6 ACLs;
//   unix:///path/to/socket[?db=N]                 protected by the socket's file permissions.
// User name, password and socket path may hold reserved bytes as %XX.  No query (other than
// unix's db=N), fragment, TLS (rediss://), spaces or control characters.
#pragma once

#include <string>
#include <string_view>

namespace wave {

struct RedisEndpoint {
  bool unix_socket = false;
  std::string host;  // host name or address (IPv6 without brackets), or the socket path
  int port = 6379;   // 1-65535; unused for a socket
  int db = 0;        // 0 to 2^20
  std::string user;  // "" = the default user
  std::string password;
  bool has_password = false;  // then password is non-empty
  std::string display;  // "host:port", "[v6]:port" or "unix:/path" for messages: never built from the password
};

// Parses `uri`.  Throws wave::Error(WAVE_ERR_CONFIG) naming what is wrong; the message never
// repeats the URI (so never its password).  Pure and thread-safe.
RedisEndpoint parse_redis_uri(std::string_view uri);

}  // namespace wave
