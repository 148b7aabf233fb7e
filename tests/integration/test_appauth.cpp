// AppAuthClient against the real HTTP app server of the test harness (fixture `app`).
#include <curl/curl.h>
#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "appauth/app_auth_client.hpp"
#include "common/error.hpp"
#include "integration/test_errors.hpp"
#include "integration/test_servers.hpp"

namespace {

using wave::AppAuthClient;
using wave::AppAuthOptions;
using wave::AppAuthVerdict;
using wave_test::error_of;

AppAuthOptions app_options() {
  AppAuthOptions options;
  options.endpoint = wave_test::fixture_uri("app");
  return options;
}

// A per-run suffix so counts read from the shared app server belong to this test only.
std::string unique(const std::string& base) {
  static const std::string run =
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "-" + std::to_string(::getpid());
  return base + "-" + run;
}

size_t append_to_string(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// The harness's /__control/stats, fetched independently of the client under test.
rapidjson::Document app_server_stats() {
  std::string url = wave_test::fixture_uri("app");
  url = url.substr(0, url.find('/', std::string("http://").size())) + "/__control/stats";
  std::string body;
  CURL* curl = curl_easy_init();
  REQUIRE(curl != nullptr);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append_to_string);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  REQUIRE(code == CURLE_OK);
  rapidjson::Document document;
  document.Parse(body.c_str());
  REQUIRE(document.IsObject());
  return document;
}

int calls_for(const rapidjson::Document& stats, const std::string& token) {
  const auto& by_token = stats["calls_by_token"];
  const auto found = by_token.FindMember(token.c_str());
  return found == by_token.MemberEnd() ? 0 : found->value.GetInt();
}

// A one-shot HTTP peer on a raw socket, for answers the harness's app server cannot give
// (a body without Content-Length): it records the request bytes, sends `answer`, then
// holds the connection open for `hold` so that only the client can end the transfer.
class RawPeer {
 public:
  RawPeer(std::string answer, std::chrono::milliseconds hold) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 1) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, answer = std::move(answer), hold] {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      char buffer[4096];
      while (request_.find("\r\n\r\n") == std::string::npos) {
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        request_.append(buffer, static_cast<size_t>(got));
      }
      ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      // Waits for the client to hang up (recv returns 0) or for `hold` to pass.
      timeval timeout{static_cast<time_t>(hold.count() / 1000), static_cast<suseconds_t>(hold.count() % 1000 * 1000)};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      while (::recv(fd, buffer, sizeof buffer, 0) > 0) {
      }
      ::close(fd);
    });
  }
  ~RawPeer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/auth/check?app=1"; }
  // Valid once the client call returned.
  const std::string& request() const { return request_; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("a valid token gives the app's user ID") {
  AppAuthClient client(app_options());
  const auto answer = client.check("user:alice-42:opaque");
  CHECK(answer.verdict == AppAuthVerdict::valid);
  CHECK(answer.user_id == "alice-42");
  CHECK(answer.http_status == 200);
  const auto stats = client.stats();
  CHECK(stats.valid == 1);
  CHECK(stats.errors == 0);
  CHECK(stats.connections == 1);
}

TEST_CASE("400, 401 and 403 are invalid, counted separately") {
  AppAuthClient client(app_options());
  for (int i = 0; i < 3; ++i) {
    const auto answer = client.check("invalid-" + std::to_string(i));
    CHECK(answer.verdict == AppAuthVerdict::invalid);
    CHECK(answer.user_id.empty());
    CHECK(answer.http_status == 400);
  }
  CHECK(client.check("unauthorized-x").http_status == 401);
  CHECK(client.check("unauthorized-x").verdict == AppAuthVerdict::invalid);
  CHECK(client.check("forbidden-x").http_status == 403);
  CHECK(client.check("forbidden-x").verdict == AppAuthVerdict::invalid);
  const auto stats = client.stats();
  CHECK(stats.invalid_400 == 3);
  CHECK(stats.invalid_401 == 2);
  CHECK(stats.invalid_403 == 2);
  CHECK(stats.valid == 0);
  CHECK(stats.errors == 0);
  CHECK(stats.timeouts == 0);
}

TEST_CASE("a slow endpoint is a timeout within the configured bound") {
  AppAuthOptions options = app_options();
  options.total_timeout_ms = 400;
  AppAuthClient client(options);

  const auto start = std::chrono::steady_clock::now();
  const auto error = error_of([&] { client.check("slow3000:bob"); });
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(error.status() == WAVE_ERR_TIMEOUT);
  CHECK(elapsed >= std::chrono::milliseconds(350));
  CHECK(elapsed < std::chrono::milliseconds(2000));
  CHECK(std::string(error.what()).find("400 ms") != std::string::npos);
  CHECK(std::string(error.what()).find("slow3000") == std::string::npos);
  CHECK(client.stats().timeouts == 1);
  CHECK(client.stats().errors == 0);

  // Slow but within the bound is fine, and the client still works after a timeout.
  const auto answer = client.check("slow50:bob");
  CHECK(answer.verdict == AppAuthVerdict::valid);
  CHECK(answer.user_id == "bob");
}

TEST_CASE("answers that are neither valid nor invalid are upstream errors, never grants") {
  AppAuthClient client(app_options());
  // The "-SeCrEt" suffix checks that no message repeats the token.
  for (const std::string prefix : {"error500", "garbage", "oversize", "redirect", "emptyid", "noid", "numid", "close"}) {
    CAPTURE(prefix);
    const std::string token = prefix + "-SeCrEt";
    const auto error = error_of([&] { client.check(token); });
    CHECK(error.status() == WAVE_ERR_UPSTREAM);  // "close": the server hangs up without an answer
    const std::string message = error.what();
    CHECK(message.find("SeCrEt") == std::string::npos);
    CHECK(message.find("/auth/check") != std::string::npos);  // names the endpoint
  }
  const auto stats = client.stats();
  CHECK(stats.errors == 8);
  CHECK(stats.valid == 0);
  CHECK(stats.invalid_400 == 0);

  CHECK(std::string(error_of([&] { client.check("redirect-1"); }).what()).find("redirect") != std::string::npos);
  CHECK(std::string(error_of([&] { client.check("error500-1"); }).what()).find("HTTP 500") != std::string::npos);
  CHECK(std::string(error_of([&] { client.check("oversize-1"); }).what()).find("65536 bytes") != std::string::npos);
  // Still usable afterwards.
  CHECK(client.check("user:carol").user_id == "carol");
}

TEST_CASE("a small body limit is enforced on an otherwise valid answer") {
  AppAuthOptions options = app_options();
  options.max_body_bytes = 10;  // {"userID": "alice"} is longer
  AppAuthClient client(options);
  CHECK(error_of([&] { client.check("user:alice"); }).status() == WAVE_ERR_UPSTREAM);
  options.max_body_bytes = 64;
  AppAuthClient roomy(options);
  CHECK(roomy.check("user:alice").user_id == "alice");
}

TEST_CASE("a streamed body over the limit aborts the transfer at once") {
  // 70 KiB in chunks with no Content-Length, then the peer stalls: only an abort by the
  // client can end the call before the 4 s timeout.
  std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(1024, 'x');
  for (int i = 0; i < 70; ++i) answer += "400\r\n" + chunk + "\r\n";
  RawPeer peer(answer, std::chrono::milliseconds(4000));
  AppAuthOptions options;
  options.endpoint = peer.url();
  options.total_timeout_ms = 4000;
  AppAuthClient client(options);
  const auto start = std::chrono::steady_clock::now();
  const auto error = error_of([&] { client.check("user:stream"); });
  CHECK(error.status() == WAVE_ERR_UPSTREAM);
  CHECK(std::string(error.what()).find("larger than 65536 bytes") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2000));
}

TEST_CASE("the request on the wire: GET, the token header, no body, no Expect") {
  RawPeer peer("HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{\"userID\":\"wire\"}", std::chrono::milliseconds(100));
  AppAuthOptions options;
  options.endpoint = peer.url();
  AppAuthClient client(options);
  const auto answer = client.check("abc.DEF-123_~+/=");
  CHECK(answer.user_id == "wire");
  const std::string& request = peer.request();
  CHECK(request.starts_with("GET /auth/check?app=1 HTTP/1.1\r\n"));
  CHECK(request.find("\r\ntoken: abc.DEF-123_~+/=\r\n") != std::string::npos);
  CHECK(request.ends_with("\r\n\r\n"));  // headers only: nothing after them
  for (const char* absent : {"Content-Length", "Content-Type", "Transfer-Encoding", "Expect"}) {
    CAPTURE(absent);
    CHECK(request.find(absent) == std::string::npos);
  }
}

TEST_CASE("an endpoint that cannot be reached is unavailable") {
  SUBCASE("refused port") {
    AppAuthOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(wave_test::unused_loopback_port()) + "/auth";
    AppAuthClient client(options);
    const auto error = error_of([&] { client.check("user:alice"); });
    CHECK(error.status() == WAVE_ERR_UNAVAILABLE);
    CHECK(std::string(error.what()).find("127.0.0.1") != std::string::npos);
    CHECK(client.stats().errors == 1);
  }
  SUBCASE("unknown host") {
    AppAuthOptions options;
    options.endpoint = "http://wave-no-such-host.invalid/auth";
    AppAuthClient client(options);
    const auto status = error_of([&] { client.check("user:alice"); }).status();
    CHECK((status == WAVE_ERR_UNAVAILABLE || status == WAVE_ERR_TIMEOUT));
  }
  SUBCASE("TLS handshake with a plain-HTTP server") {
    AppAuthOptions options = app_options();
    options.endpoint.replace(0, 4, "https");
    AppAuthClient client(options);
    CHECK(error_of([&] { client.check("user:alice"); }).status() == WAVE_ERR_UNAVAILABLE);
  }
}

TEST_CASE("bad endpoint configuration is rejected at construction") {
  for (const std::string endpoint : {"", "not a url", "ftp://127.0.0.1/auth", "file:///etc/passwd", "http://",
                                     "gopher://example.com/", "//127.0.0.1/auth"}) {
    CAPTURE(endpoint);
    AppAuthOptions options;
    options.endpoint = endpoint;
    CHECK(error_of([&] { AppAuthClient client(options); }).status() == WAVE_ERR_CONFIG);
  }
  AppAuthOptions options = app_options();
  options.total_timeout_ms = 0;
  CHECK(error_of([&] { AppAuthClient client(options); }).status() == WAVE_ERR_CONFIG);
  options = app_options();
  options.connect_timeout_ms = -1;
  CHECK(error_of([&] { AppAuthClient client(options); }).status() == WAVE_ERR_CONFIG);
  options = app_options();
  options.max_body_bytes = 0;
  CHECK(error_of([&] { AppAuthClient client(options); }).status() == WAVE_ERR_CONFIG);

  // Credentials in the URL are never echoed.
  options.endpoint = "ftp://user:hunter2@127.0.0.1/auth";
  options.max_body_bytes = 1024;
  CHECK(std::string(error_of([&] { AppAuthClient client(options); }).what()).find("hunter2") == std::string::npos);
}

TEST_CASE("tokens that could inject headers are refused before any request") {
  AppAuthClient client(app_options());
  const std::string marker = unique("user:inject");
  const std::vector<std::string> bad = {
      marker + "\r\nX-Evil: 1", marker + "\nX-Evil: 1", marker + "\r", marker + std::string("\0tail", 5),
      marker + "\x7f", marker + "\t", marker + "\xc3\xa9", "", " " + marker, marker + " ",
      std::string(9000, 'a')};
  for (const auto& token : bad) {
    CAPTURE(token.size());
    const auto error = error_of([&] { client.check(token); });
    CHECK(error.status() == WAVE_ERR_INVALID_ARGUMENT);
    CHECK(std::string(error.what()).find("inject") == std::string::npos);
  }
  const auto stats = app_server_stats();
  for (const auto& [name, count] : stats["calls_by_token"].GetObject()) {
    CHECK(std::string(name.GetString()).find(marker) == std::string::npos);
    static_cast<void>(count);
  }
  CHECK(client.stats().connections == 0);  // nothing was sent
}

TEST_CASE("requests follow the protocol: GET, token header, no body") {
  AppAuthClient client(app_options());
  const std::string valid = unique("user:protocol");
  const std::string invalid = unique("invalid-protocol");
  for (int i = 0; i < 5; ++i) {
    CHECK(client.check(valid).verdict == AppAuthVerdict::valid);
    CHECK(client.check(invalid).verdict == AppAuthVerdict::invalid);
  }
  const auto stats = app_server_stats();
  CHECK(calls_for(stats, valid) == 5);  // the token arrived intact in the `token` header
  CHECK(calls_for(stats, invalid) == 5);
  CHECK(stats["violations"].IsArray());
  CHECK(stats["violations"].Size() == 0);
}

TEST_CASE("connections are reused across calls") {
  AppAuthClient client(app_options());
  for (int i = 0; i < 50; ++i) CHECK(client.check("user:reuse").user_id == "reuse");
  CHECK(client.stats().connections == 1);
  // An invalid answer keeps the connection too.
  for (int i = 0; i < 10; ++i) CHECK(client.check("invalid-reuse").verdict == AppAuthVerdict::invalid);
  CHECK(client.stats().connections == 1);
}

TEST_CASE("16 threads share one client") {
  AppAuthClient client(app_options());
  constexpr int kThreads = 16;
  constexpr int kCalls = 150;
  std::atomic<int> wrong{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        try {
          if (i % 5 == 4) {
            if (client.check("invalid-" + std::to_string(t)).verdict != AppAuthVerdict::invalid) ++wrong;
          } else {
            const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
            const auto answer = client.check("user:" + id + ":x");
            if (answer.verdict != AppAuthVerdict::valid || answer.user_id != id) ++wrong;
          }
        } catch (const wave::Error&) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(wrong == 0);
  CHECK(failures == 0);
  const auto stats = client.stats();
  CHECK(stats.valid == kThreads * kCalls * 4 / 5);
  CHECK(stats.invalid_400 == kThreads * kCalls / 5);
  // At most one connection per concurrent caller, far below one per call.
  CHECK(stats.connections <= 2 * kThreads);
  CHECK(app_server_stats()["violations"].Size() == 0);
}
