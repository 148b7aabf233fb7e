// The documents of the directory in MongoDB and their mapping to Wave's structs: the
// VerneMQ ACL document (vmq_acl_auth), identities (wave_identities) and groups
// (wave_groups), with the selectors and updates the store sends.  The layout itself is
// described in mongo_directory_store.hpp.  Values are validated by the store before they
// get here (non-empty UTF-8 without NUL bytes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mongo/bson_util.hpp"
#include "mongo/mongo_client.hpp"
#include "mongo/mongo_directory_store.hpp"

namespace wave::mongo {

inline constexpr const char* kAclCollection = "vmq_acl_auth";
inline constexpr const char* kIdentityCollection = "wave_identities";
inline constexpr const char* kGroupCollection = "wave_groups";

// The indexes the store relies on: (mountpoint, client_id) unique in vmq_acl_auth (what
// VerneMQ's ACL cache keys on: one document per client), internal_id unique in
// wave_identities, members in wave_groups.
std::vector<IndexSpec> directory_indexes();

// {_id: id}
Doc id_selector(std::string_view id);

// ---- vmq_acl_auth ---------------------------------------------------------------------

// The selector VerneMQ's MongoDB auth uses: {mountpoint: "", client_id, username}.
Doc acl_selector(std::string_view internal_id);
// acl_selector plus wave_credential_id == credential_id.
Doc acl_selector_holding(std::string_view internal_id, std::string_view credential_id);
// acl_selector plus wave_credential_id $in [each of `credential_ids`, null]: "" stands for
// null, which also matches a document without the field (MongoDB and FerretDB alike).
Doc acl_selector_holding_any(std::string_view internal_id, const std::vector<std::string_view>& credential_ids);

struct PatternLists {
  const std::vector<std::string>& publish;
  const std::vector<std::string>& subscribe;
};

// One update of a user's ACL document.  Always sets wave_updated_at_ms (milliseconds as an
// int64, not a BSON date: VerneMQ hands the whole document to Lua, which takes strings,
// numbers and booleans only).
struct AclChange {
  std::string_view passhash = {};       // "" = leave as it is
  std::string_view credential_id = {};  // "" = leave as it is
  std::string_view app_user_id = {};    // "" = leave as it is
  std::string_view password_digest = {};  // "" = leave as it is
  bool drop_password_digest = false;      // $unset it (a retired credential)
  // $addToSet of {pattern} entries; an empty list still creates the array, so VerneMQ
  // always finds both fields.
  const PatternLists* add = nullptr;
  // $pullAll of whole {pattern} entries; empty lists are left out.
  const PatternLists* remove = nullptr;
};
Doc acl_update(const AclChange& change);

// {mountpoint: "", wave_password_digest: digest}: the document of a recorded credential.
Doc acl_selector_by_password_digest(std::string_view password_digest);

// The ACL document read back.  publish_acl / subscribe_acl: VerneMQ treats a missing array
// as empty and ignores entries without a pattern, so this does too; wrong types break
// VerneMQ's Lua script, so they are WAVE_ERR_BACKEND.
AclDocument acl_from(const bson_t* doc, std::string_view internal_id);

// ---- wave_identities ------------------------------------------------------------------

// {_id: app_user_id, internal_id, created_at: now}
Doc identity_document(std::string_view app_user_id, std::string_view internal_id);
// The internal ID an identity document holds (WAVE_ERR_BACKEND when missing or not text).
std::string internal_id_from(const bson_t* doc, std::string_view app_user_id);

// ---- wave_groups ----------------------------------------------------------------------

// {_id, name, owner, members, created_at: now}, with `members` instead of group.members.
Doc group_document(const Group& group, const std::vector<std::string>& members);
Group group_from(const bson_t* doc);
// {<op>: {members: internal_id}}, op "$addToSet" or "$pull".
Doc member_update(const char* op, std::string_view internal_id);

}  // namespace wave::mongo
