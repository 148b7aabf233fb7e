#include "mongo/directory_documents.hpp"

#include <chrono>
#include <cstdint>

#include "common/error.hpp"

namespace wave::mongo {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// [ {pattern: "a"}, {pattern: "b"}, ... ]: VerneMQ's ACL entry shape.
void write_patterns(BsonWriter& array, const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    array.push_document([&](BsonWriter& entry) { entry.text("pattern", pattern); });
  }
}

void write_acl_identity(BsonWriter& selector, std::string_view internal_id) {
  selector.text("mountpoint", "").text("client_id", internal_id).text("username", internal_id);
}

std::vector<std::string> pattern_array(const bson_t* doc, const char* field, std::string_view id) {
  const DocumentSource source{kAclCollection, id};
  std::vector<std::string> out;
  for_each_element(doc, field, source, [&](const bson_iter_t& entries) {
    bson_iter_t entry;
    if (!BSON_ITER_HOLDS_DOCUMENT(&entries) || !bson_iter_recurse(&entries, &entry))
      fail_malformed(source, std::string("an entry of '") + field + "' is not a document");
    if (!bson_iter_find(&entry, "pattern")) return;
    if (!BSON_ITER_HOLDS_UTF8(&entry))
      fail_malformed(source, std::string("a pattern in '") + field + "' is not a string");
    out.push_back(iter_text(entry));
  });
  return out;
}

}  // namespace

std::vector<IndexSpec> directory_indexes() {
  return {
      {kAclCollection, "wave_mountpoint_client_id", {"mountpoint", "client_id"}, true},
      {kIdentityCollection, "wave_internal_id", {"internal_id"}, true},
      {kGroupCollection, "wave_members", {"members"}, false},
      {kAclCollection, "wave_password_digest", {"wave_password_digest"}, false},
  };
}

Doc id_selector(std::string_view id) {
  return build_document([&](BsonWriter& selector) { selector.text("_id", id); });
}

// ---- vmq_acl_auth -------------------------------------------------------------------------

Doc acl_selector_by_password_digest(std::string_view password_digest) {
  return build_document([&](BsonWriter& selector) {
    selector.text("mountpoint", "");
    selector.text("wave_password_digest", password_digest);
  });
}

Doc acl_selector(std::string_view internal_id) {
  return build_document([&](BsonWriter& selector) { write_acl_identity(selector, internal_id); });
}

Doc acl_selector_holding(std::string_view internal_id, std::string_view credential_id) {
  return build_document([&](BsonWriter& selector) {
    write_acl_identity(selector, internal_id);
    selector.text("wave_credential_id", credential_id);
  });
}

Doc acl_selector_holding_any(std::string_view internal_id, const std::vector<std::string_view>& credential_ids) {
  return build_document([&](BsonWriter& selector) {
    write_acl_identity(selector, internal_id);
    selector.document("wave_credential_id", [&](BsonWriter& condition) {
      condition.array("$in", [&](BsonWriter& allowed) {
        for (const auto id : credential_ids) {
          if (id.empty()) {
            allowed.push_null();
          } else {
            allowed.push_text(id);
          }
        }
      });
    });
  });
}

Doc acl_update(const AclChange& change) {
  return build_document([&](BsonWriter& update) {
    update.document("$set", [&](BsonWriter& set) {
      if (!change.passhash.empty()) set.text("passhash", change.passhash);
      if (!change.credential_id.empty()) set.text("wave_credential_id", change.credential_id);
      if (!change.app_user_id.empty()) set.text("wave_app_user_id", change.app_user_id);
      if (!change.password_digest.empty()) set.text("wave_password_digest", change.password_digest);
      set.int64("wave_updated_at_ms", now_ms());
    });
    if (change.drop_password_digest)
      update.document("$unset", [](BsonWriter& unset) { unset.text("wave_password_digest", ""); });
    if (change.add != nullptr) {
      update.document("$addToSet", [&](BsonWriter& add_to_set) {
        for (const auto& [field, list] : {std::pair{"publish_acl", &change.add->publish},
                                          std::pair{"subscribe_acl", &change.add->subscribe}}) {
          const std::vector<std::string>& patterns = *list;  // (clang 14 cannot capture a binding)
          add_to_set.document(field, [&](BsonWriter& each) {
            each.array("$each", [&](BsonWriter& entries) { write_patterns(entries, patterns); });
          });
        }
      });
    }
    if (change.remove != nullptr) {
      // $pullAll of whole {pattern} documents rather than $pull with {pattern: {$in: [...]}}:
      // FerretDB v1 silently removes nothing when $pull is given a query condition.  Wave
      // writes entries as exactly {pattern: <string>}, so exact-document matching removes
      // them on both MongoDB and FerretDB.
      update.document("$pullAll", [&](BsonWriter& pull_all) {
        for (const auto& [field, list] : {std::pair{"publish_acl", &change.remove->publish},
                                          std::pair{"subscribe_acl", &change.remove->subscribe}}) {
          const std::vector<std::string>& patterns = *list;  // (clang 14 cannot capture a binding)
          if (patterns.empty()) continue;
          pull_all.array(field, [&](BsonWriter& entries) { write_patterns(entries, patterns); });
        }
      });
    }
  });
}

AclDocument acl_from(const bson_t* doc, std::string_view internal_id) {
  const DocumentSource source{kAclCollection, internal_id};
  AclDocument acl;
  acl.internal_id = std::string(internal_id);
  acl.app_user_id = string_field(doc, "wave_app_user_id", source).value_or("");
  acl.passhash = string_field(doc, "passhash", source).value_or("");
  acl.credential_id = string_field(doc, "wave_credential_id", source).value_or("");
  acl.password_digest = string_field(doc, "wave_password_digest", source).value_or("");
  acl.publish_acl = pattern_array(doc, "publish_acl", internal_id);
  acl.subscribe_acl = pattern_array(doc, "subscribe_acl", internal_id);
  return acl;
}

// ---- wave_identities ----------------------------------------------------------------------

Doc identity_document(std::string_view app_user_id, std::string_view internal_id) {
  return build_document([&](BsonWriter& doc) {
    doc.text("_id", app_user_id).text("internal_id", internal_id).now_utc("created_at");
  });
}

std::string internal_id_from(const bson_t* doc, std::string_view app_user_id) {
  return required_string(doc, "internal_id", {kIdentityCollection, app_user_id});
}

// ---- wave_groups ----------------------------------------------------------------------------

Doc group_document(const Group& group, const std::vector<std::string>& members) {
  return build_document([&](BsonWriter& doc) {
    doc.text("_id", group.id).text("name", group.name).text("owner", group.owner);
    doc.text_array("members", members).now_utc("created_at");
  });
}

Group group_from(const bson_t* doc) {
  auto id = string_id(doc);
  if (!id)
    fail(WAVE_ERR_BACKEND, std::string("MongoDB: a document in ") + kGroupCollection +
                               " has a non-string _id (fix or delete it)");
  Group group;
  group.id = std::move(*id);
  const DocumentSource source{kGroupCollection, group.id};
  group.name = string_field(doc, "name", source).value_or("");
  group.owner = required_string(doc, "owner", source);
  group.members = string_array(doc, "members", source);
  return group;
}

Doc member_update(const char* op, std::string_view internal_id) {
  return build_document([&](BsonWriter& update) {
    update.document(op, [&](BsonWriter& inner) { inner.text("members", internal_id); });
  });
}

}  // namespace wave::mongo
