// wave-server's pure parts (examples/server): routes, webhook bodies and answers, API bodies
// and the status mapping, Prometheus rendering, JSON log lines.  No sockets, no servers.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "access_log.hpp"
#include "api.hpp"
#include "health.hpp"
#include "metrics.hpp"
#include "rate_limiter.hpp"
#include "router.hpp"
#include "server_settings.hpp"
#include "webhooks.hpp"

using namespace wave_server;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(document.HasParseError());
  return document;
}

const std::string kUser = "3f1c2a4e-8b7d-4c6e-9a5b-1d2e3f4a5b6c";

std::string body_with(const std::string& fields) {
  return R"({"mountpoint":"","client_id":")" + kUser + R"(","username":")" + kUser + "\"" + fields + "}";
}

}  // namespace

TEST_SUITE("server.router") {
  TEST_CASE("templates, parameters and the unmatched route") {
    CHECK(match_route("/healthz").route == Route::healthz);
    CHECK(match_route("/metrics?x=1").route == Route::metrics);
    const auto hook = match_route("/webhooks/auth_on_publish");
    CHECK(hook.route == Route::webhook_hook);
    REQUIRE(hook.params.size() == 1);
    CHECK(hook.params[0] == "auth_on_publish");
    CHECK(match_route("/webhooks").route == Route::webhooks);
    const auto member = match_route("/v1/conversations/group/g%2F1/members/alice%20b");
    CHECK(member.route == Route::group_member);
    REQUIRE(member.params.size() == 2);
    CHECK(member.params[0] == "g/1");
    CHECK(member.params[1] == "alice b");
    CHECK(match_route("/v1/conversations/group/abc/leave").route == Route::group_leave);
    CHECK(match_route("/v1/conversations/group/abc").route == Route::group);
    CHECK(match_route("/v1/conversations/groups").route == Route::groups);
    CHECK(match_route("/v1/conversations/group/").route == Route::unmatched);  // empty {groupID}
    CHECK(match_route("/v1/profiles/").route == Route::unmatched);
    CHECK(match_route("").route == Route::unmatched);
    CHECK(match_route("*").route == Route::unmatched);
    CHECK(match_route("/v1/conversations/group/a%0/leave").bad_escape);
    CHECK(match_route("/v1/conversations/group/a%00/leave").bad_escape);
    CHECK_FALSE(match_route("/v1/conversations/group/a%41/leave").bad_escape);
    CHECK(route_template(Route::group_member) == "/v1/conversations/group/{groupID}/members/{appUserID}");
    CHECK(route_template(Route::unmatched) == "unmatched");
  }

  TEST_CASE("methods and the Allow header") {
    CHECK(method_allowed(Route::sessions, "POST"));
    CHECK(method_allowed(Route::sessions, "DELETE"));
    CHECK_FALSE(method_allowed(Route::sessions, "GET"));
    CHECK(method_allowed(Route::sessions, "OPTIONS"));
    CHECK_FALSE(method_allowed(Route::healthz, "OPTIONS"));
    CHECK(allowed_methods(Route::sessions) == "POST, DELETE, OPTIONS");
    CHECK(allowed_methods(Route::healthz) == "GET");
    CHECK(allowed_methods(Route::group) == "GET, DELETE, OPTIONS");
    CHECK(is_api_route(Route::group_leave));
    CHECK_FALSE(is_api_route(Route::webhook_hook));
  }
}

TEST_SUITE("server.webhooks") {
  TEST_CASE("the hook comes from the path and/or the vernemq-hook header, which must agree") {
    CHECK(std::get<Hook>(select_hook("auth_on_publish", std::nullopt)) == Hook::auth_on_publish);
    CHECK(std::get<Hook>(select_hook(std::nullopt, "auth_on_subscribe_m5")) == Hook::auth_on_subscribe_m5);
    CHECK(std::get<Hook>(select_hook("auth_on_register", "auth_on_register")) == Hook::auth_on_register);
    CHECK(std::get<std::string>(select_hook("auth_on_register", "auth_on_publish")) == "hook_mismatch");
    CHECK(std::get<std::string>(select_hook(std::nullopt, std::nullopt)) == "no_hook");
    CHECK(std::get<std::string>(select_hook("on_publish", std::nullopt)) == "unknown_hook");
  }

  TEST_CASE("register bodies") {
    const auto good = parse_webhook(Hook::auth_on_register, body_with(R"(,"password":"pw","peer_addr":"1.2.3.4","extra":{"a":[1]})"));
    REQUIRE(good.question);
    const auto& question = std::get<RegisterQuestion>(*good.question);
    CHECK(question.password == "pw");
    CHECK(good.client_id == kUser);
    CHECK(parse_webhook(Hook::auth_on_register, body_with(R"(,"password":null)")).refusal == "no_password");
    CHECK(parse_webhook(Hook::auth_on_register, body_with("")).refusal == "no_password");
    CHECK(parse_webhook(Hook::auth_on_register, R"({"mountpoint":"","client_id":"a","username":"a","password":"p"})").refusal ==
          "not_an_internal_id");
    CHECK(parse_webhook(Hook::auth_on_register,
                        R"({"mountpoint":"","client_id":"3F1C2A4E-8B7D-4C6E-9A5B-1D2E3F4A5B6C","username":"3F1C2A4E-8B7D-4C6E-9A5B-1D2E3F4A5B6C","password":"p"})")
              .refusal == "not_an_internal_id");
    CHECK(parse_webhook(Hook::auth_on_register, R"({"mountpoint":"","client_id":"x","username":null,"password":"p"})").refusal ==
          "missing_identity");
    CHECK(parse_webhook(Hook::auth_on_register,
                        R"({"mountpoint":"mp","client_id":")" + kUser + R"(","username":")" + kUser + R"(","password":"p"})")
              .refusal == "mountpoint");
    CHECK(parse_webhook(Hook::auth_on_register, "[1]").refusal == "invalid_json");
    CHECK(parse_webhook(Hook::auth_on_register, "").refusal == "invalid_json");
    CHECK(parse_webhook(Hook::auth_on_register, "{\"client_id\":\"\xff\"}").refusal == "invalid_json");
    // RapidJSON 1.1 decodes a lone low-surrogate escape into bytes that are not UTF-8: refused,
    // in a value, a key or a nested string (a subscribe answer echoes every filter).
    CHECK(parse_webhook(Hook::auth_on_register, body_with(R"(,"password":"p\udc00")")).refusal == "invalid_json");
    CHECK(parse_webhook(Hook::auth_on_register, body_with(R"(,"password":"p","\uDFFF":1)")).refusal == "invalid_json");
    CHECK(parse_webhook(Hook::auth_on_subscribe, body_with(R"(,"topics":[{"topic":"a/\udc00","qos":0}])")).refusal ==
          "invalid_json");
    CHECK(parse_webhook(Hook::auth_on_register, body_with(R"(,"password":"p\ud83d\ude00")")).question);  // a pair is fine
  }

  TEST_CASE("publish bodies: client_id must equal username") {
    const auto good = parse_webhook(Hook::auth_on_publish_m5, body_with(R"(,"topic":"a//b","qos":1,"payload":"eA==","properties":{})"));
    REQUIRE(good.question);
    CHECK(std::get<PublishQuestion>(*good.question).topic == "a//b");
    CHECK(parse_webhook(Hook::auth_on_publish, R"({"mountpoint":"","client_id":"a","username":"b","topic":"t"})").refusal ==
          "client_id_not_username");
    CHECK(parse_webhook(Hook::auth_on_publish, body_with(R"(,"topic":5)")).refusal == "missing_topic");
    CHECK(parse_webhook(Hook::auth_on_publish, body_with(R"(,"topic":"a\u0000b")")).refusal == "missing_topic");
  }

  TEST_CASE("subscribe bodies: $share is judged on its filter; malformed entries") {
    const auto parsed = parse_webhook(
        Hook::auth_on_subscribe,
        body_with(R"(,"topics":[{"topic":"a/+","qos":1},{"topic":"$share/grp/b/#","qos":2},{"topic":"$share/grp","qos":0},{"topic":"$share//x","qos":0}])"));
    REQUIRE(parsed.question);
    const auto& question = std::get<SubscribeQuestion>(*parsed.question);
    REQUIRE(question.filters.size() == 4);
    CHECK(*question.filters[0].judged == "a/+");
    CHECK(*question.filters[1].judged == "b/#");
    CHECK(question.filters[1].topic == "$share/grp/b/#");
    CHECK_FALSE(question.filters[2].judged);
    CHECK_FALSE(question.filters[3].judged);
    CHECK(parse_webhook(Hook::auth_on_subscribe, body_with(R"(,"topics":[])")).refusal == "missing_topics");
    CHECK(parse_webhook(Hook::auth_on_subscribe, body_with(R"(,"topics":[{"topic":"a","qos":3}])")).refusal == "bad_topics");
    CHECK(parse_webhook(Hook::auth_on_subscribe, body_with(R"(,"topics":["a"])")).refusal == "bad_topics");
  }

  TEST_CASE("answers: grants carry max-age for their hook, refusals and faults never") {
    CacheAges ages;
    ages.auth_on_register = 0;
    ages.auth_on_publish = 30;
    ages.auth_on_subscribe = 45;
    const auto granted = verdict_answer(Hook::auth_on_publish_m5, WAVE_OK, ages);
    CHECK(granted.body == R"({"result":"ok"})");
    CHECK(granted.max_age == 30);
    CHECK(granted.outcome == Outcome::allow);
    CHECK(verdict_answer(Hook::auth_on_register, WAVE_OK, ages).max_age == 0);
    const auto denied = verdict_answer(Hook::auth_on_publish, WAVE_ERR_DENIED, ages);
    CHECK(denied.body == R"({"result":{"error":"not_allowed"}})");
    CHECK(denied.max_age == 0);
    CHECK(denied.outcome == Outcome::deny);
    CHECK(verdict_answer(Hook::auth_on_register, WAVE_ERR_INVALID_TOKEN, ages).outcome == Outcome::deny);
    const std::map<wave_status, std::string> faults = {{WAVE_ERR_UNAVAILABLE, "backend_unavailable"},
                                                       {WAVE_ERR_BACKEND, "backend_unavailable"},
                                                       {WAVE_ERR_TIMEOUT, "backend_timeout"},
                                                       {WAVE_ERR_UPSTREAM, "upstream_error"},
                                                       {WAVE_ERR_INTERNAL, "internal_error"}};
    for (const auto& [status, code] : faults) {
      const auto fault = verdict_answer(Hook::auth_on_publish, status, ages);
      CHECK(fault.outcome == Outcome::error);
      CHECK(fault.max_age == 0);
      CHECK(fault.body == R"({"result":{"error":")" + code + R"("}})");
    }
    CHECK(overloaded_answer().body == R"({"result":{"error":"overloaded"}})");
    CHECK(refusal_answer("x").body == R"({"result":{"error":"not_allowed"}})");
  }

  TEST_CASE("subscribe answers: one entry per filter in order, v3 128 / m5 135") {
    SubscribeQuestion question;
    question.username = kUser;
    question.filters = {{"a/+", 1, "a/+", {}, {}, {}}, {"#", 0, "#", {}, {}, {}}, {"$share/g/b", 2, "b", {}, {}, {}}};
    CacheAges ages;
    const auto v3 = subscribe_answer(Hook::auth_on_subscribe, question, WAVE_ERR_DENIED, {WAVE_OK, WAVE_ERR_DENIED, WAVE_OK}, ages);
    CHECK(v3.body == R"({"result":"ok","topics":[{"topic":"a/+","qos":1},{"topic":"#","qos":128},{"topic":"$share/g/b","qos":2}]})");
    CHECK(v3.max_age == 0);  // partly refused: not cacheable
    CHECK(v3.outcome == Outcome::allow);
    const auto m5 = subscribe_answer(Hook::auth_on_subscribe_m5, question, WAVE_ERR_DENIED,
                                     {WAVE_ERR_DENIED, WAVE_ERR_DENIED, WAVE_ERR_DENIED}, ages);
    CHECK(m5.body ==
          R"({"result":"ok","modifiers":{"topics":[{"topic":"a/+","qos":135},{"topic":"#","qos":135},{"topic":"$share/g/b","qos":135}]}})");
    CHECK(m5.outcome == Outcome::deny);
    const auto all = subscribe_answer(Hook::auth_on_subscribe, question, WAVE_OK, {WAVE_OK, WAVE_OK, WAVE_OK}, ages);
    CHECK(all.max_age == 30);
    const auto fault = subscribe_answer(Hook::auth_on_subscribe, question, WAVE_ERR_TIMEOUT, {}, ages);
    CHECK(fault.body == R"({"result":{"error":"backend_timeout"}})");
  }

  TEST_CASE("m5 answers echo the subscription options of granted filters (the answer replaces them)") {
    const std::string body = std::string(R"({"username":")") + kUser + R"(","client_id":")" + kUser +
                             R"(","mountpoint":"","topics":[)"
                             R"({"topic":"a/+","qos":1,"no_local":true,"rap":true,"retain_handling":"dont_send"},)"
                             R"({"topic":"b","qos":0,"no_local":true,"retain_handling":"whatever"}]})";
    const auto parsed = parse_webhook(Hook::auth_on_subscribe_m5, body);
    REQUIRE(parsed.question);
    const auto& question = std::get<SubscribeQuestion>(*parsed.question);
    const auto m5 = subscribe_answer(Hook::auth_on_subscribe_m5, question, WAVE_ERR_DENIED, {WAVE_OK, WAVE_ERR_DENIED},
                                     CacheAges{});
    // Without no_local in the answer, VerneMQ would drop it and send senders their own messages.
    CHECK(m5.body == R"({"result":"ok","modifiers":{"topics":[)"
                     R"({"topic":"a/+","qos":1,"no_local":true,"rap":true,"retain_handling":"dont_send"},)"
                     R"({"topic":"b","qos":135}]}})");
  }

  TEST_CASE("decisions against a real in-memory service: unknown users are refused, not faults") {
    const std::string json =
        R"({"authenticationCheckEndpoint":"http://127.0.0.1:9/x","tokenValidationRegex":".+","storage":"memory"})";
    wave_config* config = nullptr;
    REQUIRE(wave_config_parse(json.data(), json.size(), "test", &config) == WAVE_OK);
    wave_service* service = nullptr;
    REQUIRE(wave_service_new(config, &service) == WAVE_OK);
    wave_config_free(config);
    CacheAges ages;
    const auto publish = decide_webhook(service, parse_webhook(Hook::auth_on_publish, body_with(R"(,"topic":"a/b")")), ages);
    CHECK(publish.outcome == Outcome::deny);
    const auto reg = decide_webhook(service, parse_webhook(Hook::auth_on_register, body_with(R"(,"password":"secret")")), ages);
    CHECK(reg.body == R"({"result":{"error":"not_allowed"}})");
    CHECK_FALSE(reg.detail.empty());  // libwave's reason, for the debug log
    CHECK(reg.detail.find("secret") == std::string::npos);
    const auto sub = decide_webhook(
        service, parse_webhook(Hook::auth_on_subscribe, body_with(R"(,"topics":[{"topic":"a","qos":0},{"topic":"$share/x","qos":1}])")), ages);
    CHECK(sub.body == R"({"result":"ok","topics":[{"topic":"a","qos":128},{"topic":"$share/x","qos":128}]})");
    wave_service_free(service);
  }
}

TEST_SUITE("server.api") {
  TEST_CASE("statuses map to HTTP codes and snake_case error codes") {
    const std::map<wave_status, std::pair<int, std::string>> expected = {
        {WAVE_ERR_INVALID_ARGUMENT, {400, "bad_request"}}, {WAVE_ERR_INVALID_TOKEN, {401, "invalid_token"}},
        {WAVE_ERR_DENIED, {403, "denied"}},                {WAVE_ERR_NOT_FOUND, {404, "not_found"}},
        {WAVE_ERR_CONFLICT, {409, "conflict"}},            {WAVE_ERR_UPSTREAM, {502, "upstream_error"}},
        {WAVE_ERR_UNAVAILABLE, {503, "backend_unavailable"}}, {WAVE_ERR_BACKEND, {503, "backend_error"}},
        {WAVE_ERR_TIMEOUT, {504, "backend_timeout"}},      {WAVE_ERR_INTERNAL, {500, "internal_error"}},
        {WAVE_ERR_RATE_LIMITED, {429, "rate_limited"}}};
    for (const auto& [status, answer] : expected) {
      const auto response = api_failure(status, "why \"quoted\"");
      CHECK(response.status == answer.first);
      const auto document = parse_json(response.body);
      CHECK(document["content"].IsNull());
      CHECK(std::string(document["error"]["code"].GetString()) == answer.second);
      CHECK(std::string(document["error"]["message"].GetString()) == "why \"quoted\"");
      CHECK((response.retry_after_seconds > 0) == (answer.first == 503 || answer.first == 429));
    }
    CHECK(api_content(201, R"({"a":1})").body == R"({"content":{"a":1}})");
  }

  TEST_CASE("bodies") {
    CHECK(std::get<std::vector<std::string>>(parse_mappings_body(R"({"userIDs":["a","b"]})")).size() == 2);
    CHECK(std::get<ApiResponse>(parse_mappings_body(R"({"userIDs":"a"})")).status == 400);
    CHECK(std::get<ApiResponse>(parse_mappings_body(R"({})")).status == 400);
    CHECK(std::get<ApiResponse>(parse_mappings_body(R"({"userIDs":[1]})")).status == 400);
    CHECK(std::get<ApiResponse>(parse_mappings_body(R"({"userIDs":["a\u0000"]})")).status == 400);
    CHECK(std::get<ApiResponse>(parse_mappings_body(R"({"userIDs":["a\udc00"]})")).status == 400);
    CHECK(std::get<ApiResponse>(parse_mappings_body("nope")).status == 400);
    const auto group = std::get<GroupCreateBody>(parse_group_create_body(R"({"name":"g","members":["x"]})"));
    CHECK(group.name == "g");
    CHECK(group.members.size() == 1);
    CHECK(std::get<GroupCreateBody>(parse_group_create_body(R"({"name":"g"})")).members.empty());
    CHECK(std::get<ApiResponse>(parse_group_create_body(R"({"members":[]})")).status == 400);
    CHECK(std::get<std::string>(parse_member_body(R"({"userID":"bob"})")) == "bob");
    CHECK(std::get<ApiResponse>(parse_member_body(R"({"userID":""})")).status == 400);
  }

  TEST_CASE("calls from routes: method picks the operation; bad escapes are 400") {
    const auto login = std::get<ApiCall>(prepare_api_call(match_route("/v1/sessions"), "POST", "tok", ""));
    CHECK(login.operation == ApiOperation::session_create);
    CHECK(uses_credential_pool(login.operation));
    const auto revoke = std::get<ApiCall>(prepare_api_call(match_route("/v1/sessions"), "DELETE", "tok", ""));
    CHECK(revoke.operation == ApiOperation::session_delete);
    const auto remove = std::get<ApiCall>(prepare_api_call(match_route("/v1/conversations/group/g1/members/bob"), "DELETE", "t", ""));
    CHECK(remove.operation == ApiOperation::member_remove);
    CHECK(remove.group_id == "g1");
    CHECK(remove.app_user_id == "bob");
    CHECK_FALSE(uses_credential_pool(remove.operation));
    CHECK(std::get<ApiResponse>(prepare_api_call(match_route("/v1/conversations/group/%zz"), "GET", "t", "")).status == 400);
    CHECK(std::get<ApiResponse>(prepare_api_call(match_route("/v1/conversations/group/g/members"), "POST", "t", "{}")).status == 400);
  }
}

TEST_SUITE("server.metrics") {
  TEST_CASE("Prometheus text: HELP/TYPE once per family, every label set at 0, cumulative buckets") {
    Metrics metrics("1.2.3");
    metrics.count_request(Route::webhook_hook, 200, 0.0004);
    metrics.count_request(Route::webhook_hook, 200, 0.003);
    metrics.count_request(Route::webhook_hook, 200, 20.0);  // above every bucket: +Inf only
    metrics.count_request(Route::profiles, 418, 0.1);       // unexpected code: "other"
    metrics.count_decision(Hook::auth_on_publish, Outcome::allow);
    const std::string text = metrics.render();
    CHECK(text.back() == '\n');
    CHECK(contains(text, "wave_http_requests_total{route=\"/webhooks/{hook}\",code=\"200\"} 3\n"));
    CHECK(contains(text, "wave_http_requests_total{route=\"/readyz\",code=\"504\"} 0\n"));
    CHECK(contains(text, "wave_http_requests_total{route=\"/v1/profiles\",code=\"other\"} 1\n"));
    CHECK(contains(text, "wave_http_request_duration_seconds_bucket{route=\"/webhooks/{hook}\",le=\"0.0005\"} 1\n"));
    CHECK(contains(text, "wave_http_request_duration_seconds_bucket{route=\"/webhooks/{hook}\",le=\"0.005\"} 2\n"));
    CHECK(contains(text, "wave_http_request_duration_seconds_bucket{route=\"/webhooks/{hook}\",le=\"10\"} 2\n"));
    CHECK(contains(text, "wave_http_request_duration_seconds_bucket{route=\"/webhooks/{hook}\",le=\"+Inf\"} 3\n"));
    CHECK(contains(text, "wave_http_request_duration_seconds_count{route=\"/webhooks/{hook}\"} 3\n"));
    CHECK(contains(text, "wave_http_request_duration_seconds_sum{route=\"/webhooks/{hook}\"} 20.003400\n"));
    CHECK(contains(text, "wave_webhook_decisions_total{hook=\"auth_on_publish\",result=\"allow\"} 1\n"));
    CHECK(contains(text, "wave_webhook_decisions_total{hook=\"auth_on_subscribe_m5\",result=\"error\"} 0\n"));
    CHECK(contains(text, "wave_worker_queue_depth{pool=\"credential\"} 0\n"));
    CHECK(contains(text, "wave_build_info{version=\"1.2.3\"} 1\n"));
    // Each family's HELP and TYPE appear once, before its samples; every line is a comment or a sample.
    std::map<std::string, int> types;
    std::istringstream lines(text);
    std::string line;
    std::string current;
    while (std::getline(lines, line)) {
      REQUIRE_FALSE(line.empty());
      if (line.rfind("# TYPE ", 0) == 0) {
        current = line.substr(7, line.find(' ', 7) - 7);
        ++types[current];
        continue;
      }
      if (line.rfind("# HELP ", 0) == 0) continue;
      CHECK(line.rfind(current, 0) == 0);
    }
    for (const auto& [name, count] : types) CHECK_MESSAGE(count == 1, name);
    CHECK(types.size() == 10);  // the server's own families (libwave's need a service)
  }

  TEST_CASE("label values are escaped") {
    CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    Metrics metrics("v\"1\n");
    CHECK(contains(metrics.render(), "wave_build_info{version=\"v\\\"1\\n\"} 1\n"));
  }
}

TEST_SUITE("server.log") {
  TEST_CASE("JSON escaping repairs invalid UTF-8 and escapes control bytes") {
    CHECK(json_escape("plain") == "plain");
    CHECK(json_escape("a\"b\\c") == "a\\\"b\\\\c");
    CHECK(json_escape(std::string("a\nb\x01\x7f", 5)) == "a\\nb\\u0001\\u007f");
    CHECK(json_escape("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK(json_escape("\xff\xfe") == "\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(json_escape("\xc0\xaf") == "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong '/'
    CHECK(json_escape("\xed\xa0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    CHECK(json_escape("\xe2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");          // cut short
    CHECK(json_escape(std::string(300, 'x'), 256) == std::string(256, 'x') + "...");
    CHECK(json_escape(std::string("a\0b", 3)) == "a\\u0000b");
  }

  TEST_CASE("a log line is one valid JSON object, whatever the client ID holds") {
    LogLine line(LogLevel::info, "request");
    line.field("client_id", std::string("\xff\"\n}{evil", 10)).field("status", 200).number("duration_ms", 0.25, 3);
    const std::string text = std::move(line).finish();
    CHECK(text.back() == '\n');
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
    const auto document = parse_json(text.substr(0, text.size() - 1));
    CHECK(std::string(document["msg"].GetString()) == "request");
    CHECK(std::string(document["level"].GetString()) == "info");
    CHECK(document["status"].GetInt() == 200);
    CHECK(document["duration_ms"].GetDouble() == doctest::Approx(0.25));
    CHECK(std::string(document["client_id"].GetString()) == "\xEF\xBF\xBD\"\n}{evil");
    const std::string ts = document["ts"].GetString();
    CHECK(ts.size() == 24);
    CHECK(ts.back() == 'Z');
  }

  TEST_CASE("the logger writes lines in order, filters by level, drops and counts when full") {
    std::FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    std::atomic<std::uint64_t> dropped{0};
    {
      Logger logger(LogLevel::warning, 1000, dropped, out);
      logger.write(LogLine(LogLevel::info, "hidden"));
      logger.write(LogLine(LogLevel::error, "shown"));
      logger.write_always(LogLine(LogLevel::info, "listening"));
      logger.stop();
      logger.write(LogLine(LogLevel::error, "after stop"));
    }
    CHECK(dropped.load() == 1);
    std::rewind(out);
    std::string text;
    char chunk[512];
    while (std::size_t n = std::fread(chunk, 1, sizeof chunk, out)) text.append(chunk, n);
    std::fclose(out);
    CHECK_FALSE(contains(text, "hidden"));
    CHECK(contains(text, "\"msg\":\"shown\""));
    CHECK(text.find("shown") < text.find("listening"));
  }
}

TEST_SUITE("server.settings") {
  TEST_CASE("read back from the library's effective config") {
    const std::string json = R"({"authenticationCheckEndpoint":"http://a/b","tokenValidationRegex":".+",
      "webhookCacheMaxAgeSeconds":{"auth_on_subscribe":5},"serverIOThreads":3,"logLevel":"debug",
      "corsAllowedOrigins":["https://a.example"]})";
    wave_config* config = nullptr;
    REQUIRE(wave_config_parse(json.data(), json.size(), "t", &config) == WAVE_OK);
    const ServerSettings settings = read_server_settings(config);
    wave_config_free(config);
    CHECK(settings.cache_ages.auth_on_subscribe == 5);
    CHECK(settings.cache_ages.auth_on_publish == 30);
    CHECK(settings.cache_ages.auth_on_register == 0);
    CHECK(settings.io_threads == 3);
    CHECK(settings.log_level == LogLevel::debug);
    CHECK(settings.max_body_bytes == 65536);
    CHECK(settings.cors_allow_origin("https://a.example") == "https://a.example");
    CHECK(settings.cors_allow_origin("https://b.example").empty());
    CHECK(settings.cors_allow_origin("").empty());
  }

  TEST_CASE("host:port") {
    std::string host, port;
    CHECK(split_host_port("127.0.0.1:0", host, port));
    CHECK(host == "127.0.0.1");
    CHECK(port == "0");
    CHECK(split_host_port("[::1]:8080", host, port));
    CHECK(host == "::1");
    CHECK_FALSE(split_host_port("::1:80", host, port));
    CHECK_FALSE(split_host_port("host:99999", host, port));
    CHECK_FALSE(split_host_port("host", host, port));
  }
}

TEST_SUITE("server.health") {
  TEST_CASE("an in-memory service is ready; the cache reuses a result and lets one check run at a time") {
    const std::string json =
        R"({"authenticationCheckEndpoint":"http://127.0.0.1:9/x","tokenValidationRegex":".+","storage":"memory"})";
    wave_config* config = nullptr;
    REQUIRE(wave_config_parse(json.data(), json.size(), "test", &config) == WAVE_OK);
    wave_service* service = nullptr;
    REQUIRE(wave_service_new(config, &service) == WAVE_OK);
    wave_config_free(config);
    const Readiness readiness = check_backends(service);
    CHECK(readiness.ready);
    CHECK(readiness.reason.empty());
    wave_service_free(service);

    ReadinessCache cache;
    CHECK_FALSE(cache.fresh(std::chrono::seconds(1)));
    CHECK_FALSE(cache.last());
    CHECK(cache.begin_check());
    CHECK_FALSE(cache.begin_check());  // one at a time
    cache.store(Readiness{false, "redis: down"});
    REQUIRE(cache.fresh(std::chrono::seconds(1)));
    CHECK(cache.fresh(std::chrono::seconds(1))->reason == "redis: down");
    CHECK_FALSE(cache.fresh(std::chrono::seconds(-1)));  // too old
    CHECK(cache.last()->reason == "redis: down");
    CHECK(cache.begin_check());
    cache.abandon();
    CHECK(cache.begin_check());
  }
}

TEST_SUITE("server.rate_limiter") {
  TEST_CASE("a token bucket per address: burst, refill, other addresses unaffected, off at 0") {
    using namespace std::chrono_literals;
    wave_server::AddressRateLimiter limiter(10, 3);  // 10 per second, burst 3
    const auto t0 = wave_server::AddressRateLimiter::Clock::now();
    for (int i = 0; i < 3; ++i) CHECK_FALSE(limiter.take("10.0.0.1", t0));
    const auto wait = limiter.take("10.0.0.1", t0);
    REQUIRE(wait);
    CHECK(*wait == 100ms);                          // one token every 100 ms
    CHECK_FALSE(limiter.take("10.0.0.2", t0));      // another address has its own bucket
    CHECK(limiter.take("10.0.0.1", t0 + 50ms));     // not yet
    CHECK_FALSE(limiter.take("10.0.0.1", t0 + 100ms));
    CHECK_FALSE(limiter.take("10.0.0.1", t0 + 10s));  // refilled (up to the burst)
    wave_server::AddressRateLimiter off(0, 1);
    for (int i = 0; i < 1000; ++i) CHECK_FALSE(off.take("10.0.0.1", t0));
  }

  TEST_CASE("the address of a peer drops its port") {
    CHECK(wave_server::address_of_peer("127.0.0.1:5555") == "127.0.0.1");
    CHECK(wave_server::address_of_peer("[::1]:5555") == "[::1]");
    CHECK(wave_server::address_of_peer("unknown") == "unknown");
  }
}
