// AVX-512F kernel: a 12 × 32 tile of C in 24 zmm accumulators. Per step of k
// it loads two vectors of B and broadcasts twelve values of A (folded into
// the FMAs as embedded broadcasts): 24 FMAs against 14 loads keeps both FMA
// ports busy. Compiled with -mavx512f -mfma only; called only after cpuid.
#include <immintrin.h>

#include <array>
#include <utility>

#include "pack.h"

namespace backprop {
namespace gemm_detail {
namespace {

constexpr std::size_t kMr = 12;
constexpr std::size_t kNr = 32;

__mmask16 column_mask(std::size_t cols) {
  return cols >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << cols) - 1);
}

// ROWS is a template parameter so that the accumulators are named registers
// and a partial tile at the bottom of C costs only its own rows.
template <std::size_t ROWS>
void micro_avx512(std::size_t kc, const float* a, const float* b, float* c, std::size_t ldc,
                  std::size_t /*rows*/, std::size_t cols, bool load_c, const float* bias) {
  __m512 lo[ROWS], hi[ROWS];
#pragma GCC unroll 12
  for (std::size_t r = 0; r < ROWS; ++r) {
    lo[r] = _mm512_setzero_ps();
    hi[r] = _mm512_setzero_ps();
  }
#pragma GCC unroll 2
  for (std::size_t p = 0; p < kc; ++p) {
    const __m512 b_lo = _mm512_load_ps(b);
    const __m512 b_hi = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
    for (std::size_t r = 0; r < ROWS; ++r) {
      const __m512 a_r = _mm512_set1_ps(a[r]);
      lo[r] = _mm512_fmadd_ps(a_r, b_lo, lo[r]);
      hi[r] = _mm512_fmadd_ps(a_r, b_hi, hi[r]);
    }
    a += kMr;
    b += kNr;
  }
  const __mmask16 mask_lo = column_mask(cols);
  const __mmask16 mask_hi = cols > 16 ? column_mask(cols - 16) : static_cast<__mmask16>(0);
  __m512 bias_lo = _mm512_setzero_ps(), bias_hi = _mm512_setzero_ps();
  if (bias != nullptr) {
    bias_lo = _mm512_maskz_loadu_ps(mask_lo, bias);
    bias_hi = _mm512_maskz_loadu_ps(mask_hi, bias + 16);
  }
#pragma GCC unroll 12
  for (std::size_t r = 0; r < ROWS; ++r) {
    float* row = c + r * ldc;
    __m512 out_lo = lo[r], out_hi = hi[r];
    if (load_c) {
      out_lo = _mm512_add_ps(out_lo, _mm512_maskz_loadu_ps(mask_lo, row));
      out_hi = _mm512_add_ps(out_hi, _mm512_maskz_loadu_ps(mask_hi, row + 16));
    }
    if (bias != nullptr) {
      out_lo = _mm512_add_ps(out_lo, bias_lo);
      out_hi = _mm512_add_ps(out_hi, bias_hi);
    }
    _mm512_mask_storeu_ps(row, mask_lo, out_lo);
    _mm512_mask_storeu_ps(row + 16, mask_hi, out_hi);
  }
}

template <std::size_t... Rows>
constexpr std::array<MicroKernel, sizeof...(Rows) + 1> micro_table(std::index_sequence<Rows...>) {
  return {nullptr, micro_avx512<Rows + 1>...};
}

constexpr auto kMicroByRows = micro_table(std::make_index_sequence<kMr>());

void micro(std::size_t kc, const float* a, const float* b, float* c, std::size_t ldc, std::size_t rows,
           std::size_t cols, bool load_c, const float* bias) {
  kMicroByRows[rows](kc, a, b, c, ldc, rows, cols, load_c, bias);
}

}  // namespace

const Kernel& avx512_kernel() {
  static const Kernel kernel{kMr, kNr, 240, 384, 512,
                             pack_a<kMr, pack_sliver_across_rows<kMr>, pack_sliver_along_rows<kMr>>,
                             pack_b<kNr, pack_sliver_across_rows<kNr>, pack_sliver_along_rows<kNr>>,
                             micro};
  return kernel;
}

}  // namespace gemm_detail
}  // namespace backprop
