#include "train_worker.h"

#include <new>

#include "errors.h"
#include "model_wrap.h"

namespace backprop_binding {

namespace {

Napi::ObjectReference keep(Napi::Object object) { return Napi::Persistent(object); }

}  // namespace

Napi::Promise TrainWorker::start(Napi::Env env, NativeModel& model, backprop::Network& network,
                                 const std::atomic<bool>& stop, const ChunkArguments& chunk,
                                 Napi::TypedArray params) {
  // AsyncWorker deletes itself after OnOK / OnError.
  TrainWorker* worker = new TrainWorker(env, model, network, stop, chunk, params);
  Napi::Promise promise = worker->deferred_.Promise();
  worker->Queue();
  return promise;
}

TrainWorker::TrainWorker(Napi::Env env, NativeModel& model, backprop::Network& network,
                         const std::atomic<bool>& stop, const ChunkArguments& chunk,
                         Napi::TypedArray params)
    : Napi::AsyncWorker(env, "backprop:trainChunk"),
      model_(model),
      network_(network),
      stop_(stop),
      memory_(chunk.memory),
      kept_model_(keep(model.Value())),
      kept_params_(keep(params)),
      kept_x_(keep(chunk.x)),
      kept_targets_(keep(chunk.targets)),
      kept_order_(keep(chunk.order)),
      kept_stats_(keep(chunk.stats)),
      deferred_(Napi::Promise::Deferred::New(env)) {}

void TrainWorker::Execute() {
  try {
    applied_ = train_chunk(network_, memory_, &stop_);
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
