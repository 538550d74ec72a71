// The optimizer passes compiled for AVX512 (this file's own flags); called
// only after cpuid says the CPU has it.
#include "optimizer_loops.h"

namespace backprop {
namespace optimizer_detail {

void update_avx512(const Update& update) { run_update(update); }

}  // namespace optimizer_detail
}  // namespace backprop
