// Portable kernel: correct on every target, and the reference the SIMD
// kernels are tested against alongside the naive loop.
#include "pack.h"

namespace backprop {
namespace gemm_detail {
namespace {

constexpr std::size_t kMr = 4;
constexpr std::size_t kNr = 8;

// Packed slivers are zero-padded to kMr rows, so the packed case computes all
// of them with constant trip counts (which the compiler keeps in registers);
// A read in place has only `rows` rows.
template <bool PACKED>
void micro_scalar(std::size_t kc, ASource a, const float* b, float* c, std::size_t ldc, std::size_t rows,
                  std::size_t cols, bool load_c, const float* bias) {
  const std::size_t live_rows = PACKED ? kMr : rows;
  const std::size_t row_stride = PACKED ? 1 : a.row_stride;
  const std::size_t depth_stride = PACKED ? kMr : a.depth_stride;
  float acc[kMr * kNr] = {};
  for (std::size_t p = 0; p < kc; ++p) {
    for (std::size_t r = 0; r < live_rows; ++r) {
      const float a_rp = a.a[r * row_stride + p * depth_stride];
      for (std::size_t j = 0; j < kNr; ++j) acc[r * kNr + j] += a_rp * b[p * kNr + j];
    }
  }
  store_tile<kMr, kNr>(acc, c, ldc, rows, cols, load_c, bias);
}

void micro(std::size_t kc, ASource a, const float* b, float* c, std::size_t ldc, std::size_t rows,
           std::size_t cols, bool load_c, const float* bias) {
  (a.packed ? micro_scalar<true> : micro_scalar<false>)(kc, a, b, c, ldc, rows, cols, load_c, bias);
}

}  // namespace

const Kernel& scalar_kernel() {
  static const Kernel kernel{kMr, kNr, 128, 256, 1024,
                             pack_a<kMr, pack_panel_across_rows<kMr>, pack_panel_along_rows<kMr>>,
                             pack_b<kNr, pack_panel_across_rows<kNr>, pack_panel_along_rows<kNr>>,
                             micro};
  return kernel;
}

}  // namespace gemm_detail
}  // namespace backprop
