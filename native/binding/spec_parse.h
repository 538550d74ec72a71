// The spec object the facade passes (ModelSpec in lib/backends/backend.ts,
// optimizer settings fully resolved) → backprop::ModelSpec, checked field by
// field so the core only ever sees a valid spec.
#pragma once

#include <napi.h>

#include <cstddef>

#include "model_spec.h"

namespace backprop_binding {

backprop::ModelSpec parse_spec(Napi::Value value);

// inputs + the units of every layer: the values one row carries through the
// network.
std::size_t total_width(const backprop::ModelSpec& spec);

}  // namespace backprop_binding
