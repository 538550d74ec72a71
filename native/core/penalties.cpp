#include "penalties.h"

#include <cmath>

namespace backprop {

double weight_penalty(const PenalizedWeights& layer, const float* weights) {
  const float* w = weights + layer.offset;
  double absolute = 0, squared = 0;
  for (std::size_t i = 0; i < layer.count; ++i) {
    absolute += std::fabs(double(w[i]));
    squared += double(w[i]) * double(w[i]);
  }
  return layer.l1 * absolute + layer.l2 * squared;
}

void add_penalty_gradient(const PenalizedWeights& layer, const float* __restrict weights,
                          float* __restrict grads) {
  const float* w = weights + layer.offset;
  float* g = grads + layer.offset;
  const float a = float(layer.l1);
  const float b = float(2 * layer.l2);
  for (std::size_t i = 0; i < layer.count; ++i) {
    const float sign = w[i] > 0 ? a : w[i] < 0 ? -a : 0.0f;
    g[i] += sign + b * w[i];
  }
}

}  // namespace backprop
