// A validated description of a network, mirroring lib/backends/backend.ts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gemm/gemm.h"

namespace backprop {

enum class Activation { linear, sigmoid, tanh, relu, leaky_relu, elu, gelu, softmax };
enum class Loss { mse, binary_cross_entropy, cross_entropy, huber, mae };

// The numbers some losses take; each loss reads its own.
struct LossParameters {
  double label_smoothing = 0;  // cross_entropy: targets become (1 − ε)·y + ε/outputs
  double delta = 1;            // huber: quadratic within ±delta, linear beyond
};
enum class OptimizerType { sgd, adam, adamw, rmsprop, adagrad };

enum class NormalizationType { none, batch, layer };

// Between a layer's Linear and its activation: PyTorch's BatchNorm1d(units)
// or LayerNorm(units), affine.
struct Normalization {
  NormalizationType type = NormalizationType::none;
  double momentum = 0.1;  // batch: weight of the batch in the running statistics
  double epsilon = 1e-5;  // added to the variance
};

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
  // Gradient clipping before the update (0: off): the global L2 norm scaled
  // to at most clip_norm, or each gradient clamped to ±clip_value.
  double clip_norm = 0;
  double clip_value = 0;
};

struct LayerSpec {
  std::size_t units = 0;
  Activation activation = Activation::linear;
  // Penalties on the weight (not the bias) added to the training loss:
  // l1·Σ|w| + l2·Σw².
  double l1 = 0;
  double l2 = 0;
  // Inverted dropout rate in [0, 1) after the activation, training mode only.
  double dropout = 0;
  Normalization normalization = {};
};

struct ModelSpec {
  std::size_t inputs = 0;
  std::vector<LayerSpec> layers;
  Loss loss = Loss::mse;
  LossParameters loss_parameters;
  OptimizerSettings optimizer;
  std::uint32_t dropout_seed = 0;  // with the optimizer's step count, keys the dropout masks
  Precision precision = Precision::float32;  // of every GEMM (DESIGN.md §9)
};

// The parameters P: for each layer in order, weight (units × inputs,
// row-major), bias (units), then for a normalized layer norm.weight and
// norm.bias (units each): the same flat layout as parameterLayout() in the
// facade. Gradients and the optimizer's buffers have this many floats.
std::size_t parameter_count(const ModelSpec& spec);

// P + S: the parameters, then the running statistics S, for each
// batch-normalized layer in order its running_mean and running_var (units
// each). The model's params buffer and every reader's weights have this
// many floats.
std::size_t state_count(const ModelSpec& spec);

// Exactly one of the two is non-null: dense rows × outputs, or rows class
// labels in [0, outputs) for cross_entropy.
struct Targets {
  const float* dense = nullptr;
  const std::int32_t* labels = nullptr;
};

struct Score {
  double loss = 0;     // mean, as the loss defines it
  double correct = 0;  // argmax hits (CE), elements on the right side of 0.5 (BCE), 0 (mse)
};

}  // namespace backprop
