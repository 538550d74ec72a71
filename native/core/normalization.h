// Batch and layer normalization between a layer's Linear and its
// activation (DESIGN.md §8; PyTorch's BatchNorm1d(units) and
// LayerNorm(units), affine): the forward in training and inference mode,
// the backward, and the running statistics. The same formulas as the pure-TS
// engine (NORM-CONTRACT.md): statistics accumulated in double, stored as
// float32; everything else float32, whatever the GEMMs' precision.
#pragma once

#include <cstddef>

#include "model_spec.h"

namespace backprop {

// A normalized layer: its settings and where its tensors are in the model's
// state buffer (parameters, then running statistics: model_spec.h).
struct NormalizedLayer {
  Normalization settings;
  std::size_t units = 0;
  std::size_t weight = 0, bias = 0;              // γ and β, among the parameters
  std::size_t running_mean = 0, running_var = 0;  // batch only, among the running statistics
};

// A pass's buffers for one normalized layer (from its Workspace).
struct NormalizationBuffers {
  // rows × units: the Linear's output z on entry to a training-mode forward,
  // ẑ on return (what the backward needs).
  float* normalized;
  // Batch: the batch mean, biased variance and invstd (units each; inference
  // mode uses the invstd part). Layer: invstd per row (training mode only).
  float* statistics;
  double* sums;  // scratch, 2 × units
};

// Training mode (the batch's statistics): buffers.normalized goes from z to
// ẑ, y (rows × units) = γ·ẑ + β; the statistics stay in buffers for
// normalization_backward and update_running_statistics.
void normalize_training(const NormalizedLayer& layer, const float* state, std::size_t rows,
                        const NormalizationBuffers& buffers, float* y);

// Inference mode (batch: the running statistics; layer: each row's own),
// in place: z on entry, y on return.
void normalize_inference(const NormalizedLayer& layer, const float* state, std::size_t rows,
                         const NormalizationBuffers& buffers, float* z);

// After normalize_training on the same rows: delta goes from dL/dy to
// dL/dz in place, and dL/dγ, dL/dβ are written into grads (parameter layout).
void normalization_backward(const NormalizedLayer& layer, const float* state, std::size_t rows,
                            const NormalizationBuffers& buffers, float* delta, float* grads);

// After an applied training step on `rows` rows (batch normalization only;
// nothing for layer normalization): folds the batch statistics that
// normalize_training left in buffers into the running statistics of
// `state`, with the unbiased variance (running_var is kept for rows < 2).
void update_running_statistics(const NormalizedLayer& layer, std::size_t rows,
                               const NormalizationBuffers& buffers, float* state);

}  // namespace backprop
