// wave-server's routes: which handler a request path belongs to, its template (the only form
// of a path that reaches logs and metric labels) and the methods it accepts.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wave_server {

enum class Route {
  healthz,
  readyz,
  metrics,
  webhooks,            // POST /webhooks (hook named by the vernemq-hook header)
  webhook_hook,        // POST /webhooks/{hook}
  profiles,            // POST /v1/profiles
  profile_mappings,    // POST /v1/profiles/mappings
  group_create,        // POST /v1/conversations/group
  sessions,            // POST, DELETE /v1/sessions
  groups,              // GET /v1/conversations/groups
  group,               // GET, DELETE /v1/conversations/group/{groupID}
  group_members,       // POST /v1/conversations/group/{groupID}/members
  group_member,        // DELETE /v1/conversations/group/{groupID}/members/{appUserID}
  group_leave,         // POST /v1/conversations/group/{groupID}/leave
  admin_user,          // GET /v1/users/{appUserID} (admin key)
  admin_user_sessions, // DELETE /v1/users/{appUserID}/sessions (admin key)
  unmatched,
};
inline constexpr std::size_t kRouteCount = static_cast<std::size_t>(Route::unmatched) + 1;

struct RouteMatch {
  Route route = Route::unmatched;
  // The {placeholders} in template order, percent-decoded.
  std::vector<std::string> params;
  // A path segment held an invalid escape or a NUL byte: the route is known but the request is bad.
  bool bad_escape = false;
};

// Matches a request target's path (the part before '?'; the query is ignored).
RouteMatch match_route(std::string_view target);

// "/webhooks/{hook}", "/v1/conversations/group/{groupID}", ..., "unmatched".
std::string_view route_template(Route route);

// Whether `method` (e.g. "GET") is accepted on `route`, and the Allow header value.  /v1
// routes also accept OPTIONS (CORS preflight).
bool method_allowed(Route route, std::string_view method);
std::string allowed_methods(Route route);

// True for the management API (/v1/...): token header, JSON envelope, CORS.
bool is_api_route(Route route);
// The admin API (/v1/users/...): authenticated with an admin key (Authorization: Bearer),
// not with an app user's token.
bool is_admin_route(Route route);

// Decodes %XX escapes of one path segment; false on a malformed escape or a decoded NUL.
bool percent_decode(std::string_view segment, std::string& out);

}  // namespace wave_server
