// The in-memory stores (a product feature: Wave's embedded zero-setup mode) hold the same
// contract as the Redis and MongoDB stores; and the service's bounded credential cache.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "acl/acl.hpp"
#include "common/error.hpp"
#include "crypto/uuid.hpp"
#include "integration/test_errors.hpp"
#include "store/memory_stores.hpp"
#include "service/user_cache.hpp"
#include "unit/fake_clock.hpp"

namespace {

using wave_test::FakeClock;
using wave_test::status_of;

wave::MapRequest request(const std::string& app, const std::string& internal, const std::string& token,
                         std::chrono::seconds ttl = std::chrono::seconds(60)) {
  wave::MapRequest r;
  r.app_user_id = app;
  r.internal_id = internal;
  r.token = token;
  r.password_digest = "digest-of-" + token;
  r.credential_id = wave::uuid_v4();
  r.ttl = ttl;
  return r;
}

}  // namespace

TEST_SUITE("service.memory_session_store") {
  TEST_CASE("first mapping, repeat and rotation") {
    wave::MemorySessionStore store;
    const auto first = store.map_user(request("alice", "id-1", "tok-a"));
    CHECK(first.internal_id == "id-1");
    CHECK(first.token_changed);
    CHECK_FALSE(first.previous_token);
    CHECK(store.find_session("tok-a") == std::optional<std::string>("id-1"));

    const auto again = store.map_user(request("alice", "id-1", "tok-a"));
    CHECK(again.internal_id == "id-1");  // never changes once set
    CHECK_FALSE(again.token_changed);
    CHECK(again.credential_id == first.credential_id);

    // Another internal ID than the mapping's (the stores disagree): refused, nothing written.
    CHECK(status_of([&] { store.map_user(request("alice", "id-other", "tok-c")); }) == WAVE_ERR_CONFLICT);
    CHECK_FALSE(store.find_session("tok-c"));
    CHECK_FALSE(store.find_credential("id-other"));
    CHECK(store.find_credential("id-1")->password_digest == "digest-of-tok-a");
    CHECK(store.find_session("tok-a") == std::optional<std::string>("id-1"));

    const auto rotated = store.map_user(request("alice", "id-1", "tok-b"));
    CHECK(rotated.internal_id == "id-1");
    CHECK(rotated.token_changed);
    CHECK(rotated.previous_token == std::optional<std::string>("tok-a"));
    CHECK(rotated.credential_id != first.credential_id);
    CHECK_FALSE(store.find_session("tok-a"));
    CHECK(store.find_session("tok-b") == std::optional<std::string>("id-1"));
    const auto credential = store.find_credential("id-1");
    REQUIRE(credential);
    CHECK(credential->password_digest == "digest-of-tok-b");
    CHECK(credential->app_user_id == "alice");
    CHECK(credential->credential_id == rotated.credential_id);

    const auto ids = store.find_internal_ids({"alice", "nobody", "alice"});
    REQUIRE(ids.size() == 3);
    CHECK(ids[0] == std::optional<std::string>("id-1"));
    CHECK_FALSE(ids[1]);
    CHECK(ids[2] == std::optional<std::string>("id-1"));
  }

  TEST_CASE("sessions and credentials expire after the TTL; the mapping stays") {
    FakeClock clock;
    wave::MemorySessionStore store([&] { return clock.read(); });
    store.map_user(request("bob", "id-b", "tok", std::chrono::seconds(10)));
    clock.advance(std::chrono::seconds(9));
    CHECK(store.find_session("tok"));
    CHECK(store.find_credential("id-b"));
    clock.advance(std::chrono::seconds(1));
    CHECK_FALSE(store.find_session("tok"));
    CHECK_FALSE(store.find_credential("id-b"));
    CHECK(store.find_internal_ids({"bob"})[0] == std::optional<std::string>("id-b"));
    // A new login with the same token keeps the credential (no new passhash needed).
    const auto before = store.map_user(request("bob", "id-b", "tok", std::chrono::seconds(10)));
    CHECK_FALSE(before.token_changed);
    CHECK(store.find_session("tok"));
  }

  TEST_CASE("token buckets: burst, refill, retry-after, per bucket, gone when full again") {
    FakeClock clock;
    wave::MemorySessionStore store([&] { return clock.read(); });
    using std::chrono::milliseconds;
    const milliseconds refill(60000);
    for (int i = 0; i < 3; ++i) CHECK(store.take_rate_token("credentials:a", 3, refill).allowed);
    auto refused = store.take_rate_token("credentials:a", 3, refill);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == refill);
    CHECK(store.take_rate_token("credentials:b", 3, refill).allowed);  // another bucket
    clock.advance(std::chrono::seconds(59));
    refused = store.take_rate_token("credentials:a", 3, refill);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == milliseconds(1000));
    clock.advance(std::chrono::seconds(1));
    CHECK(store.take_rate_token("credentials:a", 3, refill).allowed);  // one token back
    CHECK_FALSE(store.take_rate_token("credentials:a", 3, refill).allowed);
    clock.advance(std::chrono::minutes(10));  // refills up to the burst, not beyond
    for (int i = 0; i < 3; ++i) CHECK(store.take_rate_token("credentials:a", 3, refill).allowed);
    CHECK_FALSE(store.take_rate_token("credentials:a", 3, refill).allowed);
    CHECK(wave_test::status_of([&] { store.take_rate_token("", 3, refill); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_test::status_of([&] { store.take_rate_token("x", 0, refill); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(wave_test::status_of([&] { store.take_rate_token("x", 1, milliseconds(0)); }) == WAVE_ERR_INVALID_ARGUMENT);
  }

  TEST_CASE("a token bucket is atomic: 64 threads take exactly the burst") {
    wave::MemorySessionStore store;
    std::atomic<int> taken{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 64; ++i)
      threads.emplace_back([&] {
        if (store.take_rate_token("groups:x", 10, std::chrono::hours(1)).allowed) ++taken;
      });
    for (auto& t : threads) t.join();
    CHECK(taken == 10);
  }

  TEST_CASE("revoke ends the session and clears the mapping's token") {
    wave::MemorySessionStore store;
    const auto mapped = store.map_user(request("carol", "id-c", "tok"));
    const auto revoked = store.revoke("tok");
    REQUIRE(revoked);
    CHECK(revoked->internal_id == "id-c");
    CHECK(revoked->app_user_id == "carol");
    CHECK_FALSE(store.find_session("tok"));
    CHECK_FALSE(store.find_credential("id-c"));
    CHECK_FALSE(store.revoke("tok"));
    CHECK(store.find_internal_ids({"carol"})[0] == std::optional<std::string>("id-c"));
    // The same token again is a new credential (the old passhash was replaced).
    const auto again = store.map_user(request("carol", "id-c", "tok"));
    CHECK(again.token_changed);
    CHECK(again.credential_id != mapped.credential_id);
    CHECK(again.internal_id == "id-c");
  }

  TEST_CASE("forget_credential deletes the credential only while it holds the given digest") {
    wave::MemorySessionStore store;
    store.map_user(request("fred", "id-f", "tok-1"));
    CHECK_FALSE(store.forget_credential("id-f", "digest-of-tok-0"));  // another credential's digest
    CHECK(store.find_credential("id-f"));
    CHECK(store.forget_credential("id-f", "digest-of-tok-1"));
    CHECK_FALSE(store.find_credential("id-f"));
    CHECK_FALSE(store.forget_credential("id-f", "digest-of-tok-1"));  // already gone
    CHECK(store.find_session("tok-1") == std::optional<std::string>("id-f"));  // only the credential goes
  }

  TEST_CASE("64 concurrent first mappings of one user give one internal ID") {
    wave::MemorySessionStore store;
    std::vector<std::thread> threads;
    std::vector<std::string> ids(64);
    const std::string durable = wave::uuid_v4();  // as the service proposes: the durable ID
    for (int i = 0; i < 64; ++i)
      threads.emplace_back([&, i] { ids[i] = store.map_user(request("dave", durable, "tok")).internal_id; });
    for (auto& t : threads) t.join();
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 1);
    CHECK(ids[0] == durable);

    // 64 different proposals at once: one creates the mapping, the rest are conflicts.
    std::vector<std::string> proposed(64);
    std::vector<wave_status> statuses(64, WAVE_OK);
    threads.clear();
    for (auto& id : proposed) id = wave::uuid_v4();
    for (int i = 0; i < 64; ++i)
      threads.emplace_back([&, i] {
        statuses[i] = status_of([&] { store.map_user(request("erik", proposed[i], "tok-" + std::to_string(i))); });
      });
    for (auto& t : threads) t.join();
    int winners = 0;
    for (int i = 0; i < 64; ++i) {
      CHECK((statuses[i] == WAVE_OK || statuses[i] == WAVE_ERR_CONFLICT));
      if (statuses[i] == WAVE_OK) {
        ++winners;
        CHECK(store.find_internal_ids({"erik"})[0] == std::optional<std::string>(proposed[i]));
        CHECK(store.find_session("tok-" + std::to_string(i)) == std::optional<std::string>(proposed[i]));
      } else {
        CHECK_FALSE(store.find_session("tok-" + std::to_string(i)));
      }
    }
    CHECK(winners == 1);
  }

  TEST_CASE("empty fields are refused") {
    wave::MemorySessionStore store;
    CHECK(status_of([&] { store.map_user(request("", "id", "tok")); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { store.map_user(request("a", "id", "")); }) == WAVE_ERR_INVALID_ARGUMENT);
  }
}

TEST_SUITE("service.memory_directory_store") {
  TEST_CASE("one identity per app user, even under 64 concurrent claims") {
    wave::MemoryDirectoryStore store;
    std::vector<std::thread> threads;
    std::vector<std::string> ids(64);
    for (int i = 0; i < 64; ++i)
      threads.emplace_back([&, i] { ids[i] = store.claim_identity("erin", wave::uuid_v4()); });
    for (auto& t : threads) t.join();
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 1);
    CHECK(store.find_identity("erin") == std::optional<std::string>(ids[0]));
    const auto found = store.find_identities({"erin", "nobody"});
    CHECK(found[0] == std::optional<std::string>(ids[0]));
    CHECK_FALSE(found[1]);
  }

  TEST_CASE("credentials, patterns as sets, conditional passhash replacement") {
    wave::MemoryDirectoryStore store;
    CHECK_FALSE(store.find_acl("u1"));
    CHECK(store.upsert_credentials("u1", "app1", "hash1", "cred1", "", {"p/1", "p/2"}, {"s/1"}));
    store.add_patterns("u1", {"p/2", "p/3"}, {"s/2"});
    auto doc = store.find_acl("u1");
    REQUIRE(doc);
    CHECK(doc->internal_id == "u1");
    CHECK(doc->app_user_id == "app1");
    CHECK(doc->passhash == "hash1");
    CHECK(doc->credential_id == "cred1");
    CHECK(doc->publish_acl == std::vector<std::string>{"p/1", "p/2", "p/3"});
    CHECK(doc->subscribe_acl == std::vector<std::string>{"s/1", "s/2"});

    // A new credential keeps the patterns already there ($addToSet, never a replacement).
    CHECK(store.upsert_credentials("u1", "app1", "hash2", "cred2", "cred1", {"p/1"}, {"s/1"}));
    doc = store.find_acl("u1");
    CHECK(doc->passhash == "hash2");
    CHECK(doc->publish_acl.size() == 3);
    // Compare-and-set: a writer that read an older credential (or none) writes nothing...
    CHECK_FALSE(store.upsert_credentials("u1", "app1", "hash-stale", "cred-stale", "cred1", {"p/stale"}, {}));
    CHECK_FALSE(store.upsert_credentials("u1", "app1", "hash-stale", "cred-stale", "", {}, {}));
    doc = store.find_acl("u1");
    CHECK(doc->passhash == "hash2");
    CHECK(doc->credential_id == "cred2");
    CHECK(doc->publish_acl.size() == 3);
    // ...while writing the credential the document already holds again is harmless.
    CHECK(store.upsert_credentials("u1", "app1", "hash2", "cred2", "cred-unknown", {}, {}));

    CHECK_FALSE(store.replace_passhash("u1", "cred1", "hash3", "cred3"));  // stale credential
    CHECK(store.find_acl("u1")->passhash == "hash2");
    CHECK(store.replace_passhash("u1", "cred2", "hash3", "cred3"));
    CHECK(store.find_acl("u1")->credential_id == "cred3");

    store.remove_patterns("u1", {"p/2"}, {"s/1", "s/9"});
    doc = store.find_acl("u1");
    CHECK(doc->publish_acl == std::vector<std::string>{"p/1", "p/3"});
    CHECK(doc->subscribe_acl == std::vector<std::string>{"s/2"});

    // add_patterns on a user without a document creates one without passhash.
    store.add_patterns("u2", {"p/x"}, {});
    CHECK(store.find_acl("u2")->passhash.empty());
    CHECK(status_of([&] { store.add_patterns("*", {"p"}, {}); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { store.upsert_credentials("", "a", "h", "c", "", {}, {}); }) == WAVE_ERR_INVALID_ARGUMENT);
    // A document without a credential (made by add_patterns) takes one whatever was expected.
    CHECK(store.upsert_credentials("u2", "app2", "hash-u2", "cred-u2", "cred-old", {}, {}));
    CHECK(store.find_acl("u2")->credential_id == "cred-u2");
    CHECK(store.find_acl("u2")->publish_acl == std::vector<std::string>{"p/x"});
  }

  TEST_CASE("groups") {
    wave::MemoryDirectoryStore store;
    store.insert_group(wave::Group{"g1", "one", "a", {"a", "b"}});
    CHECK(status_of([&] { store.insert_group(wave::Group{"g1", "dup", "c", {"c"}}); }) == WAVE_ERR_CONFLICT);
    store.insert_group(wave::Group{"g2", "two", "b", {"b"}});
    CHECK(store.add_group_member("g1", "c"));
    CHECK_FALSE(store.add_group_member("g1", "c"));
    CHECK_FALSE(store.add_group_member("nope", "c"));
    CHECK(store.find_group("g1")->members == std::vector<std::string>{"a", "b", "c"});
    CHECK(store.groups_of("b").size() == 2);
    CHECK(store.remove_group_member("g1", "b"));
    CHECK_FALSE(store.remove_group_member("g1", "b"));
    CHECK(store.groups_of("b").size() == 1);
    CHECK(store.count_groups_of("b") == 1);
    CHECK(store.count_groups_of("nobody") == 0);
    CHECK(store.delete_group("g2"));
    CHECK_FALSE(store.delete_group("g2"));
    // The group comes back as it was when deleted.
    store.add_group_member("g1", "d");
    const auto deleted = store.delete_group("g1");
    REQUIRE(deleted);
    CHECK(deleted->name == "one");
    CHECK(deleted->members == std::vector<std::string>{"a", "c", "d"});
    CHECK_FALSE(store.find_group("g1"));
    CHECK(store.groups_of("b").empty());
    CHECK_FALSE(store.find_group("g2"));
  }
}

TEST_SUITE("service.user_cache") {
  TEST_CASE("digests match only when fresh and equal; refusals are never stored") {
    wave::service_detail::UserCache cache(100, std::chrono::seconds(60));
    CHECK_FALSE(cache.digest_matches("u", "d1"));
    cache.store_digest("u", "d1", cache.ticket("u"));
    CHECK(cache.digest_matches("u", "d1"));
    CHECK_FALSE(cache.digest_matches("u", "d2"));
    CHECK(cache.digest_matches("u", "d1"));  // a mismatch does not evict the good entry
    cache.erase("u");
    CHECK_FALSE(cache.digest_matches("u", "d1"));
  }

  TEST_CASE("bounded: never more than `capacity` users, least recently used evicted") {
    wave::service_detail::UserCache cache(64, std::chrono::seconds(60));
    for (int i = 0; i < 10000; ++i) cache.store_digest("user-" + std::to_string(i), "d", cache.ticket("user-" + std::to_string(i)));
    CHECK(cache.size() <= 64);
    CHECK(cache.size() >= 32);
    CHECK(cache.digest_matches("user-9999", "d"));
    CHECK_FALSE(cache.digest_matches("user-0", "d"));
  }

  TEST_CASE("a fill whose ticket predates an erase is dropped (a check that read before a revoke)") {
    wave::service_detail::UserCache cache(100, std::chrono::seconds(60));
    const auto before = cache.ticket("u");  // the check starts reading the stores
    cache.erase("u");                        // a revoke lands meanwhile (no entry yet)
    cache.store_digest("u", "d1", before);   // the check's fill arrives late
    CHECK_FALSE(cache.digest_matches("u", "d1"));
    const auto id = wave::uuid_v4();
    const auto patterns = wave::acl::private_patterns(id);
    auto authorizer = std::make_shared<const wave::acl::Authorizer>(patterns.publish, patterns.subscribe, 10);
    const auto stale = cache.ticket(id);
    cache.clear();
    cache.store_authorizer(id, authorizer, stale);
    CHECK_FALSE(cache.authorizer(id));
    cache.store_digest("u", "d1", cache.ticket("u"));  // control: a current ticket fills
    CHECK(cache.digest_matches("u", "d1"));
  }

  TEST_CASE("a TTL of zero or a capacity of zero turns it off") {
    wave::service_detail::UserCache off(0, std::chrono::seconds(60));
    off.store_digest("u", "d", off.ticket("u"));
    CHECK_FALSE(off.digest_matches("u", "d"));
    wave::service_detail::UserCache no_ttl(10, std::chrono::seconds(0));
    no_ttl.store_digest("u", "d", no_ttl.ticket("u"));
    CHECK_FALSE(no_ttl.digest_matches("u", "d"));
    CHECK(no_ttl.size() == 0);
  }

  TEST_CASE("authorizers are cached per user") {
    wave::service_detail::UserCache cache(10, std::chrono::seconds(60));
    const std::string id = wave::uuid_v4();
    const auto patterns = wave::acl::private_patterns(id);
    auto authorizer = std::make_shared<const wave::acl::Authorizer>(patterns.publish, patterns.subscribe, 10);
    CHECK_FALSE(cache.authorizer(id));
    cache.store_authorizer(id, authorizer, cache.ticket(id));
    CHECK(cache.authorizer(id) == authorizer);
    cache.store_digest(id, "d", cache.ticket(id));  // the same entry holds both
    CHECK(cache.authorizer(id) == authorizer);
    CHECK(cache.size() == 1);
  }

  TEST_CASE("many threads at once") {
    wave::service_detail::UserCache cache(128, std::chrono::seconds(60));
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 2000; ++i) {
          const std::string id = "u" + std::to_string((i * 7 + t) % 300);
          cache.store_digest(id, "d" + id, cache.ticket(id));
          if (cache.digest_matches(id, "x")) ++mismatches;
          cache.digest_matches(id, "d" + id);
          if (i % 50 == 0) cache.erase(id);
        }
      });
    for (auto& t : threads) t.join();
    CHECK(mismatches == 0);
    CHECK(cache.size() <= 128);
  }
}
