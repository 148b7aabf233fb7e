// Validation of topic names and filters from arbitrary bytes, checked against a slow
// byte-by-byte reference (the fast scanner reads 16 or 8 bytes at a time).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/error.hpp"
#include "topic/topic.hpp"

namespace {

// Well-formed UTF-8 without U+0000, decoded the long way: code point ranges, not tables.
bool reference_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::uint32_t code;
    std::size_t length;
    if (lead < 0x80) {
      code = lead, length = 1;
    } else if ((lead & 0xE0) == 0xC0) {
      code = lead & 0x1Fu, length = 2;
    } else if ((lead & 0xF0) == 0xE0) {
      code = lead & 0x0Fu, length = 3;
    } else if ((lead & 0xF8) == 0xF0) {
      code = lead & 0x07u, length = 4;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3Fu);
    }
    const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF) || code == 0) {
      return false;
    }
    i += length;
  }
  return true;
}

std::size_t count_levels(std::string_view text) {
  std::size_t levels = 1;
  for (const char c : text) levels += c == '/';
  return levels;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool name = wave::topic::is_valid_name(text, wave::topic::kNoDepthLimit);
  const bool expected = !text.empty() && text.size() <= wave::topic::kMaxLength &&
                        text.find_first_of(std::string_view("+#", 2)) == std::string_view::npos &&
                        reference_utf8(text);
  if (name != expected) std::abort();

  // Depth limits: exactly the level count decides.
  const std::size_t levels = count_levels(text);
  if (name) {
    if (!wave::topic::is_valid_name(text, levels)) std::abort();
    if (levels > 1 && wave::topic::is_valid_name(text, levels - 1)) std::abort();
    if (wave::topic::is_valid_name(text) != (levels <= wave::topic::kDefaultMaxDepth)) std::abort();
  }

  // Every name is a filter (except those that read as a malformed shared subscription,
  // "$share" or "$share/g"); a filter is a name exactly when it has no wildcard.
  const bool filter = wave::topic::is_valid_filter(text, wave::topic::kNoDepthLimit);
  const bool shared = text == "$share" || text.starts_with("$share/");
  if (name && !filter && !shared) std::abort();
  if (filter && !name && text.find_first_of("+#") == std::string_view::npos) std::abort();
  if (filter) {
    // A valid filter compiles; an invalid one throws wave::Error, nothing else.
    const wave::topic::CompiledFilter compiled(text, wave::topic::kNoDepthLimit);
    if (compiled.text() != text) std::abort();
    // A name matches itself as a filter, unless it reads as a shared subscription
    // ("$share/g/x" as a filter selects "x").
    if (name && !shared && compiled.matches(text) != wave::topic::Answer::yes) std::abort();
  } else {
    try {
      const wave::topic::CompiledFilter compiled(text, wave::topic::kNoDepthLimit);
      std::abort();
    } catch (const wave::Error& error) {
      if (error.status() != WAVE_ERR_INVALID_ARGUMENT) std::abort();
    }
  }
  return 0;
}
