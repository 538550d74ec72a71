// The operands and cases the GEMM tests (float32 and bfloat16) share.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include "gemm/gemm.h"
#include "random.h"

namespace backprop_test {

inline const float kNaN = std::numeric_limits<float>::quiet_NaN();

// A rows × cols row-major matrix with `ld - cols` NaN-filled padding per row.
struct Matrix {
  std::size_t rows, cols, ld;
  std::vector<float> data;
  Matrix(std::size_t r, std::size_t c, std::size_t pad, Random& rng)
      : rows(r), cols(c), ld(c + pad), data(r * (c + pad), kNaN) {
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) data[i * ld + j] = rng.uniform(-1.0f, 1.0f);
  }
  float at(std::size_t i, std::size_t j) const { return data[i * ld + j]; }
};

struct Case {
  backprop::Trans ta, tb;
  std::size_t m, n, k;
  bool accumulate, bias;
};

}  // namespace backprop_test
