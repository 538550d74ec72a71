// Every ISA's dot-product kernel (gemm/dot.h), called directly so that row
// counts above the ISA's dot_rows_max are covered too: 1 to 9 rows of A (all
// four tile heights, then again), numbers of B rows that leave partial tiles,
// depths below, at and past a vector width, NaN padding that must be neither
// read nor written, accumulate and bias, against a naive double loop; and
// the same bits whatever column range a call is given (the driver's split).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "check.h"
#include "gemm/kernel.h"
#include "isa.h"
#include "random.h"

using backprop::Isa;
using backprop::gemm_detail::Kernel;
using backprop_test::Random;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Named {
  const char* name;
  const Kernel& kernel;
};

std::vector<Named> kernels() {
  std::vector<Named> out{{"scalar", backprop::gemm_detail::scalar_kernel()}};
#if defined(BACKPROP_HAVE_AVX2)
  if (backprop::isa_supported(Isa::avx2)) out.push_back({"avx2", backprop::gemm_detail::avx2_kernel()});
#endif
#if defined(BACKPROP_HAVE_AVX512)
  if (backprop::isa_supported(Isa::avx512)) out.push_back({"avx512", backprop::gemm_detail::avx512_kernel()});
#endif
#if defined(BACKPROP_HAVE_NEON)
  if (backprop::isa_supported(Isa::neon)) out.push_back({"neon", backprop::gemm_detail::neon_kernel()});
#endif
  return out;
}

// rows × cols values, then `pad` NaNs per row.
std::vector<float> matrix(std::size_t rows, std::size_t cols, std::size_t ld, Random& rng) {
  std::vector<float> data(rows * ld, kNaN);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) data[i * ld + j] = rng.uniform(-1.0f, 1.0f);
  return data;
}

bool run_case(const Named& named, std::size_t m, std::size_t n, std::size_t k, bool accumulate, bool with_bias,
              Random& rng) {
  const std::size_t lda = k + 1 + rng.below(3), ldb = k + 1 + rng.below(3), ldc = n + 1 + rng.below(3);
  const std::vector<float> a = matrix(m, k, lda, rng), b = matrix(n, k, ldb, rng);
  std::vector<float> c = accumulate ? matrix(m, n, ldc, rng) : std::vector<float>(m * ldc, kNaN);
  const std::vector<float> before = c;
  const std::vector<float> bias = matrix(1, n, n, rng);
  named.kernel.dot(m, n, k, a.data(), lda, b.data(), ldb, c.data(), ldc, accumulate,
                   with_bias ? bias.data() : nullptr);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double sum = 0.0, magnitude = 0.0;
      for (std::size_t p = 0; p < k; ++p) {
        const double term = double(a[i * lda + p]) * double(b[j * ldb + p]);
        sum += term;
        magnitude += std::fabs(term);
      }
      if (accumulate) {
        sum += before[i * ldc + j];
        magnitude += std::fabs(before[i * ldc + j]);
      }
      if (with_bias) {
        sum += bias[j];
        magnitude += std::fabs(bias[j]);
      }
      if (!(std::fabs(c[i * ldc + j] - sum) <= 1e-5 * magnitude + 1e-6)) ++wrong;
    }
    for (std::size_t j = n; j < ldc; ++j) {
      if (!std::isnan(c[i * ldc + j])) ++wrong;  // padding of C written
    }
  }
  if (wrong != 0) {
    std::fprintf(stderr, "%s dot m=%zu n=%zu k=%zu accumulate=%d bias=%d: %zu wrong\n", named.name, m, n, k,
                 accumulate, with_bias, wrong);
  }
  return wrong == 0;
}

void test_against_naive(const Named& named) {
  Random rng{0xD07u};
  const std::size_t depths[] = {1, 3, 4, 7, 8, 9, 15, 16, 17, 33, 100};
  std::size_t cases = 0;
  for (std::size_t m = 1; m <= 9; ++m) {
    for (std::size_t n : {1, 5, 6, 8, 9, 13, 20}) {
      for (std::size_t k : depths) {
        const int flags = static_cast<int>((m + n + k) % 4);
        CHECK(run_case(named, m, n, k, (flags & 1) != 0, (flags & 2) != 0, rng));
        ++cases;
      }
    }
  }
  std::printf("%s: %zu dot cases\n", named.name, cases);
}

// The driver hands each thread a range of columns: a column computed in a
// narrower call must come out with the same bits.
void test_column_ranges(const Named& named) {
  Random rng{0xC01u};
  const std::size_t m = 7, n = 29, k = 45;
  const std::vector<float> a = matrix(m, k, k, rng), b = matrix(n, k, k, rng), bias = matrix(1, n, n, rng);
  std::vector<float> whole(m * n), split(m * n);
  named.kernel.dot(m, n, k, a.data(), k, b.data(), k, whole.data(), n, false, bias.data());
  for (std::size_t j0 = 0; j0 < n;) {
    const std::size_t width = std::min<std::size_t>(n - j0, 1 + j0 % 7);
    named.kernel.dot(m, width, k, a.data(), k, b.data() + j0 * k, k, split.data() + j0, n, false, bias.data() + j0);
    j0 += width;
  }
  CHECK(std::memcmp(whole.data(), split.data(), whole.size() * sizeof(float)) == 0);
}

}  // namespace

int main() {
  for (const Named& named : kernels()) {
    test_against_naive(named);
    test_column_ranges(named);
  }
  return backprop_test::failures();
}
