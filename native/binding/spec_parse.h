// The spec object the facade passes (ModelSpec in lib/backends/backend.ts,
// optimizer settings fully resolved) → backprop::ModelSpec, checked field by
// field so the core only ever sees a valid spec.
#pragma once

#include <napi.h>

#include <cstddef>

#include "model_spec.h"

namespace backprop_binding {

backprop::ModelSpec parse_spec(Napi::Value value);

// max(inputs, units of every layer).
std::size_t widest_layer(const backprop::ModelSpec& spec);

}  // namespace backprop_binding
