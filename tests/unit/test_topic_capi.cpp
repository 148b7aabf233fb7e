// wave_topic.h and wave_acl.h through the exported C ABI of libwave: results, ownership, NULL arguments,
// error messages and cleared out-parameters.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <wave/wave.h>

namespace {

const char* const kAlice = "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b";
const char* const kBob = "9f0c6a3e-5d1b-4c2a-8e7f-0123456789ab";

std::string last_error() { return wave_last_error_message(); }

}  // namespace

TEST_SUITE("topic C API") {

TEST_CASE("validation and matching") {
  CHECK(wave_topic_is_valid_name("a/b", 0) == 1);
  CHECK(wave_topic_is_valid_name("a/+", 0) == 0);
  CHECK(wave_topic_is_valid_name("", 0) == 0);
  CHECK(wave_topic_is_valid_name("1/2/3/4/5/6/7/8/9/10/11", 0) == 0);
  CHECK(wave_topic_is_valid_name("1/2/3/4/5/6/7/8/9/10/11", 11) == 1);
  CHECK(wave_topic_is_valid_name("1/2/3/4/5/6/7/8/9/10/11", WAVE_TOPIC_UNLIMITED_DEPTH) == 1);
  CHECK(wave_topic_is_valid_name("a/b", 1) == 0);
  CHECK(wave_topic_is_valid_filter("a/#", 0) == 1);
  CHECK(wave_topic_is_valid_filter("a/#/b", 0) == 0);
  CHECK(wave_topic_is_valid_filter("$share/g/a", 0) == 1);
  CHECK(wave_topic_is_valid_filter("$share/g", 0) == 0);
  CHECK(wave_topic_is_valid_filter("+/+", 1) == 0);
  CHECK(wave_topic_is_valid_filter("+/+", 2) == 1);

  CHECK(wave_topic_matches("sport/#", "sport", 0) == 1);
  CHECK(wave_topic_matches("sport/+", "sport", 0) == 0);
  CHECK(wave_topic_matches("#", "$SYS/x", 0) == 0);
  CHECK(wave_topic_matches("a/#/b", "a", 0) == -1);
  CHECK(wave_topic_matches("a", "a/+", 0) == -1);
  CHECK(wave_topic_matches("#", "1/2/3/4/5/6/7/8/9/10/11", 0) == -1);
  CHECK(wave_topic_matches("#", "1/2/3/4/5/6/7/8/9/10/11", WAVE_TOPIC_UNLIMITED_DEPTH) == 1);
  CHECK(wave_topic_matches("a/b", "a/b", 1) == -1);

  CHECK(wave_filter_covers("a/#", "a/+/b", 0) == 1);
  CHECK(wave_filter_covers("a/#", "a", 0) == 1);
  CHECK(wave_filter_covers("a/+", "a/#", 0) == 0);
  CHECK(wave_filter_covers("#", "$SYS/#", 0) == 0);
  CHECK(wave_filter_covers("#", "$SYS/x", 0) == 0);
  CHECK(wave_filter_covers("a/#/b", "a", 0) == -1);
  CHECK(wave_filter_covers("#", "a/b", 1) == -1);
  CHECK(wave_filter_covers("#", "a/b", 2) == 1);
}

TEST_CASE("max_depth 0 is the default depth, WAVE_TOPIC_UNLIMITED_DEPTH no limit") {
  const char* const ten = "1/2/3/4/5/6/7/8/9/10";
  const char* const eleven = "1/2/3/4/5/6/7/8/9/10/11";
  for (const unsigned depth : {0u, static_cast<unsigned>(WAVE_TOPIC_DEFAULT_MAX_DEPTH)}) {
    CAPTURE(depth);
    CHECK(wave_topic_is_valid_name(ten, depth) == 1);
    CHECK(wave_topic_is_valid_name(eleven, depth) == 0);
    CHECK(wave_topic_is_valid_filter(ten, depth) == 1);
    CHECK(wave_topic_is_valid_filter(eleven, depth) == 0);
    CHECK(wave_topic_matches("#", ten, depth) == 1);
    CHECK(wave_topic_matches("#", eleven, depth) == -1);
    CHECK(wave_filter_covers("#", ten, depth) == 1);
    CHECK(wave_filter_covers("#", eleven, depth) == -1);
    wave_filter* filter = nullptr;
    REQUIRE(wave_filter_compile("#", depth, &filter) == WAVE_OK);
    CHECK(wave_filter_matches(filter, ten, std::strlen(ten)) == 1);
    CHECK(wave_filter_matches(filter, eleven, std::strlen(eleven)) == -1);
    wave_filter_free(filter);
    const char* const deep[] = {eleven};
    wave_authorizer* authorizer = nullptr;
    CHECK(wave_authorizer_new(deep, 1, nullptr, 0, depth, &authorizer) == WAVE_ERR_INVALID_ARGUMENT);
    const char* const all[] = {"#"};
    REQUIRE(wave_authorizer_new(all, 1, all, 1, depth, &authorizer) == WAVE_OK);
    CHECK(wave_authorizer_may_publish(authorizer, ten) == 1);
    CHECK(wave_authorizer_may_publish(authorizer, eleven) == 0);
    wave_authorizer_free(authorizer);
  }
  // The deepest valid topic: WAVE_TOPIC_MAX_LENGTH slashes, one more level than bytes.
  const std::string deepest(WAVE_TOPIC_MAX_LENGTH, '/');
  CHECK(wave_topic_is_valid_name(deepest.c_str(), WAVE_TOPIC_UNLIMITED_DEPTH) == 1);
  CHECK(wave_topic_is_valid_name(deepest.c_str(), WAVE_TOPIC_UNLIMITED_DEPTH - 1) == 0);
  CHECK(wave_topic_is_valid_name(deepest.c_str(), 4000000000u) == 1);  // larger: no limit either
}

TEST_CASE("NULL arguments never crash, never grant") {
  // Predicates answer NULL with 0 and leave the last error alone (wave_common.h).
  REQUIRE(wave_filter_compile(nullptr, 0, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
  const std::string before = last_error();
  REQUIRE_FALSE(before.empty());
  CHECK(wave_topic_is_valid_name(nullptr, 0) == 0);
  CHECK(last_error() == before);
  CHECK(wave_topic_is_valid_name(nullptr, WAVE_TOPIC_UNLIMITED_DEPTH) == 0);
  CHECK(wave_topic_is_valid_filter(nullptr, 0) == 0);
  CHECK(wave_topic_is_valid_filter(nullptr, 3) == 0);
  CHECK(wave_topic_matches(nullptr, "a", 0) == -1);
  CHECK(wave_topic_matches("a", nullptr, 0) == -1);
  CHECK(wave_topic_matches(nullptr, nullptr, WAVE_TOPIC_UNLIMITED_DEPTH) == -1);
  CHECK(wave_filter_covers(nullptr, "a", 0) == -1);
  CHECK(wave_filter_covers("a", nullptr, 0) == -1);
  CHECK(wave_filter_covers(nullptr, "a", WAVE_TOPIC_UNLIMITED_DEPTH) == -1);
  CHECK(wave_filter_matches(nullptr, "a", 1) == -1);
  CHECK(wave_filter_text(nullptr) == nullptr);
  CHECK(wave_uuid_is_canonical(nullptr) == 0);
  CHECK(wave_acl_is_valid_group_id(nullptr) == 0);
  CHECK(wave_acl_patterns_publish_count(nullptr) == 0);
  CHECK(wave_acl_patterns_subscribe_count(nullptr) == 0);
  CHECK(wave_acl_patterns_publish(nullptr, 0) == nullptr);
  CHECK(wave_acl_patterns_subscribe(nullptr, 0) == nullptr);
  CHECK(wave_authorizer_may_publish(nullptr, "a") == 0);
  CHECK(wave_authorizer_may_subscribe(nullptr, "a") == 0);
  wave_filter_free(nullptr);
  wave_acl_patterns_free(nullptr);
  wave_authorizer_free(nullptr);

  CHECK(wave_filter_compile("a", 0, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
  wave_filter* filter = reinterpret_cast<wave_filter*>(&filter);  // garbage that must be reset
  CHECK(wave_filter_compile(nullptr, 0, &filter) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(filter == nullptr);
  CHECK(last_error() == "filter must not be NULL");

  wave_acl_patterns* patterns = reinterpret_cast<wave_acl_patterns*>(&patterns);
  CHECK(wave_acl_private_patterns(nullptr, &patterns) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(patterns == nullptr);
  CHECK(wave_acl_private_patterns(kAlice, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_acl_group_patterns(nullptr, kAlice, &patterns) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_acl_group_patterns("g", nullptr, &patterns) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_acl_group_patterns("g", kAlice, nullptr) == WAVE_ERR_INVALID_ARGUMENT);

  wave_authorizer* authorizer = reinterpret_cast<wave_authorizer*>(&authorizer);
  const char* const one[] = {"a"};
  const char* const with_null[] = {"a", nullptr};
  CHECK(wave_authorizer_new(nullptr, 1, one, 1, 0, &authorizer) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(authorizer == nullptr);
  CHECK(wave_authorizer_new(one, 1, nullptr, 2, 0, &authorizer) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_authorizer_new(with_null, 2, one, 1, 0, &authorizer) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(last_error() == "publish[1] must not be NULL");
  CHECK(wave_authorizer_new(one, 1, one, 1, 0, nullptr) == WAVE_ERR_INVALID_ARGUMENT);

  wave_conversation_kind kind = WAVE_CONVERSATION_GROUP;
  char sender[WAVE_UUID_STRING_SIZE] = "stale";
  char peer[WAVE_TOPIC_GROUP_ID_SIZE] = "stale";
  CHECK(wave_topic_identify_sender(nullptr, &kind, sender, peer) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(static_cast<int>(kind) == 0);
  CHECK(std::string(sender).empty());
  CHECK(std::string(peer).empty());
  const std::string topic = std::string("conversations/private/") + kAlice + "/" + kBob;
  CHECK(wave_topic_identify_sender(topic.c_str(), nullptr, sender, peer) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_topic_identify_sender(topic.c_str(), &kind, nullptr, peer) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_topic_identify_sender(topic.c_str(), &kind, sender, nullptr) == WAVE_ERR_INVALID_ARGUMENT);
}

TEST_CASE("compiled filters") {
  wave_filter* filter = nullptr;
  REQUIRE(wave_filter_compile("a/+/c/#", 0, &filter) == WAVE_OK);
  REQUIRE(filter != nullptr);
  CHECK(std::string(wave_filter_text(filter)) == "a/+/c/#");
  CHECK(wave_filter_matches(filter, "a/b/c", 5) == 1);
  CHECK(wave_filter_matches(filter, "a/b/c/d/e", 9) == 1);
  CHECK(wave_filter_matches(filter, "a/b/c/d/e", 5) == 1);  // the length counts, not the NUL
  CHECK(wave_filter_matches(filter, "a/b/cd", 6) == 0);
  CHECK(wave_filter_matches(filter, "a/b/c\0d", 7) == -1);  // embedded NUL
  CHECK(wave_filter_matches(filter, "a/b/c/+", 7) == -1);
  CHECK(wave_filter_matches(filter, "", 0) == -1);
  CHECK(wave_filter_matches(filter, nullptr, 0) == -1);
  CHECK(wave_filter_matches(filter, "a/b/c/4/5/6/7/8/9/10/11", 23) == -1);
  wave_filter_free(filter);

  REQUIRE(wave_filter_compile("a/#", WAVE_TOPIC_UNLIMITED_DEPTH, &filter) == WAVE_OK);
  CHECK(wave_filter_matches(filter, "a/b/c/4/5/6/7/8/9/10/11", 23) == 1);
  wave_filter_free(filter);

  filter = reinterpret_cast<wave_filter*>(&filter);
  CHECK(wave_filter_compile("a/#/b", 0, &filter) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(filter == nullptr);
  CHECK_FALSE(last_error().empty());
  CHECK(wave_filter_compile("a/b", 1, &filter) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_filter_compile("a/b", 4000000000u, &filter) == WAVE_OK);  // huge = no limit
  wave_filter_free(filter);
}

TEST_CASE("one compiled filter shared by threads") {
  wave_filter* filter = nullptr;
  REQUIRE(wave_filter_compile("conversations/private/+/me", 0, &filter) == WAVE_OK);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        const std::string hit = "conversations/private/" + std::to_string(i) + "/me";
        const std::string miss = "conversations/private/" + std::to_string(i) + "/you";
        if (wave_filter_matches(filter, hit.data(), hit.size()) != 1) ++wrong[t];
        if (wave_filter_matches(filter, miss.data(), miss.size()) != 0) ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const int count : wrong) CHECK(count == 0);
  wave_filter_free(filter);
}

TEST_CASE("IDs and ACL patterns") {
  CHECK(wave_uuid_is_canonical(kAlice) == 1);
  CHECK(wave_uuid_is_canonical("1B4E28BA-2FA1-4D3B-A3F5-EF19B5A7633B") == 0);
  CHECK(wave_acl_is_valid_group_id("team_1-x") == 1);
  CHECK(wave_acl_is_valid_group_id("team/1") == 0);

  wave_acl_patterns* patterns = nullptr;
  REQUIRE(wave_acl_private_patterns(kAlice, &patterns) == WAVE_OK);
  REQUIRE(wave_acl_patterns_publish_count(patterns) == 1);
  REQUIRE(wave_acl_patterns_subscribe_count(patterns) == 1);
  CHECK(std::string(wave_acl_patterns_publish(patterns, 0)) ==
        std::string("conversations/private/") + kAlice + "/+");
  CHECK(std::string(wave_acl_patterns_subscribe(patterns, 0)) ==
        std::string("conversations/private/+/") + kAlice);
  CHECK(wave_acl_patterns_publish(patterns, 1) == nullptr);
  CHECK(wave_acl_patterns_subscribe(patterns, 1) == nullptr);
  wave_acl_patterns_free(patterns);

  REQUIRE(wave_acl_group_patterns("team-1", kAlice, &patterns) == WAVE_OK);
  CHECK(std::string(wave_acl_patterns_publish(patterns, 0)) ==
        std::string("conversations/group/team-1/") + kAlice);
  CHECK(std::string(wave_acl_patterns_subscribe(patterns, 0)) == "conversations/group/team-1/+");
  wave_acl_patterns_free(patterns);

  patterns = reinterpret_cast<wave_acl_patterns*>(&patterns);
  CHECK(wave_acl_private_patterns("+", &patterns) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(patterns == nullptr);
  CHECK(last_error().find("UUID") != std::string::npos);
  CHECK(wave_acl_group_patterns("a/b", kAlice, &patterns) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_acl_group_patterns("#", kAlice, &patterns) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_acl_group_patterns("g", "#", &patterns) == WAVE_ERR_INVALID_ARGUMENT);
}

TEST_CASE("sender identification") {
  wave_conversation_kind kind{};
  char sender[WAVE_UUID_STRING_SIZE];
  char peer[WAVE_TOPIC_GROUP_ID_SIZE];
  std::string topic = std::string("conversations/private/") + kAlice + "/" + kBob;
  REQUIRE(wave_topic_identify_sender(topic.c_str(), &kind, sender, peer) == WAVE_OK);
  CHECK(kind == WAVE_CONVERSATION_PRIVATE);
  CHECK(std::string(sender) == kAlice);
  CHECK(std::string(peer) == kBob);

  const std::string longest_group(64, 'G');
  topic = "conversations/group/" + longest_group + "/" + kBob;
  REQUIRE(wave_topic_identify_sender(topic.c_str(), &kind, sender, peer) == WAVE_OK);
  CHECK(kind == WAVE_CONVERSATION_GROUP);
  CHECK(std::string(sender) == kBob);
  CHECK(std::string(peer) == longest_group);

  topic = "conversations/group/" + longest_group + "G/" + kBob;
  CHECK(wave_topic_identify_sender(topic.c_str(), &kind, sender, peer) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(static_cast<int>(kind) == 0);
  CHECK(sender[0] == '\0');
  CHECK(peer[0] == '\0');
  CHECK(last_error().find("scheme") != std::string::npos);
  CHECK(wave_topic_identify_sender("conversations/private/x/y", &kind, sender, peer) ==
        WAVE_ERR_INVALID_ARGUMENT);
}

TEST_CASE("authorizer") {
  const std::string publish_private = std::string("conversations/private/") + kAlice + "/+";
  const std::string subscribe_private = std::string("conversations/private/+/") + kAlice;
  const std::string publish_group = std::string("conversations/group/g1/") + kAlice;
  const char* const publish[] = {publish_private.c_str(), publish_group.c_str()};
  const char* const subscribe[] = {subscribe_private.c_str(), "conversations/group/g1/+"};
  wave_authorizer* authorizer = nullptr;
  REQUIRE(wave_authorizer_new(publish, 2, subscribe, 2, 0, &authorizer) == WAVE_OK);
  const std::string to_bob = std::string("conversations/private/") + kAlice + "/" + kBob;
  const std::string from_bob = std::string("conversations/private/") + kBob + "/" + kAlice;
  CHECK(wave_authorizer_may_publish(authorizer, to_bob.c_str()) == 1);
  CHECK(wave_authorizer_may_publish(authorizer, from_bob.c_str()) == 0);
  CHECK(wave_authorizer_may_publish(authorizer, publish_group.c_str()) == 1);
  CHECK(wave_authorizer_may_publish(authorizer, (publish_group + "/x").c_str()) == 0);
  CHECK(wave_authorizer_may_publish(authorizer, "conversations/private/+/x") == 0);
  CHECK(wave_authorizer_may_publish(authorizer, nullptr) == 0);
  CHECK(wave_authorizer_may_subscribe(authorizer, subscribe_private.c_str()) == 1);
  CHECK(wave_authorizer_may_subscribe(authorizer, from_bob.c_str()) == 1);
  CHECK(wave_authorizer_may_subscribe(authorizer, ("$share/s/" + subscribe_private).c_str()) == 1);
  CHECK(wave_authorizer_may_subscribe(authorizer, "conversations/group/g1/#") == 0);
  CHECK(wave_authorizer_may_subscribe(authorizer, "conversations/private/+/+") == 0);
  CHECK(wave_authorizer_may_subscribe(authorizer, "#") == 0);
  CHECK(wave_authorizer_may_subscribe(authorizer, "a/#/b") == 0);
  CHECK(wave_authorizer_may_subscribe(authorizer, nullptr) == 0);
  wave_authorizer_free(authorizer);

  // Empty lists deny everything; NULL arrays are fine with a count of 0.
  REQUIRE(wave_authorizer_new(nullptr, 0, nullptr, 0, 0, &authorizer) == WAVE_OK);
  CHECK(wave_authorizer_may_publish(authorizer, "a") == 0);
  CHECK(wave_authorizer_may_subscribe(authorizer, "a") == 0);
  wave_authorizer_free(authorizer);

  const char* const bad[] = {"a/#/b"};
  authorizer = reinterpret_cast<wave_authorizer*>(&authorizer);
  CHECK(wave_authorizer_new(bad, 1, nullptr, 0, 0, &authorizer) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(authorizer == nullptr);
  const char* const shared[] = {"$share/g/a"};
  CHECK(wave_authorizer_new(nullptr, 0, shared, 1, 0, &authorizer) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(last_error().find("$share") != std::string::npos);

  const char* const everything[] = {"#"};
  REQUIRE(wave_authorizer_new(everything, 1, everything, 1, 2, &authorizer) == WAVE_OK);
  CHECK(wave_authorizer_may_publish(authorizer, "a/b") == 1);
  CHECK(wave_authorizer_may_publish(authorizer, "a/b/c") == 0);
  CHECK(wave_authorizer_may_subscribe(authorizer, "a/+/c") == 0);
  wave_authorizer_free(authorizer);
  const char* const deep[] = {"a/b/c"};
  CHECK(wave_authorizer_new(deep, 1, nullptr, 0, 2, &authorizer) == WAVE_ERR_INVALID_ARGUMENT);
  REQUIRE(wave_authorizer_new(deep, 1, nullptr, 0, WAVE_TOPIC_UNLIMITED_DEPTH, &authorizer) == WAVE_OK);
  CHECK(wave_authorizer_may_publish(authorizer, "a/b/c") == 1);
  wave_authorizer_free(authorizer);
}

}  // TEST_SUITE
