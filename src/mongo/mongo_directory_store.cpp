#include "mongo/mongo_directory_store.hpp"

#include <mongoc/mongoc.h>

#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/error.hpp"
#include "mongo/bson_util.hpp"
#include "mongo/directory_documents.hpp"
#include "mongo/mongo_client.hpp"

namespace wave {

using mongo::AclChange;
using mongo::BsonWriter;
using mongo::build_document;
using mongo::Doc;
using mongo::kAclCollection;
using mongo::kGroupCollection;
using mongo::kIdentityCollection;
using mongo::PatternLists;
using mongo::Retry;
using mongo::UpdateOptions;

namespace {

// ---- input validation ------------------------------------------------------------------

void require_text(std::string_view value, const char* what) {
  if (value.empty()) fail(WAVE_ERR_INVALID_ARGUMENT, std::string("MongoDB store: empty ") + what);
  if (value.find('\0') != std::string_view::npos)
    fail(WAVE_ERR_INVALID_ARGUMENT, std::string("MongoDB store: ") + what + " contains a NUL byte");
  if (!bson_utf8_validate(value.data(), value.size(), false))
    fail(WAVE_ERR_INVALID_ARGUMENT, std::string("MongoDB store: ") + what + " is not valid UTF-8");
}

// IDs that become a client_id/username or a topic level: "*" is VerneMQ's per-username
// fallback document, and '+', '#', '/' would turn into wildcards or extra levels when
// VerneMQ substitutes %u/%c.
void require_topic_safe_id(std::string_view value, const char* what) {
  require_text(value, what);
  if (value == "*") fail(WAVE_ERR_INVALID_ARGUMENT, std::string("MongoDB store: ") + what + " \"*\" is reserved by VerneMQ");
  if (value.find_first_of("+#/") != std::string_view::npos)
    fail(WAVE_ERR_INVALID_ARGUMENT, std::string("MongoDB store: ") + what + " contains '+', '#' or '/'");
}

std::vector<std::string> unique_in_order(const std::vector<std::string>& values, const char* what) {
  std::vector<std::string> out;
  out.reserve(values.size());
  std::unordered_set<std::string_view> seen;
  for (const auto& value : values) {
    require_text(value, what);
    if (seen.insert(value).second) out.push_back(value);
  }
  return out;
}

}  // namespace

// ---- the store ----------------------------------------------------------------------------

struct MongoDirectoryStore::Impl {
  explicit Impl(MongoOptions options) : client(std::move(options), mongo::directory_indexes()) {}
  mongo::MongoClient client;
};

MongoDirectoryStore::MongoDirectoryStore(MongoOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  // Indexes at start-up; when MongoDB is not reachable yet, the first operation retries.
  try {
    impl_->client.ensure_indexes();
  } catch (const Error& e) {
    if (e.status() != WAVE_ERR_UNAVAILABLE && e.status() != WAVE_ERR_TIMEOUT) throw;
  }
}

MongoDirectoryStore::~MongoDirectoryStore() = default;

const std::string& MongoDirectoryStore::database() const noexcept { return impl_->client.options().database; }

void MongoDirectoryStore::ping() { impl_->client.ping(); }

// ---- identities ---------------------------------------------------------------------------

std::optional<std::string> MongoDirectoryStore::find_identity(std::string_view app_user_id) {
  require_text(app_user_id, "app user ID");
  const Doc filter = mongo::id_selector(app_user_id);
  const auto doc = impl_->client.find_one("find identity", kIdentityCollection, filter.get());
  if (!doc) return std::nullopt;
  return mongo::internal_id_from(doc->get(), app_user_id);
}

std::string MongoDirectoryStore::claim_identity(std::string_view app_user_id, std::string_view proposed_internal_id) {
  require_text(app_user_id, "app user ID");
  require_topic_safe_id(proposed_internal_id, "internal ID");
  // Most claims are for users who already have an ID: read first, insert only when absent.
  if (auto existing = find_identity(app_user_id)) return *existing;

  const Doc document = mongo::identity_document(app_user_id, proposed_internal_id);
  // A duplicate key: a concurrent claim won (or our own first attempt did, before a lost
  // reply), so the retry is harmless.
  const bool inserted = impl_->client.insert_one("claim identity", kIdentityCollection, document.get(),
                                                 Retry::after_fast_connection_failure);
  if (inserted) return std::string(proposed_internal_id);
  if (auto winner = find_identity(app_user_id)) return *winner;
  // The duplicate was not on _id: the proposed internal ID belongs to another app user.
  fail(WAVE_ERR_CONFLICT, "MongoDB claim identity on " + database() + "." + kIdentityCollection +
                              ": the proposed internal ID is already assigned to another app user");
}

std::vector<std::optional<std::string>> MongoDirectoryStore::find_identities(
    const std::vector<std::string>& app_user_ids) {
  std::vector<std::optional<std::string>> result(app_user_ids.size());
  if (app_user_ids.empty()) return result;
  const std::vector<std::string> unique = unique_in_order(app_user_ids, "app user ID");

  const Doc filter = build_document([&](BsonWriter& doc) {
    doc.document("_id", [&](BsonWriter& condition) { condition.text_array("$in", unique); });
  });
  const Doc opts = build_document([](BsonWriter& doc) {
    doc.document("projection", [](BsonWriter& projection) { projection.int32("internal_id", 1); });
  });
  std::unordered_map<std::string, std::string> found;
  for (const Doc& doc : impl_->client.find("find identities", kIdentityCollection, filter.get(), opts.get())) {
    auto app_user_id = mongo::string_id(doc.get());
    if (!app_user_id) continue;  // not one of ours
    std::string internal_id = mongo::internal_id_from(doc.get(), *app_user_id);
    found.emplace(std::move(*app_user_id), std::move(internal_id));
  }
  for (std::size_t i = 0; i < app_user_ids.size(); ++i) {
    if (auto it = found.find(app_user_ids[i]); it != found.end()) result[i] = it->second;
  }
  return result;
}

// ---- VerneMQ ACL documents ----------------------------------------------------------------

std::optional<AclDocument> MongoDirectoryStore::find_acl(std::string_view internal_id) {
  require_topic_safe_id(internal_id, "internal ID");
  const Doc selector = mongo::acl_selector(internal_id);
  const auto doc = impl_->client.find_one("find ACL document", kAclCollection, selector.get());
  if (!doc) return std::nullopt;
  return mongo::acl_from(doc->get(), internal_id);
}

bool MongoDirectoryStore::upsert_credentials(std::string_view internal_id, std::string_view app_user_id,
                                             std::string_view passhash, std::string_view credential_id,
                                             std::string_view expected_credential_id,
                                             const std::vector<std::string>& publish_patterns,
                                             const std::vector<std::string>& subscribe_patterns) {
  require_topic_safe_id(internal_id, "internal ID");
  require_text(app_user_id, "app user ID");
  require_text(passhash, "passhash");
  require_text(credential_id, "credential ID");
  if (!expected_credential_id.empty()) require_text(expected_credential_id, "expected credential ID");
  const auto publish = unique_in_order(publish_patterns, "publish pattern");
  const auto subscribe = unique_in_order(subscribe_patterns, "subscribe pattern");

  // Compare-and-set in the selector: wave_credential_id $in [expected, ours, null].  When
  // nothing matches, the upsert tries to insert a second document for this client and the
  // unique index refuses it: that duplicate is the "changed meanwhile" answer.
  std::vector<std::string_view> allowed;
  if (!expected_credential_id.empty() && expected_credential_id != credential_id) allowed.push_back(expected_credential_id);
  allowed.push_back(credential_id);
  allowed.push_back("");  // null: no credential yet
  const Doc selector = mongo::acl_selector_holding_any(internal_id, allowed);
  const PatternLists add{publish, subscribe};
  const Doc update = mongo::acl_update(
      {.passhash = passhash, .credential_id = credential_id, .app_user_id = app_user_id, .add = &add});
  // Retried after a lost reply: a first attempt that took effect still matches (ours is in
  // the allowed set), so the retry changes nothing.
  const auto counts = impl_->client.update_one(
      "upsert credentials", kAclCollection, internal_id, selector.get(), update.get(),
      UpdateOptions{.upsert = true, .retry = Retry::after_fast_connection_failure, .report_duplicate = true});
  if (!counts.duplicate) return true;
  // The duplicate is either this user's document holding another credential (the
  // compare-and-set said no) or a document with this client_id but another username.
  const Doc plain = mongo::acl_selector(internal_id);
  if (impl_->client.find_one("upsert credentials", kAclCollection, plain.get())) return false;
  fail(WAVE_ERR_CONFLICT, "MongoDB upsert credentials on " + database() + "." + kAclCollection +
                              ": another document already holds this client_id (a document with the same "
                              "client_id but another username may exist: fix or delete it)");
}

bool MongoDirectoryStore::replace_passhash(std::string_view internal_id, std::string_view credential_id,
                                           std::string_view new_passhash, std::string_view new_credential_id) {
  require_topic_safe_id(internal_id, "internal ID");
  require_text(credential_id, "credential ID");
  require_text(new_passhash, "passhash");
  require_text(new_credential_id, "new credential ID");
  // Compare-and-set in one command: the credential ID is part of the selector.  Not
  // retried: the caller reads the counts.
  const Doc selector = mongo::acl_selector_holding(internal_id, credential_id);
  const Doc update = mongo::acl_update(
      {.passhash = new_passhash, .credential_id = new_credential_id, .drop_password_digest = true});
  const auto counts = impl_->client.update_one("replace passhash", kAclCollection, internal_id, selector.get(),
                                               update.get(), UpdateOptions{});
  return counts.matched == 1;
}

bool MongoDirectoryStore::record_password_digest(std::string_view internal_id, std::string_view credential_id,
                                                 std::string_view password_digest) {
  require_topic_safe_id(internal_id, "internal ID");
  require_text(credential_id, "credential ID");
  require_text(password_digest, "password digest");
  const Doc selector = mongo::acl_selector_holding(internal_id, credential_id);
  const Doc update = mongo::acl_update({.password_digest = password_digest});
  const auto counts = impl_->client.update_one("record password digest", kAclCollection, internal_id, selector.get(),
                                               update.get(), UpdateOptions{.retry = Retry::after_fast_connection_failure});
  return counts.matched == 1;
}

std::optional<AclDocument> MongoDirectoryStore::find_acl_by_password_digest(std::string_view password_digest) {
  require_text(password_digest, "password digest");
  const Doc filter = mongo::acl_selector_by_password_digest(password_digest);
  const auto doc = impl_->client.find_one("find by password digest", kAclCollection, filter.get());
  if (!doc) return std::nullopt;
  // (The digest stays out of messages: it stands for a password.)
  const std::string internal_id =
      mongo::required_string(doc->get(), "client_id", {kAclCollection, "(found by password digest)"});
  return mongo::acl_from(doc->get(), internal_id);
}

void MongoDirectoryStore::add_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                                       const std::vector<std::string>& subscribe) {
  require_topic_safe_id(internal_id, "internal ID");
  const auto unique_publish = unique_in_order(publish, "publish pattern");
  const auto unique_subscribe = unique_in_order(subscribe, "subscribe pattern");
  const Doc selector = mongo::acl_selector(internal_id);
  const PatternLists add{unique_publish, unique_subscribe};
  const Doc update = mongo::acl_update({.add = &add});
  impl_->client.update_one("add patterns", kAclCollection, internal_id, selector.get(), update.get(),
                           UpdateOptions{.upsert = true, .retry = Retry::after_fast_connection_failure});
}

void MongoDirectoryStore::remove_patterns(std::string_view internal_id, const std::vector<std::string>& publish,
                                          const std::vector<std::string>& subscribe) {
  require_topic_safe_id(internal_id, "internal ID");
  const auto unique_publish = unique_in_order(publish, "publish pattern");
  const auto unique_subscribe = unique_in_order(subscribe, "subscribe pattern");
  if (unique_publish.empty() && unique_subscribe.empty()) return;
  const Doc selector = mongo::acl_selector(internal_id);
  const PatternLists remove{unique_publish, unique_subscribe};
  const Doc update = mongo::acl_update({.remove = &remove});
  impl_->client.update_one("remove patterns", kAclCollection, internal_id, selector.get(), update.get(),
                           UpdateOptions{.retry = Retry::after_fast_connection_failure});
}

// ---- groups ---------------------------------------------------------------------------------

void MongoDirectoryStore::insert_group(const Group& group) {
  require_topic_safe_id(group.id, "group ID");
  if (group.name.find('\0') != std::string::npos || !bson_utf8_validate(group.name.data(), group.name.size(), false))
    fail(WAVE_ERR_INVALID_ARGUMENT, "MongoDB store: the group name is not valid UTF-8 text");
  require_topic_safe_id(group.owner, "group owner");
  const std::vector<std::string> members = unique_in_order(group.members, "group member");
  for (const auto& member : members) require_topic_safe_id(member, "group member");

  const Doc document = mongo::group_document(group, members);
  // Not retried: after a lost reply, a second insert would report our own group as a
  // conflict.
  if (!impl_->client.insert_one("insert group", kGroupCollection, document.get(), Retry::never))
    fail(WAVE_ERR_CONFLICT, "MongoDB insert group: a group with ID '" + group.id + "' already exists");
}

std::optional<Group> MongoDirectoryStore::find_group(std::string_view group_id) {
  require_text(group_id, "group ID");
  const Doc filter = mongo::id_selector(group_id);
  const auto doc = impl_->client.find_one("find group", kGroupCollection, filter.get());
  if (!doc) return std::nullopt;
  return mongo::group_from(doc->get());
}

namespace {

// $addToSet / $pull of one member; false when nothing changed.  Not retried: the caller
// reads the counts.
bool change_membership(mongo::MongoClient& client, const char* operation, const char* op, std::string_view group_id,
                       std::string_view internal_id) {
  require_text(group_id, "group ID");
  require_topic_safe_id(internal_id, "internal ID");
  const Doc selector = mongo::id_selector(group_id);
  const Doc update = mongo::member_update(op, internal_id);
  const auto counts =
      client.update_one(operation, kGroupCollection, group_id, selector.get(), update.get(), UpdateOptions{});
  if (counts.matched == 0) fail(WAVE_ERR_NOT_FOUND, "no group with ID '" + std::string(group_id) + "'");
  return counts.modified == 1;
}

}  // namespace

bool MongoDirectoryStore::add_group_member(std::string_view group_id, std::string_view internal_id) {
  return change_membership(impl_->client, "add group member", "$addToSet", group_id, internal_id);
}

bool MongoDirectoryStore::remove_group_member(std::string_view group_id, std::string_view internal_id) {
  return change_membership(impl_->client, "remove group member", "$pull", group_id, internal_id);
}

std::optional<Group> MongoDirectoryStore::delete_group(std::string_view group_id) {
  require_text(group_id, "group ID");
  const Doc selector = mongo::id_selector(group_id);
  // findAndModify with remove: the document as it was when it went, so the caller sees the
  // members added since it last read the group.  Serialised with this process's member
  // updates of the group.
  const auto deleted = impl_->client.find_one_and_delete("delete group", kGroupCollection, group_id, selector.get());
  if (!deleted) return std::nullopt;
  return mongo::group_from(deleted->get());
}

std::vector<Group> MongoDirectoryStore::groups_of(std::string_view internal_id) {
  require_topic_safe_id(internal_id, "internal ID");
  // {members: id} matches an element of the array.
  const Doc filter = build_document([&](BsonWriter& doc) { doc.text("members", internal_id); });
  const Doc opts = build_document([](BsonWriter& doc) {
    doc.document("sort", [](BsonWriter& sort) { sort.int32("_id", 1); });
  });
  std::vector<Group> groups;
  for (const Doc& doc : impl_->client.find("list groups of member", kGroupCollection, filter.get(), opts.get()))
    groups.push_back(mongo::group_from(doc.get()));
  return groups;
}

std::int64_t MongoDirectoryStore::count_groups_of(std::string_view internal_id) {
  require_topic_safe_id(internal_id, "internal ID");
  // Only the _ids come back: a member of many large groups costs no member lists.
  const Doc filter = build_document([&](BsonWriter& doc) { doc.text("members", internal_id); });
  const Doc opts = build_document([](BsonWriter& doc) {
    doc.document("projection", [](BsonWriter& projection) { projection.int32("_id", 1); });
  });
  return static_cast<std::int64_t>(
      impl_->client.find("count groups of member", kGroupCollection, filter.get(), opts.get()).size());
}

}  // namespace wave
