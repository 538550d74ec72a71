// A validated description of a network, mirroring lib/backends/backend.ts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gemm/gemm.h"

namespace backprop {

enum class Activation { linear, sigmoid, tanh, relu, leaky_relu, elu, gelu, softmax };
enum class Loss { mse, binary_cross_entropy, cross_entropy };
enum class OptimizerType { sgd, adam, adamw, rmsprop, adagrad };

// PyTorch's hyperparameters; unused ones are ignored by each type.
struct OptimizerSettings {
  OptimizerType type = OptimizerType::sgd;
  double learning_rate = 0.01;
  double momentum = 0;
  bool nesterov = false;
  double weight_decay = 0;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double alpha = 0.99;
};

struct LayerSpec {
  std::size_t units = 0;
  Activation activation = Activation::linear;
};

struct ModelSpec {
  std::size_t inputs = 0;
  std::vector<LayerSpec> layers;
  Loss loss = Loss::mse;
  OptimizerSettings optimizer;
  Precision precision = Precision::float32;  // of every GEMM (DESIGN.md §9)
};

// Weight (units × inputs, row-major) then bias (units) for each layer, in
// order: the same flat layout as parameterLayout() in the facade.
std::size_t parameter_count(const ModelSpec& spec);

// Exactly one of the two is non-null: dense rows × outputs, or rows class
// labels in [0, outputs) for cross_entropy.
struct Targets {
  const float* dense = nullptr;
  const std::int32_t* labels = nullptr;
};

struct Evaluation {
  double loss = 0;     // mean, as the loss defines it
  double correct = 0;  // argmax hits (CE), elements on the right side of 0.5 (BCE), 0 (mse)
};

}  // namespace backprop
