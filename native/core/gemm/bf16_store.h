// The epilogue of the bfloat16 kernels: a full accumulator tile (MR × NR
// floats, row-major, in memory) written to the rows × cols of C in the
// order every kernel shares: sum, then + C, then + bias. Internal linkage,
// like pack.h: each kernel file compiles it with its own flags.
#pragma once

#include <cstddef>

namespace backprop {
namespace gemm_detail {
namespace {

template <std::size_t NR>
void store_bf16_tile(const float* acc, float* c, std::size_t ldc, std::size_t rows, std::size_t cols, bool load_c,
                     const float* bias) {
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = c + r * ldc;
    const float* sums = acc + r * NR;
    for (std::size_t j = 0; j < cols; ++j) {
      float value = sums[j];
      if (load_c) value += row[j];
      if (bias != nullptr) value += bias[j];
      row[j] = value;
    }
  }
}

}  // namespace
}  // namespace gemm_detail
}  // namespace backprop
