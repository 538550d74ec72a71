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

// The pass for `isa`; one this build or CPU lacks gives the baseline pass.
void apply_update(Isa isa, const Update& update);

namespace optimizer_detail {
void update_baseline(const Update& update);
#if defined(BACKPROP_HAVE_AVX2)
void update_avx2(const Update& update);
#endif
#if defined(BACKPROP_HAVE_AVX512)
void update_avx512(const Update& update);
#endif
}  // namespace optimizer_detail

}  // namespace backprop
