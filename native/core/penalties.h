// L1 / L2 penalties on each layer's weight (never its bias): the training
// loss gains Σ_layers l1·Σ|w| + l2·Σw², its gradient l1·sign(w) + 2·l2·w
// with sign(0) = 0. Only training losses carry them (not evaluate).
// Twin of lib/backends/js/penalties.ts.
#pragma once

#include <cstddef>

#include "model_spec.h"

namespace backprop {

// The weight block of one layer in the flat parameter array.
struct PenalizedWeights {
  std::size_t offset, count;
  double l1, l2;
};

// The penalty of these weights, summed in double.
double weight_penalty(const PenalizedWeights& layer, const float* weights);

// grads[i] += l1·sign(w) + 2·l2·w over the layer's weight, in float32.
void add_penalty_gradient(const PenalizedWeights& layer, const float* weights, float* grads);

}  // namespace backprop
