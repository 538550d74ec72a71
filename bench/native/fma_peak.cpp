// The machine's float32 FMA peak, the yardstick of "fraction of peak" in
// BENCHMARKS.md: a loop of independent fused multiply-adds on 12 vector
// accumulators (more chains than FMA latency × FMA ports on any core we
// target), so it is bound by FMA throughput alone. One FMA on W lanes counts
// as 2·W flops. Reports GFLOP/s of wall time and GFLOP per CPU-second (all
// threads), like gemm_bench, for the widest vector the CPU has (AVX-512 zmm,
// AVX2 ymm; elsewhere: none, and it says so).
//   fma_peak [--threads 1,2] [--seconds 1] [--reps 3] [--json]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "isa.h"

namespace {

constexpr int kRounds = 1000;  // FMA rounds per trip between opaque barriers

#if defined(__x86_64__)
// Each accumulator starts apart so the compiler cannot merge the chains; the
// empty asm makes it assume every accumulator changes between trips.
#define BACKPROP_PEAK_KERNEL(NAME, TARGET, VEC, SET1, FMA, ADD, STORE, LANES)                  \
  __attribute__((target(TARGET), noinline)) float NAME(std::uint64_t trips) {                  \
    const VEC m = SET1(0.999999f), c = SET1(1e-6f);                                           \
    VEC a[12];                                                                                 \
    for (int i = 0; i < 12; ++i) a[i] = SET1(1.0f + 0.01f * float(i));                         \
    for (std::uint64_t t = 0; t < trips; ++t) {                                                \
      for (int r = 0; r < kRounds; ++r) {                                                      \
        a[0] = FMA(a[0], m, c); a[1] = FMA(a[1], m, c); a[2] = FMA(a[2], m, c);                \
        a[3] = FMA(a[3], m, c); a[4] = FMA(a[4], m, c); a[5] = FMA(a[5], m, c);                \
        a[6] = FMA(a[6], m, c); a[7] = FMA(a[7], m, c); a[8] = FMA(a[8], m, c);                \
        a[9] = FMA(a[9], m, c); a[10] = FMA(a[10], m, c); a[11] = FMA(a[11], m, c);            \
      }                                                                                        \
      for (int i = 0; i < 12; ++i) __asm__ volatile("" : "+x"(a[i]));                         \
    }                                                                                          \
    VEC s = a[0];                                                                              \
    for (int i = 1; i < 12; ++i) s = ADD(s, a[i]);                                             \
    float lanes[LANES];                                                                        \
    STORE(lanes, s);                                                                           \
    return lanes[0];                                                                           \
  }

BACKPROP_PEAK_KERNEL(peak_ymm, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps,
                     _mm256_storeu_ps, 8)
BACKPROP_PEAK_KERNEL(peak_zmm, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps,
                     _mm512_storeu_ps, 16)
#undef BACKPROP_PEAK_KERNEL
#endif

struct Kernel {
  const char* name;
  float (*run)(std::uint64_t trips);
  int lanes;
};

// The widest FMA the CPU has, or a null run when there is none we measure.
Kernel widest_kernel() {
#if defined(__x86_64__)
  if (backprop::isa_supported(backprop::Isa::avx512)) return {"avx512", peak_zmm, 16};
  if (backprop::isa_supported(backprop::Isa::avx2)) return {"avx2", peak_ymm, 8};
#endif
  return {"none", nullptr, 0};
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<unsigned> thread_list(const char* text) {
  std::vector<unsigned> out;
  for (const char* p = text; *p;) {
    char* end = nullptr;
    const unsigned long value = std::strtoul(p, &end, 10);
    if (end == p || value == 0 || value > 256) {
      std::fprintf(stderr, "fma_peak: --threads takes a list of counts 1..256, got %s\n", text);
      std::exit(2);
    }
    out.push_back(unsigned(value));
    p = *end == ',' ? end + 1 : end;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<unsigned> threads{1};
  double seconds = 1;
  int reps = 3;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--threads" && has_value) threads = thread_list(argv[++i]);
    else if (arg == "--seconds" && has_value) seconds = std::atof(argv[++i]);
    else if (arg == "--reps" && has_value) reps = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--json") json = true;
    else {
      std::fprintf(stderr, "usage: fma_peak [--threads 1,2] [--seconds 1] [--reps 3] [--json]\n");
      return arg == "--help" ? 0 : 2;
    }
  }
  const Kernel kernel = widest_kernel();
  if (kernel.run == nullptr) {
    std::fprintf(stderr, "fma_peak: no AVX2 or AVX-512 FMA on this CPU; nothing measured\n");
    return 1;
  }
  // Trips per thread for about `seconds`, from a short calibration run.
  const double started = wall_seconds();
  volatile float sink = kernel.run(20);
  const double per_trip = (wall_seconds() - started) / 20;
  const std::uint64_t trips = std::max<std::uint64_t>(1, std::uint64_t(seconds / per_trip));
  const double flops_per_trip = 12.0 * kRounds * 2 * kernel.lanes;
  for (unsigned count : threads) {
    std::vector<double> rates;
    double cpu_total = 0, flops_total = 0;
    for (int r = 0; r < reps; ++r) {
      const double wall0 = wall_seconds(), cpu0 = cpu_seconds();
      std::vector<std::thread> workers;
      for (unsigned t = 0; t < count; ++t) workers.emplace_back([&] { sink = kernel.run(trips); });
      for (std::thread& w : workers) w.join();
      const double flops = flops_per_trip * double(trips) * count;
      rates.push_back(flops / (wall_seconds() - wall0) * 1e-9);
      cpu_total += cpu_seconds() - cpu0;
      flops_total += flops;
    }
    std::sort(rates.begin(), rates.end());
    const double median = rates[rates.size() / 2];
    const double per_cpu = flops_total / cpu_total * 1e-9;
    if (json) {
      std::printf("{\"bench\":\"fmaPeak\",\"isa\":\"%s\",\"threads\":%u,\"gflops\":%.1f,\"gflopsPerCpuSecond\":%.1f}\n",
                  kernel.name, count, median, per_cpu);
    } else {
      std::printf("%s FMA peak, %u thread%s: %.1f GFLOP/s (%.1f GFLOP per CPU-second)\n", kernel.name, count,
                  count == 1 ? "" : "s", median, per_cpu);
    }
  }
  (void)sink;
  return 0;
}
