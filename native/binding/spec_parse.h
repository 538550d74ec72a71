// The spec object the facade passes (ModelSpec in lib/model-spec.ts, already
// validated by the facade's rules) → backprop::ModelSpec, checked field by
// field for types and sizes only: what keeps the core's memory safe.
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
