#include "model_wrap.h"

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "addon.h"
#include "arguments.h"
#include "errors.h"
#include "finite.h"
#include "optimizers.h"
#include "spec_parse.h"
#include "thread_pool.h"
#include "train_worker.h"

namespace backprop_binding {

namespace {

// Runs a core call, turning its C++ exceptions (out of memory, mostly) into
// the facade's BackpropError.
template <typename Call>
auto call_core(Napi::Env env, Call&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw_error(env, ErrorKind::internal, "the native backend ran out of memory");
  } catch (const std::exception& error) {
    throw_error(env, ErrorKind::internal, std::string("the native backend failed: ") + error.what());
  }
}

// x (rows × inputs) with its rows argument.
struct RowInput {
  const float* x;
  std::size_t rows;
};

RowInput row_input(const Napi::CallbackInfo& info, std::size_t x_index, std::size_t rows_index,
                   const backprop::ModelSpec& spec) {
  Napi::Env env = info.Env();
  Napi::TypedArrayOf<float> x = float32_array(info[x_index], "x");
  std::size_t rows = integer_argument(info[rows_index], "rows", 1);
  expect_length(env, x.ElementLength(), checked_product(env, rows, spec.inputs, "rows × inputs"),
                "x", [&] { return rows_times(rows, "inputs", spec.inputs); });
  expect_rows_fit(env, rows, spec, "rows");
  return RowInput{x.Data(), rows};
}

// (x, targets, rows): the arguments of evaluate, computeGradients and trainBatch.
struct BatchInput {
  const float* x;
  std::size_t rows;
  TargetsArgument targets;
};

// `first` is the index of x; targets and rows follow it.
BatchInput batch_input(const Napi::CallbackInfo& info, std::size_t first,
                       const backprop::ModelSpec& spec, std::vector<std::int32_t>& label_copy) {
  RowInput input = row_input(info, first, first + 2, spec);
  return BatchInput{input.x, input.rows,
                    targets_argument(info[first + 1], "targets", input.rows, spec, label_copy)};
}

constexpr const char* kStateCount = "the parameter count with the running statistics";

// The weights a reader reads: a Float32Array in the state layout.
const float* weights_argument(Napi::Value value, std::size_t state) {
  Napi::TypedArrayOf<float> weights = float32_array(value, "weights");
  expect_length(value.Env(), weights.ElementLength(), state, "weights", kStateCount);
  return weights.Data();
}

// A zeroed Float32Array of `length` floats, or none (an empty value) when
// `wanted` is false.
Napi::Value optional_buffer(Napi::Env env, bool wanted, std::size_t length) {
  if (!wanted) return env.Null();
  return Napi::Float32Array::New(env, length);
}

float* data_of(Napi::Value buffer) {
  return buffer.IsNull() ? nullptr : buffer.As<Napi::TypedArrayOf<float>>().Data();
}

// Keeps `values` alive as long as `self`, through a hidden property, with no
// strong reference of ours: the garbage collection that collects an
// undisposed model's object frees them, without waiting for its finalizer,
// which needs the event loop to turn.
void keep_with(Napi::Object self, const char* name, std::initializer_list<Napi::Value> values) {
  Napi::Env env = self.Env();
  Napi::Array kept = Napi::Array::New(env, values.size());
  std::uint32_t index = 0;
  for (Napi::Value value : values) kept.Set(index++, value);
  self.DefineProperty(
      Napi::PropertyDescriptor::Value(Napi::Symbol::New(env, name), kept, napi_default));
}

}  // namespace

Napi::Function NativeModel::define_class(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {
                         InstanceMethod("predict", &NativeModel::Predict),
                         InstanceMethod("evaluate", &NativeModel::Evaluate),
                         InstanceMethod("computeGradients", &NativeModel::ComputeGradients),
                         InstanceMethod("trainBatch", &NativeModel::TrainBatch),
                         InstanceMethod("undoneUpdate", &NativeModel::UndoneUpdate),
                         InstanceMethod("firstNonFiniteParameter", &NativeModel::FirstNonFiniteParameter),
                         InstanceMethod("readOptimizerState", &NativeModel::ReadOptimizerState),
                         InstanceMethod("writeOptimizerState", &NativeModel::WriteOptimizerState),
                         InstanceMethod("beginTraining", &NativeModel::BeginTraining),
                         InstanceMethod("beginEpoch", &NativeModel::BeginEpoch),
                         InstanceMethod("trainBatches", &NativeModel::TrainBatches),
                         InstanceMethod("trainBatchesAsync", &NativeModel::TrainBatchesAsync),
                         InstanceMethod("requestStop", &NativeModel::RequestStop),
                         InstanceMethod("endTraining", &NativeModel::EndTraining),
                         InstanceMethod("dispose", &NativeModel::Dispose),
                     });
}

NativeModel::NativeModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeModel>(info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 2, "new NativeModel(spec, params)");
  backprop::ModelSpec spec = parse_spec(info[0]);
  Napi::TypedArrayOf<float> params = float32_array(info[1], "params");
  std::size_t count = backprop::parameter_count(spec);
  const std::size_t state = backprop::state_count(spec);  // with the running statistics
  parameter_count_ = count;
  expect_length(env, params.ElementLength(), state, "params",
                "the parameter count of the spec with its running statistics");
  backprop::Isa isa = AddonInstance::of(env).isa(env);
  // What grows with the parameter count lives in buffers V8 owns, kept alive
  // (with the caller's params) by this object (keep_with).
  const backprop::OptimizerMoments moments = backprop::optimizer_moments(spec.optimizer);
  Napi::Value gradient = Napi::Float32Array::New(env, count);
  Napi::Value first_moment = optional_buffer(env, moments.first, count);
  Napi::Value second_moment = optional_buffer(env, moments.second, count);
  keep_with(info.This().As<Napi::Object>(), "backprop memory",
            {params, gradient, first_moment, second_moment});
  own({gradient, first_moment, second_moment});
  const backprop::TrainingMemory memory{data_of(gradient), data_of(first_moment),
                                        data_of(second_moment)};
  model_ = call_core(env, [&] {
    return std::make_unique<backprop::Model>(std::move(spec), params.Data(), isa,
                                             &backprop::default_pool(), memory);
  });
  params_ = Napi::Weak(params);
  params_data_ = params.Data();
  params_length_ = state;
  last_step_.undone_at = state;
}

NativeModel::~NativeModel() { release(); }

void NativeModel::own(std::initializer_list<Napi::Value> buffers) {
  for (Napi::Value buffer : buffers) {
    if (!buffer.IsNull()) {
      owned_buffers_.push_back(Napi::Weak(buffer.As<Napi::TypedArray>().ArrayBuffer()));
    }
  }
}

void NativeModel::give_step_backup(Napi::Object self) {
  Napi::Env env = self.Env();
  const backprop::OptimizerMoments moments = backprop::optimizer_moments(model_->spec().optimizer);
  Napi::Value state = Napi::Float32Array::New(env, params_length_);
  Napi::Value first_moment = optional_buffer(env, moments.first, parameter_count_);
  Napi::Value second_moment = optional_buffer(env, moments.second, parameter_count_);
  keep_with(self, "backprop step backup", {state, first_moment, second_moment});
  own({state, first_moment, second_moment});
  model_->keep_step_backup_in({data_of(state), data_of(first_moment), data_of(second_moment)});
  step_backup_given_ = true;
}

void NativeModel::expect_usable(Napi::Env env, const char* method) const {
  if (disposed_) {
    throw_error(env, ErrorKind::disposed, std::string(method) + ": the model was disposed");
  }
  Napi::TypedArrayOf<float> params = params_.Value();
  if (params.ElementLength() != params_length_ || params.Data() != params_data_) {
    throw_error(env, ErrorKind::argument,
                std::string(method) +
                    ": the params Float32Array given to the constructor was detached or moved");
  }
}

void NativeModel::expect_idle(Napi::Env env, const char* method) const {
  expect_usable(env, method);
  if (training_async_) {
    throw_error(env, ErrorKind::busy,
                std::string(method) +
                    ": the model is running trainBatchesAsync; wait for its promise "
                    "(requestStop() ends it after the current batch)");
  }
}

TrainingSession& NativeModel::expect_session(Napi::Env env, const char* method) const {
  expect_idle(env, method);
  if (!session_ || !session_->epoch_begun()) {
    throw_error(env, ErrorKind::busy,
                std::string(method) + ": call beginTraining(plan) and beginEpoch() first");
  }
  session_->expect_intact(env);
  return *session_;
}

Napi::Value NativeModel::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 4, "predict(weights, x, rows, out)");
  expect_usable(env, "predict");
  const float* weights = weights_argument(info[0], params_length_);
  RowInput input = row_input(info, 1, 2, model_->spec());
  Napi::TypedArrayOf<float> out = float32_array(info[3], "out");
  expect_length(env, out.ElementLength(),
                checked_product(env, input.rows, model_->outputs(), "rows × outputs"), "out",
                [&] { return rows_times(input.rows, "outputs", model_->outputs()); });
  call_core(env, [&] { model_->predict(weights, input.x, input.rows, out.Data()); });
  return env.Undefined();
}

Napi::Value NativeModel::Evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 5, "evaluate(weights, x, targets, rows, out)");
  expect_usable(env, "evaluate");
  const float* weights = weights_argument(info[0], params_length_);
  BatchInput batch = batch_input(info, 1, model_->spec(), label_copy_);
  float* out = nullptr;
  if (!info[4].IsNull()) {
    Napi::TypedArrayOf<float> outputs = float32_array(info[4], "out");
    expect_length(env, outputs.ElementLength(),
                  checked_product(env, batch.rows, model_->outputs(), "rows × outputs"), "out",
                  [&] { return rows_times(batch.rows, "outputs", model_->outputs()); });
    out = outputs.Data();
  }
  backprop::Score score = call_core(env, [&] {
    return model_->evaluate(weights, batch.x, batch.targets.targets, batch.rows, out);
  });
  Napi::Object result = Napi::Object::New(env);
  result.Set("loss", score.loss);
  result.Set("correct", score.correct);
  return result;
}

Napi::Value NativeModel::ComputeGradients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 6, "computeGradients(weights, x, targets, rows, grads, rowWeights)");
  expect_usable(env, "computeGradients");
  const float* weights = weights_argument(info[0], params_length_);
  BatchInput batch = batch_input(info, 1, model_->spec(), label_copy_);
  Napi::TypedArrayOf<float> grads = float32_array(info[4], "grads");
  expect_length(env, grads.ElementLength(), parameter_count_, "grads", "the parameter count");
  const float* row_weights = row_weights_argument(info[5], "rowWeights", batch.rows);
  double loss = call_core(env, [&] {
    return model_->compute_gradients(weights, batch.x, batch.targets.targets, batch.rows,
                                     grads.Data(), row_weights);
  });
  return Napi::Number::New(env, loss);
}

Napi::Value NativeModel::TrainBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 5, "trainBatch(x, targets, rows, learningRate, rowWeights)");
  expect_idle(env, "trainBatch");
  BatchInput batch = batch_input(info, 0, model_->spec(), label_copy_);
  const double learning_rate = finite_number(info[3], "learningRate");
  const float* row_weights = row_weights_argument(info[4], "rowWeights", batch.rows);
  if (!step_backup_given_) give_step_backup(info.This().As<Napi::Object>());
  last_step_ = call_core(env, [&] {
    return model_->train_batch(batch.x, batch.targets.targets, batch.rows, learning_rate,
                               row_weights);
  });
  const bool undone = last_step_.undone_at != params_length_;
  return Napi::Number::New(env, undone ? std::numeric_limits<double>::quiet_NaN() : last_step_.loss);
}

Napi::Value NativeModel::UndoneUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 0, "undoneUpdate()");
  expect_usable(env, "undoneUpdate");
  if (last_step_.undone_at == params_length_) return env.Null();
  Napi::Object undone = Napi::Object::New(env);
  undone.Set("index", static_cast<double>(last_step_.undone_at));
  undone.Set("value", static_cast<double>(last_step_.undone_value));
  return undone;
}

Napi::Value NativeModel::FirstNonFiniteParameter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 0, "firstNonFiniteParameter()");
  expect_idle(env, "firstNonFiniteParameter");
  const std::size_t bad = backprop::first_non_finite(params_data_, params_length_);
  return Napi::Number::New(env, bad == params_length_ ? -1.0 : static_cast<double>(bad));
}

Napi::Value NativeModel::ReadOptimizerState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 2, "readOptimizerState(first, second)");
  expect_idle(env, "readOptimizerState");
  Napi::TypedArrayOf<float> first = float32_array(info[0], "first");
  Napi::TypedArrayOf<float> second = float32_array(info[1], "second");
  expect_length(env, first.ElementLength(), parameter_count_, "first", "the parameter count");
  expect_length(env, second.ElementLength(), parameter_count_, "second", "the parameter count");
  const std::size_t steps = model_->save_optimizer_state(first.Data(), second.Data());
  return Napi::Number::New(env, static_cast<double>(steps));
}

Napi::Value NativeModel::WriteOptimizerState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 3, "writeOptimizerState(steps, first, second)");
  expect_idle(env, "writeOptimizerState");
  const std::size_t steps = integer_argument(info[0], "steps", 0);
  Napi::TypedArrayOf<float> first = float32_array(info[1], "first");
  Napi::TypedArrayOf<float> second = float32_array(info[2], "second");
  expect_length(env, first.ElementLength(), parameter_count_, "first", "the parameter count");
  expect_length(env, second.ElementLength(), parameter_count_, "second", "the parameter count");
  model_->restore_optimizer_state(steps, first.Data(), second.Data());
  return env.Undefined();
}

Napi::Value NativeModel::BeginTraining(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 1, "beginTraining(plan)");
  expect_idle(env, "beginTraining");
  session_ = std::make_unique<TrainingSession>(info[0], model_->spec());
  return env.Undefined();
}

Napi::Value NativeModel::BeginEpoch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 0, "beginEpoch()");
  expect_idle(env, "beginEpoch");
  if (!session_) throw_error(env, ErrorKind::busy, "beginEpoch: call beginTraining(plan) first");
  session_->begin_epoch(env);
  return env.Undefined();
}

void NativeModel::batch_range(const Napi::CallbackInfo& info, const char* signature,
                              std::size_t* first, std::size_t* count) const {
  expect_argument_count(info, 2, signature);
  *first = integer_argument(info[0], "first", 0);
  *count = integer_argument(info[1], "count", 0);
}

Napi::Value NativeModel::TrainBatches(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::size_t first = 0, count = 0;
  batch_range(info, "trainBatches(first, count)", &first, &count);
  const TrainingSession& session = expect_session(env, "trainBatches");
  stop_ = false;
  std::size_t applied =
      call_core(env, [&] { return model_->train(session.plan(), first, count, &stop_); });
  return Napi::Number::New(env, static_cast<double>(applied));
}

Napi::Value NativeModel::TrainBatchesAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::size_t first = 0, count = 0;
  batch_range(info, "trainBatchesAsync(first, count)", &first, &count);
  const TrainingSession& session = expect_session(env, "trainBatchesAsync");
  // Cleared here, on the JS thread, so a requestStop() right after this call
  // is not lost.
  stop_ = false;
  Napi::Promise promise =
      TrainWorker::start(env, *this, *model_, session.plan(), first, count, stop_);
  training_async_ = true;
  return promise;
}

void NativeModel::finish_async_training() {
  training_async_ = false;
  if (disposed_) release();
}

Napi::Value NativeModel::RequestStop(const Napi::CallbackInfo& info) {
  expect_argument_count(info, 0, "requestStop()");
  // Harmless at any time, even after dispose: it only raises a flag.
  stop_ = true;
  return info.Env().Undefined();
}

Napi::Value NativeModel::EndTraining(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 0, "endTraining()");
  if (disposed_) return env.Undefined();
  expect_idle(env, "endTraining");
  session_.reset();
  return env.Undefined();
}

Napi::Value NativeModel::Dispose(const Napi::CallbackInfo& info) {
  expect_argument_count(info, 0, "dispose()");
  if (disposed_) return info.Env().Undefined();
  disposed_ = true;
  stop_ = true;
  // Running batches still use the model: their worker frees it on completion.
  if (!training_async_) release();
  return info.Env().Undefined();
}

void NativeModel::release() {
  session_.reset();
  model_.reset();
  params_.Reset();
  // Nobody else sees these buffers: free their memory now rather than at
  // the next garbage collection (a disposed model may stay reachable).
  for (Napi::Reference<Napi::ArrayBuffer>& buffer : owned_buffers_) {
    if (!buffer.IsEmpty() && !buffer.Value().IsEmpty()) buffer.Value().Detach();
    buffer.Reset();
  }
  owned_buffers_.clear();
}

}  // namespace backprop_binding
