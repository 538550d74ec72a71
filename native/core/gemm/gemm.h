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

}  // namespace backprop
