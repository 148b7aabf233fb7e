// libFuzzer: the config parser must turn any bytes into a config or a WAVE_ERR_CONFIG, and the
// JSON form of a config it accepts (credentials redacted) must itself be a config, shown the
// same way again, with every setting that is not a credential unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "config/config.hpp"

namespace {

std::optional<wave::Config> parse(std::string_view text, const char* origin) {
  try {
    return wave::parse_config(text, origin);
  } catch (const wave::Error& error) {
    if (error.status() != WAVE_ERR_CONFIG) std::abort();
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<wave::Config> config = parse(text, "fuzz");
  if (!config) return 0;
  const std::string shown = wave::config_to_json(*config);
  const std::optional<wave::Config> again = parse(shown, "roundtrip");
  if (!again) std::abort();                                  // what is shown is a config
  if (wave::config_to_json(*again) != shown) std::abort();  // showing it is stable (redaction too)
  if (again->bcrypt_cost != config->bcrypt_cost || again->token_validation_regex != config->token_validation_regex)
    std::abort();
  (void)config->token_validator->is_valid(text.substr(0, 64));
  return 0;
}
