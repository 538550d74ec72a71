// Checks of JS arguments, done before the binding touches any memory. Each
// failure throws the facade's ArgumentError (type, value) or ShapeError
// (length), with a message naming the argument and what was expected.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model_spec.h"

namespace backprop_binding {

// 2^53 − 1: the largest integer a JS number holds exactly.
constexpr std::size_t kMaxSafeInteger = (std::size_t{1} << 53) - 1;

// What a wrong argument was, for messages "…, got <description>".
std::string describe(Napi::Value value);

// `signature` is the call as users know it, e.g. "predict(x, rows, out)".
void expect_argument_count(const Napi::CallbackInfo& info, std::size_t count,
                           const char* signature);

// Exactly that typed-array kind: other kinds, DataView, Buffer and plain
// arrays are refused.
Napi::TypedArrayOf<float> float32_array(Napi::Value value, const std::string& name);
Napi::TypedArrayOf<std::int32_t> int32_array(Napi::Value value, const std::string& name);
Napi::TypedArrayOf<double> float64_array(Napi::Value value, const std::string& name);

// A JS number holding an integer in [min, max].
std::size_t integer_argument(Napi::Value value, const std::string& name, std::size_t min,
                             std::size_t max = kMaxSafeInteger);

// A finite JS number.
double finite_number(Napi::Value value, const std::string& name);

// a · b, or a ShapeError saying `what` is too large when the product exceeds
// kMaxSafeInteger.
std::size_t checked_product(Napi::Env env, std::size_t a, std::size_t b, const std::string& what);

// ShapeError "<name>: expected length <expected> (<meaning>), got <actual>".
void expect_length(Napi::Env env, std::size_t actual, std::size_t expected,
                   const std::string& name, const std::string& meaning);
[[noreturn]] void length_error(Napi::Env env, std::size_t actual, std::size_t expected,
                               const std::string& name, const std::string& meaning);

// The same check with a message built only on failure, for the checks every
// call makes (batch-1 predict costs a few microseconds, formatting a
// message about as much): `meaning()` returns the <meaning> text.
template <class Meaning, class = decltype(std::declval<Meaning>()())>
void expect_length(Napi::Env env, std::size_t actual, std::size_t expected, const std::string& name,
                   Meaning meaning) {
  if (actual != expected) length_error(env, actual, expected, name, meaning());
}

// "rows <rows> × <what> <count>", the <meaning> of a rows × width array.
std::string rows_times(std::size_t rows, const char* what, std::size_t count);

// Refuses row counts whose work space would not be addressable, before the
// core sizes buffers from them: rows × (inputs + every layer's units) must
// stay within kMaxWorkspaceFloats, which leaves room for the few buffers per
// layer the core keeps, in bytes.
constexpr std::size_t kMaxWorkspaceFloats = std::size_t{1} << 50;
void expect_rows_fit(Napi::Env env, std::size_t rows, const backprop::ModelSpec& spec,
                     const std::string& name);

// null (none) or a Float32Array of one weight per row.
const float* row_weights_argument(Napi::Value value, const std::string& name, std::size_t rows);

// Dense Float32Array (rows × outputs) or, for crossEntropy only, an
// Int32Array of rows labels, each in [0, outputs). Labels are copied into
// `label_copy` and checked there, and the core reads the copy: JS (or another
// thread, through a SharedArrayBuffer) may rewrite the array while the core
// uses it, and an index must not change once checked.
struct TargetsArgument {
  backprop::Targets targets;
  Napi::TypedArray array;
};
TargetsArgument targets_argument(Napi::Value value, const std::string& name, std::size_t rows,
                                 const backprop::ModelSpec& spec,
                                 std::vector<std::int32_t>& label_copy);

}  // namespace backprop_binding
