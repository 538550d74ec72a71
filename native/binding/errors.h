// Errors the binding throws: instances of the facade's classes (handed over by
// setErrorClasses), so callers can rely on `instanceof` whatever engine runs.
#pragma once

#include <napi.h>

#include <string>

namespace backprop_binding {

enum class ErrorKind {
  argument,  // wrong type, unknown name, impossible value
  shape,     // a length that does not match the network or the other data
  busy,      // the model is running an asynchronous chunk
  disposed,  // the model was disposed
  backend,   // the engine cannot run here (e.g. BACKPROP_ISA)
  internal,  // the core failed (e.g. out of memory)
};

constexpr int kErrorKindCount = 6;

// The facade's class name for `kind` (also the key setErrorClasses expects).
const char* error_class_name(ErrorKind kind);

// An instance of the registered class for `kind`; before setErrorClasses, a
// plain Error whose `name` is that class name.
Napi::Error make_error(Napi::Env env, ErrorKind kind, const std::string& message);

[[noreturn]] void throw_error(Napi::Env env, ErrorKind kind, const std::string& message);

}  // namespace backprop_binding
