// Packing of a transposed operand with 8 × 8 register transposes (256-bit
// AVX), for the kernel files compiled with AVX2 or AVX-512. Internal
// linkage, like pack.h: each file gets a copy built with its own flags.
#pragma once

#include <immintrin.h>

#include "pack.h"

namespace backprop {
namespace gemm_detail {
namespace {

// Transposes up to eight rows (`count`; the others read as zero) by eight
// columns of `src` (row stride `ld`) and stores `width` (4 or 8) floats of
// each transposed row at out + q·W, q = 0…7.
template <std::size_t W>
void transpose_8x8(const float* src, std::size_t ld, std::size_t count, std::size_t width, float* out) {
  __m256 r[8];
  for (std::size_t i = 0; i < 8; ++i) r[i] = i < count ? _mm256_loadu_ps(src + i * ld) : _mm256_setzero_ps();
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  const __m256 columns[8] = {
      _mm256_permute2f128_ps(u0, u4, 0x20), _mm256_permute2f128_ps(u1, u5, 0x20),
      _mm256_permute2f128_ps(u2, u6, 0x20), _mm256_permute2f128_ps(u3, u7, 0x20),
      _mm256_permute2f128_ps(u0, u4, 0x31), _mm256_permute2f128_ps(u1, u5, 0x31),
      _mm256_permute2f128_ps(u2, u6, 0x31), _mm256_permute2f128_ps(u3, u7, 0x31)};
  for (std::size_t q = 0; q < 8; ++q) {
    if (width == 8) {
      _mm256_storeu_ps(out + q * W, columns[q]);
    } else {
      _mm_storeu_ps(out + q * W, _mm256_castps256_ps128(columns[q]));
    }
  }
}

// pack_sliver_across_rows with 8 × 8 register transposes.
template <std::size_t W>
void pack_sliver_across_avx(const float* src, std::size_t ld, std::size_t count, std::size_t kc, float* out) {
  static_assert(W % 8 == 0 || W % 8 == 4, "transposed blocks are 8 or 4 wide");
  const std::size_t kc8 = kc / 8 * 8;
  for (std::size_t p = 0; p < kc8; p += 8) {
    for (std::size_t g = 0; g < W; g += 8) {
      const std::size_t rows = count > g ? std::min<std::size_t>(8, count - g) : 0;
      transpose_8x8<W>(src + g * ld + p, ld, rows, std::min<std::size_t>(8, W - g), out + p * W + g);
    }
  }
  if (kc8 < kc) pack_sliver_across_rows<W>(src + kc8, ld, count, kc - kc8, out + kc8 * W);
}

// Panel across rows: sliver by sliver, 8 × 8 register transposes.
template <std::size_t W>
void pack_panel_across_avx(const float* src, std::size_t ld, std::size_t extent, std::size_t kc, float* out) {
  for (std::size_t s = 0; s < extent; s += W, out += W * kc) {
    pack_sliver_across_avx<W>(src + s * ld, ld, std::min(W, extent - s), kc, out);
  }
}

}  // namespace
}  // namespace gemm_detail
}  // namespace backprop
