// Small security helpers shared by components.
#pragma once

#include <cstddef>
#include <string_view>

namespace wave {

// Compares two byte strings in time that depends only on their lengths, never on where
// they differ.  Lengths are not secret here (hash strings have a fixed length).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// Overwrites memory in a way the optimiser may not remove.
void secure_wipe(void* data, std::size_t size) noexcept;

}  // namespace wave
