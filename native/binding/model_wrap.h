// NativeModel: a JS object owning one backprop::Model over the facade's
// parameter array, with the methods lib/backends/native.ts adapts to
// BackendModel and Trainer.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>
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
  ~NativeModel() override;

  // Called on the JS thread by the worker of trainBatchesAsync when it is
  // done: the model accepts calls again, or, if disposed meanwhile, frees now.
  void finish_async_training();

 private:
  // Readers: (weights, …) with weights in the state layout (parameters, then
  // running statistics: model_spec.h).
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value ComputeGradients(const Napi::CallbackInfo& info);
  // trainBatch(x, targets, rows, learningRate, rowWeights) → the loss before
  // the step (not applied when it is not finite), or NaN when the step was
  // undone: then undoneUpdate() → { index, value } says which state value
  // it made non-finite (null after any other step).
  Napi::Value TrainBatch(const Napi::CallbackInfo& info);
  Napi::Value UndoneUpdate(const Napi::CallbackInfo& info);
  // firstNonFiniteParameter() → index of the first NaN or infinite value of
  // params (running statistics included), or −1.
  Napi::Value FirstNonFiniteParameter(const Napi::CallbackInfo& info);
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
  // Detaches these buffers (those not null) when the model is released.
  void own(std::initializer_list<Napi::Value> buffers);
  // Allocates train_batch's backup memory as V8 buffers kept by `self`, the
  // first time trainBatch runs (fit does not need it).
  void give_step_backup(Napi::Object self);

  std::unique_ptr<backprop::Model> model_;
  // Detects a detached params buffer; a hidden property of this object
  // keeps it (used in place by model_) alive.
  Napi::Reference<Napi::TypedArrayOf<float>> params_;
  // The gradient, moment and step backup buffers allocated for model_
  // (weak), detached when it is released.
  std::vector<Napi::Reference<Napi::ArrayBuffer>> owned_buffers_;
  float* params_data_ = nullptr;
  std::size_t params_length_ = 0;  // state_count: parameters and running statistics
  // parameter_count: the length of gradients and optimizer moments.
  std::size_t parameter_count_ = 0;
  std::unique_ptr<TrainingSession> session_;
  bool step_backup_given_ = false;
  // What the last trainBatch did, for undoneUpdate() (kept, before any).
  backprop::TrainBatchResult last_step_{0.0, 0, 0.0f};
  // Checked copy of the labels of the current reading call (see
  // targets_argument), kept to reuse its memory.
  std::vector<std::int32_t> label_copy_;
  bool disposed_ = false;
  bool training_async_ = false;
  std::atomic<bool> stop_{false};
};

}  // namespace backprop_binding
