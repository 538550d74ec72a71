// Instruction-set paths and their run-time selection (cpuid + xgetbv).
#pragma once

namespace backprop {

enum class Isa { scalar, avx2, avx512, neon };

// "scalar", "avx2", "avx512", "neon".
const char* isa_name(Isa isa);

// Parses a name as isa_name() prints it; false when unknown.
bool parse_isa(const char* name, Isa* out);

// Compiled into this binary AND usable on this CPU with this OS (xgetbv).
bool isa_supported(Isa isa);

// The widest supported path.
Isa best_isa();

}  // namespace backprop
