#include "finite.h"

#include <cmath>

#include "finite_flags.h"

namespace backprop {
namespace {

// Blocks scanned with a branch-free reduction the compiler vectorizes; only a
// block that holds a bad value is searched element by element.
constexpr std::size_t kBlock = 1024;

}  // namespace

std::size_t first_non_finite(const float* values, std::size_t count) {
  for (std::size_t start = 0; start < count; start += kBlock) {
    const std::size_t length = count - start < kBlock ? count - start : kBlock;
    if (non_finite_flags(values + start, length) == 0) continue;
    for (std::size_t i = start; i < start + length; ++i) {
      if (!std::isfinite(values[i])) return i;
    }
  }
  return count;
}

}  // namespace backprop
