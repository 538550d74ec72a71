#include "train_worker.h"

#include <new>
#include <utility>

#include "errors.h"
#include "model_wrap.h"

namespace backprop_binding {

namespace {

Napi::ObjectReference keep(Napi::Object object) { return Napi::Persistent(object); }

}  // namespace

Napi::Promise TrainWorker::start(Napi::Env env, NativeModel& model, backprop::Network& network,
                                 const std::atomic<bool>& stop, ChunkArguments chunk,
                                 Napi::TypedArray params) {
  // AsyncWorker deletes itself after OnOK / OnError.
  TrainWorker* worker = new TrainWorker(env, model, network, stop, std::move(chunk), params);
  Napi::Promise promise = worker->deferred_.Promise();
  worker->Queue();
  return promise;
}

TrainWorker::TrainWorker(Napi::Env env, NativeModel& model, backprop::Network& network,
                         const std::atomic<bool>& stop, ChunkArguments chunk,
                         Napi::TypedArray params)
    : Napi::AsyncWorker(env, "backprop:trainChunk"),
      model_(model),
      network_(network),
      stop_(stop),
      chunk_(std::move(chunk)),
      kept_model_(keep(model.Value())),
      kept_params_(keep(params)),
      kept_x_(keep(chunk_.x_array)),
      kept_targets_(keep(chunk_.targets_array)),
      kept_order_(keep(chunk_.order_array)),
      kept_stats_(keep(chunk_.stats_array)),
      deferred_(Napi::Promise::Deferred::New(env)) {}

void TrainWorker::Execute() {
  try {
    applied_ = train_chunk(network_, chunk_.memory, &stop_);
  } catch (const std::bad_alloc&) {
    SetError("the native engine ran out of memory");
  } catch (const std::exception& error) {
    SetError(std::string("the native engine failed: ") + error.what());
  }
}

void TrainWorker::OnOK() {
  model_.finish_async_training();
  deferred_.Resolve(Napi::Number::New(Env(), static_cast<double>(applied_)));
}

void TrainWorker::OnError(const Napi::Error& error) {
  model_.finish_async_training();
  deferred_.Reject(make_error(Env(), ErrorKind::internal, error.Message()).Value());
}

}  // namespace backprop_binding
