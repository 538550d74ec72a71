// AVX2 + FMA kernel: a 6 × 16 tile of C in 12 ymm accumulators (two vectors
// of B, six broadcasts of A per step of k). Compiled with -mavx2 -mfma only;
// called only after cpuid.
#include <immintrin.h>

#include "dot.h"
#include "micro_dispatch.h"
#include "pack_avx.h"

namespace backprop {
namespace gemm_detail {
namespace {

constexpr std::size_t kMr = 6;
constexpr std::size_t kNr = 16;

// Lane i is all ones when i < cols: masked loads and stores never touch
// memory past the last column of C or of the bias.
__m256i column_mask(std::size_t cols) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int limit = static_cast<int>(cols < 8 ? cols : 8);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(limit), lanes);
}

// How the tile's two halves of eight columns reach C and the bias: whole
// (a full tile) or masked to the columns that exist.
struct WholeColumns {
  __m256 load(const float* p, std::size_t) const { return _mm256_loadu_ps(p); }
  void store(float* p, std::size_t, __m256 v) const { _mm256_storeu_ps(p, v); }
};
struct MaskedColumns {
  __m256i mask[2];
  explicit MaskedColumns(std::size_t cols) : mask{column_mask(cols), column_mask(cols > 8 ? cols - 8 : 0)} {}
  __m256 load(const float* p, std::size_t half) const { return _mm256_maskload_ps(p, mask[half]); }
  void store(float* p, std::size_t half, __m256 v) const { _mm256_maskstore_ps(p, mask[half], v); }
};

// Writes the accumulators of a ROWS × 16 tile to C in the order every kernel
// shares: sum, then + C, then + bias.
template <std::size_t ROWS, class Columns>
void store_accumulators(const __m256* lo, const __m256* hi, float* c, std::size_t ldc, bool load_c,
                        const float* bias, Columns columns) {
  __m256 bias_lo = _mm256_setzero_ps(), bias_hi = _mm256_setzero_ps();
  if (bias != nullptr) {
    bias_lo = columns.load(bias, 0);
    bias_hi = columns.load(bias + 8, 1);
  }
#pragma GCC unroll 6
  for (std::size_t r = 0; r < ROWS; ++r) {
    float* row = c + r * ldc;
    __m256 out_lo = lo[r], out_hi = hi[r];
    if (load_c) {
      out_lo = _mm256_add_ps(out_lo, columns.load(row, 0));
      out_hi = _mm256_add_ps(out_hi, columns.load(row + 8, 1));
    }
    if (bias != nullptr) {
      out_lo = _mm256_add_ps(out_lo, bias_lo);
      out_hi = _mm256_add_ps(out_hi, bias_hi);
    }
    columns.store(row, 0, out_lo);
    columns.store(row + 8, 1, out_hi);
  }
}

// The Micro of micro_dispatch.h: a ROWS × 16 tile.
template <std::size_t ROWS, bool PACKED>
struct MicroAvx2 {
  static void run(std::size_t kc, ASource a_source, const float* b, float* c, std::size_t ldc, std::size_t cols,
                  bool load_c, const float* bias) {
    const float* a = a_source.a;
    // The tile of C is read (load_c) or written only after the k loop: ask
    // for its lines now, so that they arrive while the FMAs run (on Zen this
    // ran the MLP shapes about 3 % faster).
#pragma GCC unroll 6
    for (std::size_t r = 0; r < ROWS; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + cols - 1), _MM_HINT_T0);
    }
    const std::size_t row_stride = PACKED ? 1 : a_source.row_stride;
    const std::size_t depth_stride = PACKED ? kMr : a_source.depth_stride;
    __m256 lo[ROWS], hi[ROWS];
#pragma GCC unroll 6
    for (std::size_t r = 0; r < ROWS; ++r) {
      lo[r] = _mm256_setzero_ps();
      hi[r] = _mm256_setzero_ps();
    }
#pragma GCC unroll 2
    for (std::size_t p = 0; p < kc; ++p) {
      const __m256 b_lo = _mm256_load_ps(b);
      const __m256 b_hi = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
      for (std::size_t r = 0; r < ROWS; ++r) {
        const __m256 a_r = _mm256_broadcast_ss(a + r * row_stride);
        lo[r] = _mm256_fmadd_ps(a_r, b_lo, lo[r]);
        hi[r] = _mm256_fmadd_ps(a_r, b_hi, hi[r]);
      }
      a += depth_stride;
      b += kNr;
    }
    // A full tile (the common case) stores with plain moves: on AMD Zen a
    // masked 256-bit store is microcoded, and twelve of them per tile cost
    // 5–10 % of the whole product (BENCHMARKS.md, issue 13).
    if (cols == kNr) {
      store_accumulators<ROWS>(lo, hi, c, ldc, load_c, bias, WholeColumns{});
    } else {
      store_accumulators<ROWS>(lo, hi, c, ldc, load_c, bias, MaskedColumns{cols});
    }
  }
};

// The vector traits of dot.h.
struct DotAvx2 {
  using Reg = __m256;
  static constexpr std::size_t kWidth = 8;
  static constexpr std::size_t kPrefetchAhead = 64;
  // One row of A (batch-1 predict) loads a vector of B per FMA: on AMD Zen the
  // prefetches then take load slots the loads need, and leaving B to the
  // hardware prefetcher ran the 784 × 128 product 1.25× faster.
  static constexpr std::size_t kPrefetchRowsMin = 2;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static Reg load_first(const float* p, std::size_t count) { return _mm256_maskload_ps(p, column_mask(count)); }
  static Reg fma(Reg a, Reg b, Reg acc) { return _mm256_fmadd_ps(a, b, acc); }
  static float sum(Reg v) {
    const __m128 quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
    return _mm_cvtss_f32(_mm_add_ss(pair, _mm_movehdup_ps(pair)));
  }
};

}  // namespace

// This ISA's tuning, as Kernel (kernel.h) takes it: cache blocking (mc rows of
// A, kc deep, nc columns of B), the row counts of the dot-product path and of
// the Cᵀ form. kc 400 (an A sliver of 9.4 KiB stays in a 32 KiB L1 beside
// the B sliver streaming past it) cuts k = 784, the MLP input, into two
// blocks instead of four: half the passes over C; on AMD Zen faster than
// kc 256 on 10 of 12 cells of 1024³ and the MLP shapes (BENCHMARKS.md).
// nc 1024 makes a 1.6 MiB block of B, more than Zen's 512 KiB L2, yet
// measured no slower there than 256–512: the stream from L3 is prefetched.
constexpr std::size_t kMc = 120, kKc = 400, kNc = 1024;
constexpr std::size_t kDotRowsMax = 32, kTransposedRowsMax = 128;

const Kernel& avx2_kernel() {
  static const Kernel kernel{kMr, kNr, kMc, kKc, kNc,
                             pack_a<kMr, pack_panel_across_rows<kMr>, pack_panel_along_rows<kMr>>,
                             pack_b<kNr, pack_panel_across_avx<kNr>, pack_panel_along_rows<kNr>>,
                             micro_kernel<MicroAvx2, kMr>, kDotRowsMax, dot_products<DotAvx2, 8, 3>, kTransposedRowsMax};
  return kernel;
}

}  // namespace gemm_detail
}  // namespace backprop
