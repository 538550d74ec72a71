// Portable packing loops, included by every per-ISA kernel file. Everything
// here has internal linkage on purpose: each file compiles its own copy with
// its own instruction-set flags, and the linker must never pick an AVX-512
// copy for a scalar caller.
#pragma once

#include <algorithm>
#include <cstddef>

#include "kernel.h"

namespace backprop {
namespace gemm_detail {
namespace {

// Sliver of width W from `count` rows of a matrix: element (p, r) = src[r·ld + p].
// This is a transpose: op(A) stored m×k, or op(B) stored n×k.
template <std::size_t W>
void pack_sliver_across_rows(const float* src, std::size_t ld, std::size_t count, std::size_t kc,
                             float* out) {
  for (std::size_t r = 0; r < count; ++r) {
    const float* row = src + r * ld;
    for (std::size_t p = 0; p < kc; ++p) out[p * W + r] = row[p];
  }
  for (std::size_t r = count; r < W; ++r) {
    for (std::size_t p = 0; p < kc; ++p) out[p * W + r] = 0.0f;
  }
}

// Sliver of width W along rows of a matrix: element (p, r) = src[p·ld + r].
// A plain copy: op(A) stored k×m, or op(B) stored k×n.
template <std::size_t W>
void pack_sliver_along_rows(const float* src, std::size_t ld, std::size_t count, std::size_t kc,
                            float* out) {
  for (std::size_t p = 0; p < kc; ++p) {
    const float* row = src + p * ld;
    float* dst = out + p * W;
    std::size_t r = 0;
    for (; r < count; ++r) dst[r] = row[r];
    for (; r < W; ++r) dst[r] = 0.0f;
  }
}

// A panel packer cuts `extent` rows (of A) or columns (of B) into slivers of
// width W, each kc deep, and packs them one after the other into `out`.
using PackPanel = void (*)(const float* src, std::size_t ld, std::size_t extent, std::size_t kc, float* out);

// Panel of an operand stored transposed: sliver s starts at row s·W.
template <std::size_t W>
void pack_panel_across_rows(const float* src, std::size_t ld, std::size_t extent, std::size_t kc, float* out) {
  for (std::size_t s = 0; s < extent; s += W, out += W * kc) {
    pack_sliver_across_rows<W>(src + s * ld, ld, std::min(W, extent - s), kc, out);
  }
}

// Panel of an operand stored as is: sliver s starts at column s·W.
template <std::size_t W>
void pack_panel_along_rows(const float* src, std::size_t ld, std::size_t extent, std::size_t kc, float* out) {
  for (std::size_t s = 0; s < extent; s += W, out += W * kc) {
    pack_sliver_along_rows<W>(src + s, ld, std::min(W, extent - s), kc, out);
  }
}

// PackA / PackB built from two panel packers (across: transpose, along: copy).
template <std::size_t MR, PackPanel Across, PackPanel Along>
void pack_a(Trans trans, const float* a, std::size_t lda, std::size_t i0, std::size_t mc,
            std::size_t p0, std::size_t kc, float* out) {
  if (trans == Trans::no) {
    Across(a + i0 * lda + p0, lda, mc, kc, out);
  } else {
    Along(a + p0 * lda + i0, lda, mc, kc, out);
  }
}

template <std::size_t NR, PackPanel Across, PackPanel Along>
void pack_b(Trans trans, const float* b, std::size_t ldb, std::size_t p0, std::size_t kc,
            std::size_t j0, std::size_t nc, float* out) {
  if (trans == Trans::no) {
    Along(b + p0 * ldb + j0, ldb, nc, kc, out);
  } else {
    Across(b + j0 * ldb + p0, ldb, nc, kc, out);
  }
}

// Writes an accumulator tile (MR × NR, row-major) to C in the order the
// kernels share: sum, then + C, then + bias.
template <std::size_t MR, std::size_t NR>
void store_tile(const float* acc, float* c, std::size_t ldc, std::size_t rows, std::size_t cols,
                bool load_c, const float* bias) {
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = c + r * ldc;
    for (std::size_t j = 0; j < cols; ++j) {
      float value = acc[r * NR + j];
      if (load_c) value += row[j];
      if (bias != nullptr) value += bias[j];
      row[j] = value;
    }
  }
}

}  // namespace
}  // namespace gemm_detail
}  // namespace backprop
