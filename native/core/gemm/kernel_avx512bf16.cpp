// AVX-512 BF16 kernel: a 12 × 32 tile of C in 24 zmm accumulators, like the
// float32 AVX-512 kernel, but each vdpbf16ps takes a pair of depth steps:
// per pair it loads two vectors of B pairs and broadcasts one 32-bit pair of
// A per row. vdpbf16ps adds the odd then the even product of a pair into
// the float32 accumulator, treating bfloat16 subnormals as zero (Intel SDM).
// Compiled with -mavx512f -mavx512bw -mavx512bf16; called only after cpuid.
#include <immintrin.h>

#include <cstring>

#include "bf16_pairs.h"
#include "bf16_store.h"

namespace backprop {
namespace gemm_detail {
namespace {

constexpr std::size_t kMr = 12;
constexpr std::size_t kNr = 32;

// Every tile computes all 12 rows and 32 columns: packing zero-pads the
// slivers, so the extra lanes hold zeros that are never stored.
void micro(std::size_t kp, const std::uint16_t* a, const std::uint16_t* b, float* c, std::size_t ldc,
           std::size_t rows, std::size_t cols, bool load_c, const float* bias) {
  __m512 acc[kMr][2];
  for (std::size_t r = 0; r < kMr; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (std::size_t p = 0; p < kp; p += 2) {
    const std::uint16_t* b_pairs = b + p * kNr;  // pair row p/2: 2·kNr values
    const __m512bh b_low = (__m512bh)_mm512_loadu_si512(b_pairs);
    const __m512bh b_high = (__m512bh)_mm512_loadu_si512(b_pairs + 32);
#pragma GCC unroll 12
    for (std::size_t r = 0; r < kMr; ++r) {
      int pair;
      std::memcpy(&pair, a + r * kp + p, sizeof pair);
      const __m512bh a_pair = (__m512bh)_mm512_set1_epi32(pair);
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], a_pair, b_low);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], a_pair, b_high);
    }
  }
  alignas(64) float sums[kMr * kNr];
  for (std::size_t r = 0; r < kMr; ++r) {
    _mm512_store_ps(sums + r * kNr, acc[r][0]);
    _mm512_store_ps(sums + r * kNr + 16, acc[r][1]);
  }
  store_bf16_tile<kNr>(sums, c, ldc, rows, cols, load_c, bias);
}

}  // namespace

const Bf16Kernel& avx512bf16_kernel() {
  static const Bf16Kernel kernel{kMr, kNr, 2, 240, 512, 512, micro};
  return kernel;
}

}  // namespace gemm_detail
}  // namespace backprop
