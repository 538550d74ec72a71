// first_non_finite: every kind of bad value, at block edges (the scan works
// in blocks of 1024), the first of several, and none.
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "check.h"
#include "finite.h"

namespace {

void finds_each_bad_value_at_every_edge() {
  const float bad_values[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()};
  const std::size_t count = 3000;
  const std::size_t places[] = {0, 1, 1023, 1024, 1025, 2047, 2048, count - 1};
  for (float bad : bad_values) {
    for (std::size_t place : places) {
      std::vector<float> values(count, 1.5f);
      values[place] = bad;
      CHECK(backprop::first_non_finite(values.data(), count) == place);
    }
  }
}

void reports_the_first_of_several() {
  std::vector<float> values(5000, -2.0f);
  values[4000] = std::numeric_limits<float>::infinity();
  values[1500] = std::numeric_limits<float>::quiet_NaN();
  values[1700] = -std::numeric_limits<float>::infinity();
  CHECK(backprop::first_non_finite(values.data(), values.size()) == 1500);
}

void finite_extremes_pass() {
  const std::vector<float> values = {std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                                     std::numeric_limits<float>::denorm_min(), 0.0f, -0.0f};
  CHECK(backprop::first_non_finite(values.data(), values.size()) == values.size());
  CHECK(backprop::first_non_finite(values.data(), 0) == 0);
}

}  // namespace

int main() {
  finds_each_bad_value_at_every_edge();
  reports_the_first_of_several();
  finite_extremes_pass();
  return backprop_test::failures();
}
