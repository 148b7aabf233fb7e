// wave-server's HTTP core, in process, over real loopback sockets: pipelining, limits (413),
// Expect: 100-continue, idle and request deadlines, the connection limit, pool overload and
// the SIGTERM drain.  In-memory identities; the REAL app endpoint (fixture app) for logins.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <wave/wave.h>

#include "access_log.hpp"
#include "integration/test_servers.hpp"
#include "metrics.hpp"
#include "server.hpp"
#include "server_settings.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A wave-server running on a thread of this process, on a free loopback port.  Stopped the way
// an operator stops it: SIGTERM.
class RunningServer {
 public:
  explicit RunningServer(const std::string& extra_fields) {
    const std::string json = "{\"authenticationCheckEndpoint\":\"" + wave_test::fixture_uri("app") +
                             "\",\"tokenValidationRegex\":\"[A-Za-z0-9:_.-]{1,200}\",\"storage\":\"memory\","
                             "\"bcryptCost\":4" + extra_fields + "}";
    REQUIRE(wave_config_parse(json.data(), json.size(), "test", &config_) == WAVE_OK);
    REQUIRE(wave_service_new(config_, &service_) == WAVE_OK);
    const auto settings = wave_server::read_server_settings(config_);
    log_file_ = std::tmpfile();
    logger_ = std::make_unique<wave_server::Logger>(wave_server::LogLevel::info, 10000, metrics_.log_lines_dropped, log_file_);
    server_ = std::make_unique<wave_server::Server>(settings, config_, service_, *logger_, metrics_);
    const std::string address = server_->listen("127.0.0.1:0");
    port_ = std::stoi(address.substr(address.rfind(':') + 1));
    exit_status_ = std::async(std::launch::async, [this] { return server_->run(); });
  }

  ~RunningServer() {
    if (!stopped_) stop();
    server_.reset();
    logger_.reset();
    std::fclose(log_file_);
    wave_service_free(service_);
    wave_config_free(config_);
  }

  // SIGTERM once (a second one while draining would exit the process at once).
  void terminate() {
    if (signalled_) return;
    signalled_ = true;
    std::raise(SIGTERM);
  }

  int stop() {
    terminate();
    stopped_ = true;
    return exit_status_.get();
  }

  int port() const { return port_; }
  wave_server::Metrics& metrics() { return metrics_; }

  // True once a request has reached a worker pool (queued or running): a test then acts on a
  // request that is in flight, not on one still in the socket, however slow the machine.
  bool wait_for_a_request_in_a_pool(Clock::duration limit = 10s) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      for (const auto& in_flight : metrics_.pool_in_flight)
        if (in_flight.load() > 0) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

 private:
  wave_config* config_ = nullptr;
  wave_service* service_ = nullptr;
  wave_server::Metrics metrics_{"test"};
  std::FILE* log_file_ = nullptr;
  std::unique_ptr<wave_server::Logger> logger_;
  std::unique_ptr<wave_server::Server> server_;
  std::future<int> exit_status_;
  int port_ = 0;
  bool stopped_ = false;
  bool signalled_ = false;
};

class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~Client() { ::close(fd_); }

  void send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      sent += static_cast<std::size_t>(n);
    }
  }

  // Reads until the server closes the connection, `until` appears, or `timeout` passes.
  // `closed` tells whether the server closed it.
  std::string read(std::chrono::milliseconds timeout, const std::string& until = "") {
    std::string data;
    const auto deadline = Clock::now() + timeout;
    closed = false;
    while (Clock::now() < deadline) {
      if (!until.empty() && data.find(until) != std::string::npos) break;
      pollfd poll_fd{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (::poll(&poll_fd, 1, static_cast<int>(std::max<long long>(left, 0))) <= 0) break;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        closed = true;
        break;
      }
      data.append(chunk, static_cast<std::size_t>(n));
    }
    return data;
  }

  bool closed = false;

 private:
  int fd_ = -1;
};

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t found = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++found;
  return found;
}

std::string post(const std::string& path, const std::string& body, const std::string& headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_SUITE("server.http") {
  TEST_CASE("pipelined requests are answered in order on one connection, then it closes") {
    RunningServer server("");
    Client client(server.port());
    client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n" + post("/webhooks/auth_on_publish", "{}") +
                "GET /nope HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    const std::string answers = client.read(5s);
    CHECK(client.closed);
    const auto first = answers.find("{\"status\":\"ok\"}");
    const auto second = answers.find("{\"result\":{\"error\":\"not_allowed\"}}");
    const auto third = answers.find("HTTP/1.1 404");
    REQUIRE(first != std::string::npos);
    REQUIRE(second != std::string::npos);
    REQUIRE(third != std::string::npos);
    CHECK(first < second);
    CHECK(second < third);
    CHECK(count(answers, "Content-Length:") == 3);
    CHECK(server.stop() == 0);
  }

  TEST_CASE("header and body limits: 413 and Connection: close, a large Content-Length refused before its body") {
    RunningServer server(R"(,"serverMaxHeaderBytes":1024,"serverMaxBodyBytes":1024)");
    {
      Client client(server.port());
      client.send("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
      const std::string answer = client.read(5s);
      CHECK(answer.rfind("HTTP/1.1 413", 0) == 0);
      CHECK(answer.find("Connection: close") != std::string::npos);
      CHECK(client.closed);
    }
    {
      Client client(server.port());
      client.send("POST /v1/profiles/mappings HTTP/1.1\r\nHost: t\r\ntoken: user:a\r\nContent-Length: 5000\r\n\r\n");
      const std::string answer = client.read(5s, "}");
      CHECK(answer.rfind("HTTP/1.1 413", 0) == 0);
      CHECK(answer.find("\"too_large\"") != std::string::npos);
    }
    CHECK(server.stop() == 0);
  }

  TEST_CASE("Expect: 100-continue gets a 100 before the body is sent") {
    RunningServer server("");
    Client client(server.port());
    const std::string body = "{}";
    client.send("POST /webhooks/auth_on_publish HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    const std::string interim = client.read(3s, "\r\n\r\n");
    CHECK(interim.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0);
    client.send(body);
    const std::string answer = client.read(3s, "}}");
    CHECK(answer.find("HTTP/1.1 200") != std::string::npos);
    CHECK(server.stop() == 0);
  }

  TEST_CASE("an idle connection closes after serverIdleTimeoutSeconds; a started request after serverRequestTimeoutSeconds") {
    RunningServer server(R"(,"serverIdleTimeoutSeconds":1,"serverRequestTimeoutSeconds":1)");
    Client idle(server.port());
    auto start = Clock::now();
    CHECK(idle.read(5s).empty());
    CHECK(idle.closed);
    CHECK(Clock::now() - start >= 900ms);
    Client slow(server.port());
    slow.send("GET /heal");
    start = Clock::now();
    CHECK(slow.read(5s).empty());
    CHECK(slow.closed);
    CHECK(Clock::now() - start < 3s);
    CHECK(server.stop() == 0);
  }

  TEST_CASE("connections over serverMaxConnections are closed at once and counted") {
    RunningServer server(R"(,"serverMaxConnections":2)");
    Client first(server.port());
    Client second(server.port());
    first.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    second.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK(first.read(3s, "}").find("200 OK") != std::string::npos);
    CHECK(second.read(3s, "}").find("200 OK") != std::string::npos);
    Client third(server.port());
    CHECK(third.read(3s).empty());
    CHECK(third.closed);
    CHECK(server.metrics().connections_refused.load() == 1);
    CHECK(server.stop() == 0);
  }

  TEST_CASE("a pool at its limit refuses at once: 503 + Retry-After on the API, overloaded on webhooks") {
    RunningServer server(R"(,"serverWorkerThreads":1,"serverWorkerQueueLimit":1)");
    Client busy(server.port());
    busy.send("GET /v1/conversations/groups HTTP/1.1\r\nHost: t\r\ntoken: slow1500:busy" + std::to_string(::getpid()) + "\r\n\r\n");
    REQUIRE(server.wait_for_a_request_in_a_pool());  // the slow call holds the only slot
    Client api(server.port());
    api.send("GET /v1/conversations/groups HTTP/1.1\r\nHost: t\r\ntoken: user:other\r\n\r\n");
    const std::string refused = api.read(1s, "}}");
    CHECK(refused.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(refused.find("Retry-After: 1") != std::string::npos);
    CHECK(refused.find("\"overloaded\"") != std::string::npos);
    Client hook(server.port());
    hook.send(post("/webhooks/auth_on_publish",
                   R"({"mountpoint":"","client_id":"3f1c2a4e-8b7d-4c6e-9a5b-1d2e3f4a5b6c","username":"3f1c2a4e-8b7d-4c6e-9a5b-1d2e3f4a5b6c","topic":"a"})"));
    CHECK(hook.read(1s, "}}").find(R"({"result":{"error":"overloaded"}})") != std::string::npos);
    CHECK(busy.read(5s, "}").rfind("HTTP/1.1 200", 0) == 0);
    CHECK(server.metrics().pool_rejected[0].load() == 2);
    CHECK(server.stop() == 0);
  }

  TEST_CASE("SIGTERM: the request in flight finishes with Connection: close, idle connections close, exit 0") {
    RunningServer server("");
    Client idle(server.port());
    idle.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK(idle.read(3s, "}").find("200 OK") != std::string::npos);
    Client busy(server.port());
    busy.send("POST /v1/profiles HTTP/1.1\r\nHost: t\r\ntoken: slow800:drain" + std::to_string(::getpid()) +
              "\r\nContent-Length: 0\r\n\r\n");
    REQUIRE(server.wait_for_a_request_in_a_pool());
    const auto start = Clock::now();
    server.terminate();
    const std::string answer = busy.read(5s);
    CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(answer.find("Connection: close") != std::string::npos);
    CHECK(busy.closed);
    CHECK(idle.read(2s).empty());
    CHECK(idle.closed);
    CHECK(server.stop() == 0);
    CHECK(Clock::now() - start < 5s);
  }
}
