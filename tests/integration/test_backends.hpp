// A service on the stores its config names, opened the way the C API opens them
// (src/backends): for the integration tests on real servers.
#pragma once

#include "backends/backends.hpp"
#include "service/service.hpp"

namespace wave_test {

inline wave::Service service_on(const wave::Config& config) {
  const wave::Backends backends(config);
  return wave::Service(config, backends.sessions(), backends.directory());
}

inline std::unique_ptr<wave::Service> new_service_on(const wave::Config& config) {
  const wave::Backends backends(config);
  return std::make_unique<wave::Service>(config, backends.sessions(), backends.directory());
}

}  // namespace wave_test
