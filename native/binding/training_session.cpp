#include "training_session.h"

#include <string>

#include "arguments.h"
#include "errors.h"

namespace backprop_binding {

namespace {

Napi::Object plan_object(Napi::Value value) {
  if (!value.IsObject() || value.IsArray() || value.IsFunction()) {
    throw_error(value.Env(), ErrorKind::argument,
                "plan: expected an object { x, targets, rows, order, batchSize, learningRates, stats }, "
                "got " +
                    describe(value));
  }
  return value.As<Napi::Object>();
}

// The first byte of a typed array's elements (napi_get_typedarray_info also
// answers for arrays over a SharedArrayBuffer).
const void* elements(Napi::TypedArray array) {
  void* data = nullptr;
  napi_status status =
      napi_get_typedarray_info(array.Env(), array, nullptr, nullptr, &data, nullptr, nullptr);
  NAPI_THROW_IF_FAILED(array.Env(), status, nullptr);
  return data;
}

}  // namespace

TrainingSession::TrainingSession(Napi::Value value, const backprop::ModelSpec& spec) {
  Napi::Env env = value.Env();
  Napi::Object object = plan_object(value);
  Napi::TypedArrayOf<float> x = float32_array(object.Get("x"), "plan.x");
  plan_.rows = integer_argument(object.Get("rows"), "plan.rows", 1);
  expect_length(env, x.ElementLength(), checked_product(env, plan_.rows, spec.inputs, "plan.x"),
                "plan.x", "rows × inputs");
  TargetsArgument targets =
      targets_argument(object.Get("targets"), "plan.targets", plan_.rows, spec, labels_);
  Napi::TypedArrayOf<std::int32_t> order = int32_array(object.Get("order"), "plan.order");
  expect_length(env, order.ElementLength(), plan_.rows, "plan.order", "one index per row");
  plan_.batch_size = integer_argument(object.Get("batchSize"), "plan.batchSize", 1, plan_.rows);
  expect_rows_fit(env, plan_.batch_size, spec, "plan.batchSize");
  Napi::Value row_weights = object.Get("rowWeights");
  plan_.row_weights = row_weights_argument(row_weights, "plan.rowWeights", plan_.rows);
  Napi::TypedArrayOf<double> learning_rates =
      float64_array(object.Get("learningRates"), "plan.learningRates");
  expect_length(env, learning_rates.ElementLength(), plan_.batches(), "plan.learningRates",
                "1 per batch of an epoch");
  Napi::TypedArrayOf<double> stats = float64_array(object.Get("stats"), "plan.stats");
  expect_length(env, stats.ElementLength(), 2 * plan_.batches(), "plan.stats",
                "2 per batch of an epoch");

  plan_.x = x.Data();
  plan_.targets = targets.targets;
  plan_.learning_rates = learning_rates.Data();
  plan_.stats = stats.Data();
  x_ = hold(x);
  targets_ = hold(targets.array);
  if (plan_.row_weights != nullptr) row_weights_ = hold(row_weights.As<Napi::TypedArray>());
  learning_rates_ = hold(learning_rates);
  stats_ = hold(stats);
  order_array_ = Napi::Persistent(order);
}

TrainingSession::HeldArray TrainingSession::hold(Napi::TypedArray array) {
  HeldArray held;
  held.data = elements(array);
  held.bytes = array.ByteLength();
  held.array = Napi::Persistent(array);
  return held;
}

void TrainingSession::expect_intact(Napi::Env env) const {
  for (const HeldArray* held : {&x_, &targets_, &row_weights_, &learning_rates_, &stats_}) {
    if (held->array.IsEmpty()) continue;
    Napi::TypedArray array = held->array.Value();
    if (array.ByteLength() != held->bytes || elements(array) != held->data) {
      throw_error(env, ErrorKind::argument,
                  "plan: an array of the training plan was detached or moved since beginTraining");
    }
  }
}

void TrainingSession::begin_epoch(Napi::Env env) {
  plan_.order = nullptr;  // a refused order leaves no epoch begun, not a half-checked one
  Napi::TypedArrayOf<std::int32_t> order = order_array_.Value();
  // A detached or shrunk array has no row order left to read.
  expect_length(env, order.ElementLength(), plan_.rows, "plan.order", "one index per row");
  order_.assign(order.Data(), order.Data() + plan_.rows);
  for (std::size_t i = 0; i < plan_.rows; ++i) {
    if (order_[i] < 0 || static_cast<std::size_t>(order_[i]) >= plan_.rows) {
      throw_error(env, ErrorKind::argument,
                  "plan.order[" + std::to_string(i) + "]: expected a row index in [0, " +
                      std::to_string(plan_.rows) + "), got " + std::to_string(order_[i]));
    }
  }
  plan_.order = order_.data();
}

}  // namespace backprop_binding
