#include "optimizers.h"

#include <algorithm>
#include <cmath>

namespace backprop {
namespace {

// Every hyperparameter arrives as double and is rounded to float once per
// step; each loop body is branch-free so the compiler vectorizes it.

void sgd(const OptimizerSettings& s, std::size_t t, float* __restrict p,
         const float* __restrict grad, float* __restrict buf, std::size_t n) {
  const float lr = float(s.learning_rate), wd = float(s.weight_decay);
  if (s.momentum == 0) {
    for (std::size_t i = 0; i < n; ++i) p[i] -= lr * (grad[i] + wd * p[i]);
    return;
  }
  const float momentum = float(s.momentum);
  const float keep = t == 1 ? 0.0f : momentum;  // the first step sets buf = g
  if (s.nesterov) {
    for (std::size_t i = 0; i < n; ++i) {
      const float g = grad[i] + wd * p[i];
      buf[i] = keep * buf[i] + g;
      p[i] -= lr * (g + momentum * buf[i]);
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const float g = grad[i] + wd * p[i];
      buf[i] = keep * buf[i] + g;
      p[i] -= lr * buf[i];
    }
  }
}

// adam (L2 in the gradient) and adamw (decoupled decay: p *= 1 − lr·wd first).
void adam(const OptimizerSettings& s, bool decoupled, std::size_t t, float* __restrict p,
          const float* __restrict grad, float* __restrict m, float* __restrict v, std::size_t n) {
  const double td = double(t);
  const float l2 = decoupled ? 0.0f : float(s.weight_decay);
  const float shrink = decoupled ? float(1 - s.learning_rate * s.weight_decay) : 1.0f;
  const float beta1 = float(s.beta1), beta2 = float(s.beta2);
  const float one_minus_beta1 = float(1 - s.beta1), one_minus_beta2 = float(1 - s.beta2);
  const float step_size = float(s.learning_rate / (1 - std::pow(s.beta1, td)));
  const float correction2_sqrt = float(std::sqrt(1 - std::pow(s.beta2, td)));
  const float eps = float(s.epsilon);
  for (std::size_t i = 0; i < n; ++i) {
    const float decayed = p[i] * shrink;
    const float g = grad[i] + l2 * decayed;
    m[i] = beta1 * m[i] + one_minus_beta1 * g;
    v[i] = beta2 * v[i] + one_minus_beta2 * g * g;
    p[i] = decayed - step_size * m[i] / (std::sqrt(v[i]) / correction2_sqrt + eps);
  }
}

void rmsprop(const OptimizerSettings& s, float* __restrict p, const float* __restrict grad,
             float* __restrict buf, float* __restrict v, std::size_t n) {
  const float lr = float(s.learning_rate), wd = float(s.weight_decay);
  const float alpha = float(s.alpha), one_minus_alpha = float(1 - s.alpha);
  const float eps = float(s.epsilon);
  if (s.momentum > 0) {
    const float momentum = float(s.momentum);
    for (std::size_t i = 0; i < n; ++i) {
      const float g = grad[i] + wd * p[i];
      v[i] = alpha * v[i] + one_minus_alpha * g * g;
      buf[i] = momentum * buf[i] + g / (std::sqrt(v[i]) + eps);
      p[i] -= lr * buf[i];
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const float g = grad[i] + wd * p[i];
      v[i] = alpha * v[i] + one_minus_alpha * g * g;
      p[i] -= lr * g / (std::sqrt(v[i]) + eps);
    }
  }
}

void adagrad(const OptimizerSettings& s, float* __restrict p, const float* __restrict grad,
             float* __restrict sum, std::size_t n) {
  const float lr = float(s.learning_rate), wd = float(s.weight_decay);
  const float eps = float(s.epsilon);
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + wd * p[i];
    sum[i] += g * g;
    p[i] -= lr * g / (std::sqrt(sum[i]) + eps);
  }
}

bool uses_first_moment(const OptimizerSettings& s) {
  switch (s.type) {
    case OptimizerType::sgd:
    case OptimizerType::rmsprop: return s.momentum != 0;
    case OptimizerType::adam:
    case OptimizerType::adamw: return true;
    case OptimizerType::adagrad: return false;
  }
  return false;
}

bool uses_second_moment(const OptimizerSettings& s) { return s.type != OptimizerType::sgd; }

}  // namespace

Optimizer::Optimizer(const OptimizerSettings& settings, std::size_t parameters)
    : settings_(settings),
      parameters_(parameters),
      first_(uses_first_moment(settings) ? parameters : 0, 0.0f),
      second_(uses_second_moment(settings) ? parameters : 0, 0.0f) {}

void Optimizer::step(float* params, const float* grads) {
  const std::size_t t = ++steps_;
  const std::size_t n = parameters_;
  switch (settings_.type) {
    case OptimizerType::sgd: return sgd(settings_, t, params, grads, first_.data(), n);
    case OptimizerType::adam:
      return adam(settings_, false, t, params, grads, first_.data(), second_.data(), n);
    case OptimizerType::adamw:
      return adam(settings_, true, t, params, grads, first_.data(), second_.data(), n);
    case OptimizerType::rmsprop:
      return rmsprop(settings_, params, grads, first_.data(), second_.data(), n);
    case OptimizerType::adagrad: return adagrad(settings_, params, grads, second_.data(), n);
  }
}

void Optimizer::reset() {
  steps_ = 0;
  std::fill(first_.begin(), first_.end(), 0.0f);
  std::fill(second_.begin(), second_.end(), 0.0f);
}

}  // namespace backprop
