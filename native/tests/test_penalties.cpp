// L1 / L2 weight penalties: the value by hand, and the gradient
// l1·sign(w) + 2·l2·w (sign(0) = 0) against central differences.
#include <cmath>
#include <vector>

#include "check.h"
#include "penalties.h"

using backprop::PenalizedWeights;

namespace {

void hand_values() {
  const std::vector<float> w = {9, 0.5f, -2, 0, 9};  // the layer is w[1..4)
  const PenalizedWeights layer{1, 3, 0.1, 0.01};
  CHECK_CLOSE(backprop::weight_penalty(layer, w.data()), 0.1 * 2.5 + 0.01 * 4.25, 1e-12, 0);
  std::vector<float> g(w.size(), 1.0f);
  backprop::add_penalty_gradient(layer, w.data(), g.data());
  CHECK(g[0] == 1 && g[4] == 1);  // outside the layer: untouched
  CHECK_CLOSE(g[1], 1 + 0.1 + 0.02 * 0.5, 1e-6, 0);
  CHECK_CLOSE(g[2], 1 - 0.1 - 0.02 * 2, 1e-6, 0);
  CHECK(g[3] == 1);  // sign(0) = 0 and 2·l2·0 = 0
}

void gradient_matches_central_differences() {
  std::vector<float> w = {0.3f, -1.2f, 0.8f, 2.0f, -0.4f, 0.25f, -0.7f};
  const PenalizedWeights layer{0, w.size(), 0.03, 0.2};
  std::vector<float> g(w.size(), 0.0f);
  backprop::add_penalty_gradient(layer, w.data(), g.data());
  const float h = 1e-2f;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const float base = w[i];
    w[i] = base + h;
    const double up = backprop::weight_penalty(layer, w.data());
    const float upper = w[i];
    w[i] = base - h;
    const double down = backprop::weight_penalty(layer, w.data());
    const float lower = w[i];
    w[i] = base;
    CHECK_CLOSE(g[i], (up - down) / (double(upper) - double(lower)), 1e-4, 1e-6);
  }
}

}  // namespace

int main() {
  hand_values();
  gradient_matches_central_differences();
  return backprop_test::failures();
}
