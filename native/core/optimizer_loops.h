// The loops of every optimizer update, included by optimizers.cpp (baseline)
// and by each optimizers_<isa>.cpp. Internal linkage, like gemm/pack.h: each
// file compiles its own copy with its own instruction-set flags. Each body is
// branch-free and the pointers restrict-qualified, so the compiler
// vectorizes it to the widest vectors the file's flags allow.
#pragma once

#include <cmath>
#include <cstddef>

#include "optimizer_update.h"

namespace backprop {
namespace optimizer_detail {
namespace {

void sgd(const UpdateConstants& k, float* __restrict p, const float* __restrict grad, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] -= k.lr * (grad[i] + k.wd * p[i]);
}

void sgd_momentum(const UpdateConstants& k, float* __restrict p, const float* __restrict grad,
                  float* __restrict buf, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + k.wd * p[i];
    buf[i] = k.keep * buf[i] + g;
    p[i] -= k.lr * buf[i];
  }
}

void sgd_nesterov(const UpdateConstants& k, float* __restrict p, const float* __restrict grad,
                  float* __restrict buf, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + k.wd * p[i];
    buf[i] = k.keep * buf[i] + g;
    p[i] -= k.lr * (g + k.momentum * buf[i]);
  }
}

// adam (L2 in the gradient: wd) and adamw (decoupled: shrink, wd 0).
void adam(const UpdateConstants& k, float* __restrict p, const float* __restrict grad, float* __restrict m,
          float* __restrict v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float decayed = p[i] * k.shrink;
    const float g = grad[i] + k.wd * decayed;
    m[i] = k.beta1 * m[i] + k.one_minus_beta1 * g;
    v[i] = k.beta2 * v[i] + k.one_minus_beta2 * g * g;
    p[i] = decayed - k.step_size * m[i] / (std::sqrt(v[i]) / k.correction2_sqrt + k.eps);
  }
}

void rmsprop(const UpdateConstants& k, float* __restrict p, const float* __restrict grad, float* __restrict v,
             std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + k.wd * p[i];
    v[i] = k.alpha * v[i] + k.one_minus_alpha * g * g;
    p[i] -= k.lr * g / (std::sqrt(v[i]) + k.eps);
  }
}

void rmsprop_momentum(const UpdateConstants& k, float* __restrict p, const float* __restrict grad,
                      float* __restrict buf, float* __restrict v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + k.wd * p[i];
    v[i] = k.alpha * v[i] + k.one_minus_alpha * g * g;
    buf[i] = k.momentum * buf[i] + g / (std::sqrt(v[i]) + k.eps);
    p[i] -= k.lr * buf[i];
  }
}

void adagrad(const UpdateConstants& k, float* __restrict p, const float* __restrict grad, float* __restrict sum,
             std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + k.wd * p[i];
    sum[i] += g * g;
    p[i] -= k.lr * g / (std::sqrt(sum[i]) + k.eps);
  }
}

void run_update(const Update& u) {
  switch (u.rule) {
    case UpdateRule::sgd: return sgd(u.k, u.p, u.g, u.n);
    case UpdateRule::sgd_momentum: return sgd_momentum(u.k, u.p, u.g, u.first, u.n);
    case UpdateRule::sgd_nesterov: return sgd_nesterov(u.k, u.p, u.g, u.first, u.n);
    case UpdateRule::adam: return adam(u.k, u.p, u.g, u.first, u.second, u.n);
    case UpdateRule::rmsprop: return rmsprop(u.k, u.p, u.g, u.second, u.n);
    case UpdateRule::rmsprop_momentum: return rmsprop_momentum(u.k, u.p, u.g, u.first, u.second, u.n);
    case UpdateRule::adagrad: return adagrad(u.k, u.p, u.g, u.second, u.n);
  }
}

}  // namespace
}  // namespace optimizer_detail
}  // namespace backprop
