// Dropout masks: the counter-based generator gives the values its
// TypeScript twin (lib/backends/js/dropout.ts) gives — pinned here from it —,
// the dropped fraction is the rate, kept units are scaled by 1/(1 − rate),
// and backward drops and scales exactly the units forward did.
#include <cstdint>
#include <vector>

#include "check.h"
#include "dropout.h"

namespace {

void matches_the_typescript_generator() {
  const std::uint32_t key = backprop::dropout_key(12345, 7, 2);
  CHECK(key == 3138664628u);
  CHECK(backprop::dropout_draw(key, 0) == 3204232734u);
  CHECK(backprop::dropout_draw(key, 1) == 1515824214u);
  CHECK(backprop::dropout_draw(key, 2) == 1158968135u);
  CHECK(backprop::dropout_draw(key, 1000) == 3992155106u);
  // The step counts modulo 2^32, as in TypeScript.
  CHECK(backprop::dropout_key(0xffffffffu, (std::uint64_t{1} << 32) + 5, 0) == 2487398134u);
}

void drops_the_rate_and_scales_the_rest() {
  const std::size_t n = 100000;
  const double rate = 0.3;
  std::vector<float> a(n, 2.0f), out(n), d(n, 1.0f);
  const std::uint32_t key = backprop::dropout_key(1, 0, 0);
  backprop::dropout_forward(a.data(), out.data(), n, key, rate);
  backprop::dropout_backward(d.data(), n, key, rate);
  std::size_t dropped = 0;
  const float scale = float(1.0 / (1.0 - rate));
  for (std::size_t i = 0; i < n; ++i) {
    if (out[i] == 0) {
      ++dropped;
      CHECK(d[i] == 0);
    } else {
      CHECK(out[i] == 2.0f * scale && d[i] == scale);
    }
  }
  CHECK_CLOSE(double(dropped) / double(n), rate, 0, 0.01);
  // Another step, another mask.
  std::vector<float> other(n);
  backprop::dropout_forward(a.data(), other.data(), n, backprop::dropout_key(1, 1, 0), rate);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < n; ++i) differ += (other[i] == 0) != (out[i] == 0);
  CHECK(differ > n / 4);
}

}  // namespace

int main() {
  matches_the_typescript_generator();
  drops_the_rate_and_scales_the_rest();
  return backprop_test::failures();
}
