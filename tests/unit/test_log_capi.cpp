// wave_set_log_handler() through the real shared library: Wave's own fault messages and
// mongo-c-driver's reach the callback while it is set, never a secret, and nothing of
// mongoc's process-wide handler changes unless the host asks for it.
#include <doctest/doctest.h>
#include <mongoc/mongoc.h>
#include <wave/wave.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {

struct Captured {
  std::mutex mutex;
  std::vector<std::pair<wave_log_level, std::string>> messages;

  bool saw(wave_log_level level, const std::string& part) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& [l, text] : messages)
      if (l == level && text.find(part) != std::string::npos) return true;
    return false;
  }
  bool any_contains(const std::string& part) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& entry : messages)
      if (entry.second.find(part) != std::string::npos) return true;
    return false;
  }
};

void capture(wave_log_level level, const char* message, void* userdata) {
  auto* captured = static_cast<Captured*>(userdata);
  std::lock_guard<std::mutex> lock(captured->mutex);
  captured->messages.emplace_back(level, message);
}

// A host's own mongoc handler, to check that Wave leaves it alone.
std::vector<std::string> host_messages;
void host_mongoc_handler(mongoc_log_level_t, const char*, const char* message, void*) {
  host_messages.emplace_back(message);
}

const char kSecretToken[] = "s3cretTokenValue42";

// An app endpoint nobody listens on: every login is an UNAVAILABLE fault.
wave_service* unreachable_service() {
  static const char json[] =
      R"({"authenticationCheckEndpoint": "http://127.0.0.1:1/check", "tokenValidationRegex": "[A-Za-z0-9]{4,64}",
          "storage": "memory"})";
  wave_config* config = nullptr;
  REQUIRE(wave_config_parse(json, sizeof json - 1, "log test", &config) == WAVE_OK);
  wave_service* service = nullptr;
  REQUIRE(wave_service_new(config, &service) == WAVE_OK);
  wave_config_free(config);
  return service;
}

wave_status login_fault(wave_service* service) {
  wave_credentials* credentials = nullptr;
  const wave_status status = wave_service_login(
      service, reinterpret_cast<const uint8_t*>(kSecretToken), sizeof kSecretToken - 1, &credentials);
  wave_credentials_free(credentials);
  return status;
}

struct Reentrant {
  wave_service* service = nullptr;
  int calls = 0;
};

// A callback that calls Wave: the fault that call logs must not come back into it.
void call_wave_from_the_callback(wave_log_level, const char*, void* userdata) {
  auto* reentrant = static_cast<Reentrant*>(userdata);
  ++reentrant->calls;
  login_fault(reentrant->service);
}

}  // namespace

TEST_SUITE("log C API") {

TEST_CASE("without a handler Wave keeps the host's mongoc handler and logs nothing") {
  mongoc_log_set_handler(host_mongoc_handler, nullptr);
  host_messages.clear();
  REQUIRE(wave_global_init() == WAVE_OK);
  wave_service* service = unreachable_service();
  CHECK(login_fault(service) == WAVE_ERR_UNAVAILABLE);
  mongoc_log(MONGOC_LOG_LEVEL_WARNING, "host", "still mine");
  wave_set_log_handler(nullptr, nullptr);  // no Wave callback was set: changes nothing
  mongoc_log(MONGOC_LOG_LEVEL_WARNING, "host", "mine after NULL");
  REQUIRE(host_messages.size() == 2);
  CHECK(host_messages[0] == "still mine");
  CHECK(host_messages[1] == "mine after NULL");
  wave_service_free(service);
  wave_global_cleanup();
  mongoc_log_set_handler(mongoc_log_default_handler, nullptr);
}

TEST_CASE("a backend fault reaches the handler as a warning, without the token") {
  Captured captured;
  wave_set_log_handler(capture, &captured);
  wave_service* service = unreachable_service();
  CHECK(login_fault(service) == WAVE_ERR_UNAVAILABLE);
  const std::string reported = wave_last_error_message();
  CHECK(captured.saw(WAVE_LOG_WARNING, "WAVE_ERR_UNAVAILABLE: " + reported));
  CHECK_FALSE(captured.any_contains(kSecretToken));

  // Refusals and callers' mistakes are answers, not faults: nothing is logged for them.
  const std::size_t before = captured.messages.size();
  CHECK(wave_token_check(nullptr, nullptr, 0) == WAVE_ERR_INVALID_ARGUMENT);
  CHECK(wave_service_authorize_publish(service, "not-an-id", "a", 0) == WAVE_ERR_DENIED);
  CHECK(captured.messages.size() == before);

  wave_set_log_handler(nullptr, nullptr);
  CHECK(login_fault(service) == WAVE_ERR_UNAVAILABLE);
  CHECK(captured.messages.size() == before);  // no handler: nothing more arrives
  wave_service_free(service);
}

TEST_CASE("mongo-c-driver's messages are routed while a handler is set, credentials masked") {
  Captured captured;
  wave_set_log_handler(capture, &captured);
  mongoc_log(MONGOC_LOG_LEVEL_WARNING, "cluster", "cannot reach mongodb://wave:hunter2@db.example:27017/x");
  mongoc_log(MONGOC_LOG_LEVEL_ERROR, "client", "boom");
  mongoc_log(MONGOC_LOG_LEVEL_INFO, "topology", "chatter");
  mongoc_log(MONGOC_LOG_LEVEL_WARNING, "client", "Unsupported command \"endSessions\"");
  CHECK(captured.saw(WAVE_LOG_WARNING, "mongoc[cluster]: cannot reach mongodb://***@db.example:27017/x"));
  CHECK_FALSE(captured.any_contains("hunter2"));
  CHECK(captured.saw(WAVE_LOG_ERROR, "mongoc[client]: boom"));
  CHECK(captured.saw(WAVE_LOG_INFO, "mongoc[topology]: chatter"));
  CHECK(captured.saw(WAVE_LOG_DEBUG, "endSessions"));  // harmless with FerretDB: demoted

  // NULL hands mongoc back to its default handler: the callback hears nothing more.
  wave_set_log_handler(nullptr, nullptr);
  const std::size_t before = captured.messages.size();
  mongoc_log(MONGOC_LOG_LEVEL_DEBUG, "client", "after");
  CHECK(captured.messages.size() == before);
}

TEST_CASE("a callback may call Wave: what that logs is dropped, nothing recurses") {
  Reentrant reentrant;
  reentrant.service = unreachable_service();
  wave_set_log_handler(call_wave_from_the_callback, &reentrant);
  CHECK(login_fault(reentrant.service) == WAVE_ERR_UNAVAILABLE);
  wave_set_log_handler(nullptr, nullptr);
  CHECK(reentrant.calls == 1);
  wave_service_free(reentrant.service);
}

}  // TEST_SUITE
