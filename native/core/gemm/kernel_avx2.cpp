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

// The Micro of micro_dispatch.h: a ROWS × 16 tile.
template <std::size_t ROWS, bool PACKED>
struct MicroAvx2 {
  static void run(std::size_t kc, ASource a_source, const float* b, float* c, std::size_t ldc, std::size_t cols,
                  bool load_c, const float* bias) {
    const float* a = a_source.a;
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
    const __m256i mask_lo = column_mask(cols);
    const __m256i mask_hi = column_mask(cols > 8 ? cols - 8 : 0);
    __m256 bias_lo = _mm256_setzero_ps(), bias_hi = _mm256_setzero_ps();
    if (bias != nullptr) {
      bias_lo = _mm256_maskload_ps(bias, mask_lo);
      bias_hi = _mm256_maskload_ps(bias + 8, mask_hi);
    }
#pragma GCC unroll 6
    for (std::size_t r = 0; r < ROWS; ++r) {
      float* row = c + r * ldc;
      __m256 out_lo = lo[r], out_hi = hi[r];
      if (load_c) {
        out_lo = _mm256_add_ps(out_lo, _mm256_maskload_ps(row, mask_lo));
        out_hi = _mm256_add_ps(out_hi, _mm256_maskload_ps(row + 8, mask_hi));
      }
      if (bias != nullptr) {
        out_lo = _mm256_add_ps(out_lo, bias_lo);
        out_hi = _mm256_add_ps(out_hi, bias_hi);
      }
      _mm256_maskstore_ps(row, mask_lo, out_lo);
      _mm256_maskstore_ps(row + 8, mask_hi, out_hi);
    }
  }
};

// The vector traits of dot.h.
struct DotAvx2 {
  using Reg = __m256;
  static constexpr std::size_t kWidth = 8;
  static constexpr std::size_t kPrefetchAhead = 64;
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
// the Cᵀ form.
constexpr std::size_t kMc = 120, kKc = 256, kNc = 1024;
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
