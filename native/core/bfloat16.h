// bfloat16: the upper 16 bits of a float32 (same exponent range, 8 bits of
// significand). precision 'bfloat16' rounds every GEMM operand to it, round
// to nearest even, and keeps everything else in float32 (DESIGN.md §9).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "isa.h"

namespace backprop {

// The float32 bits of the bfloat16 nearest to `bits` (ties to even), low
// half zero. Overflow past the largest bfloat16 gives ±inf, as IEEE rounding
// does; a NaN stays a NaN (made quiet, so that dropping the low half cannot
// turn it into an infinity). Subnormals round like every other value.
// Branch-free, so that loops over it vectorize.
inline std::uint32_t bfloat16_rounded_bits(std::uint32_t bits) {
  const std::uint32_t nearest_even = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
  const std::uint32_t quiet_nan = (bits | 0x00400000u) & 0xFFFF0000u;
  return (bits & 0x7FFFFFFFu) > 0x7F800000u ? quiet_nan : nearest_even;
}

inline float round_to_bfloat16(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  bits = bfloat16_rounded_bits(bits);
  std::memcpy(&value, &bits, sizeof bits);
  return value;
}

// The 16 bits of the bfloat16 nearest to `value`.
inline std::uint16_t bfloat16_bits(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return static_cast<std::uint16_t>(bfloat16_rounded_bits(bits) >> 16);
}

// dst[i] = round_to_bfloat16(src[i]) for i < count, as wide as `isa` allows
// (src == dst is allowed).
void round_to_bfloat16(Isa isa, const float* src, std::size_t count, float* dst);

}  // namespace backprop
