// bf16gemm: the hardware bfloat16 kernels where the path has them
// (bf16_pairs.h), else the emulation: the operands rounded into per-thread
// copies, then the path's float32 GEMM. A product of two bfloat16 values is
// exact in float32, so that is exactly "float32 FMA on rounded operands".
#include <vector>

#include "../bfloat16.h"
#include "bf16_pairs.h"
#include "gemm.h"

namespace backprop {

namespace {

struct RoundedOperands {
  std::vector<float> a, b;
};
thread_local RoundedOperands rounded_operands;

// The rows × cols matrix at `src` (row stride ld), rounded, packed tight.
const float* rounded(Isa isa, const float* src, std::size_t rows, std::size_t cols, std::size_t ld,
                     std::vector<float>& buffer) {
  if (buffer.size() < rows * cols) buffer.resize(rows * cols);
  for (std::size_t r = 0; r < rows; ++r) round_to_bfloat16(isa, src + r * ld, cols, buffer.data() + r * cols);
  return buffer.data();
}

}  // namespace

const char* bf16_path_name(Bf16Path path) {
  switch (path) {
    case Bf16Path::amx: return "amx";
    case Bf16Path::avx512bf16: return "avx512bf16";
    case Bf16Path::emulated: return "emulated";
  }
  return "unknown";
}

Bf16Path bf16_path(Isa isa) {
  if (isa == Isa::amx && isa_supported(Isa::amx)) return Bf16Path::amx;
  if ((isa == Isa::amx || isa == Isa::avx512bf16) && isa_supported(Isa::avx512bf16)) return Bf16Path::avx512bf16;
  return Bf16Path::emulated;
}

void bf16gemm(Isa isa, Trans trans_a, Trans trans_b, std::size_t m, std::size_t n, std::size_t k,
              const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
              bool accumulate, const float* bias, ThreadPool* pool) {
  if (m == 0 || n == 0) return;
  if (k == 0) return sgemm(isa, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, pool);
  switch (bf16_path(isa)) {
#if defined(BACKPROP_HAVE_AMX)
    case Bf16Path::amx:
      return gemm_detail::bf16_pairs_gemm(gemm_detail::amx_kernel(), trans_a, trans_b, m, n, k, a, lda, b, ldb, c,
                                          ldc, accumulate, bias, pool);
#endif
#if defined(BACKPROP_HAVE_AVX512BF16)
    case Bf16Path::avx512bf16:
      return gemm_detail::bf16_pairs_gemm(gemm_detail::avx512bf16_kernel(), trans_a, trans_b, m, n, k, a, lda, b,
                                          ldb, c, ldc, accumulate, bias, pool);
#endif
    default: break;
  }
  const bool a_plain = trans_a == Trans::no, b_plain = trans_b == Trans::no;
  const std::size_t a_rows = a_plain ? m : k, a_cols = a_plain ? k : m;
  const std::size_t b_rows = b_plain ? k : n, b_cols = b_plain ? n : k;
  const float* ra = rounded(isa, a, a_rows, a_cols, lda, rounded_operands.a);
  const float* rb = rounded(isa, b, b_rows, b_cols, ldb, rounded_operands.b);
  sgemm(isa, trans_a, trans_b, m, n, k, ra, a_cols, rb, b_cols, c, ldc, accumulate, bias, pool);
}

void gemm(Precision precision, Isa isa, Trans trans_a, Trans trans_b, std::size_t m, std::size_t n, std::size_t k,
          const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
          bool accumulate, const float* bias, ThreadPool* pool) {
  if (precision == Precision::bfloat16) {
    bf16gemm(isa, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, pool);
  } else {
    sgemm(isa, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, pool);
  }
}

}  // namespace backprop
