// The rounding loop of bfloat16.h, included by bfloat16.cpp and by the
// per-ISA files, which compile it with their own flags so that it
// vectorizes as wide as they allow. Internal linkage on purpose (see
// gemm/pack.h): the linker must never hand an AVX-512 copy to a baseline caller.
#pragma once

#include "bfloat16.h"

namespace backprop {
namespace {

void round_span(const float* src, std::size_t count, float* dst) {
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, src + i, sizeof bits);
    bits = bfloat16_rounded_bits(bits);
    std::memcpy(dst + i, &bits, sizeof bits);
  }
}

}  // namespace
}  // namespace backprop
