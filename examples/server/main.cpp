// wave-server: VerneMQ webhooks, the management API, health and metrics, on libwave's
// public C API.  `wave-server [--config FILE] [--listen HOST:PORT]`.
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include <wave/wave.h>

#include "access_log.hpp"
#include "metrics.hpp"
#include "server.hpp"
#include "server_settings.hpp"

namespace {

constexpr std::size_t kLogQueueLines = 65536;

void fail_to_start(const std::string& message) {
  std::fprintf(stderr, "wave-server: %s\n", message.c_str());
}

// libwave's own lines, as {"msg":"libwave","detail":...} (called on libwave's threads).
void log_from_libwave(wave_log_level level, const char* message, void* userdata) {
  auto& logger = *static_cast<wave_server::Logger*>(userdata);
  using wave_server::LogLevel;
  const LogLevel mapped = level == WAVE_LOG_DEBUG     ? LogLevel::debug
                          : level == WAVE_LOG_INFO    ? LogLevel::info
                          : level == WAVE_LOG_WARNING ? LogLevel::warning
                                                      : LogLevel::error;
  if (!logger.enabled(mapped)) return;
  logger.write(wave_server::LogLine(mapped, "libwave").field("detail", message, 2048));
}

}  // namespace

int main(int argc, char** argv) {
  // hiredis and plain sockets write with send(..., 0): a closed peer must not kill us.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"wave-server: VerneMQ webhooks and the Wave management API over HTTP"};
  std::string config_path;
  std::string listen_address;
  app.add_option("--config", config_path, "the JSON config file (default: $WAVE_CONFIG_FILE_PATH)");
  app.add_option("--listen", listen_address, "HOST:PORT to listen on, overriding listenAddress (port 0: any free port)");
  CLI11_PARSE(app, argc, argv);

  if (wave_global_init() != WAVE_OK) {
    fail_to_start(std::string("cannot initialise libwave: ") + wave_last_error_message());
    return 1;
  }
  wave_config* config = nullptr;
  if (wave_config_load(config_path.empty() ? nullptr : config_path.c_str(), &config) != WAVE_OK) {
    fail_to_start(wave_last_error_message());
    return 2;
  }
  std::unique_ptr<wave_config, decltype(&wave_config_free)> config_owner(config, &wave_config_free);

  wave_server::ServerSettings settings;
  try {
    settings = wave_server::read_server_settings(config);
  } catch (const std::exception& error) {
    fail_to_start(error.what());
    return 2;
  }
  if (listen_address.empty()) listen_address = settings.listen_address;

  wave_service* service = nullptr;
  if (wave_service_new(config, &service) != WAVE_OK) {
    fail_to_start(wave_last_error_message());
    return 2;
  }
  std::unique_ptr<wave_service, decltype(&wave_service_free)> service_owner(service, &wave_service_free);

  wave_server::Metrics metrics(wave_version_string(), service);
  int status = 1;
  {
    wave_server::Logger logger(settings.log_level, kLogQueueLines, metrics.log_lines_dropped);
    // libwave's own lines (faults, mongo-c-driver warnings; never secrets) join the log.
    wave_set_log_handler(log_from_libwave, &logger);
    try {
      wave_server::Server server(settings, config, service, logger, metrics);
      server.listen(listen_address);
      status = server.run();
    } catch (const std::exception& error) {
      wave_set_log_handler(nullptr, nullptr);
      logger.stop();
      fail_to_start(error.what());
      status = 1;
    }
    wave_set_log_handler(nullptr, nullptr);  // returns once no call into `logger` runs
    logger.stop();
  }
  service_owner.reset();
  config_owner.reset();
  wave_global_cleanup();
  return status;
}
