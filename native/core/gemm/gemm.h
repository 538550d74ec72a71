// Single-precision GEMM for the three products of backpropagation.
// BLIS/Goto structure: pack panels of A and B, then a register-blocked
// micro-kernel chosen per ISA at run time.
#pragma once

#include <cstddef>

#include "isa.h"

namespace backprop {

class ThreadPool;

enum class Trans { no, yes };

// C[m×n] = op(A)·op(B), plus C itself when `accumulate`, plus bias[j] on
// every row when `bias` is non-null. All matrices are row-major.
//   op(A) is m×k: A is stored m×k (lda ≥ k) for Trans::no, k×m (lda ≥ m) for Trans::yes.
//   op(B) is k×n: B is stored k×n (ldb ≥ n) for Trans::no, n×k (ldb ≥ k) for Trans::yes.
// Backprop uses: forward  Z = X·Wᵀ     (no, yes)
//                input    dX = dZ·W    (no, no)
//                weights  dW = dZᵀ·X   (yes, no)
// Work is split over `pool` (may be null) by blocks of C; every element of C
// is summed in the same order whatever the split, so the bits of the result
// do not depend on the thread count. k == 0 gives C = bias (or C unchanged
// when accumulating). Steady state allocates nothing: packing buffers are
// per thread and grow only. An `isa` this CPU cannot run (isa_supported()
// false) computes with the scalar kernel instead of faulting.
void sgemm(Isa isa, Trans trans_a, Trans trans_b, std::size_t m, std::size_t n, std::size_t k,
           const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c,
           std::size_t ldc, bool accumulate, const float* bias, ThreadPool* pool);

// How a bfloat16 GEMM runs on a path (bf16_path): AMX tiles, vdpbf16ps, or
// float32 FMAs on rounded operands with that path's float32 kernel.
enum class Bf16Path { amx, avx512bf16, emulated };

// "amx", "avx512bf16", "emulated".
const char* bf16_path_name(Bf16Path path);

// amx when `isa` is amx and supported; avx512bf16 when `isa` is amx or
// avx512bf16 and the CPU has AVX-512 BF16; emulated otherwise.
Bf16Path bf16_path(Isa isa);

// sgemm with A and B rounded to bfloat16 (round to nearest even) and the
// products summed in float32; C, the bias and the accumulation stay float32.
// Same arguments, same guarantees (bits independent of the thread count).
// Where AMX or vdpbf16ps run, they treat bfloat16 subnormals as zero.
void bf16gemm(Isa isa, Trans trans_a, Trans trans_b, std::size_t m, std::size_t n, std::size_t k,
              const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c,
              std::size_t ldc, bool accumulate, const float* bias, ThreadPool* pool);

// The precision of a network's GEMMs (NetworkOptions.precision).
enum class Precision { float32, bfloat16 };

// sgemm for float32, bf16gemm for bfloat16.
void gemm(Precision precision, Isa isa, Trans trans_a, Trans trans_b, std::size_t m, std::size_t n,
          std::size_t k, const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c,
          std::size_t ldc, bool accumulate, const float* bias, ThreadPool* pool);

}  // namespace backprop
