#include "bfloat16.h"

#include "bfloat16_round.h"

namespace backprop {

namespace bfloat16_detail {
#if defined(BACKPROP_HAVE_AVX2)
void round_avx2(const float* src, std::size_t count, float* dst);
#endif
#if defined(BACKPROP_HAVE_AVX512)
void round_avx512(const float* src, std::size_t count, float* dst);
#endif
}  // namespace bfloat16_detail

void round_to_bfloat16(Isa isa, const float* src, std::size_t count, float* dst) {
  if (isa_supported(isa)) {
    switch (float_isa(isa)) {
#if defined(BACKPROP_HAVE_AVX512)
      case Isa::avx512: return bfloat16_detail::round_avx512(src, count, dst);
#endif
#if defined(BACKPROP_HAVE_AVX2)
      case Isa::avx2: return bfloat16_detail::round_avx2(src, count, dst);
#endif
      default: break;
    }
  }
  round_span(src, count, dst);
}

}  // namespace backprop
