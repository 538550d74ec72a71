#include "float_env.h"

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
#include <xmmintrin.h>
#define BACKPROP_HAS_MXCSR 1
#else
#define BACKPROP_HAS_MXCSR 0
#endif

namespace backprop {

#if BACKPROP_HAS_MXCSR
namespace {
constexpr unsigned kFlushToZero = 1u << 15;
constexpr unsigned kDenormalsAreZero = 1u << 6;
}  // namespace

DenormalsFlushedToZero::DenormalsFlushedToZero() : saved_(_mm_getcsr()) {
  _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero);
}

DenormalsFlushedToZero::~DenormalsFlushedToZero() { _mm_setcsr(saved_); }
#else
DenormalsFlushedToZero::DenormalsFlushedToZero() : saved_(0) {}
DenormalsFlushedToZero::~DenormalsFlushedToZero() {}
#endif

}  // namespace backprop
