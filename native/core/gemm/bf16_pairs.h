// The seam between the bfloat16 GEMM driver (gemm_bf16_pairs.cpp) and the
// kernels of the hardware that multiplies bfloat16 pairs: AMX (tdpbf16ps)
// and AVX-512 BF16 (vdpbf16ps). Both read the same packed operands, rounded
// to bfloat16 while they are packed:
//   A sliver, mr rows of op(A) by kp (depth padded to Bf16Kernel::kstep):
//     element (r, p) at a[r·kp + p], so that a pair (p even, p+1) is one
//     32-bit word and 32 consecutive p are one AMX tile row;
//   B sliver, kp by nr columns of op(B), in pairs of depth ("VNNI" layout):
//     element (p, c) at b[(p/2)·2·nr + 2·c + p%2], so that a row of pairs
//     is what vdpbf16ps reads and a run of 16 of them an AMX B tile.
// Rows past the matrix, columns past it and depth past k are zero.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gemm.h"

namespace backprop {
namespace gemm_detail {

// One rows × cols tile of C (rows ≤ mr, cols ≤ nr) from an A and a B sliver
// kp deep: C = Σ_p a·b, then + C when `load_c`, then + bias[c] when `bias`
// is non-null (already offset to the tile's first column).
using Bf16Micro = void (*)(std::size_t kp, const std::uint16_t* a, const std::uint16_t* b, float* c,
                           std::size_t ldc, std::size_t rows, std::size_t cols, bool load_c, const float* bias);

struct Bf16Kernel {
  std::size_t mr, nr;  // register (or tile) block of C
  std::size_t kstep;   // depth padding: 2 (a pair) or 32 (an AMX tile row)
  std::size_t mc;      // rows of A packed at a time (multiple of mr)
  std::size_t kc;      // depth of a packed block (multiple of kstep)
  std::size_t nc;      // columns of a packed B block (multiple of nr)
  Bf16Micro micro;
};

// Packs op(A)[i0 : i0+mc, p0 : p0+kc] as ceil(mc/mr) A slivers, kp deep.
void pack_a_bf16(Trans trans, const float* a, std::size_t lda, std::size_t i0, std::size_t mc, std::size_t p0,
                 std::size_t kc, std::size_t mr, std::size_t kp, std::uint16_t* out);

// Packs op(B)[p0 : p0+kc, j0 : j0+nc] as ceil(nc/nr) B slivers, kp deep.
void pack_b_bf16(Trans trans, const float* b, std::size_t ldb, std::size_t p0, std::size_t kc, std::size_t j0,
                 std::size_t nc, std::size_t nr, std::size_t kp, std::uint16_t* out);

// bf16gemm (gemm.h) on `kernel`: k > 0, m > 0, n > 0.
void bf16_pairs_gemm(const Bf16Kernel& kernel, Trans trans_a, Trans trans_b, std::size_t m, std::size_t n,
                     std::size_t k, const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c,
                     std::size_t ldc, bool accumulate, const float* bias, ThreadPool* pool);

#if defined(BACKPROP_HAVE_AVX512BF16)
const Bf16Kernel& avx512bf16_kernel();
#endif
#if defined(BACKPROP_HAVE_AMX)
const Bf16Kernel& amx_kernel();
#endif

}  // namespace gemm_detail
}  // namespace backprop
