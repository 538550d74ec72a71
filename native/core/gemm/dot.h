// Row-by-row dot products for C = A·Bᵀ when A has few rows, included by
// every per-ISA dot file. With few rows of A (batch-1 predict, small
// batches) packing B would cost as much as the product: B is n × k, as big
// as the whole weight matrix, and each packed sliver would serve one or two
// micro-kernel calls. Both operands are contiguous along k here, so each
// element of C is a dot product of two rows, taken in place with no copy.
// Internal linkage, like pack.h: each file compiles its own copy with its
// own instruction-set flags.
//
// The vector traits V provide: Reg, kWidth, zero(), load(p), load_first(p,
// count) (count < kWidth floats, the rest zero, nothing past them read),
// fma(a, b, acc) = a·b + acc, sum(reg), the horizontal sum in a fixed order,
// kPrefetchAhead, how many floats ahead to prefetch B (0: not at all), and
// kPrefetchRowsMin, the fewest rows of A for which it does.
// Element (i, j) is summed lane by lane over k in increasing order, the
// lanes then added by sum(): an order that depends on k and on the ISA only,
// never on where the element sits in a tile or in a thread's part.
#pragma once

#include <algorithm>
#include <cstddef>

#include "kernel.h"

namespace backprop {
namespace gemm_detail {
namespace {

// RA rows of A against RB rows of B, all RA × RB sums at once: each step of
// k loads RA + RB vectors for RA·RB multiply-adds. Only the first
// `rows_b` rows of B are real; the others repeat the last one (read, never
// stored) so that every tile runs the same loop.
template <class V, std::size_t RA, std::size_t RB>
void dot_tile(std::size_t k, const float* a, std::size_t lda, const float* b, std::size_t ldb,
              std::size_t rows_b, float* c, std::size_t ldc, bool accumulate, const float* bias) {
  using Reg = typename V::Reg;
  const float* a_row[RA];
  const float* b_row[RB];
  for (std::size_t r = 0; r < RA; ++r) a_row[r] = a + r * lda;
  for (std::size_t s = 0; s < RB; ++s) b_row[s] = b + std::min(s, rows_b - 1) * ldb;
  Reg acc[RA][RB];
  for (std::size_t r = 0; r < RA; ++r)
    for (std::size_t s = 0; s < RB; ++s) acc[r][s] = V::zero();
  auto step = [&](auto load) {
    Reg a_p[RA];
    for (std::size_t r = 0; r < RA; ++r) a_p[r] = load(a_row[r]);
    for (std::size_t s = 0; s < RB; ++s) {
      const Reg b_p = load(b_row[s]);
      for (std::size_t r = 0; r < RA; ++r) acc[r][s] = V::fma(a_p[r], b_p, acc[r][s]);
    }
  };
  const std::size_t full = k / V::kWidth * V::kWidth;
  for (std::size_t p = 0; p < full; p += V::kWidth) {
    // RB streams of B at once are more than the L1 prefetcher follows.
    if constexpr (V::kPrefetchAhead > 0 && RA >= V::kPrefetchRowsMin) {
      for (std::size_t s = 0; s < RB; ++s) __builtin_prefetch(b_row[s] + p + V::kPrefetchAhead);
    }
    step([p](const float* row) { return V::load(row + p); });
  }
  if (full < k) {
    step([full, k](const float* row) { return V::load_first(row + full, k - full); });
  }
  for (std::size_t r = 0; r < RA; ++r) {
    float* c_row = c + r * ldc;
    for (std::size_t s = 0; s < rows_b; ++s) {
      float value = V::sum(acc[r][s]);
      if (accumulate) value += c_row[s];
      if (bias != nullptr) value += bias[s];
      c_row[s] = value;
    }
  }
}

// The tile for `RA` rows of A: RB rows of B so that RA·RB accumulators fill
// most of the registers while the loads stay fewer than the multiply-adds.
template <class V, std::size_t RA, std::size_t RB>
void dot_rows(std::size_t n, std::size_t k, const float* a, std::size_t lda, const float* b, std::size_t ldb,
              float* c, std::size_t ldc, bool accumulate, const float* bias) {
  for (std::size_t j = 0; j < n; j += RB) {
    dot_tile<V, RA, RB>(k, a, lda, b + j * ldb, ldb, std::min(RB, n - j), c + j, ldc, accumulate,
                        bias != nullptr ? bias + j : nullptr);
  }
}

// The DotProducts of kernel.h for vector traits V, up to four rows of A at a
// time. B is walked once per four rows of A, so it is read from cache
// m / 4 times: this pays off only while m is small (Kernel::dot_rows_max).
template <class V, std::size_t RB1, std::size_t RB4>
void dot_products(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, const float* b,
                  std::size_t ldb, float* c, std::size_t ldc, bool accumulate, const float* bias) {
  for (std::size_t i = 0; i < m; i += 4) {
    const float* a_rows = a + i * lda;
    float* c_rows = c + i * ldc;
    switch (std::min<std::size_t>(4, m - i)) {
      case 1: dot_rows<V, 1, RB1>(n, k, a_rows, lda, b, ldb, c_rows, ldc, accumulate, bias); break;
      case 2: dot_rows<V, 2, RB4>(n, k, a_rows, lda, b, ldb, c_rows, ldc, accumulate, bias); break;
      case 3: dot_rows<V, 3, RB4>(n, k, a_rows, lda, b, ldb, c_rows, ldc, accumulate, bias); break;
      default: dot_rows<V, 4, RB4>(n, k, a_rows, lda, b, ldb, c_rows, ldc, accumulate, bias); break;
    }
  }
}

}  // namespace
}  // namespace gemm_detail
}  // namespace backprop
