// The seam between the GEMM driver (gemm.cpp) and the per-ISA files: each
// ISA provides its packing routines, its micro-kernel and the block sizes
// that suit them.
#pragma once

#include <cstddef>

#include "gemm.h"

namespace backprop {
namespace gemm_detail {

// Packs op(A)[i0 : i0+mc, p0 : p0+kc] as ceil(mc/mr) slivers; sliver s holds
// element (i0 + s·mr + r, p0 + p) at [s·mr·kc + p·mr + r], rows past mc zero.
using PackA = void (*)(Trans trans, const float* a, std::size_t lda, std::size_t i0, std::size_t mc,
                       std::size_t p0, std::size_t kc, float* out);

// Packs op(B)[p0 : p0+kc, j0 : j0+nc] as ceil(nc/nr) slivers; sliver s holds
// element (p0 + p, j0 + s·nr + c) at [s·nr·kc + p·nr + c], columns past nc zero.
using PackB = void (*)(Trans trans, const float* b, std::size_t ldb, std::size_t p0, std::size_t kc,
                       std::size_t j0, std::size_t nc, float* out);

// Where a micro-kernel reads A: element (r, p) of the tile's rows is at
// a[r·row_stride + p·depth_stride]. A packed sliver is {1, mr} and zero-padded
// to mr rows; when every sliver would be used once only (C is a single tile
// wide) the driver skips packing and points into op(A) itself: {lda, 1} or
// {1, lda}, not padded.
struct ASource {
  const float* a;
  std::size_t row_stride, depth_stride;
  bool packed;
};

// One rows × cols tile of C (rows ≤ mr, cols ≤ nr) from A (`rows` rows, never
// more, are read) and one packed B sliver: C = Σ_p a·b, then + C when
// `load_c`, then + bias[c] when `bias` is non-null (already offset to the
// tile's first column). Every element is one chain of multiply-adds over p in
// increasing order, whatever its place in the tile and wherever A is read
// from, so a result never depends on the tiling.
using MicroKernel = void (*)(std::size_t kc, ASource a, const float* b, float* c, std::size_t ldc,
                             std::size_t rows, std::size_t cols, bool load_c, const float* bias);

// C[m×n] = A·Bᵀ (+ C when `accumulate`) (+ bias[j] on every row when `bias`
// is non-null), A m×k (lda ≥ k) and B n×k (ldb ≥ k) both row-major: the
// forward product with few rows, as dot products of rows (dot.h).
using DotProducts = void (*)(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate,
                             const float* bias);

struct Kernel {
  std::size_t mr, nr;  // register tile
  std::size_t mc;      // rows of A packed at a time (multiple of mr)
  std::size_t kc;      // depth of one packed block: an A sliver (mr × kc) stays in L1
  std::size_t nc;      // columns of the packed B block (kc × nc, multiple of nr) kept in L2
  PackA pack_a;
  PackB pack_b;
  MicroKernel micro;
  // A·Bᵀ with at most dot_rows_max rows goes to `dot` instead: below that,
  // packing B costs more than reading it in place once per few rows of A.
  std::size_t dot_rows_max;
  DotProducts dot;
  // A·Bᵀ with more rows than that but fewer than columns, and at most this
  // many rows, is computed as Cᵀ = B·Aᵀ with B read in place (gemm.cpp:
  // transposed_product); 0: never. Only where the micro-kernel reads an
  // unpacked A at full speed, and, for AVX2 on AMD Zen, only for batches up
  // to 128 rows: at 256 rows × 1024 units packing B ran 1.3× faster there.
  std::size_t transposed_rows_max;
};

const Kernel& scalar_kernel();
#if defined(BACKPROP_HAVE_AVX2)
const Kernel& avx2_kernel();
#endif
#if defined(BACKPROP_HAVE_AVX512)
const Kernel& avx512_kernel();
#endif
#if defined(BACKPROP_HAVE_NEON)
const Kernel& neon_kernel();
#endif

}  // namespace gemm_detail
}  // namespace backprop
