#include "optimizers.h"

#include <algorithm>
#include <cmath>

#include "optimizer_loops.h"

namespace backprop {
namespace {

// Every hyperparameter arrives as double and is rounded to float once per
// step, here; the passes themselves are optimizer_loops.h.
Update update_for(const OptimizerSettings& s, std::size_t t, double learning_rate) {
  Update u{};
  UpdateConstants& k = u.k;
  k.lr = float(learning_rate);
  k.wd = float(s.weight_decay);
  k.momentum = float(s.momentum);
  k.eps = float(s.epsilon);
  switch (s.type) {
    case OptimizerType::sgd:
      u.rule = s.momentum == 0 ? UpdateRule::sgd : s.nesterov ? UpdateRule::sgd_nesterov : UpdateRule::sgd_momentum;
      k.keep = t == 1 ? 0.0f : k.momentum;  // the first step sets buf = g
      break;
    case OptimizerType::adam:
    case OptimizerType::adamw: {
      const bool decoupled = s.type == OptimizerType::adamw;
      const double td = double(t);
      u.rule = UpdateRule::adam;
      k.wd = decoupled ? 0.0f : k.wd;
      k.shrink = decoupled ? float(1 - learning_rate * s.weight_decay) : 1.0f;
      k.beta1 = float(s.beta1);
      k.beta2 = float(s.beta2);
      k.one_minus_beta1 = float(1 - s.beta1);
      k.one_minus_beta2 = float(1 - s.beta2);
      k.step_size = float(learning_rate / (1 - std::pow(s.beta1, td)));
      k.correction2_sqrt = float(std::sqrt(1 - std::pow(s.beta2, td)));
      break;
    }
    case OptimizerType::rmsprop:
      u.rule = s.momentum > 0 ? UpdateRule::rmsprop_momentum : UpdateRule::rmsprop;
      k.alpha = float(s.alpha);
      k.one_minus_alpha = float(1 - s.alpha);
      break;
    case OptimizerType::adagrad: u.rule = UpdateRule::adagrad; break;
  }
  return u;
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

namespace optimizer_detail {

void update_baseline(const Update& update) { run_update(update); }

}  // namespace optimizer_detail

void apply_update(Isa isa, const Update& update) {
  if (isa_supported(isa)) {
    switch (float_isa(isa)) {
#if defined(BACKPROP_HAVE_AVX512)
      case Isa::avx512: return optimizer_detail::update_avx512(update);
#endif
#if defined(BACKPROP_HAVE_AVX2)
      case Isa::avx2: return optimizer_detail::update_avx2(update);
#endif
      default: break;
    }
  }
  optimizer_detail::update_baseline(update);
}

Optimizer::Optimizer(const OptimizerSettings& settings, std::size_t parameters, Isa isa)
    : settings_(settings),
      isa_(isa),
      parameters_(parameters),
      first_(uses_first_moment(settings) ? parameters : 0, 0.0f),
      second_(uses_second_moment(settings) ? parameters : 0, 0.0f) {}

void Optimizer::step(float* params, const float* grads, double learning_rate) {
  Update update = update_for(settings_, ++steps_, learning_rate);
  update.p = params;
  update.g = grads;
  update.first = first_.data();
  update.second = second_.data();
  update.n = parameters_;
  apply_update(isa_, update);
}

std::size_t Optimizer::save_state(float* first, float* second) const {
  if (first_.empty()) std::fill(first, first + parameters_, 0.0f);
  else std::copy(first_.begin(), first_.end(), first);
  if (second_.empty()) std::fill(second, second + parameters_, 0.0f);
  else std::copy(second_.begin(), second_.end(), second);
  return steps_;
}

void Optimizer::restore_state(std::size_t steps, const float* first, const float* second) {
  steps_ = steps;
  std::copy(first, first + first_.size(), first_.begin());
  std::copy(second, second + second_.size(), second_.begin());
}

void Optimizer::reset() {
  steps_ = 0;
  std::fill(first_.begin(), first_.end(), 0.0f);
  std::fill(second_.begin(), second_.end(), 0.0f);
}

}  // namespace backprop
