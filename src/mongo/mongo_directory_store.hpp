// MongoDB implementation of wave::DirectoryStore (src/store/stores.hpp).
//
// Collections in the configured database:
//   vmq_acl_auth     one document per user, read unchanged by VerneMQ's MongoDB auth:
//                    {mountpoint: "", client_id, username, passhash, publish_acl: [{pattern}],
//                     subscribe_acl: [{pattern}], wave_app_user_id, wave_credential_id,
//                     wave_updated_at_ms}; unique index on (mountpoint, client_id).
//   wave_identities  {_id: appUserID, internal_id, created_at}; unique index on internal_id.
//   wave_groups      {_id: groupID, name, owner, members: [internal IDs], created_at};
//                    index on members.
// Indexes are created by the constructor (idempotent); if MongoDB is unreachable then, the
// first operation creates them.  Documents in vmq_acl_auth hold only strings, arrays and
// integers (VerneMQ passes the whole document to Lua, which takes no BSON dates).
//
// Thread-safety: one store may be used from any number of threads at once (a client pool).
// Writes to one document are serialised inside the process: FerretDB v1 loses concurrent
// updates of one document otherwise (see mongo/mongo_client.hpp).  The compare-and-set writes
// (upsert_credentials, replace_passhash) put their condition in the update's selector:
// atomic on MongoDB; on FerretDB v1 atomic among this process's writes only.
// Timeouts: timeout_ms bounds server selection, connecting, each reply and the wait for a
// pooled connection; a call against a dead or frozen server fails after about timeout_ms.
// A connection found dead without delay (the server restarted) is retried once.
// Errors: wave::Error with WAVE_ERR_UNAVAILABLE (no server reachable or selectable),
// WAVE_ERR_TIMEOUT (the server did not answer in time), WAVE_ERR_BACKEND (the server
// answered with an error, or a stored document is malformed), WAVE_ERR_CONFIG (bad URI,
// database name or timeout), WAVE_ERR_CONFLICT (insert_group with an existing ID; a
// claimed internal ID that another app user holds; a vmq_acl_auth document with this
// client_id but another username), WAVE_ERR_NOT_FOUND (add/remove_group_member on a group
// that does not exist), WAVE_ERR_INVALID_ARGUMENT (an empty, non-UTF-8 or NUL-carrying
// value, or an internal/group ID VerneMQ would misread: "*", or one with '+', '#', '/').
// Messages name the operation and the collection and never contain the URI's password.
//
// Files (docs/adapters.md): bson_util (BSON building and reading), mongo_client (pool,
// retry, error mapping, indexes, operations), directory_documents (documents <-> structs),
// this store (input validation and each operation's logic).
#pragma once

#include "mongo/mongo_options.hpp"  // MongoOptions

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/stores.hpp"

namespace wave {

class MongoDirectoryStore final : public DirectoryStore {
 public:
  // Parses the URI, creates the client pool and tries to create the indexes.  Throws
  // WAVE_ERR_CONFIG for a bad URI or database name, and BACKEND when the server refuses the
  // indexes.  An unreachable server is not an error here: the first operation creates the
  // indexes once it is back, and the store rides out later outages by itself.
  explicit MongoDirectoryStore(MongoOptions options);
  ~MongoDirectoryStore() override;
  MongoDirectoryStore(const MongoDirectoryStore&) = delete;
  MongoDirectoryStore& operator=(const MongoDirectoryStore&) = delete;

  std::string claim_identity(std::string_view app_user_id, std::string_view proposed_internal_id) override;
  std::optional<std::string> find_identity(std::string_view app_user_id) override;
  std::vector<std::optional<std::string>> find_identities(const std::vector<std::string>& app_user_ids) override;

  std::optional<AclDocument> find_acl(std::string_view internal_id) override;
  bool upsert_credentials(std::string_view internal_id, std::string_view app_user_id, std::string_view passhash,
                          std::string_view credential_id, std::string_view expected_credential_id,
                          const std::vector<std::string>& publish_patterns,
                          const std::vector<std::string>& subscribe_patterns) override;
  bool replace_passhash(std::string_view internal_id, std::string_view credential_id,
                        std::string_view new_passhash, std::string_view new_credential_id) override;
  void add_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                    const std::vector<std::string>& subscribe) override;
  void remove_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                       const std::vector<std::string>& subscribe) override;

  void insert_group(const Group& group) override;
  std::optional<Group> find_group(std::string_view group_id) override;
  bool add_group_member(std::string_view group_id, std::string_view internal_id) override;
  bool remove_group_member(std::string_view group_id, std::string_view internal_id) override;
  std::optional<Group> delete_group(std::string_view group_id) override;
  std::vector<Group> groups_of(std::string_view internal_id) override;
  std::int64_t count_groups_of(std::string_view internal_id) override;

  // Runs the ping command (readiness checks); throws like any operation.
  void ping();

  bool record_password_digest(std::string_view internal_id, std::string_view credential_id,
                              std::string_view password_digest) override;
  std::optional<AclDocument> find_acl_by_password_digest(std::string_view password_digest) override;

  // The database name in use (for diagnostics and tests).
  const std::string& database() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wave
