#include "arguments.h"

#include <cmath>

#include "errors.h"
#include "spec_parse.h"

namespace backprop_binding {

namespace {

const char* typed_array_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
  }
  return "a typed array";
}

}  // namespace

std::string describe(Napi::Value value) {
  if (value.IsUndefined()) return "undefined";
  if (value.IsNull()) return "null";
  if (value.IsTypedArray()) return typed_array_name(value.As<Napi::TypedArray>().TypedArrayType());
  if (value.IsDataView()) return "a DataView";
  if (value.IsArrayBuffer()) return "an ArrayBuffer";
  if (value.IsArray()) return "an array";
  if (value.IsNumber()) return "the number " + value.ToString().Utf8Value();
  if (value.IsString()) {
    std::string text = value.As<Napi::String>().Utf8Value();
    return "the string '" + (text.size() <= 40 ? text : text.substr(0, 40) + "…") + "'";
  }
  if (value.IsBoolean()) return "a boolean";
  if (value.IsBigInt()) return "a bigint";
  if (value.IsFunction()) return "a function";
  return "an object";
}

namespace {

template <typename T>
Napi::TypedArrayOf<T> typed_array(Napi::Value value, const std::string& name,
                                  napi_typedarray_type type) {
  const auto fail = [&] {
    throw_error(value.Env(), ErrorKind::argument,
                name + ": expected a " + typed_array_name(type) + ", got " + describe(value));
  };
  if (!value.IsTypedArray()) fail();
  // Its kind is read by the same calls that read its length and data
  // (napi_get_typedarray_info, about 500 instructions each, here two):
  // asking As<TypedArray>() first made it three, for each of the three
  // arrays of every batch-1 predict.
  Napi::TypedArrayOf<T> array(value.Env(), value);
  if (array.TypedArrayType() != type) fail();
  return array;
}

}  // namespace

void expect_argument_count(const Napi::CallbackInfo& info, std::size_t count,
                           const char* signature) {
  if (info.Length() != count) {
    throw_error(info.Env(), ErrorKind::argument,
                std::string(signature) + ": expected " + std::to_string(count) +
                    (count == 1 ? " argument" : " arguments") + ", got " +
                    std::to_string(info.Length()));
  }
}

Napi::TypedArrayOf<float> float32_array(Napi::Value value, const std::string& name) {
  return typed_array<float>(value, name, napi_float32_array);
}

Napi::TypedArrayOf<std::int32_t> int32_array(Napi::Value value, const std::string& name) {
  return typed_array<std::int32_t>(value, name, napi_int32_array);
}

Napi::TypedArrayOf<double> float64_array(Napi::Value value, const std::string& name) {
  return typed_array<double>(value, name, napi_float64_array);
}

std::size_t integer_argument(Napi::Value value, const std::string& name, std::size_t min,
                             std::size_t max) {
  // The message is built only on failure: this check runs on every call,
  // batch-1 predict included, where formatting it would cost more than the
  // product.
  const auto fail = [&] {
    throw_error(value.Env(), ErrorKind::argument,
                name + ": expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                    "], got " + describe(value));
  };
  if (!value.IsNumber()) fail();
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::floor(number) != number ||
      number < static_cast<double>(min) || number > static_cast<double>(max)) {
    fail();
  }
  return static_cast<std::size_t>(number);
}

double finite_number(Napi::Value value, const std::string& name) {
  if (!value.IsNumber() || !std::isfinite(value.As<Napi::Number>().DoubleValue())) {
    throw_error(value.Env(), ErrorKind::argument,
                name + ": expected a finite number, got " + describe(value));
  }
  return value.As<Napi::Number>().DoubleValue();
}

std::size_t checked_product(Napi::Env env, std::size_t a, std::size_t b, const std::string& what) {
  if (a != 0 && b > kMaxSafeInteger / a) {
    throw_error(env, ErrorKind::shape,
                what + " is too large: " + std::to_string(a) + " × " + std::to_string(b) +
                    " exceeds 2^53 − 1");
  }
  return a * b;
}

void expect_length(Napi::Env env, std::size_t actual, std::size_t expected,
                   const std::string& name, const std::string& meaning) {
  if (actual != expected) length_error(env, actual, expected, name, meaning);
}

void length_error(Napi::Env env, std::size_t actual, std::size_t expected, const std::string& name,
                  const std::string& meaning) {
  throw_error(env, ErrorKind::shape,
              name + ": expected length " + std::to_string(expected) + " (" + meaning + "), got " +
                  std::to_string(actual));
}

std::string rows_times(std::size_t rows, const char* what, std::size_t count) {
  return "rows " + std::to_string(rows) + " × " + what + " " + std::to_string(count);
}

void expect_rows_fit(Napi::Env env, std::size_t rows, const backprop::ModelSpec& spec,
                     const std::string& name) {
  const std::size_t width = total_width(spec);
  if (rows > kMaxWorkspaceFloats / width) {
    throw_error(env, ErrorKind::shape,
                name + " is too large: " + std::to_string(rows) + " rows × " +
                    std::to_string(width) + " (inputs + units of every layer) exceeds 2^50");
  }
}

const float* row_weights_argument(Napi::Value value, const std::string& name, std::size_t rows) {
  if (value.IsNull() || value.IsUndefined()) return nullptr;
  Napi::TypedArrayOf<float> weights = float32_array(value, name);
  expect_length(value.Env(), weights.ElementLength(), rows, name, "one weight per row");
  return weights.Data();
}

TargetsArgument targets_argument(Napi::Value value, const std::string& name, std::size_t rows,
                                 const backprop::ModelSpec& spec,
                                 std::vector<std::int32_t>& label_copy) {
  Napi::Env env = value.Env();
  const std::size_t outputs = spec.layers.back().units;
  const bool labels_allowed = spec.loss == backprop::Loss::cross_entropy;
  if (value.IsTypedArray() &&
      value.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    Napi::TypedArrayOf<float> dense = value.As<Napi::TypedArrayOf<float>>();
    expect_length(env, dense.ElementLength(), checked_product(env, rows, outputs, name), name,
                  [&] { return rows_times(rows, "outputs", outputs); });
    TargetsArgument result{backprop::Targets{}, dense};
    result.targets.dense = dense.Data();
    return result;
  }
  if (labels_allowed && value.IsTypedArray() &&
      value.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    Napi::TypedArrayOf<std::int32_t> labels = value.As<Napi::TypedArrayOf<std::int32_t>>();
    expect_length(env, labels.ElementLength(), rows, name,
                  [] { return std::string("one class label per row"); });
    label_copy.assign(labels.Data(), labels.Data() + rows);
    for (std::size_t i = 0; i < rows; ++i) {
      if (label_copy[i] < 0 || static_cast<std::size_t>(label_copy[i]) >= outputs) {
        throw_error(env, ErrorKind::argument,
                    name + "[" + std::to_string(i) + "]: expected a class label in [0, " +
                        std::to_string(outputs) + "), got " + std::to_string(label_copy[i]));
      }
    }
    TargetsArgument result{backprop::Targets{}, labels};
    result.targets.labels = label_copy.data();
    return result;
  }
  throw_error(env, ErrorKind::argument,
              name + (labels_allowed
                          ? ": expected a Float32Array (rows × outputs) or an Int32Array of "
                            "class labels, got "
                          : ": expected a Float32Array (rows × outputs; Int32Array labels need "
                            "the crossEntropy loss), got ") +
                  describe(value));
}

}  // namespace backprop_binding
