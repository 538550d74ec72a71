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

// Memory limits only (the facade's rules are stricter, lib/spec.ts): layer
// widths index Int32Array labels and orders, so they stay int32.
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
    {"huber", Loss::huber},
    {"mae", Loss::mae},
};

constexpr std::pair<const char*, OptimizerType> kOptimizers[] = {
    {"sgd", OptimizerType::sgd},         {"adam", OptimizerType::adam},
    {"adamw", OptimizerType::adamw},     {"rmsprop", OptimizerType::rmsprop},
    {"adagrad", OptimizerType::adagrad},
};

constexpr std::pair<const char*, backprop::NormalizationType> kNormalizations[] = {
    {"batch", backprop::NormalizationType::batch},
    {"layer", backprop::NormalizationType::layer},
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

// Hyperparameters are plain numbers to the core: their ranges are rules of
// the facade (lib/spec.ts), not memory safety.
double hyperparameter(Napi::Object optimizer, const char* field) {
  return finite_number(optimizer.Get(field), std::string("spec.optimizer.") + field);
}

backprop::OptimizerSettings parse_optimizer(Napi::Value value) {
  Napi::Object optimizer = object_field(value, "spec.optimizer");
  backprop::OptimizerSettings settings;
  settings.type = named_value(optimizer.Get("type"), "spec.optimizer.type", kOptimizers);
  settings.learning_rate = hyperparameter(optimizer, "learningRate");
  settings.momentum = hyperparameter(optimizer, "momentum");
  settings.weight_decay = hyperparameter(optimizer, "weightDecay");
  settings.beta1 = hyperparameter(optimizer, "beta1");
  settings.beta2 = hyperparameter(optimizer, "beta2");
  settings.epsilon = hyperparameter(optimizer, "epsilon");
  settings.alpha = hyperparameter(optimizer, "alpha");
  settings.clip_norm = hyperparameter(optimizer, "clipNorm");
  settings.clip_value = hyperparameter(optimizer, "clipValue");
  Napi::Value nesterov = optimizer.Get("nesterov");
  if (!nesterov.IsBoolean()) {
    throw_error(value.Env(), ErrorKind::argument,
                "spec.optimizer.nesterov: expected a boolean, got " + describe(nesterov));
  }
  settings.nesterov = nesterov.As<Napi::Boolean>().Value();
  return settings;
}

// null or absent (a spec from before normalization existed): none.
backprop::Normalization parse_normalization(Napi::Value value, const std::string& name) {
  backprop::Normalization normalization;
  if (value.IsUndefined() || value.IsNull()) return normalization;
  Napi::Object object = object_field(value, name);
  normalization.type = named_value(object.Get("type"), name + ".type", kNormalizations);
  normalization.momentum = finite_number(object.Get("momentum"), name + ".momentum");
  normalization.epsilon = finite_number(object.Get("epsilon"), name + ".epsilon");
  return normalization;
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
    layers[i].l1 = finite_number(layer.Get("l1"), name + ".l1");
    layers[i].l2 = finite_number(layer.Get("l2"), name + ".l2");
    // Outside [0, 1) the mask threshold is no uint32 (undefined conversion).
    layers[i].dropout = finite_number(layer.Get("dropout"), name + ".dropout");
    if (layers[i].dropout < 0 || layers[i].dropout >= 1) {
      throw_error(env, ErrorKind::argument, name + ".dropout: expected a rate in [0, 1)");
    }
    layers[i].normalization = parse_normalization(layer.Get("normalization"), name + ".normalization");
  }
  return layers;
}

// Every size derived from the spec must stay a safe integer: the state
// count (parameters and running statistics) bounds them all.
void check_state_count_fits(Napi::Env env, const backprop::ModelSpec& spec) {
  std::size_t total = 0;
  std::size_t inputs = spec.inputs;
  for (const backprop::LayerSpec& layer : spec.layers) {
    std::size_t weights = checked_product(env, inputs, layer.units, "spec: a layer's weight count");
    const backprop::NormalizationType norm = layer.normalization.type;
    // bias, norm.weight and norm.bias, running_mean and running_var: units each
    const std::size_t vectors = 1 + (norm == backprop::NormalizationType::none ? 0 : 2) +
                                (norm == backprop::NormalizationType::batch ? 2 : 0);
    total += weights + vectors * layer.units;
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
  Napi::Object loss_parameters = object_field(object.Get("lossParameters"), "spec.lossParameters");
  spec.loss_parameters.label_smoothing =
      finite_number(loss_parameters.Get("labelSmoothing"), "spec.lossParameters.labelSmoothing");
  spec.loss_parameters.delta =
      finite_number(loss_parameters.Get("delta"), "spec.lossParameters.delta");
  spec.optimizer = parse_optimizer(object.Get("optimizer"));
  spec.dropout_seed = static_cast<std::uint32_t>(
      integer_argument(object.Get("dropoutSeed"), "spec.dropoutSeed", 0, UINT32_MAX));
  // Absent means float32, as before the option existed.
  Napi::Value precision = object.Get("precision");
  if (!precision.IsUndefined()) spec.precision = named_value(precision, "spec.precision", kPrecisions);
  check_state_count_fits(env, spec);
  return spec;
}

std::size_t total_width(const backprop::ModelSpec& spec) {
  std::size_t width = spec.inputs;
  for (const backprop::LayerSpec& layer : spec.layers) width += layer.units;
  return width;
}

}  // namespace backprop_binding
