// libFuzzer: the config parser must turn any bytes into a config or a WAVE_ERR_CONFIG, and a
// config it accepts must survive a round trip through its own JSON form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/error.hpp"
#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const wave::Config config = wave::parse_config(text, "fuzz");
    const wave::Config again = wave::parse_config(wave::config_to_json(config), "roundtrip");
    if (again.bcrypt_cost != config.bcrypt_cost || again.token_validation_regex != config.token_validation_regex ||
        again.authentication_check_endpoint != config.authentication_check_endpoint)
      std::abort();
    (void)config.token_validator->is_valid(text.substr(0, 64));
  } catch (const wave::Error& error) {
    if (error.status() != WAVE_ERR_CONFIG) std::abort();
  }
  return 0;
}
