#include "isa_choice.h"

namespace backprop_binding {

namespace {

std::string names(const std::vector<backprop::Isa>& isas) {
  std::string list;
  for (backprop::Isa isa : isas) {
    if (!list.empty()) list += ", ";
    list += backprop::isa_name(isa);
  }
  return list;
}

}  // namespace

std::vector<backprop::Isa> supported_isas() {
  std::vector<backprop::Isa> isas;
  for (backprop::Isa isa : backprop::kAllIsas) {
    if (backprop::isa_supported(isa)) isas.push_back(isa);
  }
  return isas;
}

IsaChoice choose_isa(const char* requested) {
  IsaChoice choice;
  if (requested == nullptr || *requested == '\0') {
    choice.isa = backprop::best_isa();
    return choice;
  }
  backprop::Isa isa;
  if (!backprop::parse_isa(requested, &isa)) {
    choice.error = std::string("BACKPROP_ISA=") + requested +
                   " is not a known SIMD path: expected one of scalar, avx2, avx512, neon, avx512bf16, amx";
  } else if (!backprop::isa_supported(isa)) {
    choice.error = std::string("BACKPROP_ISA=") + requested +
                   " is not supported by this CPU or this binary (supported here: " +
                   names(supported_isas()) + ")";
  } else {
    choice.isa = isa;
  }
  return choice;
}

}  // namespace backprop_binding
