#include "isa.h"

#include <cstring>
#include <initializer_list>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace backprop {

namespace {

#if defined(__x86_64__) || defined(__i386__)

struct X86Features {
  bool avx2 = false;
  bool avx512 = false;
};

// XCR0 says which register states the OS saves on a context switch; a CPU
// that has AVX-512 under an OS that does not save ZMM must not use it.
unsigned long long read_xcr0() {
  unsigned eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

X86Features detect_x86() {
  X86Features features;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(1, 0, &eax, &ebx, &ecx, &edx)) return features;
  const bool fma = (ecx & bit_FMA) != 0;
  const bool osxsave = (ecx & bit_OSXSAVE) != 0;
  const bool avx = (ecx & bit_AVX) != 0;
  if (!osxsave || !avx) return features;

  const unsigned long long xcr0 = read_xcr0();
  constexpr unsigned long long kSseYmm = 0x6;            // XMM (bit 1) + upper YMM (bit 2)
  constexpr unsigned long long kOpmaskZmm = 0x7 << 5;    // opmask, ZMM0-15 upper, ZMM16-31
  const bool os_ymm = (xcr0 & kSseYmm) == kSseYmm;
  const bool os_zmm = os_ymm && (xcr0 & kOpmaskZmm) == kOpmaskZmm;

  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return features;
  features.avx2 = os_ymm && fma && (ebx & bit_AVX2) != 0;
  features.avx512 = os_zmm && fma && (ebx & bit_AVX512F) != 0;
  return features;
}

const X86Features& x86_features() {
  static const X86Features features = detect_x86();
  return features;
}

#endif

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
    case Isa::neon: return "neon";
  }
  return "unknown";
}

bool parse_isa(const char* name, Isa* out) {
  if (name == nullptr) return false;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon}) {
    if (std::strcmp(name, isa_name(isa)) == 0) {
      *out = isa;
      return true;
    }
  }
  return false;
}

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::scalar: return true;
#if defined(BACKPROP_HAVE_AVX2)
    case Isa::avx2: return x86_features().avx2;
#endif
#if defined(BACKPROP_HAVE_AVX512)
    case Isa::avx512: return x86_features().avx512;
#endif
#if defined(BACKPROP_HAVE_NEON)
    case Isa::neon: return true;  // Advanced SIMD is mandatory on AArch64.
#endif
    default: return false;
  }
}

Isa best_isa() {
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::neon}) {
    if (isa_supported(isa)) return isa;
  }
  return Isa::scalar;
}

}  // namespace backprop
