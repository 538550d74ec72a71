#include "isa.h"

#include <cstring>
#include <initializer_list>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace backprop {

namespace {

#if defined(__x86_64__) || defined(__i386__)

struct X86Features {
  bool avx2 = false;
  bool avx512 = false;
  bool avx512bf16 = false;  // with AVX512BW, which its packing uses
  bool amx = false;         // AMX-TILE + AMX-BF16, tile state enabled and granted
};

// Linux keeps AMX tile data off until the process asks (arch_prctl, kernel
// 5.16+); a refusal (older kernel, seccomp, a VM without it) means no AMX.
bool request_tile_data() {
#if defined(__linux__) && defined(__x86_64__)
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

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
  const bool avx512bw = (ebx & bit_AVX512BW) != 0;
  constexpr unsigned kAmxBf16 = 1u << 22, kAmxTile = 1u << 24;  // leaf 7.0 EDX
  const bool amx_cpu = (edx & kAmxBf16) != 0 && (edx & kAmxTile) != 0;
  constexpr unsigned long long kTileState = 0x3ull << 17;  // XTILECFG, XTILEDATA
  const bool os_tiles = (xcr0 & kTileState) == kTileState;
  unsigned eax1 = 0, ebx1 = 0, ecx1 = 0, edx1 = 0;
  constexpr unsigned kAvx512Bf16 = 1u << 5;  // leaf 7.1 EAX
  const bool bf16 = eax >= 1 && __get_cpuid_count(7, 1, &eax1, &ebx1, &ecx1, &edx1) && (eax1 & kAvx512Bf16) != 0;
  features.avx512bf16 = features.avx512 && avx512bw && bf16;
  features.amx = features.avx512bf16 && amx_cpu && os_tiles && request_tile_data();
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
    case Isa::avx512bf16: return "avx512bf16";
    case Isa::amx: return "amx";
  }
  return "unknown";
}

bool parse_isa(const char* name, Isa* out) {
  if (name == nullptr) return false;
  for (Isa isa : kAllIsas) {
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
#if defined(BACKPROP_HAVE_AVX512BF16)
    case Isa::avx512bf16: return x86_features().avx512bf16;
#endif
#if defined(BACKPROP_HAVE_AMX)
    case Isa::amx: return x86_features().amx;
#endif
    default: return false;
  }
}

Isa float_isa(Isa isa) {
  return isa == Isa::avx512bf16 || isa == Isa::amx ? Isa::avx512 : isa;
}

Isa best_isa() {
  for (Isa isa : {Isa::amx, Isa::avx512bf16, Isa::avx512, Isa::avx2, Isa::neon}) {
    if (isa_supported(isa)) return isa;
  }
  return Isa::scalar;
}

}  // namespace backprop
