#include "train_worker.h"

#include <new>
#include <string>

#include "errors.h"
#include "model_wrap.h"

namespace backprop_binding {

Napi::Promise TrainWorker::start(Napi::Env env, NativeModel& owner, backprop::Model& model,
                                 const backprop::TrainingPlan& plan, std::size_t first,
                                 std::size_t count, const std::atomic<bool>& stop) {
  // AsyncWorker deletes itself after OnOK / OnError.
  TrainWorker* worker = new TrainWorker(env, owner, model, plan, first, count, stop);
  Napi::Promise promise = worker->deferred_.Promise();
  worker->Queue();
  return promise;
}

TrainWorker::TrainWorker(Napi::Env env, NativeModel& owner, backprop::Model& model,
                         const backprop::TrainingPlan& plan, std::size_t first,
                         std::size_t count, const std::atomic<bool>& stop)
    : Napi::AsyncWorker(env, "backprop:train"),
      owner_(owner),
      model_(model),
      plan_(plan),
      first_(first),
      count_(count),
      stop_(stop),
      kept_owner_(Napi::Persistent(owner.Value())),
      deferred_(Napi::Promise::Deferred::New(env)) {}

void TrainWorker::Execute() {
  try {
    applied_ = model_.train(plan_, first_, count_, &stop_);
  } catch (const std::bad_alloc&) {
    SetError("the native backend ran out of memory");
  } catch (const std::exception& error) {
    SetError(std::string("the native backend failed: ") + error.what());
  }
}

void TrainWorker::OnOK() {
  owner_.finish_async_training();
  deferred_.Resolve(Napi::Number::New(Env(), static_cast<double>(applied_)));
}

void TrainWorker::OnError(const Napi::Error& error) {
  owner_.finish_async_training();
  deferred_.Reject(make_error(Env(), ErrorKind::internal, error.Message()).Value());
}

}  // namespace backprop_binding
