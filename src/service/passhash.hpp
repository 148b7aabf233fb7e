// The service's two uses of bcrypt, in their own translation unit: computing a vmq_acl_auth
// passhash ("$2a$" at the configured cost) and, for revoke only, checking one.
#pragma once

#include <string>
#include <string_view>

namespace wave::service_detail {

// bcrypt "$2a$" of `password` at `cost` (what VerneMQ's MongoDB auth verifies).
std::string make_passhash(std::string_view password, int cost);

// True when `password` matches `passhash`; false for a mismatch or a malformed hash.
bool passhash_matches(std::string_view password, std::string_view passhash);

}  // namespace wave::service_detail
