#include "router.hpp"

namespace wave_server {
namespace {

struct RouteSpec {
  Route route;
  std::string_view pattern;  // segments; "{x}" matches one non-empty segment
  std::string_view methods;  // comma-separated, as in the Allow header
};

constexpr std::array<RouteSpec, kRouteCount - 1> kRoutes = {{
    {Route::healthz, "/healthz", "GET"},
    {Route::readyz, "/readyz", "GET"},
    {Route::metrics, "/metrics", "GET"},
    {Route::webhooks, "/webhooks", "POST"},
    {Route::webhook_hook, "/webhooks/{hook}", "POST"},
    {Route::profiles, "/v1/profiles", "POST"},
    {Route::profile_mappings, "/v1/profiles/mappings", "POST"},
    {Route::group_create, "/v1/conversations/group", "POST"},
    {Route::sessions, "/v1/sessions", "POST, DELETE"},
    {Route::groups, "/v1/conversations/groups", "GET"},
    {Route::group, "/v1/conversations/group/{groupID}", "GET, DELETE"},
    {Route::group_members, "/v1/conversations/group/{groupID}/members", "POST"},
    {Route::group_member, "/v1/conversations/group/{groupID}/members/{appUserID}", "DELETE"},
    {Route::group_leave, "/v1/conversations/group/{groupID}/leave", "POST"},
    {Route::admin_user, "/v1/users/{appUserID}", "GET"},
    {Route::admin_user_sessions, "/v1/users/{appUserID}/sessions", "DELETE"},
}};

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  while (true) {
    const std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const RouteSpec* spec_of(Route route) {
  for (const auto& spec : kRoutes)
    if (spec.route == route) return &spec;
  return nullptr;
}

}  // namespace

bool percent_decode(std::string_view segment, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      out += segment[i];
      continue;
    }
    if (i + 2 >= segment.size()) return false;  // a '%' needs two hex digits after it
    const int high = hex_value(segment[i + 1]);
    const int low = hex_value(segment[i + 2]);
    if (high < 0 || low < 0) return false;
    const char decoded = static_cast<char>(high * 16 + low);
    if (decoded == '\0') return false;
    out += decoded;
    i += 2;
  }
  return true;
}

RouteMatch match_route(std::string_view target) {
  RouteMatch match;
  const std::string_view path = target.substr(0, target.find('?'));
  const auto segments = split_path(path);
  if (segments.empty()) return match;
  for (const auto& spec : kRoutes) {
    const auto pattern = split_path(spec.pattern);
    if (pattern.size() != segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < pattern.size() && same; ++i) {
      const bool placeholder = !pattern[i].empty() && pattern[i].front() == '{';
      same = placeholder ? !segments[i].empty() : pattern[i] == segments[i];
    }
    if (!same) continue;
    match.route = spec.route;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i].empty() || pattern[i].front() != '{') continue;
      std::string decoded;
      if (!percent_decode(segments[i], decoded)) match.bad_escape = true;
      match.params.push_back(std::move(decoded));
    }
    return match;
  }
  return match;
}

std::string_view route_template(Route route) {
  const RouteSpec* spec = spec_of(route);
  return spec != nullptr ? spec->pattern : "unmatched";
}

bool is_api_route(Route route) { return route_template(route).substr(0, 4) == "/v1/"; }

bool is_admin_route(Route route) { return route == Route::admin_user || route == Route::admin_user_sessions; }

bool method_allowed(Route route, std::string_view method) {
  const RouteSpec* spec = spec_of(route);
  if (spec == nullptr) return false;
  if (method == "OPTIONS") return is_api_route(route);
  std::string_view methods = spec->methods;
  while (!methods.empty()) {
    const std::size_t comma = methods.find(", ");
    if (methods.substr(0, comma) == method) return true;
    if (comma == std::string_view::npos) break;
    methods.remove_prefix(comma + 2);
  }
  return false;
}

std::string allowed_methods(Route route) {
  const RouteSpec* spec = spec_of(route);
  if (spec == nullptr) return "";
  std::string methods(spec->methods);
  if (is_api_route(route)) methods += ", OPTIONS";
  return methods;
}

}  // namespace wave_server
