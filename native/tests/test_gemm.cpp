// sgemm against a naive double-precision loop: every ISA (an unsupported one
// must fall back, not fault), all four transposes, odd sizes, padded leading
// dimensions whose NaN padding must be neither read nor written, accumulate
// and bias on and off, k == 0, and bit-equality across thread counts.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "check.h"
#include "gemm_cases.h"
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

const char* trans_name(Trans t) { return t == Trans::no ? "N" : "T"; }

// Runs one case and compares with the reference; returns true when all good.
bool run_case(Isa isa, const Case& cs, Random& rng, backprop::ThreadPool* pool) {
  const std::size_t pad_a = rng.below(4) + 1, pad_b = rng.below(4), pad_c = rng.below(4) + 1;
  const Matrix a = cs.ta == Trans::no ? Matrix(cs.m, cs.k, pad_a, rng) : Matrix(cs.k, cs.m, pad_a, rng);
  const Matrix b = cs.tb == Trans::no ? Matrix(cs.k, cs.n, pad_b, rng) : Matrix(cs.n, cs.k, pad_b, rng);
  Matrix c(cs.m, cs.n, pad_c, rng);
  if (!cs.accumulate) {
    // Without accumulate the old C must not be read: NaN would show.
    std::fill(c.data.begin(), c.data.end(), kNaN);
  }
  const Matrix before = c;
  std::vector<float> bias(cs.n);
  for (float& value : bias) value = rng.uniform(-1.0f, 1.0f);

  backprop::sgemm(isa, cs.ta, cs.tb, cs.m, cs.n, cs.k, a.data.data(), a.ld, b.data.data(), b.ld,
                  c.data.data(), c.ld, cs.accumulate, cs.bias ? bias.data() : nullptr, pool);

  std::size_t wrong = 0;
  for (std::size_t i = 0; i < cs.m; ++i) {
    for (std::size_t j = 0; j < cs.n; ++j) {
      double sum = 0.0, magnitude = 0.0;
      for (std::size_t p = 0; p < cs.k; ++p) {
        const double x = cs.ta == Trans::no ? a.at(i, p) : a.at(p, i);
        const double y = cs.tb == Trans::no ? b.at(p, j) : b.at(j, p);
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
      const double got = c.at(i, j);
      if (!(std::fabs(got - sum) <= 1e-5 * magnitude + 1e-6)) ++wrong;
    }
    for (std::size_t j = cs.n; j < c.ld; ++j) {
      if (!std::isnan(c.at(i, j))) ++wrong;  // padding of C written
    }
  }
  if (wrong != 0) {
    std::fprintf(stderr, "%s %s%s m=%zu n=%zu k=%zu accumulate=%d bias=%d: %zu wrong elements\n",
                 backprop::isa_name(isa), trans_name(cs.ta), trans_name(cs.tb), cs.m, cs.n, cs.k,
                 cs.accumulate, cs.bias, wrong);
  }
  return wrong == 0;
}

const std::size_t kSizes[] = {1, 2, 3, 5, 7, 11, 13, 16, 17, 23, 31, 32, 33, 47, 63, 64, 65, 70};
constexpr std::size_t kSizeCount = sizeof(kSizes) / sizeof(kSizes[0]);
const Trans kTrans[] = {Trans::no, Trans::yes};

void test_small_sizes(Isa isa) {
  Random rng{0x1234567u + static_cast<unsigned>(isa)};
  std::size_t cases = 0;
  for (std::size_t mi = 0; mi < kSizeCount; ++mi) {
    for (std::size_t ni = 0; ni < kSizeCount; ++ni) {
      // All four transposes, each with two of the four accumulate/bias
      // combinations; the other two come with the neighbouring n.
      for (int variant = 0; variant < 8; ++variant) {
        const std::size_t k = kSizes[(mi * 7 + ni * 3 + variant * 5) % kSizeCount];
        const int flags = (variant >> 2) * 2 + static_cast<int>(ni & 1);
        const Case cs{kTrans[variant & 1], kTrans[(variant >> 1) & 1], kSizes[mi], kSizes[ni], k,
                      (flags & 1) != 0, (flags & 2) != 0};
        CHECK(run_case(isa, cs, rng, nullptr));
        ++cases;
      }
    }
  }
  for (int i = 0; i < 200; ++i) {
    const Case cs{kTrans[rng.below(2)], kTrans[rng.below(2)], rng.below(70) + 1, rng.below(70) + 1,
                  rng.below(70) + 1, rng.below(2) == 1, rng.below(2) == 1};
    CHECK(run_case(isa, cs, rng, nullptr));
    ++cases;
  }
  std::printf("%s: %zu small cases\n", backprop::isa_name(isa), cases);
}

// Sizes that cross the kernels' k, m and n block boundaries.
void test_block_boundaries(Isa isa) {
  Random rng{0xABCDEFu + static_cast<unsigned>(isa)};
  // 40 × 530: the weights read in place as Cᵀ = B·Aᵀ span several row blocks.
  // 150 × 10: narrower than an AVX tile, computed as Cᵀ over several k blocks.
  const std::size_t shapes[][3] = {{37, 45, 800}, {29, 20, 800},  {250, 33, 20},    {13, 1030, 9},
                                   {97, 70, 385}, {40, 530, 300}, {150, 10, 600}};
  for (const auto& shape : shapes) {
    for (int variant = 0; variant < 16; ++variant) {
      const Case cs{kTrans[variant & 1], kTrans[(variant >> 1) & 1], shape[0], shape[1], shape[2],
                    (variant & 4) != 0, (variant & 8) != 0};
      CHECK(run_case(isa, cs, rng, nullptr));
    }
  }
}

void test_empty_k(Isa isa) {
  const float bias[3] = {1.0f, 2.0f, 3.0f};
  const float unused = kNaN;
  float c[2 * 4] = {5, 6, 7, kNaN, 8, 9, 10, kNaN};
  backprop::sgemm(isa, Trans::no, Trans::yes, 2, 3, 0, &unused, 1, &unused, 1, c, 4, true, nullptr, nullptr);
  CHECK(c[0] == 5 && c[2] == 7 && c[6] == 10 && std::isnan(c[3]));
  backprop::sgemm(isa, Trans::no, Trans::yes, 2, 3, 0, &unused, 1, &unused, 1, c, 4, true, bias, nullptr);
  CHECK(c[0] == 6 && c[2] == 10 && c[6] == 13 && std::isnan(c[7]));
  backprop::sgemm(isa, Trans::no, Trans::yes, 2, 3, 0, &unused, 1, &unused, 1, c, 4, false, bias, nullptr);
  CHECK(c[0] == 1 && c[1] == 2 && c[6] == 3 && std::isnan(c[3]));
  backprop::sgemm(isa, Trans::no, Trans::yes, 2, 3, 0, &unused, 1, &unused, 1, c, 4, false, nullptr, nullptr);
  CHECK(c[0] == 0 && c[5] == 0 && c[6] == 0 && std::isnan(c[7]));
}

// The same product with 1 and 2 threads (and no pool) must give the same
// bits: splits along m and along n, k over several blocks, accumulate+bias.
void test_thread_count_invariance(Isa isa) {
  backprop::ThreadPool one(1), two(2);
  Random rng{0x5EEDu};
  // Just enough work to be split (gemm.cpp: kMinFlopsPerTask); k spans two
  // blocks of every kernel. 20 × 60 splits along n into parts one AVX tile
  // wide, which read A in place where the whole product packs it. 400 × 10
  // shares out rows one tile wide (A read in place); 30 × 1100 packs B in
  // more than one column block of every kernel.
  const std::size_t shapes[][3] = {{190, 41, 520}, {41, 190, 520}, {20, 60, 3400},
                                   {70, 600, 900}, {400, 10, 1100}, {30, 1100, 300}};
  for (const auto& shape : shapes) {
    for (int variant = 0; variant < 4; ++variant) {
      const Trans ta = kTrans[variant & 1], tb = kTrans[(variant >> 1) & 1];
      const std::size_t m = shape[0], n = shape[1], k = shape[2];
      const Matrix a = ta == Trans::no ? Matrix(m, k, 1, rng) : Matrix(k, m, 1, rng);
      const Matrix b = tb == Trans::no ? Matrix(k, n, 2, rng) : Matrix(n, k, 2, rng);
      const Matrix c0(m, n, 3, rng);
      std::vector<float> bias(n);
      for (float& value : bias) value = rng.uniform(-1.0f, 1.0f);
      Matrix c_none = c0, c_one = c0, c_two = c0;
      backprop::sgemm(isa, ta, tb, m, n, k, a.data.data(), a.ld, b.data.data(), b.ld, c_none.data.data(),
                      c0.ld, true, bias.data(), nullptr);
      backprop::sgemm(isa, ta, tb, m, n, k, a.data.data(), a.ld, b.data.data(), b.ld, c_one.data.data(),
                      c0.ld, true, bias.data(), &one);
      backprop::sgemm(isa, ta, tb, m, n, k, a.data.data(), a.ld, b.data.data(), b.ld, c_two.data.data(),
                      c0.ld, true, bias.data(), &two);
      const std::size_t bytes = c0.data.size() * sizeof(float);
      CHECK(std::memcmp(c_none.data.data(), c_one.data.data(), bytes) == 0);
      CHECK(std::memcmp(c_one.data.data(), c_two.data.data(), bytes) == 0);
    }
  }
}

// A product big enough to be cut into more tasks than threads
// (gemm.cpp: kMinFlopsPerSharedTask), with no pool, a pool of one and a pool
// of two: same bits.
void test_big_product_any_pool(Isa isa) {
  backprop::ThreadPool one(1), two(2);
  Random rng{0xB16u};
  const std::size_t m = 300, n = 420, k = 1100;
  const Matrix a(m, k, 0, rng), b(n, k, 0, rng);
  std::vector<float> c_none(m * n), c_one(m * n), c_two(m * n);
  for (auto [c, pool] : {std::pair{&c_none, static_cast<backprop::ThreadPool*>(nullptr)}, std::pair{&c_one, &one},
                         std::pair{&c_two, &two}}) {
    backprop::sgemm(isa, Trans::no, Trans::yes, m, n, k, a.data.data(), a.ld, b.data.data(), b.ld, c->data(), n,
                    false, nullptr, pool);
  }
  CHECK(std::memcmp(c_none.data(), c_one.data(), m * n * sizeof(float)) == 0);
  CHECK(std::memcmp(c_none.data(), c_two.data(), m * n * sizeof(float)) == 0);
}

void test_isa_names() {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon}) {
    Isa parsed = Isa::scalar;
    CHECK(backprop::parse_isa(backprop::isa_name(isa), &parsed) && parsed == isa);
  }
  Isa untouched = Isa::avx2;
  CHECK(!backprop::parse_isa("sse9", &untouched) && untouched == Isa::avx2);
  CHECK(!backprop::parse_isa(nullptr, &untouched));
  CHECK(backprop::isa_supported(Isa::scalar));
  CHECK(backprop::isa_supported(backprop::best_isa()));
}

}  // namespace

int main() {
  test_isa_names();
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon}) {
    const bool supported = backprop::isa_supported(isa);
    std::printf("%s: %s\n", backprop::isa_name(isa), supported ? "supported" : "unsupported, falls back to scalar");
    test_block_boundaries(isa);
    test_empty_k(isa);
    if (supported) {
      test_small_sizes(isa);
      test_thread_count_invariance(isa);
      test_big_product_any_pool(isa);
    }
  }
  return backprop_test::failures();
}
