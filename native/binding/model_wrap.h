// NativeModel: a JS object owning one backprop::Network over the facade's
// parameter array, with the methods of EngineModel (lib/backends/backend.ts).
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "network.h"

namespace backprop_binding {

struct ChunkArguments;

class NativeModel : public Napi::ObjectWrap<NativeModel> {
 public:
  static Napi::Function define_class(Napi::Env env);

  // new NativeModel(spec, params: Float32Array)
  explicit NativeModel(const Napi::CallbackInfo& info);
  // Unreports the native memory when the garbage collector frees an undisposed model.
  ~NativeModel() override;

  // Called on the JS thread by the worker of trainChunkAsync when it is done:
  // the model accepts calls again, or, if disposed meanwhile, frees now.
  void finish_async_training();

 private:
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value ComputeGradients(const Napi::CallbackInfo& info);
  Napi::Value TrainBatch(const Napi::CallbackInfo& info);
  Napi::Value TrainChunk(const Napi::CallbackInfo& info);
  Napi::Value TrainChunkAsync(const Napi::CallbackInfo& info);
  Napi::Value RequestStop(const Napi::CallbackInfo& info);
  Napi::Value ResetOptimizer(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  // Throws DisposedError, or ArgumentError when the params array was
  // detached since construction. Reading calls (predict, evaluate,
  // computeGradients) may run while an async chunk trains: the core takes
  // them between two batches.
  void expect_usable(Napi::Env env, const char* method) const;
  // expect_usable, and BusyError while an async chunk trains: calls that
  // change parameters or optimizer state wait for it.
  void expect_idle(Napi::Env env, const char* method) const;
  // The arguments of trainChunk / trainChunkAsync (`method`), checked, on an
  // idle model.
  ChunkArguments chunk_arguments(const Napi::CallbackInfo& info, const char* method) const;
  void release();

  std::unique_ptr<backprop::Network> network_;
  // Keeps the facade's params (used in place by network_) alive and detects
  // a detached buffer.
  Napi::Reference<Napi::TypedArrayOf<float>> params_;
  float* params_data_ = nullptr;
  std::size_t params_length_ = 0;
  // Checked copy of the labels of the current call (see targets_argument),
  // kept to reuse its memory.
  std::vector<std::int32_t> label_copy_;
  // Native bytes this model reported to V8 (AdjustExternalMemory), so that
  // the garbage collector counts them when deciding to collect.
  std::int64_t reported_bytes_ = 0;
  bool disposed_ = false;
  bool training_async_ = false;
  std::atomic<bool> stop_{false};
};

}  // namespace backprop_binding
