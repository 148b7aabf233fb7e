#include "cli_util.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <iterator>

namespace cli {

Args::Args(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) items_.emplace_back(argv[i]);
}

bool Args::flag(std::string_view name) {
  for (auto it = items_.begin(); it != items_.end(); ++it) {
    if (*it == name) {
      items_.erase(it);
      return true;
    }
  }
  return false;
}

std::optional<std::string> Args::option(std::string_view name) {
  for (auto it = items_.begin(); it != items_.end(); ++it) {
    if (*it == name) {
      if (std::next(it) == items_.end()) throw UsageError{std::string(name) + " needs a value"};
      std::string value = *std::next(it);
      items_.erase(it, it + 2);
      return value;
    }
    const std::string prefix = std::string(name) + "=";
    if (it->rfind(prefix, 0) == 0) {
      std::string value = it->substr(prefix.size());
      items_.erase(it);
      return value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> Args::positionals() const {
  std::vector<std::string> result;
  bool only_positionals = false;
  for (const auto& item : items_) {
    if (!only_positionals && item == "--") {
      only_positionals = true;
      continue;
    }
    if (!only_positionals && item.size() > 1 && item[0] == '-' && item[1] == '-')
      throw UsageError{"unknown option " + item};
    result.push_back(item);
  }
  return result;
}

bool Args::wants_help() const {
  for (const auto& item : items_) {
    if (item == "--") return false;
    if (item == "--help" || item == "-h") return true;
  }
  return false;
}

std::string read_secret_from_stdin() {
  std::string data{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (!data.empty() && data.back() == '\n') {
    data.pop_back();
    if (!data.empty() && data.back() == '\r') data.pop_back();
  }
  return data;
}

void print_error(const std::string& what, wave_status status) {
  const char* message = wave_last_error_message();
  std::fprintf(stderr, "wave: %s: %s (%s)\n", what.c_str(),
               (message != nullptr && *message != '\0') ? message : "failed", wave_status_str(status));
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (const char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

int parse_int(const std::string& text, int min, int max, const char* what) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max)
    throw UsageError{std::string(what) + " must be a whole number from " + std::to_string(min) +
                     " to " + std::to_string(max)};
  return value;
}

wave_config* load_config(const std::optional<std::string>& path) {
  wave_config* config = nullptr;
  const wave_status status = wave_config_load(path ? path->c_str() : nullptr, &config);
  if (status != WAVE_OK) {
    print_error("config", status);
    return nullptr;
  }
  return config;
}

}  // namespace cli
