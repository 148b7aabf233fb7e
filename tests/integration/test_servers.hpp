// Access to the real servers of Wave's integration tests (tests/harness/servers.py).
#pragma once

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace wave_test {

inline std::string read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

inline std::string env_or_throw(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') throw std::runtime_error(std::string(name) + " is not set: run the test through ctest");
  return value;
}

// The address of a server started by a CTest fixture: "redis", "mongo", "app" or "mosquitto".
// Throws (failing the test, never skipping it) when the fixture did not run.
inline std::string fixture_uri(const std::string& kind) {
  const std::filesystem::path file = std::filesystem::path(env_or_throw("WAVE_TEST_STATE_DIR")) / (kind + ".uri");
  std::string uri = read_text_file(file);
  if (uri.empty()) throw std::runtime_error("no " + kind + " server: " + file.string() + " is missing");
  return uri;
}

// A loopback TCP port that nobody listens on: one the kernel picks, bound and closed without
// listen().  Connecting to it is refused, and a server of the test's own may take it.
inline int unused_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

// A server of the test's own (for tests that stop and restart it), in its own state dir.
// Restarting keeps the port, so a client's URI stays valid.
class PrivateServer {
 public:
  PrivateServer(std::string kind, const std::string& name)
      : kind_(std::move(kind)),
        state_(std::filesystem::path(env_or_throw("WAVE_TEST_STATE_DIR")) / ("private-" + name)) {
    std::filesystem::remove_all(state_);
    start();
  }
  ~PrivateServer() { run("stop"); }
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;

  void start() {
    if (run("start") != 0) throw std::runtime_error("could not start " + kind_);
    uri_ = read_text_file(state_ / (kind_ + ".uri"));
  }
  void stop() { run("stop"); }
  const std::string& uri() const { return uri_; }

 private:
  int run(const std::string& action) {
    const std::string python = std::getenv("WAVE_TEST_PYTHON") ? std::getenv("WAVE_TEST_PYTHON") : "python3";
    const std::string command = python + " '" + WAVE_TEST_HARNESS_DIR "/servers.py' " + action + " " + kind_ +
                                " '" + state_.string() + "'";
    return std::system(command.c_str());
  }
  std::string kind_;
  std::filesystem::path state_;
  std::string uri_;
};

}  // namespace wave_test
