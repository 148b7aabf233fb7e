// Raw access to the Redis behind the Wave service, independent of Wave's own stores:
// redis-cli.  (MongoDB's raw client is integration/raw_mongo.hpp.)
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

namespace wave_test {

// Runs redis-cli against `uri` with `arguments` (already shell-safe) and returns its output.
inline std::string redis_cli(const std::string& uri, const std::string& arguments) {
  const std::string command = "redis-cli -u '" + uri + "' --raw " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (const size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  pclose(pipe);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
}

}  // namespace wave_test
