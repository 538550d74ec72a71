// AVX-512F kernel: a 12 × 32 tile of C in 24 zmm accumulators. Per step of k
// it loads two vectors of B and broadcasts twelve values of A: 24 FMAs
// against 14 loads keeps both FMA ports busy. Compiled with -mavx512f -mfma only; called only after cpuid.
#include <immintrin.h>

#include <cstdint>

#include "dot.h"
#include "micro_dispatch.h"
#include "pack_avx.h"

namespace backprop {
namespace gemm_detail {
namespace {

constexpr std::size_t kMr = 12;
constexpr std::size_t kNr = 32;

__mmask16 column_mask(std::size_t cols) {
  return cols >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << cols) - 1);
}

// A ROWS × 16·HALVES tile. HALVES is a template parameter, like ROWS, so that
// a partial tile (at most 16 columns at the right edge of C) costs only its
// own vectors.
template <std::size_t ROWS, std::size_t HALVES, bool PACKED>
struct MicroAvx512 {
  static void run(std::size_t kc, ASource a_source, const float* b, float* c, std::size_t ldc, std::size_t cols,
                  bool load_c, const float* bias) {
    const float* a = a_source.a;
    const std::size_t row_stride = PACKED ? 1 : a_source.row_stride;
    const std::size_t depth_stride = PACKED ? kMr : a_source.depth_stride;
    __m512 acc[ROWS][HALVES];
#pragma GCC unroll 12
    for (std::size_t r = 0; r < ROWS; ++r) {
      // The tile of C is needed at the end; fetch it while the FMAs run.
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
      if (HALVES == 2) _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 16), _MM_HINT_T0);
      for (std::size_t h = 0; h < HALVES; ++h) acc[r][h] = _mm512_setzero_ps();
    }
#pragma GCC unroll 2
    for (std::size_t p = 0; p < kc; ++p) {
      __m512 b_p[HALVES];
      for (std::size_t h = 0; h < HALVES; ++h) b_p[h] = _mm512_load_ps(b + 16 * h);
#pragma GCC unroll 12
      for (std::size_t r = 0; r < ROWS; ++r) {
        const __m512 a_r = _mm512_set1_ps(a[r * row_stride]);
        for (std::size_t h = 0; h < HALVES; ++h) acc[r][h] = _mm512_fmadd_ps(a_r, b_p[h], acc[r][h]);
      }
      a += depth_stride;
      b += kNr;
    }
    __mmask16 mask[HALVES];
    __m512 bias_v[HALVES];
    for (std::size_t h = 0; h < HALVES; ++h) {
      mask[h] = cols > 16 * h ? column_mask(cols - 16 * h) : static_cast<__mmask16>(0);
      bias_v[h] = bias != nullptr ? _mm512_maskz_loadu_ps(mask[h], bias + 16 * h) : _mm512_setzero_ps();
    }
#pragma GCC unroll 12
    for (std::size_t r = 0; r < ROWS; ++r) {
      float* row = c + r * ldc;
      for (std::size_t h = 0; h < HALVES; ++h) {
        __m512 out = acc[r][h];
        if (load_c) out = _mm512_add_ps(out, _mm512_maskz_loadu_ps(mask[h], row + 16 * h));
        if (bias != nullptr) out = _mm512_add_ps(out, bias_v[h]);
        _mm512_mask_storeu_ps(row + 16 * h, mask[h], out);
      }
    }
  }
};

// The Micros of micro_dispatch.h: full width, and at most 16 columns.
template <std::size_t ROWS, bool PACKED>
using MicroAvx512Wide = MicroAvx512<ROWS, 2, PACKED>;
template <std::size_t ROWS, bool PACKED>
using MicroAvx512Narrow = MicroAvx512<ROWS, 1, PACKED>;

// Panel along rows, a band of rows of the source at a time: the band (16
// rows) stays in L1 while it is dealt out to every sliver, and each sliver
// receives one contiguous run, so reads and writes both stream (a whole
// sliver at a time would stride through all of the source once per sliver).
// Masked loads give the zero padding and never touch memory past the panel.
template <std::size_t W>
void pack_panel_along_avx512(const float* src, std::size_t ld, std::size_t extent, std::size_t kc, float* out) {
  static_assert(W <= 32, "two vectors per sliver row");
  constexpr std::size_t kBand = 16;
  for (std::size_t p0 = 0; p0 < kc; p0 += kBand) {
    const std::size_t p_end = std::min(kc, p0 + kBand);
    for (std::size_t s = 0; s < extent; s += W) {
      const std::size_t count = std::min(W, extent - s);
      const __mmask16 lo = column_mask(count);
      const __mmask16 hi = count > 16 ? column_mask(count - 16) : static_cast<__mmask16>(0);
      float* sliver = out + s * kc;
      for (std::size_t p = p0; p < p_end; ++p) {
        const float* from = src + p * ld + s;
        float* to = sliver + p * W;
        if constexpr (W > 16) {
          _mm512_storeu_ps(to, _mm512_maskz_loadu_ps(lo, from));
          _mm512_mask_storeu_ps(to + 16, column_mask(W - 16), _mm512_maskz_loadu_ps(hi, from + 16));
        } else if (p + 1 < kc) {
          // A full-width store is much cheaper than a masked one that crosses
          // a cache line; its spill into the next row is overwritten next.
          _mm512_storeu_ps(to, _mm512_maskz_loadu_ps(lo, from));
        } else {
          _mm512_mask_storeu_ps(to, column_mask(W), _mm512_maskz_loadu_ps(lo, from));
        }
      }
    }
  }
}

// A tile at the right edge of C with at most 16 columns takes the narrow Micro.
void micro(std::size_t kc, ASource a, const float* b, float* c, std::size_t ldc, std::size_t rows, std::size_t cols,
           bool load_c, const float* bias) {
  const auto& variants = cols > 16 ? kMicroVariants<MicroAvx512Wide, kMr> : kMicroVariants<MicroAvx512Narrow, kMr>;
  variants[a.packed][rows](kc, a, b, c, ldc, cols, load_c, bias);
}

// The vector traits of dot.h.
struct DotAvx512 {
  using Reg = __m512;
  static constexpr std::size_t kWidth = 16;
  static constexpr std::size_t kPrefetchAhead = 64;
  static constexpr std::size_t kPrefetchRowsMin = 1;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static Reg load_first(const float* p, std::size_t count) { return _mm512_maskz_loadu_ps(column_mask(count), p); }
  static Reg fma(Reg a, Reg b, Reg acc) { return _mm512_fmadd_ps(a, b, acc); }
  // Halves added pairwise, all in zmm (the masked forms with a full mask
  // because GCC 12 warns that the unmasked ones read an undefined vector).
  static float sum(Reg v) {
    const __m512 eight = _mm512_add_ps(v, _mm512_mask_shuffle_f32x4(v, 0xFFFF, v, v, 0x4E));
    const __m512 four = _mm512_add_ps(eight, _mm512_mask_shuffle_f32x4(eight, 0xFFFF, eight, eight, 0xB1));
    const __m512 two = _mm512_add_ps(four, _mm512_mask_permute_ps(four, 0xFFFF, four, 0x4E));
    return _mm512_cvtss_f32(_mm512_add_ps(two, _mm512_mask_permute_ps(two, 0xFFFF, two, 0xB1)));
  }
};

}  // namespace

// This ISA's tuning, as Kernel (kernel.h) takes it: cache blocking (mc rows of
// A, kc deep, nc columns of B), the row counts of the dot-product path and of
// the Cᵀ form.
constexpr std::size_t kMc = 240, kKc = 384, kNc = 512;
constexpr std::size_t kDotRowsMax = 16, kTransposedRowsMax = SIZE_MAX;

const Kernel& avx512_kernel() {
  static const Kernel kernel{kMr, kNr, kMc, kKc, kNc,
                             pack_a<kMr, pack_panel_across_avx<kMr>, pack_panel_along_avx512<kMr>>,
                             pack_b<kNr, pack_panel_across_avx<kNr>, pack_panel_along_avx512<kNr>>,
                             micro, kDotRowsMax, dot_products<DotAvx512, 8, 6>, kTransposedRowsMax};
  return kernel;
}

}  // namespace gemm_detail
}  // namespace backprop
