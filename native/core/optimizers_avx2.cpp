// The optimizer passes compiled for AVX2 (this file's own flags); called
// only after cpuid says the CPU has it.
#include "optimizer_loops.h"

namespace backprop {
namespace optimizer_detail {

const UpdatePasses avx2_passes = {run_plain_update, run_guarded_update};

}  // namespace optimizer_detail
}  // namespace backprop
