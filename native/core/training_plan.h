// What one fit trains on: the facade's TrainingPlan (lib/backends/backend.ts)
// as the core reads it. The binding fills it once per fit, and the order once
// per epoch, from checked copies.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model_spec.h"

namespace backprop {

struct TrainingPlan {
  const float* x = nullptr;  // rows × inputs
  Targets targets;           // rows × outputs, or rows labels
  std::size_t rows = 0;
  // The epoch's visiting order: `rows` indices, each < rows. Batch b holds
  // order[b·batch_size … min((b+1)·batch_size, rows)).
  const std::int32_t* order = nullptr;
  std::size_t batch_size = 0;
  // One weight per row (sample × class weight), or null: each batch's loss
  // is then the weighted mean Σ wᵢ·lᵢ / Σ wᵢ.
  const float* row_weights = nullptr;
  // The learning rate of each batch of the epoch (a schedule's): batches()
  // entries.
  const double* learning_rates = nullptr;
  // stats[2b] = loss of batch b before its step, stats[2b+1] = correct
  // predictions: 2 × batches() entries.
  double* stats = nullptr;

  std::size_t batches() const { return batch_size == 0 ? 0 : (rows + batch_size - 1) / batch_size; }
};

}  // namespace backprop
