// NEON kernel (AArch64 only): an 8 × 8 tile of C in 16 q-register
// accumulators; two vectors of B and eight scalars of A per step of k.
#include <arm_neon.h>

#include "dot.h"
#include "micro_dispatch.h"
#include "pack.h"

namespace backprop {
namespace gemm_detail {
namespace {

constexpr std::size_t kMr = 8;
constexpr std::size_t kNr = 8;

// The Micro of micro_dispatch.h: a ROWS × 8 tile.
template <std::size_t ROWS, bool PACKED>
struct MicroNeon {
  static void run(std::size_t kc, ASource a_source, const float* b, float* c, std::size_t ldc, std::size_t cols,
                  bool load_c, const float* bias) {
    const float* a = a_source.a;
    const std::size_t row_stride = PACKED ? 1 : a_source.row_stride;
    const std::size_t depth_stride = PACKED ? kMr : a_source.depth_stride;
    float32x4_t lo[ROWS], hi[ROWS];
    for (std::size_t r = 0; r < ROWS; ++r) {
      lo[r] = vdupq_n_f32(0.0f);
      hi[r] = vdupq_n_f32(0.0f);
    }
    for (std::size_t p = 0; p < kc; ++p) {
      const float32x4_t b_lo = vld1q_f32(b);
      const float32x4_t b_hi = vld1q_f32(b + 4);
      for (std::size_t r = 0; r < ROWS; ++r) {
        const float a_rp = a[r * row_stride];
        lo[r] = vfmaq_n_f32(lo[r], b_lo, a_rp);
        hi[r] = vfmaq_n_f32(hi[r], b_hi, a_rp);
      }
      a += depth_stride;
      b += kNr;
    }
    if (cols == kNr) {
      const float32x4_t zero = vdupq_n_f32(0.0f);
      const float32x4_t bias_lo = bias != nullptr ? vld1q_f32(bias) : zero;
      const float32x4_t bias_hi = bias != nullptr ? vld1q_f32(bias + 4) : zero;
      for (std::size_t r = 0; r < ROWS; ++r) {
        float* row = c + r * ldc;
        float32x4_t out_lo = lo[r], out_hi = hi[r];
        if (load_c) {
          out_lo = vaddq_f32(out_lo, vld1q_f32(row));
          out_hi = vaddq_f32(out_hi, vld1q_f32(row + 4));
        }
        if (bias != nullptr) {
          out_lo = vaddq_f32(out_lo, bias_lo);
          out_hi = vaddq_f32(out_hi, bias_hi);
        }
        vst1q_f32(row, out_lo);
        vst1q_f32(row + 4, out_hi);
      }
      return;
    }
    // Partial columns: through a buffer, so nothing outside C is read or written.
    float acc[ROWS * kNr];
    for (std::size_t r = 0; r < ROWS; ++r) {
      vst1q_f32(acc + r * kNr, lo[r]);
      vst1q_f32(acc + r * kNr + 4, hi[r]);
    }
    store_tile<ROWS, kNr>(acc, c, ldc, ROWS, cols, load_c, bias);
  }
};

// The vector traits of dot.h.
struct DotNeon {
  using Reg = float32x4_t;
  static constexpr std::size_t kWidth = 4;
  static constexpr std::size_t kPrefetchAhead = 0;
  static constexpr std::size_t kPrefetchRowsMin = 1;
  static Reg zero() { return vdupq_n_f32(0.0f); }
  static Reg load(const float* p) { return vld1q_f32(p); }
  static Reg load_first(const float* p, std::size_t count) {
    float lanes[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (std::size_t i = 0; i < count; ++i) lanes[i] = p[i];
    return vld1q_f32(lanes);
  }
  static Reg fma(Reg a, Reg b, Reg acc) { return vfmaq_f32(acc, a, b); }
  static float sum(Reg v) { return vaddvq_f32(v); }
};

}  // namespace

// This ISA's tuning, as Kernel (kernel.h) takes it: cache blocking (mc rows of
// A, kc deep, nc columns of B), the row counts of the dot-product path and of
// the Cᵀ form.
constexpr std::size_t kMc = 128, kKc = 256, kNc = 1024;
constexpr std::size_t kDotRowsMax = 16, kTransposedRowsMax = 0;

const Kernel& neon_kernel() {
  static const Kernel kernel{kMr, kNr, kMc, kKc, kNc,
                             pack_a<kMr, pack_panel_across_rows<kMr>, pack_panel_along_rows<kMr>>,
                             pack_b<kNr, pack_panel_across_rows<kNr>, pack_panel_along_rows<kNr>>,
                             micro_kernel<MicroNeon, kMr>, kDotRowsMax, dot_products<DotNeon, 6, 4>, kTransposedRowsMax};
  return kernel;
}

}  // namespace gemm_detail
}  // namespace backprop
