// Instruction-set paths and their run-time selection (cpuid + xgetbv).
#pragma once

namespace backprop {

// avx512bf16 and amx are avx512 plus a bfloat16 GEMM (vdpbf16ps, AMX tiles):
// their float32 kernels are the avx512 ones (float_isa).
enum class Isa { scalar, avx2, avx512, neon, avx512bf16, amx };

// Every path, narrowest first.
constexpr Isa kAllIsas[] = {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon, Isa::avx512bf16, Isa::amx};

// "scalar", "avx2", "avx512", "neon", "avx512bf16", "amx".
const char* isa_name(Isa isa);

// Parses a name as isa_name() prints it; false when unknown.
bool parse_isa(const char* name, Isa* out);

// Compiled into this binary AND usable on this CPU with this OS (xgetbv;
// for amx also the tile-data permission, asked of Linux once per process).
bool isa_supported(Isa isa);

// The path whose float32 kernels `isa` uses: avx512 for avx512bf16 and amx.
Isa float_isa(Isa isa);

// The widest supported path.
Isa best_isa();

}  // namespace backprop
