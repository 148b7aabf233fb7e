// src/acl: Wave's topic scheme: IDs, ACL patterns, sender identification, the authorizer, and
// the trust property that ties them together.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "acl/acl.hpp"
#include "common/error.hpp"
#include "integration/test_errors.hpp"
#include "topic/topic.hpp"

using namespace std::string_literals;
using wave::acl::Authorizer;
using wave::acl::ConversationKind;
using wave::acl::group_patterns;
using wave::acl::identify_sender;
using wave::acl::is_valid_group_id;
using wave::acl::is_valid_user_id;
using wave::acl::private_patterns;
using wave_test::status_of;

namespace {

const std::string kAlice = "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b";
const std::string kBob = "9f0c6a3e-5d1b-4c2a-8e7f-0123456789ab";
const std::string kCarol = "00000000-0000-4000-8000-000000000000";

// A user's full ACL: private conversations plus each group's patterns.
Authorizer authorizer_for(const std::string& user, const std::vector<std::string>& groups) {
  auto all = private_patterns(user);
  for (const auto& group : groups) {
    const auto more = group_patterns(group, user);
    all.publish.insert(all.publish.end(), more.publish.begin(), more.publish.end());
    all.subscribe.insert(all.subscribe.end(), more.subscribe.begin(), more.subscribe.end());
  }
  return Authorizer(all.publish, all.subscribe);
}

}  // namespace

TEST_SUITE("acl") {

TEST_CASE("user IDs are canonical lowercase UUIDs") {
  CHECK(is_valid_user_id(kAlice));
  CHECK(is_valid_user_id(kCarol));
  CHECK(is_valid_user_id("ffffffff-ffff-ffff-ffff-ffffffffffff"));
  CHECK_FALSE(is_valid_user_id("1B4E28BA-2FA1-4D3B-A3F5-EF19B5A7633B"));
  CHECK_FALSE(is_valid_user_id("1b4e28ba2fa14d3ba3f5ef19b5a7633b"));
  CHECK_FALSE(is_valid_user_id("{1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b}"));
  CHECK_FALSE(is_valid_user_id("1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633"));
  CHECK_FALSE(is_valid_user_id("1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633bb"));
  CHECK_FALSE(is_valid_user_id("1b4e28ba-2fa14-d3b-a3f5-ef19b5a7633b"));
  CHECK_FALSE(is_valid_user_id("1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633g"));
  CHECK_FALSE(is_valid_user_id("1b4e28ba-2fa1-4d3b-a3f5/ef19b5a7633b"));
  CHECK_FALSE(is_valid_user_id("1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633+"));
  CHECK_FALSE(is_valid_user_id("1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633\0"s));
  CHECK_FALSE(is_valid_user_id(""));
  CHECK_FALSE(is_valid_user_id("+"));
  CHECK_FALSE(is_valid_user_id("#"));
}

TEST_CASE("group IDs: UUIDs or [A-Za-z0-9_-]{1,64}") {
  CHECK(is_valid_group_id(kAlice));
  CHECK(is_valid_group_id("g"));
  CHECK(is_valid_group_id("Team_42-blue"));
  CHECK(is_valid_group_id(std::string(64, 'z')));
  CHECK_FALSE(is_valid_group_id(std::string(65, 'z')));
  CHECK_FALSE(is_valid_group_id(""));
  for (const char* bad : {"a/b", "+", "#", "a+", "a#", "$g", "a b", "a.b", "a:b", "%u", "é",
                          "a\tb", "/", "*"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_group_id(bad));
  }
  CHECK_FALSE(is_valid_group_id("a\0b"s));
}

TEST_CASE("private and group patterns") {
  const auto mine = private_patterns(kAlice);
  CHECK(mine.publish == std::vector<std::string>{"conversations/private/" + kAlice + "/+"});
  CHECK(mine.subscribe == std::vector<std::string>{"conversations/private/+/" + kAlice});
  const auto group = group_patterns("team-1", kAlice);
  CHECK(group.publish == std::vector<std::string>{"conversations/group/team-1/" + kAlice});
  CHECK(group.subscribe == std::vector<std::string>{"conversations/group/team-1/+"});
  const auto uuid_group = group_patterns(kBob, kAlice);
  CHECK(uuid_group.publish == std::vector<std::string>{"conversations/group/" + kBob + "/" + kAlice});
  for (const auto& pattern : {mine.publish[0], mine.subscribe[0], group.publish[0], group.subscribe[0]}) {
    CHECK(wave::topic::is_valid_filter(pattern));
  }

  // Anything that could widen a pattern is refused.
  for (const std::string& bad : {"+"s, "#"s, "a/b"s, ""s, kAlice + "/x"s, "%u"s, "$share"s}) {
    CAPTURE(bad);
    CHECK(status_of([&] { private_patterns(bad); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { group_patterns(bad, kAlice); }) == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(status_of([&] { group_patterns("g", bad); }) == WAVE_ERR_INVALID_ARGUMENT);
  }
  CHECK(status_of([&] { group_patterns(std::string(65, 'g'), kAlice); }) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(status_of([&] { private_patterns("1B4E28BA-2FA1-4D3B-A3F5-EF19B5A7633B"); }) ==
        WAVE_ERR_INVALID_ARGUMENT);
}

TEST_CASE("sender identification") {
  const auto direct = identify_sender("conversations/private/" + kAlice + "/" + kBob);
  CHECK(direct.kind == ConversationKind::private_chat);
  CHECK(direct.sender == kAlice);
  CHECK(direct.recipient == kBob);
  CHECK(direct.group.empty());

  const auto to_self = identify_sender("conversations/private/" + kAlice + "/" + kAlice);
  CHECK(to_self.sender == kAlice);
  CHECK(to_self.recipient == kAlice);

  const auto group = identify_sender("conversations/group/team-1/" + kBob);
  CHECK(group.kind == ConversationKind::group);
  CHECK(group.sender == kBob);
  CHECK(group.group == "team-1");
  CHECK(group.recipient.empty());
  CHECK(identify_sender("conversations/group/" + kCarol + "/" + kBob).group == kCarol);
  CHECK(identify_sender("conversations/group/" + std::string(64, 'g') + "/" + kBob).group.size() == 64);

  const std::vector<std::string> outside = {
      "",
      "conversations",
      "conversations/private",
      "conversations/private/" + kAlice,
      "conversations/private/" + kAlice + "/",
      "conversations/private/" + kAlice + "/" + kBob + "/",
      "conversations/private/" + kAlice + "/" + kBob + "/x",
      "conversations/private/" + kAlice + "/+",
      "conversations/private/+/" + kBob,
      "conversations/private/" + kAlice + "/bob",
      "conversations/private/alice/" + kBob,
      "conversations/private//" + kBob,
      "conversations/group/team-1",
      "conversations/group/team-1/",
      "conversations/group/team-1/bob",
      "conversations/group/team-1/" + kBob + "/x",
      "conversations/group//" + kBob,
      "conversations/group/+/" + kBob,
      "conversations/group/team.1/" + kBob,
      "conversations/group/" + std::string(65, 'g') + "/" + kBob,
      "conversations/channel/team-1/" + kBob,
      "Conversations/private/" + kAlice + "/" + kBob,
      "/conversations/private/" + kAlice + "/" + kBob,
      "$share/g/conversations/private/" + kAlice + "/" + kBob,
      "conversations/private/" + kAlice + "/" + kBob + "\0"s,
      "conversations/private/1B4E28BA-2FA1-4D3B-A3F5-EF19B5A7633B/" + kBob,
  };
  for (const auto& topic : outside) {
    CAPTURE(topic);
    CHECK(status_of([&] { identify_sender(topic); }) == WAVE_ERR_INVALID_ARGUMENT);
  }
}

TEST_CASE("the authorizer over a user's patterns") {
  const Authorizer alice = authorizer_for(kAlice, {"team-1", kCarol});
  const std::string own = "conversations/private/" + kAlice;
  CHECK(alice.may_publish(own + "/" + kBob));
  CHECK(alice.may_publish(own + "/anything"));  // the pattern is <me>/+; receivers filter
  CHECK(alice.may_publish(own + "/"));
  CHECK_FALSE(alice.may_publish(own));
  CHECK_FALSE(alice.may_publish(own + "/" + kBob + "/x"));
  CHECK_FALSE(alice.may_publish(own + "/+"));  // not a topic name
  CHECK_FALSE(alice.may_publish("conversations/private/" + kBob + "/" + kAlice));
  CHECK(alice.may_publish("conversations/group/team-1/" + kAlice));
  CHECK(alice.may_publish("conversations/group/" + kCarol + "/" + kAlice));
  CHECK_FALSE(alice.may_publish("conversations/group/team-1/" + kAlice + "/x"));
  CHECK_FALSE(alice.may_publish("conversations/group/team-1/" + kBob));
  CHECK_FALSE(alice.may_publish("conversations/group/team-2/" + kAlice));
  CHECK_FALSE(alice.may_publish(""));
  CHECK_FALSE(alice.may_publish("\xC0\xAF"));
  CHECK_FALSE(alice.may_publish("$SYS/x"));

  CHECK(alice.may_subscribe("conversations/private/+/" + kAlice));
  CHECK(alice.may_subscribe("conversations/private/" + kBob + "/" + kAlice));
  CHECK(alice.may_subscribe("$share/workers/conversations/private/+/" + kAlice));
  CHECK_FALSE(alice.may_subscribe("$share/+/conversations/private/+/" + kAlice));  // invalid share
  CHECK_FALSE(alice.may_subscribe("$share/g"));
  CHECK_FALSE(alice.may_subscribe("conversations/private/+/" + kBob));
  CHECK_FALSE(alice.may_subscribe("conversations/private/+/+"));
  CHECK_FALSE(alice.may_subscribe("conversations/private/#"));
  CHECK_FALSE(alice.may_subscribe("conversations/#"));
  CHECK_FALSE(alice.may_subscribe("#"));
  CHECK_FALSE(alice.may_subscribe("+/private/+/" + kAlice));
  CHECK(alice.may_subscribe("conversations/group/team-1/+"));
  CHECK(alice.may_subscribe("conversations/group/team-1/" + kBob));
  CHECK_FALSE(alice.may_subscribe("conversations/group/team-1/#"));  // VerneMQ would allow it
  CHECK_FALSE(alice.may_subscribe("conversations/group/team-1"));
  CHECK_FALSE(alice.may_subscribe("conversations/group/+/+"));
  CHECK_FALSE(alice.may_subscribe("conversations/group/team-2/+"));
  CHECK_FALSE(alice.may_subscribe("conversations/group/team-1/+/#"));
  CHECK_FALSE(alice.may_subscribe("a/#/b"));
  CHECK_FALSE(alice.may_subscribe(""));
}

TEST_CASE("authorizer construction and depth") {
  CHECK(status_of([] { Authorizer({"a/#/b"}, {}); }) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(status_of([] { Authorizer({}, {"$share/g/a"}); }) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(status_of([] { Authorizer({}, {""}); }) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(status_of([] { Authorizer({"a"}, {"a"}, -1); }) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(status_of([] { Authorizer({"1/2/3"}, {}, 2); }) == WAVE_ERR_INVALID_ARGUMENT);

  const Authorizer none({}, {});
  CHECK_FALSE(none.may_publish("a"));
  CHECK_FALSE(none.may_subscribe("a"));

  const Authorizer shallow({"#"}, {"#"}, 2);
  CHECK(shallow.max_depth() == 2);
  CHECK(shallow.may_publish("a/b"));
  CHECK_FALSE(shallow.may_publish("a/b/c"));
  CHECK(shallow.may_subscribe("a/+"));
  CHECK_FALSE(shallow.may_subscribe("a/+/c"));
  CHECK_FALSE(shallow.may_subscribe("$share/g/a"));  // 3 levels with the share prefix
  CHECK_FALSE(shallow.may_publish("$SYS/x"));
  CHECK_FALSE(shallow.may_subscribe("$SYS/#"));

  const Authorizer unlimited({"#"}, {"a/#"}, 0);
  CHECK(unlimited.may_publish("1/2/3/4/5/6/7/8/9/10/11/12"));
  CHECK(unlimited.may_subscribe("a/2/3/4/5/6/7/8/9/10/11/+"));

  const Authorizer defaults({"#"}, {"#"});
  CHECK(defaults.max_depth() == 10);
  CHECK_FALSE(defaults.may_publish("1/2/3/4/5/6/7/8/9/10/11"));
}

TEST_CASE("trust: whoever can receive a topic learns its true publisher") {
  // Three users, two groups (Alice and Bob in team-1; Bob and Carol in a UUID group).
  const std::string team = "team-1";
  const std::string uuid_group = "5e1d7c2b-aaaa-4bbb-8ccc-0123456789ab";
  struct User {
    std::string id;
    Authorizer authorizer;
    std::vector<std::string> subscribe;
  };
  std::vector<User> users;
  for (const auto& [id, groups] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {kAlice, {team}}, {kBob, {team, uuid_group}}, {kCarol, {uuid_group}}}) {
    auto patterns = private_patterns(id);
    for (const auto& group : groups) {
      const auto more = group_patterns(group, id);
      patterns.subscribe.insert(patterns.subscribe.end(), more.subscribe.begin(), more.subscribe.end());
    }
    users.push_back({id, authorizer_for(id, groups), patterns.subscribe});
  }
  // Every topic of up to 5 levels over words the scheme uses, and some it does not.
  const std::vector<std::string> words = {"conversations", "private", "group", kAlice, kBob,
                                          kCarol, team, uuid_group, "", "x"};
  std::vector<std::string> topics, frontier = {""};
  for (int depth = 1; depth <= 5; ++depth) {
    std::vector<std::string> next;
    for (const auto& prefix : frontier) {
      for (const auto& word : words) {
        // Keep the walk small: beyond level 2, only extend topics that start as the scheme does.
        if (depth > 2 && prefix.rfind("conversations/", 0) != 0) continue;
        next.push_back(depth == 1 ? word : prefix + "/" + word);
      }
    }
    for (const auto& topic : next) {
      if (wave::topic::is_valid_name(topic)) topics.push_back(topic);
    }
    frontier = next;
  }
  std::size_t deliveries = 0;
  for (const auto& topic : topics) {
    for (const auto& publisher : users) {
      if (!publisher.authorizer.may_publish(topic)) continue;
      for (const auto& receiver : users) {
        for (const auto& filter : receiver.subscribe) {
          if (wave::topic::matches(filter, topic) != wave::topic::Answer::yes) continue;
          ++deliveries;
          CAPTURE(topic);
          wave::acl::Sender sender;
          REQUIRE_NOTHROW(sender = identify_sender(topic));
          CHECK(sender.sender == publisher.id);
        }
      }
    }
  }
  // 3x3 private pairs, plus team-1 (2 publishers x 2 receivers) and the UUID group (2 x 2).
  CHECK(deliveries == 9 + 4 + 4);
}

TEST_CASE("sender identification survives arbitrary bytes") {
  std::mt19937 random(99);
  const std::vector<std::string> bases = {"conversations/private/" + kAlice + "/" + kBob,
                                          "conversations/group/team-1/" + kBob,
                                          "conversations/group/" + kCarol + "/" + kAlice};
  const std::string bytes = "/+#$\0aAf-_.\xC3\xA9\xFF"s;
  std::size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    // A topic of the scheme with 0 to 3 random byte edits (insert, delete or replace).
    std::string topic = bases[random() % bases.size()];
    const std::size_t edits = random() % 4;
    for (std::size_t i = 0; i < edits; ++i) {
      const std::size_t at = random() % (topic.size() + 1);
      const char byte = bytes[random() % bytes.size()];
      switch (random() % 3) {
        case 0: topic.insert(topic.begin() + static_cast<std::ptrdiff_t>(at), byte); break;
        case 1: if (at < topic.size()) topic.erase(at, 1); break;
        default: if (at < topic.size()) topic[at] = byte; break;
      }
    }
    try {
      const auto sender = identify_sender(topic);
      ++accepted;
      // Whatever is accepted is a topic the scheme produces.
      CHECK(is_valid_user_id(sender.sender));
      if (sender.kind == ConversationKind::private_chat) {
        CHECK(topic == "conversations/private/" + sender.sender + "/" + sender.recipient);
        CHECK(is_valid_user_id(sender.recipient));
      } else {
        CHECK(topic == "conversations/group/" + sender.group + "/" + sender.sender);
        CHECK(is_valid_group_id(sender.group));
      }
    } catch (const wave::Error& error) {
      CHECK(error.status() == WAVE_ERR_INVALID_ARGUMENT);
    }
  }
  CHECK(accepted > 2000);  // the unedited quarter at least
}

TEST_CASE("group patterns are told apart from the rest") {
  const auto group = group_patterns("g1", kAlice);
  for (const auto& pattern : group.publish) CHECK(wave::acl::is_group_pattern(pattern));
  for (const auto& pattern : group.subscribe) CHECK(wave::acl::is_group_pattern(pattern));
  const auto own = private_patterns(kAlice);
  for (const auto& pattern : own.publish) CHECK_FALSE(wave::acl::is_group_pattern(pattern));
  CHECK_FALSE(wave::acl::is_group_pattern("conversations/groupies/x"));
  CHECK_FALSE(wave::acl::is_group_pattern("operator/added/#"));
  CHECK_FALSE(wave::acl::is_group_pattern(""));
}

TEST_CASE("pattern-set arithmetic keeps order and never repeats an item") {
  using V = std::vector<std::string>;
  SUBCASE("missing_from") {
    CHECK(wave::acl::missing_from(V{"a", "b", "c", "b", "d"}, V{"c", "x"}) == V{"a", "b", "d"});
    CHECK(wave::acl::missing_from(V{}, V{"a"}).empty());
    CHECK(wave::acl::missing_from(V{"a", "a"}, V{}) == V{"a"});
  }
  SUBCASE("add_to_set") {
    V set{"a", "b"};
    wave::acl::add_to_set(set, V{"b", "c", "c", "a", "d"});
    CHECK(set == V{"a", "b", "c", "d"});
    wave::acl::add_to_set(set, V{});
    CHECK(set == V{"a", "b", "c", "d"});
  }
  SUBCASE("pull_all") {
    V set{"a", "b", "c", "b", "d"};
    wave::acl::pull_all(set, V{"b", "z", "d"});
    CHECK(set == V{"a", "c"});
  }
  SUBCASE("stale_group_patterns: only the group namespace, only what is not kept") {
    const auto g1 = group_patterns("g1", kAlice);
    const auto g2 = group_patterns("g2", kAlice);
    const auto own = private_patterns(kAlice);
    V have = own.publish;
    have.insert(have.end(), g1.publish.begin(), g1.publish.end());
    have.insert(have.end(), g2.publish.begin(), g2.publish.end());
    have.push_back("operator/added/#");
    CHECK(wave::acl::stale_group_patterns(have, g2.publish) == g1.publish);
    CHECK(wave::acl::stale_group_patterns(have, V{}) == V{g1.publish[0], g2.publish[0]});
  }
  SUBCASE("large lists: the same answers as the quadratic definitions") {
    std::mt19937 random(7);
    V wanted;
    V have;
    for (int i = 0; i < 5000; ++i) {
      wanted.push_back("p/" + std::to_string(random() % 3000));
      have.push_back("p/" + std::to_string(random() % 3000));
    }
    V expected;
    for (const auto& item : wanted)
      if (std::find(have.begin(), have.end(), item) == have.end() &&
          std::find(expected.begin(), expected.end(), item) == expected.end())
        expected.push_back(item);
    CHECK(wave::acl::missing_from(wanted, have) == expected);
    V pulled = wanted;
    wave::acl::pull_all(pulled, have);
    V pulled_expected;
    for (const auto& item : wanted)
      if (std::find(have.begin(), have.end(), item) == have.end()) pulled_expected.push_back(item);
    CHECK(pulled == pulled_expected);
  }
}

}  // TEST_SUITE
