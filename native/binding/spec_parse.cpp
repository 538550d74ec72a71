#include "spec_parse.h"

#include <cstdint>
#include <string>
#include <utility>

#include "arguments.h"
#include "errors.h"

namespace backprop_binding {

namespace {

using backprop::Activation;
using backprop::Loss;
using backprop::OptimizerType;

// Layer widths index Int32Array labels and orders, so they stay int32.
constexpr std::size_t kMaxWidth = INT32_MAX;

template <typename Enum, std::size_t N>
Enum named_value(Napi::Value value, const std::string& name,
                 const std::pair<const char*, Enum> (&names)[N]) {
  std::string expected;
  for (const auto& entry : names) {
    expected += std::string(expected.empty() ? "" : ", ") + entry.first;
  }
  if (value.IsString()) {
    std::string text = value.As<Napi::String>().Utf8Value();
    for (const auto& entry : names) {
      if (text == entry.first) return entry.second;
    }
  }
  throw_error(value.Env(), ErrorKind::argument,
              name + ": expected one of " + expected + ", got " + describe(value));
}

constexpr std::pair<const char*, Activation> kActivations[] = {
    {"linear", Activation::linear},     {"sigmoid", Activation::sigmoid},
    {"tanh", Activation::tanh},         {"relu", Activation::relu},
    {"leakyRelu", Activation::leaky_relu}, {"elu", Activation::elu},
    {"gelu", Activation::gelu},         {"softmax", Activation::softmax},
};

constexpr std::pair<const char*, Loss> kLosses[] = {
    {"mse", Loss::mse},
    {"binaryCrossEntropy", Loss::binary_cross_entropy},
    {"crossEntropy", Loss::cross_entropy},
};

constexpr std::pair<const char*, OptimizerType> kOptimizers[] = {
    {"sgd", OptimizerType::sgd},         {"adam", OptimizerType::adam},
    {"adamw", OptimizerType::adamw},     {"rmsprop", OptimizerType::rmsprop},
    {"adagrad", OptimizerType::adagrad},
};

constexpr std::pair<const char*, backprop::Precision> kPrecisions[] = {
    {"float32", backprop::Precision::float32},
    {"bfloat16", backprop::Precision::bfloat16},
};

Napi::Object object_field(Napi::Value value, const std::string& name) {
  if (!value.IsObject() || value.IsArray() || value.IsFunction()) {
    throw_error(value.Env(), ErrorKind::argument,
                name + ": expected an object, got " + describe(value));
  }
  return value.As<Napi::Object>();
}

enum class Range { non_negative, unit_open, unit_closed };

// A finite number in the range, e.g. momentum in [0, 1).
double hyperparameter(Napi::Object optimizer, const char* field, Range range) {
  const std::string name = std::string("spec.optimizer.") + field;
  Napi::Value value = optimizer.Get(field);
  double number = finite_number(value, name);
  bool inside = number >= 0 && (range == Range::non_negative ||
                                (range == Range::unit_open ? number < 1 : number <= 1));
  if (!inside) {
    const char* expected = range == Range::non_negative ? "a number ≥ 0"
                           : range == Range::unit_open  ? "a number in [0, 1)"
                                                        : "a number in [0, 1]";
    throw_error(optimizer.Env(), ErrorKind::argument,
                name + ": expected " + expected + ", got " + describe(value));
  }
  return number;
}

backprop::OptimizerSettings parse_optimizer(Napi::Value value) {
  Napi::Object optimizer = object_field(value, "spec.optimizer");
  backprop::OptimizerSettings settings;
  settings.type = named_value(optimizer.Get("type"), "spec.optimizer.type", kOptimizers);
  settings.learning_rate = hyperparameter(optimizer, "learningRate", Range::non_negative);
  settings.momentum = hyperparameter(optimizer, "momentum", Range::unit_open);
  settings.weight_decay = hyperparameter(optimizer, "weightDecay", Range::non_negative);
  settings.beta1 = hyperparameter(optimizer, "beta1", Range::unit_open);
  settings.beta2 = hyperparameter(optimizer, "beta2", Range::unit_open);
  settings.epsilon = hyperparameter(optimizer, "epsilon", Range::non_negative);
  settings.alpha = hyperparameter(optimizer, "alpha", Range::unit_closed);
  Napi::Value nesterov = optimizer.Get("nesterov");
  if (!nesterov.IsBoolean()) {
    throw_error(value.Env(), ErrorKind::argument,
                "spec.optimizer.nesterov: expected a boolean, got " + describe(nesterov));
  }
  settings.nesterov = nesterov.As<Napi::Boolean>().Value();
  if (settings.nesterov && settings.momentum == 0) {
    throw_error(value.Env(), ErrorKind::argument,
                "spec.optimizer.nesterov: needs a momentum > 0 (PyTorch's rule)");
  }
  return settings;
}

std::vector<backprop::LayerSpec> parse_layers(Napi::Value value) {
  Napi::Env env = value.Env();
  if (!value.IsArray() || value.As<Napi::Array>().Length() == 0) {
    throw_error(env, ErrorKind::argument,
                "spec.layers: expected a non-empty array of layers, got " + describe(value));
  }
  Napi::Array array = value.As<Napi::Array>();
  std::vector<backprop::LayerSpec> layers(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const std::string name = "spec.layers[" + std::to_string(i) + "]";
    Napi::Object layer = object_field(array.Get(i), name);
    layers[i].units = integer_argument(layer.Get("units"), name + ".units", 1, kMaxWidth);
    layers[i].activation = named_value(layer.Get("activation"), name + ".activation", kActivations);
    if (layers[i].activation == Activation::softmax && i + 1 != array.Length()) {
      throw_error(env, ErrorKind::argument,
                  name + ".activation: softmax is allowed on the last layer only");
    }
  }
  return layers;
}

void check_loss_matches_output(Napi::Env env, const backprop::ModelSpec& spec) {
  Activation last = spec.layers.back().activation;
  const std::string name =
      "spec.layers[" + std::to_string(spec.layers.size() - 1) + "].activation";
  if (spec.loss == Loss::cross_entropy && last != Activation::softmax) {
    throw_error(env, ErrorKind::argument, name + ": the crossEntropy loss needs a final softmax");
  }
  if (spec.loss == Loss::binary_cross_entropy && last != Activation::sigmoid) {
    throw_error(env, ErrorKind::argument,
                name + ": the binaryCrossEntropy loss needs a final sigmoid");
  }
}

// Every size derived from the spec must stay a safe integer.
void check_parameter_count_fits(Napi::Env env, const backprop::ModelSpec& spec) {
  std::size_t total = 0;
  std::size_t inputs = spec.inputs;
  for (const backprop::LayerSpec& layer : spec.layers) {
    std::size_t weights = checked_product(env, inputs, layer.units, "spec: a layer's weight count");
    total += weights + layer.units;
    if (total > kMaxSafeInteger) {
      throw_error(env, ErrorKind::shape, "spec: the parameter count exceeds 2^53 − 1");
    }
    inputs = layer.units;
  }
}

}  // namespace

backprop::ModelSpec parse_spec(Napi::Value value) {
  Napi::Env env = value.Env();
  Napi::Object object = object_field(value, "spec");
  backprop::ModelSpec spec;
  spec.inputs = integer_argument(object.Get("inputs"), "spec.inputs", 1, kMaxWidth);
  spec.layers = parse_layers(object.Get("layers"));
  spec.loss = named_value(object.Get("loss"), "spec.loss", kLosses);
  spec.optimizer = parse_optimizer(object.Get("optimizer"));
  // Absent means float32, as before the option existed.
  Napi::Value precision = object.Get("precision");
  if (!precision.IsUndefined()) spec.precision = named_value(precision, "spec.precision", kPrecisions);
  check_loss_matches_output(env, spec);
  check_parameter_count_fits(env, spec);
  return spec;
}

std::size_t total_width(const backprop::ModelSpec& spec) {
  std::size_t width = spec.inputs;
  for (const backprop::LayerSpec& layer : spec.layers) width += layer.units;
  return width;
}

}  // namespace backprop_binding
