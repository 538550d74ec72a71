// NEON kernel (AArch64 only): an 8 × 8 tile of C in 16 q-register
// accumulators; two vectors of B and eight scalars of A per step of k.
#include <arm_neon.h>

#include "pack.h"

namespace backprop {
namespace gemm_detail {
namespace {

constexpr std::size_t kMr = 8;
constexpr std::size_t kNr = 8;

void micro_neon(std::size_t kc, const float* a, const float* b, float* c, std::size_t ldc,
                std::size_t rows, std::size_t cols, bool load_c, const float* bias) {
  float32x4_t lo[kMr], hi[kMr];
  for (std::size_t r = 0; r < kMr; ++r) {
    lo[r] = vdupq_n_f32(0.0f);
    hi[r] = vdupq_n_f32(0.0f);
  }
  for (std::size_t p = 0; p < kc; ++p) {
    const float32x4_t b_lo = vld1q_f32(b);
    const float32x4_t b_hi = vld1q_f32(b + 4);
    for (std::size_t r = 0; r < kMr; ++r) {
      lo[r] = vfmaq_n_f32(lo[r], b_lo, a[r]);
      hi[r] = vfmaq_n_f32(hi[r], b_hi, a[r]);
    }
    a += kMr;
    b += kNr;
  }
  if (rows == kMr && cols == kNr) {
    const float32x4_t zero = vdupq_n_f32(0.0f);
    const float32x4_t bias_lo = bias != nullptr ? vld1q_f32(bias) : zero;
    const float32x4_t bias_hi = bias != nullptr ? vld1q_f32(bias + 4) : zero;
    for (std::size_t r = 0; r < kMr; ++r) {
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
  // Partial tile: through a buffer, so nothing outside C is read or written.
  float acc[kMr * kNr];
  for (std::size_t r = 0; r < kMr; ++r) {
    vst1q_f32(acc + r * kNr, lo[r]);
    vst1q_f32(acc + r * kNr + 4, hi[r]);
  }
  store_tile<kMr, kNr>(acc, c, ldc, rows, cols, load_c, bias);
}

}  // namespace

const Kernel& neon_kernel() {
  static const Kernel kernel{kMr, kNr, 128, 256, 1024,
                             pack_a<kMr, pack_panel_across_rows<kMr>, pack_panel_along_rows<kMr>>,
                             pack_b<kNr, pack_panel_across_rows<kNr>, pack_panel_along_rows<kNr>>,
                             micro_neon};
  return kernel;
}

}  // namespace gemm_detail
}  // namespace backprop
