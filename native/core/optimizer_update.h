// One optimizer update over a flat parameter array, with its hyperparameters
// already rounded to float (optimizers.cpp), as the per-ISA passes take it:
// the same loops (optimizer_loops.h) compiled once per instruction set, so
// that the pass runs as wide as the network's GEMM does.
#pragma once

#include <cstddef>

#include "isa.h"

namespace backprop {

enum class UpdateRule { sgd, sgd_momentum, sgd_nesterov, adam, rmsprop, rmsprop_momentum, adagrad };

struct UpdateConstants {
  float lr = 0, wd = 0;
  float momentum = 0, keep = 0;  // sgd: keep is 0 on the first step (buf = g), else momentum
  float beta1 = 0, beta2 = 0, one_minus_beta1 = 0, one_minus_beta2 = 0;
  float step_size = 0, correction2_sqrt = 0, shrink = 1;  // adam; adamw: wd 0, shrink 1 − lr·wd
  float alpha = 0, one_minus_alpha = 0;                   // rmsprop
  float eps = 0;
};

// p, g (read only), and the moment buffers the rule uses (first: sgd and
// rmsprop momentum, adam m; second: adam v, rmsprop square average, adagrad
// sum), n elements each, none overlapping.
struct Update {
  UpdateRule rule;
  UpdateConstants k;
  float* p;
  const float* g;
  float* first;
  float* second;
  std::size_t n;
};

// Where a guarded update keeps what it overwrites, indexed as the update's
// arrays: a copy of p, and of each moment buffer the rule uses (null where
// the update's is null), n elements each, overlapping none of the update's.
struct UpdateBackup {
  float* p;
  float* first;
  float* second;
};

// The pass for `isa`; one this build or CPU lacks gives the baseline pass.
void apply_update(Isa isa, const Update& update);

// apply_update, in blocks small enough to stay in L1 between the three
// passes each takes: copy p and the rule's moments into `backup`, update,
// check the block's new p. Returns the index of the first new p that is not
// finite, or update.n. Every element is updated either way, with the bits
// apply_update gives it; copying `backup` back undoes the update.
std::size_t apply_guarded_update(Isa isa, const Update& update, const UpdateBackup& backup);

namespace optimizer_detail {
// One instruction set's passes.
struct UpdatePasses {
  void (*update)(const Update& update);
  std::size_t (*guarded)(const Update& update, const UpdateBackup& backup);
};
extern const UpdatePasses baseline_passes;
#if defined(BACKPROP_HAVE_AVX2)
extern const UpdatePasses avx2_passes;
#endif
#if defined(BACKPROP_HAVE_AVX512)
extern const UpdatePasses avx512_passes;
#endif
}  // namespace optimizer_detail

}  // namespace backprop
