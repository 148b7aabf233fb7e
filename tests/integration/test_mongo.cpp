// MongoDirectoryStore against a real server (FerretDB from the `mongo` fixture, or the
// MongoDB of WAVE_TEST_MONGO_URI).  Documents are checked with raw driver reads, so the
// tests see exactly what VerneMQ's MongoDB auth will read.
#include <doctest/doctest.h>
#include <mongoc/mongoc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "integration/raw_mongo.hpp"
#include "integration/test_errors.hpp"
#include "integration/test_servers.hpp"
#include "mongo/mongo_directory_store.hpp"

namespace {

using wave::MongoDirectoryStore;
using wave::MongoOptions;
using Clock = std::chrono::steady_clock;
using wave_test::message_of;
using wave_test::status_of;

// A database of the test case's own (dropped at the end), so cases never see each other's
// documents, even when CTest runs test programs in parallel.
std::string unique_database(const char* tag) {
  static std::atomic<int> counter{0};
  return std::string("wt_") + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
}

std::string fake_passhash(char fill) { return "$2a$14$" + std::string(53, fill); }

const char* status_name(wave_status status) {
  switch (status) {
    case WAVE_OK: return "OK";
    case WAVE_ERR_UNAVAILABLE: return "UNAVAILABLE";
    case WAVE_ERR_TIMEOUT: return "TIMEOUT";
    case WAVE_ERR_BACKEND: return "BACKEND";
    default: return "other";
  }
}

// The store and a raw client on one fresh database of the shared fixture server.
struct Fixture {
  explicit Fixture(const char* tag)
      : uri(wave_test::fixture_uri("mongo")),
        database(unique_database(tag)),
        raw(uri, database),
        store(MongoOptions{uri, database, 5000}) {}
  std::string uri;
  std::string database;
  wave_test::RawMongo raw;
  MongoDirectoryStore store;
};



// kill(SIGSTOP) returns before the target stops: wait until every thread is stopped ('T').
bool wait_until_stopped(pid_t pid) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    bool all_stopped = true;
    for (const auto& task : std::filesystem::directory_iterator(tasks)) {
      const std::string stat = wave_test::read_text_file(task.path() / "stat");
      const auto close = stat.rfind(')');  // "pid (comm) S ...": the state follows the name
      if (close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'T') all_stopped = false;
    }
    if (all_stopped) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Runs body(i) for i in [0, threads) on as many threads, released together so that they race.
void race(int threads, const std::function<void(int)>& body) {
  std::atomic<int> ready{0};
  std::vector<std::thread> running;
  for (int i = 0; i < threads; ++i) {
    running.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();
      body(i);
    });
  }
  for (auto& t : running) t.join();
}

std::string acl_filter(const std::string& id) { return R"({"client_id": ")" + id + R"("})"; }

}  // namespace

TEST_CASE("vmq_acl_auth document: VerneMQ's field names and BSON types, nothing else") {
  Fixture f("acl_fields");
  const std::string id = "0b1c2d3e-4f50-4617-8899-aabbccddeeff";
  f.store.upsert_credentials(id, "app-user-1", fake_passhash('a'), "cred-1", "",
                             {"conversations/private/" + id + "/+"}, {"conversations/private/+/" + id});

  auto docs = f.raw.find("vmq_acl_auth", acl_filter(id));
  REQUIRE(docs.size() == 1);
  const wave_test::BsonDoc& doc = docs[0];
  std::vector<std::string> keys = doc.keys();
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<std::string>{"_id", "client_id", "mountpoint", "passhash", "publish_acl", "subscribe_acl",
                                         "username", "wave_app_user_id", "wave_credential_id", "wave_updated_at_ms"});
  CHECK(doc.type("mountpoint") == BSON_TYPE_UTF8);
  CHECK(doc.text("mountpoint").empty());
  CHECK(doc.text("client_id") == id);
  CHECK(doc.text("username") == id);
  CHECK(doc.text("passhash") == fake_passhash('a'));
  CHECK(doc.text("wave_app_user_id") == "app-user-1");
  CHECK(doc.text("wave_credential_id") == "cred-1");
  // VerneMQ hands the whole document to Lua, which takes no BSON dates: the timestamp is a
  // plain integer.
  CHECK(doc.type("wave_updated_at_ms") == BSON_TYPE_INT64);
  CHECK(doc.type("publish_acl") == BSON_TYPE_ARRAY);
  CHECK(doc.type("subscribe_acl") == BSON_TYPE_ARRAY);
  CHECK(doc.patterns("publish_acl") == std::vector<std::string>{"conversations/private/" + id + "/+"});
  CHECK(doc.patterns("subscribe_acl") == std::vector<std::string>{"conversations/private/+/" + id});

  // VerneMQ's exact lookup finds it.
  CHECK(f.raw.find("vmq_acl_auth", R"({"mountpoint": "", "client_id": ")" + id + R"(", "username": ")" + id + R"("})")
            .size() == 1);

  auto acl = f.store.find_acl(id);
  REQUIRE(acl.has_value());
  CHECK(acl->internal_id == id);
  CHECK(acl->app_user_id == "app-user-1");
  CHECK(acl->passhash == fake_passhash('a'));
  CHECK(acl->credential_id == "cred-1");
  CHECK(acl->publish_acl == doc.patterns("publish_acl"));
  CHECK(acl->subscribe_acl == doc.patterns("subscribe_acl"));
  CHECK_FALSE(f.store.find_acl("0b1c2d3e-0000-4617-8899-aabbccddeeff").has_value());
}

TEST_CASE("vmq_acl_auth: repeated upserts keep one document, no duplicate patterns, group patterns stay") {
  Fixture f("acl_upsert");
  const std::string id = "user-a";
  const std::vector<std::string> own_pub{"conversations/private/user-a/+"};
  const std::vector<std::string> own_sub{"conversations/private/+/user-a"};

  for (int i = 0; i < 3; ++i) f.store.upsert_credentials(id, "app-a", fake_passhash('a'), "cred-1", "", own_pub, own_sub);
  f.store.add_patterns(id, {"conversations/group/g1/user-a"}, {"conversations/group/g1/+"});
  f.store.add_patterns(id, {"conversations/group/g1/user-a"}, {"conversations/group/g1/+"});  // again: no-op
  // Token rotation: a new passhash and credential; the group patterns must survive.
  f.store.upsert_credentials(id, "app-a", fake_passhash('b'), "cred-2", "cred-1", own_pub, own_sub);
  // Duplicates inside one call collapse too.
  f.store.add_patterns(id, {"x/1", "x/1"}, {"y/1", "y/1"});

  auto docs = f.raw.find("vmq_acl_auth", acl_filter(id));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].text("passhash") == fake_passhash('b'));
  CHECK(docs[0].text("wave_credential_id") == "cred-2");
  CHECK(docs[0].patterns("publish_acl") ==
        std::vector<std::string>{"conversations/private/user-a/+", "conversations/group/g1/user-a", "x/1"});
  CHECK(docs[0].patterns("subscribe_acl") ==
        std::vector<std::string>{"conversations/private/+/user-a", "conversations/group/g1/+", "y/1"});
  CHECK(f.raw.find("vmq_acl_auth", "{}").size() == 1);
}

TEST_CASE("vmq_acl_auth: remove_patterns pulls exactly the given patterns") {
  Fixture f("acl_pull");
  const std::string id = "user-b";
  f.store.upsert_credentials(id, "app-b", fake_passhash('c'), "cred-1", "", {"p/own", "p/g1", "p/g2"},
                             {"s/own", "s/g1/+", "s/g2/+"});
  f.store.remove_patterns(id, {"p/g1", "p/absent"}, {"s/g1/+"});
  auto docs = f.raw.find("vmq_acl_auth", acl_filter(id));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].patterns("publish_acl") == std::vector<std::string>{"p/own", "p/g2"});
  CHECK(docs[0].patterns("subscribe_acl") == std::vector<std::string>{"s/own", "s/g2/+"});
  CHECK(docs[0].text("passhash") == fake_passhash('c'));

  f.store.remove_patterns(id, {}, {"s/g2/+"});  // only one side
  CHECK(f.store.find_acl(id)->subscribe_acl == std::vector<std::string>{"s/own"});
  CHECK(f.store.find_acl(id)->publish_acl == std::vector<std::string>{"p/own", "p/g2"});

  // Removing from a user without a document creates nothing.
  f.store.remove_patterns("user-none", {"p/x"}, {"s/x"});
  CHECK(f.raw.find("vmq_acl_auth", acl_filter("user-none")).empty());
}

TEST_CASE("vmq_acl_auth: add_patterns for a user without a document creates one without passhash") {
  Fixture f("acl_nopass");
  f.store.add_patterns("user-c", {"conversations/group/g9/user-c"}, {"conversations/group/g9/+"});
  auto docs = f.raw.find("vmq_acl_auth", acl_filter("user-c"));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].type("passhash") == BSON_TYPE_EOD);  // VerneMQ refuses a login without one
  CHECK(docs[0].text("mountpoint").empty());
  CHECK(docs[0].text("username") == "user-c");
  CHECK(docs[0].patterns("publish_acl") == std::vector<std::string>{"conversations/group/g9/user-c"});
  CHECK(docs[0].patterns("subscribe_acl") == std::vector<std::string>{"conversations/group/g9/+"});
  auto acl = f.store.find_acl("user-c");
  REQUIRE(acl.has_value());
  CHECK(acl->passhash.empty());
  CHECK(acl->credential_id.empty());

  // The first login then fills in the credentials on the same document.
  f.store.upsert_credentials("user-c", "app-c", fake_passhash('d'), "cred-1", "", {"own/p"}, {"own/s"});
  docs = f.raw.find("vmq_acl_auth", acl_filter("user-c"));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].text("passhash") == fake_passhash('d'));
  CHECK(docs[0].patterns("publish_acl") == std::vector<std::string>{"conversations/group/g9/user-c", "own/p"});
}

TEST_CASE("indexes: unique (mountpoint, client_id), unique internal_id, members") {
  Fixture f("indexes");
  auto acl_indexes = f.raw.indexes("vmq_acl_auth");
  bool found_unique = false;
  for (const auto& [name, index] : acl_indexes) {
    bson_iter_t it;
    bson_iter_t key;
    if (!bson_iter_init_find(&it, index.get(), "key") || !bson_iter_recurse(&it, &key)) continue;
    std::vector<std::string> fields;
    while (bson_iter_next(&key)) fields.emplace_back(bson_iter_key(&key));
    if (fields == std::vector<std::string>{"mountpoint", "client_id"}) {
      found_unique = index.type("unique") == BSON_TYPE_BOOL && bson_iter_init_find(&it, index.get(), "unique") &&
                     bson_iter_bool(&it);
    }
  }
  CHECK(found_unique);
  CHECK(f.raw.indexes("wave_identities").count("wave_internal_id") == 1);
  CHECK(f.raw.indexes("wave_groups").count("wave_members") == 1);

  // The index really refuses a second document for the same client, whatever its username.
  f.store.upsert_credentials("user-d", "app-d", fake_passhash('e'), "cred-1", "", {}, {});
  CHECK(f.raw.insert("vmq_acl_auth", R"({"mountpoint": "", "client_id": "user-d", "username": "other"})") == 11000);

  // Constructing a second store on the same database is idempotent.
  MongoDirectoryStore again(MongoOptions{f.uri, f.database, 5000});
  CHECK(again.find_acl("user-d").has_value());
}

TEST_CASE("a document with our client_id but another username is a conflict, not a duplicate") {
  Fixture f("acl_conflict");
  REQUIRE(f.raw.insert("vmq_acl_auth", R"({"mountpoint": "", "client_id": "user-e", "username": "intruder"})") == 0);
  CHECK(status_of([&] { f.store.upsert_credentials("user-e", "app-e", fake_passhash('f'), "c", "", {}, {}); }) ==
        WAVE_ERR_CONFLICT);
  CHECK(f.raw.find("vmq_acl_auth", acl_filter("user-e")).size() == 1);
}

TEST_CASE("never a client_id \"*\" (nor an ID that smuggles wildcards or levels)") {
  Fixture f("star");
  const std::vector<std::string> bad_ids{"*", "", "a+b", "a#", "a/b", std::string("a\0b", 3)};
  for (const std::string& bad : bad_ids) {
    CAPTURE(bad);
    CHECK(status_of([&] { f.store.upsert_credentials(bad, "app", fake_passhash('g'), "c", "", {"t"}, {"t"}); }) ==
          WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { f.store.add_patterns(bad, {"t"}, {"t"}); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { f.store.remove_patterns(bad, {"t"}, {"t"}); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { f.store.replace_passhash(bad, "c", fake_passhash('h'), "d"); }) ==
          WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { f.store.claim_identity("app-star", bad); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { f.store.find_acl(bad); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { f.store.insert_group(wave::Group{"g-" + std::to_string(bad.size()), "n", bad, {bad}}); }) ==
          WAVE_ERR_INVALID_ARGUMENT);
  }
  CHECK(status_of([&] { f.store.add_patterns("user-ok", {""}, {}); }) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(status_of([&] { f.store.add_patterns("user-ok", {}, {"\xff\xfe"}); }) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(f.raw.find("vmq_acl_auth", R"({"client_id": "*"})").empty());
  CHECK(f.raw.find("vmq_acl_auth", "{}").empty());
  CHECK(f.raw.find("wave_identities", "{}").empty());
}

TEST_CASE("claim_identity: 64 concurrent claims of one app user with 64 proposals agree on one ID") {
  Fixture f("claim_race");
  constexpr int kThreads = 64;
  std::vector<std::string> results(kThreads);
  std::vector<wave_status> statuses(kThreads, WAVE_OK);
  race(kThreads, [&](int i) {
    try {
      results[i] = f.store.claim_identity("app-race", "proposed-" + std::to_string(i));
    } catch (const wave::Error& e) {
      statuses[i] = e.status();
    }
  });
  for (int i = 0; i < kThreads; ++i) REQUIRE_MESSAGE(statuses[i] == WAVE_OK, "thread ", i, " failed");
  const std::set<std::string> distinct(results.begin(), results.end());
  REQUIRE(distinct.size() == 1);
  const std::string winner = *distinct.begin();
  CHECK(winner.rfind("proposed-", 0) == 0);

  auto docs = f.raw.find("wave_identities", "{}");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].text("_id") == "app-race");
  CHECK(docs[0].text("internal_id") == winner);
  CHECK(docs[0].type("created_at") == BSON_TYPE_DATE_TIME);

  // Later claims, whatever they propose, get the same ID back.
  CHECK(f.store.claim_identity("app-race", "another") == winner);
  CHECK(f.store.find_identity("app-race") == winner);
}

TEST_CASE("identities: find one, find many in order, an ID belongs to one app user") {
  Fixture f("identities");
  CHECK_FALSE(f.store.find_identity("app-1").has_value());
  CHECK(f.store.claim_identity("app-1", "id-1") == "id-1");
  CHECK(f.store.claim_identity("app-2", "id-2") == "id-2");
  CHECK(f.store.find_identity("app-1") == std::optional<std::string>("id-1"));

  auto found = f.store.find_identities({"app-2", "unknown", "app-1", "app-2"});
  REQUIRE(found.size() == 4);
  CHECK(found[0] == std::optional<std::string>("id-2"));
  CHECK_FALSE(found[1].has_value());
  CHECK(found[2] == std::optional<std::string>("id-1"));
  CHECK(found[3] == std::optional<std::string>("id-2"));
  CHECK(f.store.find_identities({}).empty());

  // Proposing an internal ID that another app user holds is refused, never shared.
  CHECK(status_of([&] { f.store.claim_identity("app-3", "id-1"); }) == WAVE_ERR_CONFLICT);
  CHECK_FALSE(f.store.find_identity("app-3").has_value());

  // Many IDs in one query (more than one cursor batch on some servers).
  std::vector<std::string> many;
  for (int i = 0; i < 300; ++i) {
    many.push_back("bulk-" + std::to_string(i));
    if (i % 2 == 0) f.store.claim_identity(many.back(), "bulk-id-" + std::to_string(i));
  }
  auto bulk = f.store.find_identities(many);
  REQUIRE(bulk.size() == many.size());
  for (int i = 0; i < 300; ++i) {
    CAPTURE(i);
    if (i % 2 == 0)
      CHECK(bulk[i] == std::optional<std::string>("bulk-id-" + std::to_string(i)));
    else
      CHECK_FALSE(bulk[i].has_value());
  }
}

TEST_CASE("password digests: recorded compare-and-set, found by digest, retired with their credential") {
  Fixture f("digest");
  const std::string id = "user-digest";
  const std::string digest(64, 'a');
  f.store.upsert_credentials(id, "app-digest", fake_passhash('a'), "cred-1", "", {"p"}, {"s"});
  CHECK_FALSE(f.store.find_acl_by_password_digest(digest));
  CHECK_FALSE(f.store.record_password_digest(id, "cred-0", digest));  // another credential: nothing written
  CHECK_FALSE(f.store.find_acl_by_password_digest(digest));
  CHECK(f.store.record_password_digest(id, "cred-1", digest));
  const auto found = f.store.find_acl_by_password_digest(digest);
  REQUIRE(found);
  CHECK(found->internal_id == id);
  CHECK(found->credential_id == "cred-1");
  CHECK(found->password_digest == digest);
  CHECK(f.raw.indexes("vmq_acl_auth").count("wave_password_digest") == 1);
  // VerneMQ reads the document as before: the extra field is a string it ignores.
  auto docs = f.raw.find("vmq_acl_auth", acl_filter(id));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].text("wave_password_digest") == digest);
  // A revoke retires the digest with the passhash.
  CHECK(f.store.replace_passhash(id, "cred-1", fake_passhash('b'), "revoked-1"));
  CHECK_FALSE(f.store.find_acl_by_password_digest(digest));
  docs = f.raw.find("vmq_acl_auth", acl_filter(id));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].type("wave_password_digest") == BSON_TYPE_EOD);
}

TEST_CASE("replace_passhash is a compare-and-set on wave_credential_id") {
  Fixture f("cas");
  const std::string id = "user-f";
  f.store.upsert_credentials(id, "app-f", fake_passhash('a'), "cred-1", "", {"p"}, {"s"});

  // Stale credential: nothing changes.
  CHECK_FALSE(f.store.replace_passhash(id, "cred-0", fake_passhash('x'), "cred-x"));
  auto docs = f.raw.find("vmq_acl_auth", acl_filter(id));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].text("passhash") == fake_passhash('a'));
  CHECK(docs[0].text("wave_credential_id") == "cred-1");

  // Current credential: replaced, patterns untouched.
  CHECK(f.store.replace_passhash(id, "cred-1", fake_passhash('b'), "cred-2"));
  docs = f.raw.find("vmq_acl_auth", acl_filter(id));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].text("passhash") == fake_passhash('b'));
  CHECK(docs[0].text("wave_credential_id") == "cred-2");
  CHECK(docs[0].patterns("publish_acl") == std::vector<std::string>{"p"});

  // The old credential no longer matches.
  CHECK_FALSE(f.store.replace_passhash(id, "cred-1", fake_passhash('c'), "cred-3"));
  CHECK(f.store.find_acl(id)->passhash == fake_passhash('b'));
  // No document: false, and nothing is created.
  CHECK_FALSE(f.store.replace_passhash("user-nobody", "cred-1", fake_passhash('c'), "cred-3"));
  CHECK(f.raw.find("vmq_acl_auth", acl_filter("user-nobody")).empty());
}

TEST_CASE("upsert_credentials is a compare-and-set: a stale writer never overwrites a newer credential") {
  Fixture f("upsert_cas");
  MongoDirectoryStore other(MongoOptions{f.uri, f.database, 5000});  // another process
  const std::string id = "user-cas";
  // No document yet: "nothing expected" writes it.
  CHECK(f.store.upsert_credentials(id, "app-cas", fake_passhash('a'), "cred-1", "", {"p/own"}, {"s/own"}));
  // Both processes read cred-1; the other one rotates to cred-2 first...
  CHECK(other.upsert_credentials(id, "app-cas", fake_passhash('b'), "cred-2", "cred-1", {"p/own"}, {"s/own"}));
  // ...so this one's write, based on the stale read, is refused and changes nothing.
  CHECK_FALSE(f.store.upsert_credentials(id, "app-cas", fake_passhash('c'), "cred-3", "cred-1", {"p/stale"}, {}));
  CHECK_FALSE(f.store.upsert_credentials(id, "app-cas", fake_passhash('c'), "cred-3", "", {}, {}));
  auto docs = f.raw.find("vmq_acl_auth", acl_filter(id));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].text("passhash") == fake_passhash('b'));
  CHECK(docs[0].text("wave_credential_id") == "cred-2");
  CHECK(docs[0].patterns("publish_acl") == std::vector<std::string>{"p/own"});
  // Writing the credential the document already holds is harmless (a retried write).
  CHECK(f.store.upsert_credentials(id, "app-cas", fake_passhash('b'), "cred-2", "cred-0", {}, {}));
  // Having read cred-2, the write goes through.
  CHECK(f.store.upsert_credentials(id, "app-cas", fake_passhash('d'), "cred-4", "cred-2", {}, {}));
  CHECK(f.store.find_acl(id)->credential_id == "cred-4");
  CHECK(f.raw.find("vmq_acl_auth", "{}").size() == 1);

  // A document without wave_credential_id (made by add_patterns) takes a credential
  // whatever the writer expected; the patterns stay.
  f.store.add_patterns("user-nocred", {"conversations/group/g/user-nocred"}, {});
  CHECK(f.store.upsert_credentials("user-nocred", "app-n", fake_passhash('e'), "cred-n", "cred-old", {"p/n"}, {}));
  docs = f.raw.find("vmq_acl_auth", acl_filter("user-nocred"));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].text("wave_credential_id") == "cred-n");
  CHECK(docs[0].patterns("publish_acl") == std::vector<std::string>{"conversations/group/g/user-nocred", "p/n"});
}

TEST_CASE("concurrent first upserts of one user make one document") {
  Fixture f("acl_race");
  constexpr int kThreads = 16;
  std::vector<wave_status> statuses(kThreads, WAVE_OK);
  race(kThreads, [&](int i) {
    statuses[i] = status_of([&] { f.store.add_patterns("user-g", {"p/" + std::to_string(i)}, {"s/common"}); });
  });
  for (int i = 0; i < kThreads; ++i) CHECK_MESSAGE(statuses[i] == WAVE_OK, "thread ", i);
  auto docs = f.raw.find("vmq_acl_auth", acl_filter("user-g"));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].patterns("publish_acl").size() == kThreads);
  CHECK(docs[0].patterns("subscribe_acl") == std::vector<std::string>{"s/common"});
}

TEST_CASE("groups: insert, conflict, find, members, groups_of, delete") {
  Fixture f("groups");
  f.store.insert_group(wave::Group{"g-1", "Friends", "owner-1", {"owner-1", "m-2", "owner-1"}});
  CHECK(status_of([&] { f.store.insert_group(wave::Group{"g-1", "Other", "owner-9", {"owner-9"}}); }) ==
        WAVE_ERR_CONFLICT);

  auto docs = f.raw.find("wave_groups", R"({"_id": "g-1"})");
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].text("name") == "Friends");  // the first insert stays
  CHECK(docs[0].text("owner") == "owner-1");
  CHECK(docs[0].strings("members") == std::vector<std::string>{"owner-1", "m-2"});
  CHECK(docs[0].type("created_at") == BSON_TYPE_DATE_TIME);

  auto group = f.store.find_group("g-1");
  REQUIRE(group.has_value());
  CHECK(group->id == "g-1");
  CHECK(group->name == "Friends");
  CHECK(group->owner == "owner-1");
  CHECK(group->members == std::vector<std::string>{"owner-1", "m-2"});
  CHECK_FALSE(f.store.find_group("g-none").has_value());

  CHECK(f.store.add_group_member("g-1", "m-3"));
  CHECK_FALSE(f.store.add_group_member("g-1", "m-3"));
  CHECK(f.store.find_group("g-1")->members == std::vector<std::string>{"owner-1", "m-2", "m-3"});
  CHECK(f.store.remove_group_member("g-1", "m-2"));
  CHECK_FALSE(f.store.remove_group_member("g-1", "m-2"));
  CHECK(f.store.find_group("g-1")->members == std::vector<std::string>{"owner-1", "m-3"});
  CHECK(status_of([&] { f.store.add_group_member("g-none", "m-3"); }) == WAVE_ERR_NOT_FOUND);
  CHECK(status_of([&] { f.store.remove_group_member("g-none", "m-3"); }) == WAVE_ERR_NOT_FOUND);

  f.store.insert_group(wave::Group{"g-0", "Work", "m-3", {"m-3"}});
  auto of_m3 = f.store.groups_of("m-3");
  REQUIRE(of_m3.size() == 2);
  CHECK(of_m3[0].id == "g-0");
  CHECK(of_m3[1].id == "g-1");
  CHECK(f.store.groups_of("owner-1").size() == 1);
  CHECK(f.store.groups_of("m-2").empty());
  CHECK(f.store.count_groups_of("m-3") == 2);
  CHECK(f.store.count_groups_of("owner-1") == 1);
  CHECK(f.store.count_groups_of("m-2") == 0);

  f.store.add_group_member("g-1", "m-4");
  const auto deleted = f.store.delete_group("g-1");
  CHECK(deleted);
  REQUIRE(deleted.has_value());  // the group as it went, with the member added last
  CHECK(deleted->id == "g-1");
  CHECK(deleted->owner == "owner-1");
  CHECK(deleted->members == std::vector<std::string>{"owner-1", "m-3", "m-4"});
  CHECK_FALSE(f.store.delete_group("g-1"));
  CHECK_FALSE(f.store.find_group("g-1").has_value());
  CHECK(f.store.groups_of("owner-1").empty());
  CHECK(f.store.groups_of("m-3").size() == 1);
  CHECK(f.store.count_groups_of("m-3") == 1);
}

TEST_CASE("a malformed document is a backend fault, never \"not found\"") {
  Fixture f("malformed");
  REQUIRE(f.raw.insert("vmq_acl_auth", R"({"mountpoint": "", "client_id": "user-h", "username": "user-h",
                                           "passhash": 42, "publish_acl": [], "subscribe_acl": []})") == 0);
  CHECK(status_of([&] { f.store.find_acl("user-h"); }) == WAVE_ERR_BACKEND);
  REQUIRE(f.raw.insert("vmq_acl_auth", R"({"mountpoint": "", "client_id": "user-i", "username": "user-i",
                                           "passhash": "x", "publish_acl": ["not-a-document"]})") == 0);
  CHECK(status_of([&] { f.store.find_acl("user-i"); }) == WAVE_ERR_BACKEND);
  REQUIRE(f.raw.insert("wave_identities", R"({"_id": "app-bad", "internal_id": 7})") == 0);
  CHECK(status_of([&] { f.store.find_identity("app-bad"); }) == WAVE_ERR_BACKEND);
  CHECK(status_of([&] { f.store.find_identities({"app-bad"}); }) == WAVE_ERR_BACKEND);
}

TEST_CASE("configuration errors: bad URI or database name, without the password in the message") {
  const auto bad_uri = [] { MongoDirectoryStore store(MongoOptions{"mongodb://wave:hunter2secret@", "wave", 1000}); };
  CHECK(status_of(bad_uri) == WAVE_ERR_CONFIG);
  CHECK(message_of(bad_uri).find("hunter2secret") == std::string::npos);
  const auto bad_scheme = [] { MongoDirectoryStore store(MongoOptions{"http://wave:hunter2secret@h/", "wave", 1000}); };
  CHECK(status_of(bad_scheme) == WAVE_ERR_CONFIG);
  CHECK(message_of(bad_scheme).find("hunter2secret") == std::string::npos);
  const std::string uri = wave_test::fixture_uri("mongo");
  CHECK(status_of([&] { MongoDirectoryStore store(MongoOptions{uri, "bad.name", 1000}); }) == WAVE_ERR_CONFIG);
  CHECK(status_of([&] { MongoDirectoryStore store(MongoOptions{uri, "", 1000}); }) == WAVE_ERR_CONFIG);
  CHECK(status_of([&] { MongoDirectoryStore store(MongoOptions{uri, "wave", 0}); }) == WAVE_ERR_CONFIG);
}

TEST_CASE("MongoDB down: fails fast with UNAVAILABLE or TIMEOUT, then recovers by itself") {
  wave_test::PrivateServer server("mongo", "mongo-down");
  const std::string database = unique_database("down");
  constexpr std::int64_t kTimeoutMs = 1000;
  // Measured on FerretDB/loopback: a failed call takes about kTimeoutMs (server selection
  // gives up after serverSelectionTimeoutMS); 3x leaves room for a loaded machine.
  constexpr auto kBound = std::chrono::milliseconds(3 * kTimeoutMs);
  MongoDirectoryStore store(MongoOptions{server.uri(), database, kTimeoutMs});
  store.upsert_credentials("user-j", "app-j", fake_passhash('a'), "cred-1", "", {"p"}, {"s"});
  store.claim_identity("app-j", "user-j");
  REQUIRE(store.find_acl("user-j").has_value());

  server.stop();
  const std::vector<std::pair<const char*, std::function<void()>>> calls{
      {"find_acl", [&] { store.find_acl("user-j"); }},
      {"find_identity", [&] { store.find_identity("app-j"); }},
      {"claim_identity", [&] { store.claim_identity("app-k", "user-k"); }},
      {"upsert_credentials", [&] { store.upsert_credentials("user-j", "app-j", fake_passhash('b'), "c2", "cred-1", {}, {}); }},
      {"replace_passhash", [&] { store.replace_passhash("user-j", "cred-1", fake_passhash('c'), "c3"); }},
      {"insert_group", [&] { store.insert_group(wave::Group{"g-down", "n", "user-j", {"user-j"}}); }},
      {"groups_of", [&] { store.groups_of("user-j"); }},
  };
  for (const auto& [name, call] : calls) {
    CAPTURE(name);
    const auto started = Clock::now();
    const wave_status status = status_of(call);
    const auto elapsed = Clock::now() - started;
    MESSAGE(std::string(name), ": ", std::string(status_name(status)), " after ",
            std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), " ms");
    CHECK((status == WAVE_ERR_UNAVAILABLE || status == WAVE_ERR_TIMEOUT));
    CHECK(elapsed < kBound);
  }
  const std::string message = message_of([&] { store.find_acl("user-j"); });
  MESSAGE(message);
  CHECK(message.find("vmq_acl_auth") != std::string::npos);  // names the collection
  CHECK(message.find(database) != std::string::npos);

  // A store created while the server is down does not fail, and its messages never carry
  // the URI's password.
  std::string with_password = server.uri();
  with_password.replace(with_password.find("://") + 3, 0, "wave:pa55word-secret@");
  {
    MongoDirectoryStore late(MongoOptions{with_password, database, kTimeoutMs});
    const std::string late_message = message_of([&] { late.find_group("g-1"); });
    CHECK(!late_message.empty());
    CHECK(late_message.find("pa55word-secret") == std::string::npos);
  }

  server.start();
  // The same store works again at once: no recreation, no manual reconnect.
  auto acl = store.find_acl("user-j");
  REQUIRE(acl.has_value());
  CHECK(acl->passhash == fake_passhash('a'));
  store.upsert_credentials("user-j", "app-j", fake_passhash('d'), "cred-4", "cred-1", {"p2"}, {});
  CHECK(store.find_acl("user-j")->passhash == fake_passhash('d'));
  CHECK(store.claim_identity("app-j", "other") == "user-j");
}

TEST_CASE("MongoDB frozen mid-connection: TIMEOUT within the bound, then recovers") {
  wave_test::PrivateServer server("mongo", "mongo-frozen");
  const std::string pid_file =
      wave_test::env_or_throw("WAVE_TEST_STATE_DIR") + "/private-mongo-frozen/mongo.pid";
  const std::string pid_text = wave_test::read_text_file(pid_file);
  REQUIRE_MESSAGE(!pid_text.empty(), "no FerretDB pid in ", pid_file, " (this test needs the harness's FerretDB)");
  const pid_t pid = static_cast<pid_t>(std::stol(pid_text));

  constexpr std::int64_t kTimeoutMs = 1000;
  MongoDirectoryStore store(MongoOptions{server.uri(), unique_database("frozen"), kTimeoutMs});
  store.upsert_credentials("user-k", "app-k", fake_passhash('a'), "cred-1", "", {"p"}, {"s"});

  // The server accepts nothing more but keeps its sockets open: a reply never comes.
  REQUIRE(kill(pid, SIGSTOP) == 0);
  struct Resume {
    pid_t pid;
    ~Resume() { kill(pid, SIGCONT); }
  } resume{pid};
  REQUIRE_MESSAGE(wait_until_stopped(pid), "FerretDB did not stop");
  const auto started = Clock::now();
  const wave_status status = status_of([&] { store.find_acl("user-k"); });
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  MESSAGE("frozen server: ", std::string(status_name(status)), " after ", elapsed_ms, " ms");
  CHECK(status == WAVE_ERR_TIMEOUT);
  CHECK(elapsed_ms >= kTimeoutMs - 100);
  CHECK(elapsed_ms < 2 * kTimeoutMs);  // one socket timeout, not one per retry
  // Next calls: the server is now unknown to the driver and cannot be selected.
  const wave_status next = status_of([&] { store.find_acl("user-k"); });
  CHECK((next == WAVE_ERR_UNAVAILABLE || next == WAVE_ERR_TIMEOUT));

  REQUIRE(kill(pid, SIGCONT) == 0);
  auto acl = store.find_acl("user-k");
  REQUIRE(acl.has_value());
  CHECK(acl->passhash == fake_passhash('a'));
}

TEST_CASE("MongoDB restarted between two calls: the next call succeeds (stale connection retried)") {
  wave_test::PrivateServer server("mongo", "mongo-restart");
  MongoDirectoryStore store(MongoOptions{server.uri(), unique_database("restart"), 2000});
  store.upsert_credentials("user-l", "app-l", fake_passhash('a'), "cred-1", "", {"p"}, {"s"});
  server.stop();
  server.start();  // no call while it was down: the pooled connection is stale
  auto acl = store.find_acl("user-l");
  REQUIRE(acl.has_value());
  CHECK(acl->passhash == fake_passhash('a'));
  server.stop();
  server.start();
  store.add_patterns("user-l", {"p2"}, {});  // a write, too
  CHECK(store.find_acl("user-l")->publish_acl == std::vector<std::string>{"p", "p2"});
}

TEST_CASE("two stores (as two processes would) upserting one new user at once: one document, no error") {
  Fixture f("two_stores");
  MongoDirectoryStore second(MongoOptions{f.uri, f.database, 5000});
  constexpr int kThreads = 16;
  std::vector<wave_status> statuses(kThreads, WAVE_OK);
  race(kThreads, [&](int i) {
    MongoDirectoryStore& store = (i % 2 == 0) ? f.store : second;
    statuses[i] = status_of([&] {
      store.upsert_credentials("user-m", "app-m", fake_passhash('a'), "cred-1", "", {"p/own"}, {"s/own"});
    });
  });
  for (int i = 0; i < kThreads; ++i) CHECK_MESSAGE(statuses[i] == WAVE_OK, "thread ", i);
  auto docs = f.raw.find("vmq_acl_auth", acl_filter("user-m"));
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].patterns("publish_acl") == std::vector<std::string>{"p/own"});
  CHECK(docs[0].patterns("subscribe_acl") == std::vector<std::string>{"s/own"});
}
