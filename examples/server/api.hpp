// The management API (/v1): request bodies read into a call, the call run against libwave,
// the answer in the original service's envelope ({"content": ...} or {"content": null,
// "error": {"code", "message"}}).  No Asio: the fuzz target and unit tests drive it directly.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <wave/wave.h>

#include "router.hpp"

namespace wave_server {

struct ApiResponse {
  int status = 200;
  std::string body;
  std::int64_t retry_after_seconds = 0;  // > 0: a Retry-After header (503: 1; 429: when a token is back)
};

enum class ApiOperation {
  login,           // POST /v1/profiles
  resolve,         // POST /v1/profiles/mappings
  group_create,    // POST /v1/conversations/group
  session_create,  // POST /v1/sessions
  session_delete,  // DELETE /v1/sessions
  group_list,      // GET /v1/conversations/groups
  group_get,       // GET /v1/conversations/group/{groupID}
  group_delete,    // DELETE /v1/conversations/group/{groupID}
  member_add,      // POST /v1/conversations/group/{groupID}/members
  member_remove,   // DELETE /v1/conversations/group/{groupID}/members/{appUserID}
  group_leave,     // POST /v1/conversations/group/{groupID}/leave
};

// Everything a call needs, copied out of the request (safe to move to a worker thread).
struct ApiCall {
  ApiOperation operation = ApiOperation::login;
  std::string token;
  std::string group_id;
  std::string app_user_id;
  std::string name;
  std::vector<std::string> user_ids;
};

ApiResponse api_error(int status, std::string_view code, std::string_view message);
// The HTTP status and error code for a libwave failure.
ApiResponse api_failure(wave_status status, std::string_view message);
// A 429 whose Retry-After is `wait` rounded up to whole seconds (at least 1).
ApiResponse api_rate_limited(std::string_view message, std::chrono::milliseconds wait);
ApiResponse api_content(int status, std::string_view content_json);

// Body readers: the value, or a 400 answer naming the problem.
std::variant<std::vector<std::string>, ApiResponse> parse_mappings_body(std::string_view body);
struct GroupCreateBody {
  std::string name;
  std::vector<std::string> members;
};
std::variant<GroupCreateBody, ApiResponse> parse_group_create_body(std::string_view body);
std::variant<std::string, ApiResponse> parse_member_body(std::string_view body);

// From a matched /v1 route, its method, the token header value and the body: the call, or
// the answer (400 for a bad body or path).  The token is not checked here.
std::variant<ApiCall, ApiResponse> prepare_api_call(const RouteMatch& match, std::string_view method,
                                                    std::string_view token, std::string_view body);

// Logins and revokes may run bcrypt (cost 14: ~0.8 s of CPU): they go to the credential pool.
bool uses_credential_pool(ApiOperation operation);

// Runs the call.  Blocking: a worker thread's job.
ApiResponse execute_api_call(wave_service* service, const ApiCall& call);

}  // namespace wave_server
