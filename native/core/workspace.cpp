#include "workspace.h"

namespace backprop {

Workspace::Workspace(const ModelSpec& spec, Purpose purpose)
    : spec_(spec), purpose_(purpose), layers_(spec.layers.size()) {}

void Workspace::reserve(std::size_t rows) {
  if (rows <= capacity_) return;
  const bool training = purpose_ == Purpose::training;
  std::size_t size = 0;
  auto take = [&size, rows](std::size_t width) {
    const std::size_t offset = size;
    size += rows * width;
    return offset;
  };
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& layer = spec_.layers[l];
    Offsets& offsets = layers_[l];
    offsets.z = take(layer.units);
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
