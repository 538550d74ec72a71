#include "model_spec.h"

namespace backprop {

std::size_t parameter_count(const ModelSpec& spec) {
  std::size_t count = 0;
  std::size_t inputs = spec.inputs;
  for (const LayerSpec& layer : spec.layers) {
    count += layer.units * inputs + layer.units;
    inputs = layer.units;
  }
  return count;
}

}  // namespace backprop
