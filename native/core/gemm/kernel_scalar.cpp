// Portable kernel: correct on every target, and the reference the SIMD
// kernels are tested against alongside the naive loop.
#include "dot.h"
#include "micro_dispatch.h"
#include "pack.h"

namespace backprop {
namespace gemm_detail {
namespace {

constexpr std::size_t kMr = 4;
constexpr std::size_t kNr = 8;

// The Micro of micro_dispatch.h: a ROWS × 8 tile. Constant trip counts let
// the compiler keep the accumulators in registers.
template <std::size_t ROWS, bool PACKED>
struct MicroScalar {
  static void run(std::size_t kc, ASource a, const float* b, float* c, std::size_t ldc, std::size_t cols,
                  bool load_c, const float* bias) {
    const std::size_t row_stride = PACKED ? 1 : a.row_stride;
    const std::size_t depth_stride = PACKED ? kMr : a.depth_stride;
    float acc[ROWS * kNr] = {};
    for (std::size_t p = 0; p < kc; ++p) {
      for (std::size_t r = 0; r < ROWS; ++r) {
        const float a_rp = a.a[r * row_stride + p * depth_stride];
        for (std::size_t j = 0; j < kNr; ++j) acc[r * kNr + j] += a_rp * b[p * kNr + j];
      }
    }
    store_tile<ROWS, kNr>(acc, c, ldc, ROWS, cols, load_c, bias);
  }
};

// The traits of dot.h: four plain lanes, which the compiler maps onto
// whatever vectors the baseline target has (SSE2 on x86-64). Only a single
// row of A beats the packed kernel here (dot_rows_max 1): with more, GCC
// no longer keeps the lanes in registers.
struct DotScalar {
  struct Reg {
    float lane[4];
  };
  static constexpr std::size_t kWidth = 4;
  static constexpr std::size_t kPrefetchAhead = 0;
  static constexpr std::size_t kPrefetchRowsMin = 1;
  static Reg zero() { return {{0.0f, 0.0f, 0.0f, 0.0f}}; }
  static Reg load(const float* p) { return {{p[0], p[1], p[2], p[3]}}; }
  static Reg load_first(const float* p, std::size_t count) {
    Reg r = zero();
    for (std::size_t i = 0; i < count; ++i) r.lane[i] = p[i];
    return r;
  }
  static Reg fma(Reg a, Reg b, Reg acc) {
    for (std::size_t i = 0; i < 4; ++i) acc.lane[i] += a.lane[i] * b.lane[i];
    return acc;
  }
  static float sum(Reg v) { return (v.lane[0] + v.lane[2]) + (v.lane[1] + v.lane[3]); }
};

}  // namespace

// This ISA's tuning, as Kernel (kernel.h) takes it: cache blocking (mc rows of
// A, kc deep, nc columns of B), the row counts of the dot-product path and of
// the Cᵀ form.
constexpr std::size_t kMc = 128, kKc = 256, kNc = 1024;
constexpr std::size_t kDotRowsMax = 1, kTransposedRowsMax = 0;

const Kernel& scalar_kernel() {
  static const Kernel kernel{kMr, kNr, kMc, kKc, kNc,
                             pack_a<kMr, pack_panel_across_rows<kMr>, pack_panel_along_rows<kMr>>,
                             pack_b<kNr, pack_panel_across_rows<kNr>, pack_panel_along_rows<kNr>>,
                             micro_kernel<MicroScalar, kMr>, kDotRowsMax, dot_products<DotScalar, 4, 1>, kTransposedRowsMax};
  return kernel;
}

}  // namespace gemm_detail
}  // namespace backprop
