// trainChunkAsync's work: Network::train_chunk on a libuv pool thread, the
// result delivered through a promise on the JS thread.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <string>

#include "chunk_arguments.h"
#include "network.h"

namespace backprop_binding {

class NativeModel;

class TrainWorker : public Napi::AsyncWorker {
 public:
  // Queues the chunk; the promise resolves with the number of batches
  // applied, or rejects with the facade's BackpropError. Until then the model
  // object, params and every array of `chunk` stay referenced, so none can be
  // collected while the worker thread reads or writes them.
  static Napi::Promise start(Napi::Env env, NativeModel& model, backprop::Network& network,
                             const std::atomic<bool>& stop, ChunkArguments chunk,
                             Napi::TypedArray params);

 private:
  TrainWorker(Napi::Env env, NativeModel& model, backprop::Network& network,
              const std::atomic<bool>& stop, ChunkArguments chunk, Napi::TypedArray params);

  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

  NativeModel& model_;
  backprop::Network& network_;
  const std::atomic<bool>& stop_;
  // Owns the checked index copies memory_.order / memory_.targets point into.
  ChunkArguments chunk_;
  Napi::ObjectReference kept_model_, kept_params_, kept_x_, kept_targets_, kept_order_,
      kept_stats_;
  Napi::Promise::Deferred deferred_;
  std::size_t applied_ = 0;
};

}  // namespace backprop_binding
