// PyTorch's clip_grad_norm_ and clip_grad_value_ over the one flat gradient
// array (every parameter together), applied before the optimizer's update.
#pragma once

#include <cstddef>

#include "model_spec.h"

namespace backprop {

// Scales grads by min(1, clip_norm / (‖grads‖₂ + 1e-6)) when clip_norm > 0,
// or clamps each to [−clip_value, clip_value] when clip_value > 0. The norm
// is one pass over the whole array, summed in double.
void clip_gradients(const OptimizerSettings& settings, float* grads, std::size_t n);

}  // namespace backprop
