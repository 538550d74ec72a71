// The branch-free test behind the vectorized finiteness scans: finite.cpp's,
// and the guarded optimizer pass of each instruction set (optimizer_loops.h).
// Internal linkage, like optimizer_loops.h: each file compiles its own copy
// with its own instruction-set flags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace backprop {
namespace {

// Non-zero when some value of values[0, count) has an all-ones exponent
// (NaN, ±Inf). A reduction without branches, which the compiler vectorizes.
inline std::uint32_t non_finite_flags(const float* values, std::size_t count) {
  std::uint32_t flags = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, values + i, sizeof bits);
    flags |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return flags;
}

}  // namespace
}  // namespace backprop
