#include "errors.h"

#include "addon.h"

namespace backprop_binding {

const char* error_class_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::argument: return "ArgumentError";
    case ErrorKind::shape: return "ShapeError";
    case ErrorKind::busy: return "BusyError";
    case ErrorKind::disposed: return "DisposedError";
    case ErrorKind::backend: return "BackendError";
    case ErrorKind::internal: return "BackpropError";
  }
  return "BackpropError";
}

Napi::Error make_error(Napi::Env env, ErrorKind kind, const std::string& message) {
  const Napi::FunctionReference& registered = AddonInstance::of(env).error_class(kind);
  if (!registered.IsEmpty()) {
    Napi::Object instance = registered.New({Napi::String::New(env, message)});
    return Napi::Error(env, instance);
  }
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("name", Napi::String::New(env, error_class_name(kind)));
  return error;
}

void throw_error(Napi::Env env, ErrorKind kind, const std::string& message) {
  throw make_error(env, kind, message);
}

}  // namespace backprop_binding
