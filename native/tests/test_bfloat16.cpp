// bfloat16: rounding against a reference round-to-nearest-even computed in
// double on edge values (ties, subnormals, overflow, infinities, NaN) and
// random bit patterns, on every rounding path; bf16gemm against a float64
// product of the rounded operands on every path this CPU has, all four
// transposes, odd sizes 1…70, padded leading dimensions; the packing and
// driver that the AMX and AVX-512 BF16 kernels share, with a reference
// micro-kernel; bits independent of the thread count (no pool, two threads).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "bfloat16.h"
#include "check.h"
#include "gemm_cases.h"
#include "gemm/bf16_pairs.h"
#include "gemm/gemm.h"
#include "isa.h"
#include "random.h"
#include "thread_pool.h"

using backprop::Isa;
using backprop::Trans;
using backprop_test::Case;
using backprop_test::kNaN;
using backprop_test::Matrix;
using backprop_test::Random;

namespace {

float from_bits(std::uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

std::uint32_t to_bits(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

// Round to nearest even by value: the two bfloat16 neighbours of x (the
// truncation and the next one away from zero, 2^128 standing for the
// infinity past the largest), the nearer one, the even one on a tie.
std::uint32_t reference_rounded_bits(std::uint32_t bits) {
  const float x = from_bits(bits);
  if (std::isnan(x)) return 0;  // checked separately
  if (std::isinf(x)) return bits;
  const std::uint32_t down = bits & 0xFFFF0000u, up = down + 0x10000u;
  const double magnitude = std::fabs(static_cast<double>(x));
  const double down_value = std::fabs(static_cast<double>(from_bits(down)));
  const double up_value = (up & 0x7FFFFFFFu) == 0x7F800000u ? std::ldexp(1.0, 128)
                                                               : std::fabs(static_cast<double>(from_bits(up)));
  const double below = magnitude - down_value, above = up_value - magnitude;
  if (below < above) return down;
  if (above < below) return up;
  return (down & 0x10000u) == 0 ? down : up;
}

void check_rounding(Isa isa, const std::vector<std::uint32_t>& inputs) {
  std::vector<float> src(inputs.size()), dst(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) src[i] = from_bits(inputs[i]);
  backprop::round_to_bfloat16(isa, src.data(), src.size(), dst.data());
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::uint32_t got = to_bits(dst[i]);
    const bool good = std::isnan(src[i])
                          ? std::isnan(dst[i]) && (got & 0xFFFFu) == 0 && (got >> 31) == (inputs[i] >> 31)
                          : got == reference_rounded_bits(inputs[i]);
    const bool scalar_agrees = to_bits(backprop::round_to_bfloat16(src[i])) == got &&
                               backprop::bfloat16_bits(src[i]) == static_cast<std::uint16_t>(got >> 16);
    if (!good || !scalar_agrees) {
      if (++wrong <= 5) std::fprintf(stderr, "%s: %08x rounded to %08x\n", backprop::isa_name(isa), inputs[i], got);
    }
  }
  CHECK(wrong == 0);
}

void test_rounding(Isa isa) {
  std::vector<std::uint32_t> edges = {
      0x00000000, 0x80000000,  // ±0
      0x3F800000,              // 1
      0x3F808000,              // 1 + 2^-8: a tie, 1 is even → 1
      0x3F818000,              // a tie whose lower neighbour is odd → up
      0x3F808001, 0x3F807FFF,  // just above and below a tie
      0xBF818000,              // negative tie
      0x7F7FFFFF, 0xFF7FFFFF,  // largest float32: past the last bfloat16's half-way → ±inf
      0x7F7F8000,              // tie between the largest bfloat16 (odd) and infinity → inf
      0x7F7F7FFF,              // just below that tie → largest bfloat16
      0x7F800000, 0xFF800000,  // ±inf
      0x7FC00000, 0xFFC00000,  // quiet NaNs
      0x7F800001, 0xFF800001,  // signalling NaNs whose payload is in the low half only
      0x7FBFFFFF,              // NaN with every payload bit
      0x00000001,              // smallest subnormal → 0
      0x00008000,              // subnormal tie, even below → 0
      0x00018000,              // subnormal tie, odd below → up
      0x0000FFFF, 0x807FFFFF,  // subnormals that round up, the second into the smallest normal
      0x00800000,              // smallest normal
  };
  check_rounding(isa, edges);
  Random rng{0xBF16u};
  std::vector<std::uint32_t> random(1 << 16);
  for (std::uint32_t& bits : random) bits = static_cast<std::uint32_t>(rng.next());
  // Odd length: the vector loops' tails run too.
  random.resize(random.size() - 3);
  check_rounding(isa, random);
}

// The product of the rounded operands in double, then + C, + bias; a float32
// sum of exact products is within (k + 2)·2^-24 of it relative to the sum of
// magnitudes. Unrounded operands miss it by about 2^-9 of that: the check
// fails if either operand escapes the rounding.
template <class Gemm>
bool matches_reference(const char* name, const Case& cs, Random& rng, Gemm run) {
  const std::size_t pad_a = rng.below(4) + 1, pad_b = rng.below(4), pad_c = rng.below(4) + 1;
  const Matrix a = cs.ta == Trans::no ? Matrix(cs.m, cs.k, pad_a, rng) : Matrix(cs.k, cs.m, pad_a, rng);
  const Matrix b = cs.tb == Trans::no ? Matrix(cs.k, cs.n, pad_b, rng) : Matrix(cs.n, cs.k, pad_b, rng);
  Matrix c(cs.m, cs.n, pad_c, rng);
  if (!cs.accumulate) std::fill(c.data.begin(), c.data.end(), kNaN);
  const Matrix before = c;
  std::vector<float> bias(cs.n);
  for (float& value : bias) value = rng.uniform(-1.0f, 1.0f);
  run(cs, a.data.data(), a.ld, b.data.data(), b.ld, c.data.data(), c.ld, cs.bias ? bias.data() : nullptr);
  // op(A) and op(B) rounded, row-major m×k and k×n.
  std::vector<double> ra(cs.m * cs.k), rb(cs.k * cs.n);
  for (std::size_t i = 0; i < cs.m; ++i)
    for (std::size_t p = 0; p < cs.k; ++p)
      ra[i * cs.k + p] = backprop::round_to_bfloat16(cs.ta == Trans::no ? a.at(i, p) : a.at(p, i));
  for (std::size_t p = 0; p < cs.k; ++p)
    for (std::size_t j = 0; j < cs.n; ++j)
      rb[p * cs.n + j] = backprop::round_to_bfloat16(cs.tb == Trans::no ? b.at(p, j) : b.at(j, p));
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < cs.m; ++i) {
    for (std::size_t j = 0; j < cs.n; ++j) {
      double sum = 0.0, magnitude = 0.0;
      for (std::size_t p = 0; p < cs.k; ++p) {
        const double x = ra[i * cs.k + p], y = rb[p * cs.n + j];
        sum += x * y;
        magnitude += std::fabs(x * y);
      }
      if (cs.accumulate) {
        sum += before.at(i, j);
        magnitude += std::fabs(before.at(i, j));
      }
      if (cs.bias) {
        sum += bias[j];
        magnitude += std::fabs(bias[j]);
      }
      const double tolerance = static_cast<double>(cs.k + 2) * std::ldexp(magnitude, -24) + 1e-30;
      if (!(std::fabs(c.at(i, j) - sum) <= tolerance)) ++wrong;
    }
    for (std::size_t j = cs.n; j < c.ld; ++j) {
      if (!std::isnan(c.at(i, j))) ++wrong;  // padding of C written
    }
  }
  if (wrong != 0) {
    std::fprintf(stderr, "%s %c%c m=%zu n=%zu k=%zu accumulate=%d bias=%d: %zu wrong elements\n", name,
                 cs.ta == Trans::no ? 'N' : 'T', cs.tb == Trans::no ? 'N' : 'T', cs.m, cs.n, cs.k, cs.accumulate,
                 cs.bias, wrong);
  }
  return wrong == 0;
}

const std::size_t kSizes[] = {1, 2, 3, 5, 7, 13, 16, 17, 31, 32, 33, 47, 64, 65, 70};
constexpr std::size_t kSizeCount = sizeof(kSizes) / sizeof(kSizes[0]);
const Trans kTrans[] = {Trans::no, Trans::yes};

// Every transpose and accumulate/bias combination over odd sizes, then
// shapes that cross the block sizes of k, m and n.
template <class Gemm>
void test_products(const char* name, Gemm run) {
  Random rng{0xB0F1u};
  std::size_t cases = 0;
  for (std::size_t mi = 0; mi < kSizeCount; ++mi) {
    for (std::size_t ni = 0; ni < kSizeCount; ++ni) {
      // Two of the four transposes here, the other two with the next n.
      for (int half = 0; half < 2; ++half) {
        const int variant = 2 * half + static_cast<int>((ni + mi) & 1);
        const std::size_t k = kSizes[(mi * 7 + ni * 3 + variant * 5) % kSizeCount];
        const Case cs{kTrans[variant & 1], kTrans[(variant >> 1) & 1], kSizes[mi], kSizes[ni], k,
                      ((mi + variant) & 1) != 0, ((ni + variant) & 2) != 0};
        CHECK(matches_reference(name, cs, rng, run));
        ++cases;
      }
    }
  }
  // One transpose per shape, each in turn (the small cases cover them all).
  const std::size_t shapes[][3] = {{37, 45, 1100}, {250, 33, 20}, {13, 1030, 9}, {97, 70, 385}, {40, 530, 300}};
  int variant = 0;
  for (const auto& shape : shapes) {
    const Case cs{kTrans[variant & 1], kTrans[(variant >> 1) & 1], shape[0], shape[1], shape[2], variant == 1,
                  variant == 2};
    CHECK(matches_reference(name, cs, rng, run));
    ++cases;
    variant = (variant + 1) % 4;
  }
  std::printf("%s: %zu products\n", name, cases);
}

// No pool and a pool of two: the same bits.
template <class Gemm>
void test_thread_count_invariance(Gemm run) {
  backprop::ThreadPool two(2);
  Random rng{0x5EEDu};
  // Just enough work for two tasks (split by rows, then by columns where a
  // tile is taller than m), k across depth blocks; two transposes each.
  const std::size_t shapes[][3] = {{190, 41, 1100}, {20, 400, 520}};
  for (int s = 0; s < 2; ++s) {
    const auto& shape = shapes[s];
    for (int variant = 2 * s; variant < 2 * s + 2; ++variant) {
      const Trans ta = kTrans[variant & 1], tb = kTrans[(variant >> 1) & 1];
      const std::size_t m = shape[0], n = shape[1], k = shape[2];
      const Matrix a = ta == Trans::no ? Matrix(m, k, 1, rng) : Matrix(k, m, 1, rng);
      const Matrix b = tb == Trans::no ? Matrix(k, n, 2, rng) : Matrix(n, k, 2, rng);
      std::vector<float> c_none(m * n), c_two(m * n);
      run(ta, tb, m, n, k, a, b, c_none.data(), nullptr);
      run(ta, tb, m, n, k, a, b, c_two.data(), &two);
      CHECK(std::memcmp(c_none.data(), c_two.data(), m * n * sizeof(float)) == 0);
    }
  }
}

void test_path(Isa isa) {
  const std::string name = std::string("bf16gemm ") + backprop::isa_name(isa) + " (" +
                           backprop::bf16_path_name(backprop::bf16_path(isa)) + ")";
  test_products(name.c_str(), [isa](const Case& cs, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                                    float* c, std::size_t ldc, const float* bias) {
    backprop::bf16gemm(isa, cs.ta, cs.tb, cs.m, cs.n, cs.k, a, lda, b, ldb, c, ldc, cs.accumulate, bias, nullptr);
  });
  test_thread_count_invariance([isa](Trans ta, Trans tb, std::size_t m, std::size_t n, std::size_t k,
                                     const Matrix& a, const Matrix& b, float* c, backprop::ThreadPool* pool) {
    backprop::bf16gemm(isa, ta, tb, m, n, k, a.data.data(), a.ld, b.data.data(), b.ld, c, n, false, nullptr, pool);
  });
}

// The reference micro-kernel for bf16_pairs.h: what vdpbf16ps and tdpbf16ps
// compute, per pair the odd then the even product, in float32. It lets the
// packing and the driver that the hardware kernels share run on any CPU.
template <std::size_t MR, std::size_t NR>
void reference_pairs_micro(std::size_t kp, const std::uint16_t* a, const std::uint16_t* b, float* c,
                           std::size_t ldc, std::size_t rows, std::size_t cols, bool load_c, const float* bias) {
  auto value = [](std::uint16_t half) { return from_bits(static_cast<std::uint32_t>(half) << 16); };
  float sums[MR * NR] = {};
  for (std::size_t p = 0; p < kp; p += 2) {
    for (std::size_t r = 0; r < rows; ++r) {
      const float a_even = value(a[r * kp + p]), a_odd = value(a[r * kp + p + 1]);
      for (std::size_t j = 0; j < cols; ++j) {
        const float b_even = value(b[p * NR + 2 * j]), b_odd = value(b[p * NR + 2 * j + 1]);
        sums[r * NR + j] += a_odd * b_odd;
        sums[r * NR + j] += a_even * b_even;
      }
    }
  }
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < cols; ++j) {
      float value_rj = sums[r * NR + j];
      if (load_c) value_rj += c[r * ldc + j];
      if (bias != nullptr) value_rj += bias[j];
      c[r * ldc + j] = value_rj;
    }
  }
}

void test_pairs_driver(const char* name, const backprop::gemm_detail::Bf16Kernel& kernel) {
  test_products(name, [&kernel](const Case& cs, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                                float* c, std::size_t ldc, const float* bias) {
    backprop::gemm_detail::bf16_pairs_gemm(kernel, cs.ta, cs.tb, cs.m, cs.n, cs.k, a, lda, b, ldb, c, ldc,
                                           cs.accumulate, bias, nullptr);
  });
  test_thread_count_invariance([&kernel](Trans ta, Trans tb, std::size_t m, std::size_t n, std::size_t k,
                                         const Matrix& a, const Matrix& b, float* c, backprop::ThreadPool* pool) {
    backprop::gemm_detail::bf16_pairs_gemm(kernel, ta, tb, m, n, k, a.data.data(), a.ld, b.data.data(), b.ld, c, n,
                                           false, nullptr, pool);
  });
}

void test_paths_reported() {
  CHECK(backprop::bf16_path(Isa::scalar) == backprop::Bf16Path::emulated);
  CHECK(backprop::bf16_path(Isa::avx512) == backprop::Bf16Path::emulated);
  CHECK((backprop::bf16_path(Isa::amx) == backprop::Bf16Path::amx) == backprop::isa_supported(Isa::amx));
  CHECK((backprop::bf16_path(Isa::avx512bf16) == backprop::Bf16Path::avx512bf16) ==
        backprop::isa_supported(Isa::avx512bf16));
  // AMX is granted only with AVX-512 BF16 there to fall back on.
  CHECK(!backprop::isa_supported(Isa::amx) || backprop::isa_supported(Isa::avx512bf16));
  CHECK(backprop::float_isa(Isa::amx) == Isa::avx512 && backprop::float_isa(Isa::avx2) == Isa::avx2);
}

}  // namespace

int main() {
  test_paths_reported();
  for (Isa isa : backprop::kAllIsas) {
    if (!backprop::isa_supported(isa)) {
      std::printf("%s: not supported here, not run\n", backprop::isa_name(isa));
      continue;
    }
    test_rounding(isa);
    test_path(isa);
  }
  // The shapes of the AVX-512 BF16 (12 × 32, pairs) and AMX (32 × 32, depth
  // in 32s) kernels, with small blocks so that every loop of the driver turns.
  const backprop::gemm_detail::Bf16Kernel pairs{12, 32, 2, 24, 64, 64, reference_pairs_micro<12, 32>};
  const backprop::gemm_detail::Bf16Kernel tiles{32, 32, 32, 64, 96, 64, reference_pairs_micro<32, 32>};
  test_pairs_driver("pairs driver 12x32/2", pairs);
  test_pairs_driver("pairs driver 32x32/32", tiles);
  return backprop_test::failures();
}
