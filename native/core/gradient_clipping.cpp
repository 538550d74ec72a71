#include "gradient_clipping.h"

#include <algorithm>
#include <cmath>

namespace backprop {

void clip_gradients(const OptimizerSettings& settings, float* grads, std::size_t n) {
  if (settings.clip_norm > 0) {
    double squares = 0;
    for (std::size_t i = 0; i < n; ++i) squares += double(grads[i]) * double(grads[i]);
    const float norm = float(std::sqrt(squares));
    // As PyTorch: the coefficient is computed and clamped in float32.
    const float coefficient = std::min(1.0f, float(settings.clip_norm) / (norm + 1e-6f));
    if (coefficient < 1.0f) {
      for (std::size_t i = 0; i < n; ++i) grads[i] *= coefficient;
    }
  } else if (settings.clip_value > 0) {
    const float limit = float(settings.clip_value);
    for (std::size_t i = 0; i < n; ++i) grads[i] = std::min(limit, std::max(-limit, grads[i]));
  }
}

}  // namespace backprop
