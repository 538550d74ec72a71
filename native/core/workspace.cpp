#include "workspace.h"

#include <algorithm>

namespace backprop {

Workspace::Workspace(const ModelSpec& spec, Purpose purpose)
    : spec_(spec), purpose_(purpose), layers_(spec.layers.size()) {
  std::size_t widest = 0;
  for (const LayerSpec& layer : spec.layers) {
    if (layer.normalization.type != NormalizationType::none) widest = std::max(widest, layer.units);
  }
  sums_.assign(2 * widest, 0.0);
}

void Workspace::reserve(std::size_t rows) {
  if (rows <= capacity_) return;
  const bool training = purpose_ == Purpose::training;
  std::size_t size = 0;
  auto take_floats = [&size](std::size_t count) {
    const std::size_t offset = size;
    size += count;
    return offset;
  };
  auto take = [&take_floats, rows](std::size_t width) { return take_floats(rows * width); };
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& layer = spec_.layers[l];
    const NormalizationType norm = layer.normalization.type;
    Offsets& offsets = layers_[l];
    offsets.z = take(layer.units);
    offsets.linear = training && norm != NormalizationType::none ? take(layer.units) : offsets.z;
    // batch: mean, variance, invstd per unit; layer: invstd per row (training).
    offsets.statistics = norm == NormalizationType::batch ? take_floats(3 * layer.units)
                         : norm == NormalizationType::layer && training ? take(1)
                                                                          : 0;
    offsets.a = layer.activation == Activation::linear ? offsets.z : take(layer.units);
    offsets.delta = training ? take(layer.units) : 0;
    offsets.has_dropped = training && layer.dropout > 0;
    offsets.dropped = offsets.has_dropped ? take(layer.units) : 0;
  }
  if (training) {
    inputs_offset_ = take(spec_.inputs);
    targets_offset_ = take(spec_.layers.back().units);
    weights_offset_ = take(1);
    labels_.assign(rows, 0);
  }
  floats_.assign(size, 0.0f);
  capacity_ = rows;
}

}  // namespace backprop
