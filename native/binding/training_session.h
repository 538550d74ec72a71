// One fit's TrainingPlan (lib/backends/backend.ts), decoded once by
// beginTraining into backprop::TrainingPlan: the JS arrays stay referenced
// until endTraining, the labels are a checked copy made once per fit, and the
// order a checked copy made once per epoch (beginEpoch). Indices are copied
// because JS, or another thread through a SharedArrayBuffer, may rewrite the
// arrays while the core reads them, and an index must not change once checked.
#pragma once

#include <napi.h>

#include <cstdint>
#include <vector>

#include "model_spec.h"
#include "training_plan.h"

namespace backprop_binding {

class TrainingSession {
 public:
  // plan: { x, targets, rows, order, batchSize, rowWeights, learningRates,
  // stats }, checked against spec (rowWeights may be null).
  TrainingSession(Napi::Value plan, const backprop::ModelSpec& spec);
  TrainingSession(const TrainingSession&) = delete;
  TrainingSession& operator=(const TrainingSession&) = delete;

  // Copies and checks the order the facade wrote for the next epoch.
  void begin_epoch(Napi::Env env);
  bool epoch_begun() const { return plan_.order != nullptr; }
  // Throws unless x, the dense targets and stats are still the memory that
  // was checked (a detached or transferred array is refused, not read).
  void expect_intact(Napi::Env env) const;
  const backprop::TrainingPlan& plan() const { return plan_; }

 private:
  // A referenced typed array and the memory it had when checked.
  struct HeldArray {
    Napi::Reference<Napi::TypedArray> array;
    const void* data = nullptr;
    std::size_t bytes = 0;
  };
  static HeldArray hold(Napi::TypedArray array);

  backprop::TrainingPlan plan_;
  std::vector<std::int32_t> labels_, order_;
  Napi::Reference<Napi::TypedArrayOf<std::int32_t>> order_array_;
  HeldArray x_, targets_, row_weights_, learning_rates_, stats_;
};

}  // namespace backprop_binding
