#include "addon.h"

#include <cstdlib>
#include <string>

#include "arguments.h"
#include "finite.h"
#include "gemm/gemm.h"
#include "model_wrap.h"
#include "thread_pool.h"

namespace backprop_binding {

AddonInstance::AddonInstance(Napi::Env env, Napi::Object exports)
    : isa_choice_(choose_isa(std::getenv("BACKPROP_ISA"))) {
  DefineAddon(exports, {
                           InstanceMethod("info", &AddonInstance::Info),
                           InstanceMethod("setErrorClasses", &AddonInstance::SetErrorClasses),
                           InstanceMethod("trackTemporaryFile", &AddonInstance::TrackTemporaryFile),
                           InstanceMethod("untrackTemporaryFile", &AddonInstance::UntrackTemporaryFile),
                           InstanceMethod("firstNonFinite", &AddonInstance::FirstNonFinite),
                       });
  exports.Set("NativeModel", NativeModel::define_class(env));
}

AddonInstance& AddonInstance::of(Napi::Env env) { return *env.GetInstanceData<AddonInstance>(); }

const Napi::FunctionReference& AddonInstance::error_class(ErrorKind kind) const {
  return error_classes_[static_cast<std::size_t>(kind)];
}

backprop::Isa AddonInstance::isa(Napi::Env env) const {
  if (!isa_choice_.error.empty()) throw_error(env, ErrorKind::backend, isa_choice_.error);
  const std::string& threads_error = backprop::threads_setting().error;
  if (!threads_error.empty()) throw_error(env, ErrorKind::backend, threads_error);
  return isa_choice_.isa;
}

Napi::Value AddonInstance::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 0, "info()");
  backprop::Isa chosen = isa(env);

  std::vector<backprop::Isa> supported = supported_isas();
  Napi::Array supported_names = Napi::Array::New(env, supported.size());
  for (std::size_t i = 0; i < supported.size(); ++i) {
    supported_names.Set(static_cast<uint32_t>(i), backprop::isa_name(supported[i]));
  }

  Napi::Object result = Napi::Object::New(env);
  result.Set("isa", backprop::isa_name(chosen));
  result.Set("bfloat16", backprop::bf16_path_name(backprop::bf16_path(chosen)));
  result.Set("threads", static_cast<double>(backprop::default_pool().size()));
  result.Set("isaSupported", supported_names);
  result.Set("napiVersion", static_cast<double>(NAPI_VERSION));
  return result;
}

Napi::Value AddonInstance::SetErrorClasses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 1, "setErrorClasses(classes)");
  if (!info[0].IsObject()) {
    throw_error(env, ErrorKind::argument, "classes: expected an object of error classes");
  }
  Napi::Object classes = info[0].As<Napi::Object>();
  // Check every entry before replacing any, so a bad call changes nothing.
  std::array<Napi::Function, kErrorKindCount> found;
  for (int k = 0; k < kErrorKindCount; ++k) {
    const char* name = error_class_name(static_cast<ErrorKind>(k));
    Napi::Value value = classes.Get(name);
    if (!value.IsFunction()) {
      throw_error(env, ErrorKind::argument,
                  std::string("classes.") + name + ": expected a class (constructor function)");
    }
    found[k] = value.As<Napi::Function>();
  }
  for (int k = 0; k < kErrorKindCount; ++k) {
    error_classes_[k] = Napi::Persistent(found[k]);
  }
  return env.Undefined();
}

namespace {

std::string path_argument(const Napi::CallbackInfo& info, const char* call) {
  expect_argument_count(info, 1, call);
  if (!info[0].IsString()) throw_error(info.Env(), ErrorKind::argument, "path: expected a string");
  return info[0].As<Napi::String>().Utf8Value();
}

}  // namespace

Napi::Value AddonInstance::TrackTemporaryFile(const Napi::CallbackInfo& info) {
  temporary_files_.track(path_argument(info, "trackTemporaryFile(path)"));
  return info.Env().Undefined();
}

Napi::Value AddonInstance::UntrackTemporaryFile(const Napi::CallbackInfo& info) {
  temporary_files_.untrack(path_argument(info, "untrackTemporaryFile(path)"));
  return info.Env().Undefined();
}

Napi::Value AddonInstance::FirstNonFinite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  expect_argument_count(info, 3, "firstNonFinite(values, from, to)");
  Napi::TypedArrayOf<float> values = float32_array(info[0], "values");
  const std::size_t length = values.ElementLength();
  const std::size_t to = integer_argument(info[2], "to", 0, length);
  const std::size_t from = integer_argument(info[1], "from", 0, to);
  const std::size_t bad = backprop::first_non_finite(values.Data() + from, to - from);
  return Napi::Number::New(env, bad == to - from ? -1.0 : static_cast<double>(from + bad));
}

}  // namespace backprop_binding

// The registration macro pastes the class name, so it must be unqualified.
using backprop_binding::AddonInstance;
NODE_API_ADDON(AddonInstance)
