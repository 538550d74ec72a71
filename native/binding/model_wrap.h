// NativeModel: a JS object owning one backprop::Model over the facade's
// parameter array, with the methods lib/backends/native.ts adapts to
// BackendModel and Trainer.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "model.h"
#include "training_session.h"

namespace backprop_binding {

class NativeModel : public Napi::ObjectWrap<NativeModel> {
 public:
  static Napi::Function define_class(Napi::Env env);

  // new NativeModel(spec, params: Float32Array)
  explicit NativeModel(const Napi::CallbackInfo& info);
  // Unreports the native memory when the garbage collector frees an undisposed model.
  ~NativeModel() override;

  // Called on the JS thread by the worker of trainBatchesAsync when it is
  // done: the model accepts calls again, or, if disposed meanwhile, frees now.
  void finish_async_training();

 private:
  // Readers: (weights, …) with weights in the parameter layout.
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value ComputeGradients(const Napi::CallbackInfo& info);
  Napi::Value TrainBatch(const Napi::CallbackInfo& info);
  // beginTraining(plan), beginEpoch(), trainBatches(first, count),
  // trainBatchesAsync(first, count) → Promise, requestStop(), endTraining().
  // readOptimizerState(first, second) → steps; writeOptimizerState(steps,
  // first, second): the moments as Float32Arrays of the parameter count.
  Napi::Value ReadOptimizerState(const Napi::CallbackInfo& info);
  Napi::Value WriteOptimizerState(const Napi::CallbackInfo& info);
  Napi::Value BeginTraining(const Napi::CallbackInfo& info);
  Napi::Value BeginEpoch(const Napi::CallbackInfo& info);
  Napi::Value TrainBatches(const Napi::CallbackInfo& info);
  Napi::Value TrainBatchesAsync(const Napi::CallbackInfo& info);
  Napi::Value RequestStop(const Napi::CallbackInfo& info);
  Napi::Value EndTraining(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  // Throws DisposedError, or ArgumentError when the params array was
  // detached since construction. Readers may run while batches train on
  // another thread: they read the weights they are given.
  void expect_usable(Napi::Env env, const char* method) const;
  // expect_usable, and BusyError while batches train on another thread.
  void expect_idle(Napi::Env env, const char* method) const;
  // expect_idle, and a begun training session with a begun epoch, whose
  // arrays are intact.
  TrainingSession& expect_session(Napi::Env env, const char* method) const;
  // (first, count) of trainBatches / trainBatchesAsync.
  void batch_range(const Napi::CallbackInfo& info, const char* signature, std::size_t* first,
                   std::size_t* count) const;
  void release();

  std::unique_ptr<backprop::Model> model_;
  // Keeps the facade's params (used in place by model_) alive and detects
  // a detached buffer.
  Napi::Reference<Napi::TypedArrayOf<float>> params_;
  float* params_data_ = nullptr;
  std::size_t params_length_ = 0;
  std::unique_ptr<TrainingSession> session_;
  // Checked copy of the labels of the current reading call (see
  // targets_argument), kept to reuse its memory.
  std::vector<std::int32_t> label_copy_;
  // Native bytes this model reported to V8 (AdjustExternalMemory), so that
  // the garbage collector counts them when deciding to collect.
  std::int64_t reported_bytes_ = 0;
  bool disposed_ = false;
  bool training_async_ = false;
  std::atomic<bool> stop_{false};
};

}  // namespace backprop_binding
