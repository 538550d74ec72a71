#include "finite.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace backprop {
namespace {

// Blocks scanned with a branch-free reduction the compiler vectorizes; only a
// block that holds a bad value is searched element by element.
constexpr std::size_t kBlock = 1024;

// Non-zero when some value of the block has an all-ones exponent (NaN, ±Inf).
std::uint32_t block_flags(const float* values, std::size_t count) {
  std::uint32_t flags = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, values + i, sizeof bits);
    flags |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return flags;
}

}  // namespace

std::size_t first_non_finite(const float* values, std::size_t count) {
  for (std::size_t start = 0; start < count; start += kBlock) {
    const std::size_t length = count - start < kBlock ? count - start : kBlock;
    if (block_flags(values + start, length) == 0) continue;
    for (std::size_t i = start; i < start + length; ++i) {
      if (!std::isfinite(values[i])) return i;
    }
  }
  return count;
}

}  // namespace backprop
