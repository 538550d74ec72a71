// The addon's per-environment state (main thread and each worker_thread get
// their own): the facade's error classes, the chosen SIMD path and the
// temporary files being saved. Node frees it when the environment shuts down,
// also when a worker thread is terminated.
#pragma once

#include <napi.h>

#include <array>

#include "errors.h"
#include "isa_choice.h"
#include "temporary_files.h"

namespace backprop_binding {

class AddonInstance : public Napi::Addon<AddonInstance> {
 public:
  AddonInstance(Napi::Env env, Napi::Object exports);

  static AddonInstance& of(Napi::Env env);

  // Empty until setErrorClasses registers the facade's classes.
  const Napi::FunctionReference& error_class(ErrorKind kind) const;

  // The SIMD path for new models; throws BackendError when BACKPROP_ISA is
  // unknown or unsupported here, or BACKPROP_THREADS is not a thread count.
  backprop::Isa isa(Napi::Env env) const;

 private:
  // info() → { isa, threads, isaSupported, napiVersion }
  Napi::Value Info(const Napi::CallbackInfo& info);
  // setErrorClasses({ ArgumentError, ShapeError, BusyError, DisposedError,
  //                   BackendError, BackpropError })
  Napi::Value SetErrorClasses(const Napi::CallbackInfo& info);
  // trackTemporaryFile(path) / untrackTemporaryFile(path)
  Napi::Value TrackTemporaryFile(const Napi::CallbackInfo& info);
  Napi::Value UntrackTemporaryFile(const Napi::CallbackInfo& info);
  // firstNonFinite(values: Float32Array, from, to): index of the first NaN
  // or ±Infinity of values[from, to), or −1. The facade's data checks use it
  // (lib/finite.ts): it runs at memory speed, a JS loop at a few ns a value.
  Napi::Value FirstNonFinite(const Napi::CallbackInfo& info);

  std::array<Napi::FunctionReference, kErrorKindCount> error_classes_;
  IsaChoice isa_choice_;
  TemporaryFiles temporary_files_;
};

}  // namespace backprop_binding
