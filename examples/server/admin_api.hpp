// The admin API, for the app's backend (which knows when a user logs out or is banned):
// GET /v1/users/{appUserID} and DELETE /v1/users/{appUserID}/sessions, authenticated with
// `Authorization: Bearer <key>` against adminAPIKeys (the keys' SHA-256 digests).  Same
// envelope and status mapping as the other /v1 routes (api.hpp).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <wave/wave.h>

#include "api.hpp"
#include "router.hpp"

namespace wave_server {

// Whether `authorization` (the Authorization header's value) is "Bearer <key>" with a key
// whose SHA-256 is one of `digests` (64 lowercase hex characters each, as the library's
// config check guarantees).  Every digest is compared, each in constant time; false when
// `digests` is empty (the admin API is off).  Neither the key nor the header is kept.
bool admin_key_accepted(const std::vector<std::string>& digests, std::string_view authorization);

// The 401 answer's body (the caller adds `WWW-Authenticate: Bearer`).
ApiResponse admin_unauthorized(bool admin_api_configured);

struct AdminCall {
  bool end_sessions = false;  // DELETE .../sessions; else GET (describe)
  std::string app_user_id;
};

// From a matched admin route: the call, or a 400 for a malformed path.
std::variant<AdminCall, ApiResponse> prepare_admin_call(const RouteMatch& match);

// Runs the call (blocking: a worker's job; end_sessions may run a bcrypt).
ApiResponse execute_admin_call(wave_service* service, const AdminCall& call);

}  // namespace wave_server
