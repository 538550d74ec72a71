// The buffers one pass over a block of rows needs, allocated when the block
// outgrows them and reused otherwise: steady-state training allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model_spec.h"
#include "normalization.h"

namespace backprop {

class Workspace {
 public:
  enum class Purpose {
    inference,  // pre-activations and outputs of every layer
    training,   // also every layer's dL/dZ and gather buffers for x and targets
  };

  Workspace(const ModelSpec& spec, Purpose purpose);

  // Makes room for `rows` rows; reallocates only when rows > capacity().
  void reserve(std::size_t rows);
  std::size_t capacity() const { return capacity_; }

  // Each rows × units of layer `layer`, row-major. The pre-activation is
  // the activation's input: the Linear's output, or for a normalized layer
  // the normalization's. For a linear layer the output is the
  // pre-activation buffer itself.
  float* pre_activation(std::size_t layer) { return floats_.data() + layers_[layer].z; }
  // Where the Linear writes z: for a normalized layer in training, a buffer
  // of its own that the normalization turns into ẑ; otherwise the
  // pre-activation buffer (normalized in place in inference).
  float* linear_output(std::size_t layer) { return floats_.data() + layers_[layer].linear; }
  float* output(std::size_t layer) { return floats_.data() + layers_[layer].a; }
  float* delta(std::size_t layer) { return floats_.data() + layers_[layer].delta; }
  // Training only, for a layer with dropout: its output after the mask (the
  // next layer's input in training mode); null for the other layers.
  float* dropped(std::size_t layer) {
    return layers_[layer].has_dropped ? floats_.data() + layers_[layer].dropped : nullptr;
  }

  // A normalized layer's buffers (normalization.h).
  NormalizationBuffers normalization(std::size_t layer) {
    return {linear_output(layer), floats_.data() + layers_[layer].statistics, sums_.data()};
  }

  // Training only: rows × inputs, rows × outputs, rows, rows.
  float* gathered_inputs() { return floats_.data() + inputs_offset_; }
  float* gathered_targets() { return floats_.data() + targets_offset_; }
  float* gathered_weights() { return floats_.data() + weights_offset_; }
  std::int32_t* gathered_labels() { return labels_.data(); }

 private:
  struct Offsets {
    std::size_t z, a, delta, dropped, linear, statistics;
    bool has_dropped;
  };

  const ModelSpec& spec_;
  Purpose purpose_;
  std::size_t capacity_ = 0;
  std::vector<Offsets> layers_;
  std::size_t inputs_offset_ = 0;
  std::size_t targets_offset_ = 0;
  std::size_t weights_offset_ = 0;
  std::vector<float> floats_;
  std::vector<std::int32_t> labels_;
  std::vector<double> sums_;  // the normalizations' scratch: 2 × the widest normalized layer
};

}  // namespace backprop
