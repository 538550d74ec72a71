// trainBatchesAsync's work: Model::train on a libuv pool thread, the result
// delivered through a promise on the JS thread.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstddef>

#include "model.h"
#include "training_plan.h"

namespace backprop_binding {

class NativeModel;

class TrainWorker : public Napi::AsyncWorker {
 public:
  // Queues the batches; the promise resolves with the number applied, or
  // rejects with the facade's BackpropError. Until then the model object
  // stays referenced (it holds params and the plan's arrays), so nothing the
  // worker thread reads or writes can be collected.
  static Napi::Promise start(Napi::Env env, NativeModel& owner, backprop::Model& model,
                             const backprop::TrainingPlan& plan, std::size_t first,
                             std::size_t count, const std::atomic<bool>& stop);

 private:
  TrainWorker(Napi::Env env, NativeModel& owner, backprop::Model& model,
              const backprop::TrainingPlan& plan, std::size_t first, std::size_t count,
              const std::atomic<bool>& stop);

  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

  NativeModel& owner_;
  backprop::Model& model_;
  const backprop::TrainingPlan& plan_;
  std::size_t first_, count_;
  const std::atomic<bool>& stop_;
  Napi::ObjectReference kept_owner_;
  Napi::Promise::Deferred deferred_;
  std::size_t applied_ = 0;
};

}  // namespace backprop_binding
