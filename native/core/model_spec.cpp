#include "model_spec.h"

namespace backprop {

std::size_t parameter_count(const ModelSpec& spec) {
  std::size_t count = 0;
  std::size_t inputs = spec.inputs;
  for (const LayerSpec& layer : spec.layers) {
    count += layer.units * inputs + layer.units;
    if (layer.normalization.type != NormalizationType::none) count += 2 * layer.units;
    inputs = layer.units;
  }
  return count;
}

std::size_t state_count(const ModelSpec& spec) {
  std::size_t count = parameter_count(spec);
  for (const LayerSpec& layer : spec.layers) {
    if (layer.normalization.type == NormalizationType::batch) count += 2 * layer.units;
  }
  return count;
}

}  // namespace backprop
