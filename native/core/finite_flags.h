// The branch-free test behind the vectorized finiteness checks: finite.cpp's
// scan, and the checked optimizer loops of each instruction set
// (optimizer_loops.h).
// Internal linkage, like optimizer_loops.h: each file compiles its own copy
// with its own instruction-set flags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace backprop {
namespace {

// 1 when `value` has an all-ones exponent (NaN, ±Inf), else 0: branch-free,
// so a loop that ORs it over an array is a reduction the compiler vectorizes.
inline std::uint32_t non_finite_flag(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
}

// Non-zero when some value of values[0, count) is NaN or ±Inf.
inline std::uint32_t non_finite_flags(const float* values, std::size_t count) {
  std::uint32_t flags = 0;
  for (std::size_t i = 0; i < count; ++i) flags |= non_finite_flag(values[i]);
  return flags;
}

}  // namespace
}  // namespace backprop
