// round_to_bfloat16 compiled with the avx512 flags (bfloat16_round.h).
#include "bfloat16_round.h"

namespace backprop {
namespace bfloat16_detail {

void round_avx512(const float* src, std::size_t count, float* dst) { round_span(src, count, dst); }

}  // namespace bfloat16_detail
}  // namespace backprop
