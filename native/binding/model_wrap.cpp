#include "model_wrap.h"

#include <cstdint>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "addon.h"
#include "arguments.h"
#include "chunk_arguments.h"
#include "errors.h"
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
    throw_error(env, ErrorKind::internal, "the native engine ran out of memory");
  } catch (const std::exception& error) {
    throw_error(env, ErrorKind::internal, std::string("the native engine failed: ") + error.what());
  }
}

// x (rows × inputs) with its rows argument.
struct RowInput {
  const float* x;
  std::size_t rows;
};

RowInput row_input(const Napi::CallbackInfo& info, std::size_t rows_index,
                   const backprop::ModelSpec& spec) {
  Napi::Env env = info.Env();
  Napi::TypedArrayOf<float> x = float32_array(info[0], "x");
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

BatchInput batch_input(const Napi::CallbackInfo& info, const backprop::ModelSpec& spec,
                       std::vector<std::int32_t>& label_copy) {
  RowInput input = row_input(info, 2, spec);
  return BatchInput{input.x, input.rows,
                    targets_argument(info[1], "targets", input.rows, spec, label_copy)};
}

}  // namespace

Napi::Function NativeModel::define_class(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {
                         InstanceMethod("predict", &NativeModel::Predict),
                         InstanceMethod("evaluate", &NativeModel::Evaluate),
                         InstanceMethod("computeGradients", &NativeModel::ComputeGradients),
                         InstanceMethod("trainBatch", &NativeModel::TrainBatch),
                         InstanceMethod("trainChunk", &NativeModel::TrainChunk),
                         InstanceMethod("trainChunkAsync", &NativeModel::TrainChunkAsync),
                         InstanceMethod("requestStop", &NativeModel::RequestStop),
                         InstanceMethod("resetOptimizer", &NativeModel::ResetOptimizer),
                         InstanceMethod("dispose", &NativeModel::Dispose),
                     });
}

NativeModel::NativeModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeModel>(info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 2, "new NativeModel(spec, params)");
  backprop::ModelSpec spec = parse_spec(info[0]);
  Napi::TypedArrayOf<float> params = float32_array(info[1], "params");
  std::size_t count = backprop::parameter_count(spec);
  expect_length(env, params.ElementLength(), count, "params",
                "the parameter count of the spec");
  backprop::Isa isa = AddonInstance::of(env).isa(env);
  network_ = call_core(env, [&] {
    return std::make_unique<backprop::Network>(std::move(spec), params.Data(), isa,
                                               &backprop::default_pool());
  });
  params_ = Napi::Persistent(params);
  params_data_ = params.Data();
  params_length_ = count;
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
                    ": the model is running trainChunkAsync; wait for its promise (requestStop() "
                    "ends it after the current batch)");
  }
}

Napi::Value NativeModel::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 3, "predict(x, rows, out)");
  expect_usable(env, "predict");
  const backprop::ModelSpec& spec = network_->spec();
  RowInput input = row_input(info, 1, spec);
  Napi::TypedArrayOf<float> out = float32_array(info[2], "out");
  expect_length(env, out.ElementLength(),
                checked_product(env, input.rows, network_->outputs(), "rows × outputs"), "out",
                [&] { return rows_times(input.rows, "outputs", network_->outputs()); });
  call_core(env, [&] { network_->predict(input.x, input.rows, out.Data()); });
  return env.Undefined();
}

Napi::Value NativeModel::Evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 3, "evaluate(x, targets, rows)");
  expect_usable(env, "evaluate");
  BatchInput batch = batch_input(info, network_->spec(), label_copy_);
  backprop::Evaluation evaluation = call_core(env, [&] {
    return network_->evaluate(batch.x, batch.targets.targets, batch.rows);
  });
  Napi::Object result = Napi::Object::New(env);
  result.Set("loss", evaluation.loss);
  result.Set("correct", evaluation.correct);
  return result;
}

Napi::Value NativeModel::ComputeGradients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 4, "computeGradients(x, targets, rows, grads)");
  expect_usable(env, "computeGradients");
  BatchInput batch = batch_input(info, network_->spec(), label_copy_);
  Napi::TypedArrayOf<float> grads = float32_array(info[3], "grads");
  expect_length(env, grads.ElementLength(), params_length_, "grads", "the parameter count");
  double loss = call_core(env, [&] {
    return network_->compute_gradients(batch.x, batch.targets.targets, batch.rows, grads.Data());
  });
  return Napi::Number::New(env, loss);
}

Napi::Value NativeModel::TrainBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 3, "trainBatch(x, targets, rows)");
  expect_idle(env, "trainBatch");
  BatchInput batch = batch_input(info, network_->spec(), label_copy_);
  double loss = call_core(env, [&] {
    return network_->train_batch(batch.x, batch.targets.targets, batch.rows);
  });
  return Napi::Number::New(env, loss);
}

ChunkArguments NativeModel::chunk_arguments(const Napi::CallbackInfo& info,
                                            const char* method) const {
  const std::string signature =
      std::string(method) + "(x, targets, order, batchSize, firstBatch, batchCount, stats)";
  expect_argument_count(info, 7, signature.c_str());
  expect_idle(info.Env(), method);
  return parse_chunk_arguments(info, network_->spec());
}

Napi::Value NativeModel::TrainChunk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ChunkArguments chunk = chunk_arguments(info, "trainChunk");
  stop_ = false;
  std::size_t applied =
      call_core(env, [&] { return train_chunk(*network_, chunk.memory, &stop_); });
  return Napi::Number::New(env, static_cast<double>(applied));
}

Napi::Value NativeModel::TrainChunkAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ChunkArguments chunk = chunk_arguments(info, "trainChunkAsync");
  // Cleared here, on the JS thread, so a requestStop() right after this call
  // is not lost.
  stop_ = false;
  Napi::Promise promise =
      TrainWorker::start(env, *this, *network_, stop_, std::move(chunk), params_.Value());
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

Napi::Value NativeModel::ResetOptimizer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 0, "resetOptimizer()");
  expect_idle(env, "resetOptimizer");
  network_->reset_optimizer();
  return env.Undefined();
}

Napi::Value NativeModel::Dispose(const Napi::CallbackInfo& info) {
  expect_argument_count(info, 0, "dispose()");
  if (disposed_) return info.Env().Undefined();
  disposed_ = true;
  stop_ = true;
  // A running chunk still uses the network: its worker frees it on completion.
  if (!training_async_) release();
  return info.Env().Undefined();
}

void NativeModel::release() {
  network_.reset();
  params_.Reset();
}

}  // namespace backprop_binding
