// Which SIMD path this environment's models use: BACKPROP_ISA when set, else
// the widest one the CPU, the OS and this binary support.
#pragma once

#include <string>
#include <vector>

#include "isa.h"

namespace backprop_binding {

struct IsaChoice {
  backprop::Isa isa = backprop::Isa::scalar;
  // Non-empty when BACKPROP_ISA names an unknown or unsupported path; the
  // addon then refuses to run and reports this.
  std::string error;
};

// `requested` is the value of BACKPROP_ISA (null or empty when unset).
IsaChoice choose_isa(const char* requested);

// The paths usable here, narrowest first.
std::vector<backprop::Isa> supported_isas();

}  // namespace backprop_binding
