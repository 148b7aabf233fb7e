// Definitions of the opaque C handles shared between C API files.  A handle owns its C++
// object; it is never a cast C++ pointer.
#pragma once

#include <memory>

#include "config/config.hpp"

struct wave_config {
  std::shared_ptr<const wave::Config> config;
};
