#include "optimizers.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "optimizer_loops.h"
#include "thread_pool.h"

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

// The buffer for one moment: the given one, else one of our own; null when unused.
float* moment_buffer(bool used, float* given, std::size_t parameters, std::vector<float>& owned) {
  if (!used) return nullptr;
  if (given != nullptr) return given;
  owned.resize(parameters);
  return owned.data();
}

}  // namespace

OptimizerMoments optimizer_moments(const OptimizerSettings& settings) {
  return {uses_first_moment(settings), settings.type != OptimizerType::sgd};
}

namespace optimizer_detail {

const UpdatePasses baseline_passes = {run_plain_update, run_guarded_update};

}  // namespace optimizer_detail

namespace {

// The passes compiled for `isa`; one this build or CPU lacks gives the baseline's.
const optimizer_detail::UpdatePasses& passes_for(Isa isa) {
  if (isa_supported(isa)) {
    switch (float_isa(isa)) {
#if defined(BACKPROP_HAVE_AVX512)
      case Isa::avx512: return optimizer_detail::avx512_passes;
#endif
#if defined(BACKPROP_HAVE_AVX2)
      case Isa::avx2: return optimizer_detail::avx2_passes;
#endif
      default: break;
    }
  }
  return optimizer_detail::baseline_passes;
}

}  // namespace

void apply_update(Isa isa, const Update& update) { passes_for(isa).update(update); }

std::size_t apply_guarded_update(Isa isa, const Update& update, const UpdateBackup& backup) {
  return passes_for(isa).guarded(update, backup);
}

Optimizer::Optimizer(const OptimizerSettings& settings, std::size_t parameters, Isa isa,
                     float* first, float* second)
    : settings_(settings), isa_(isa), parameters_(parameters) {
  const OptimizerMoments moments = optimizer_moments(settings);
  first_ = moment_buffer(moments.first, first, parameters, owned_first_);
  second_ = moment_buffer(moments.second, second, parameters, owned_second_);
  reset();
}

namespace {

// Parameters per part of a split update: below this, waking a second thread
// costs more than the pass (an sgd-momentum pass over 64 Ki floats reads and
// writes 1 MiB). Parts start at multiples of kUpdateAlign, so each part's
// vector loop covers the elements the whole pass's would.
constexpr std::size_t kMinUpdatePart = std::size_t(1) << 16;
constexpr std::size_t kUpdateAlign = 64;

// `backup` from element `begin` on.
UpdateBackup backup_part(const UpdateBackup& backup, std::size_t begin) {
  UpdateBackup part = backup;
  part.p += begin;
  if (part.first != nullptr) part.first += begin;
  if (part.second != nullptr) part.second += begin;
  return part;
}

// Copies a kept moment back (nothing for a moment the type does not keep).
void put_back(const float* kept, float* moment, std::size_t parameters) {
  if (moment != nullptr) std::copy(kept, kept + parameters, moment);
}

}  // namespace

Update Optimizer::next_update(float* params, const float* grads, double learning_rate) const {
  Update update = update_for(settings_, steps_ + 1, learning_rate);
  update.p = params;
  update.g = grads;
  update.first = first_;
  update.second = second_;
  update.n = parameters_;
  return update;
}

template <typename Pass>
void Optimizer::in_parts(ThreadPool* pool, Pass&& pass) const {
  const std::size_t threads = pool != nullptr ? pool->size() : 1;
  const std::size_t parts = std::min<std::size_t>(threads, std::max<std::size_t>(1, parameters_ / kMinUpdatePart));
  if (parts == 1) {
    pass(std::size_t(0), parameters_);
    return;
  }
  const std::size_t chunks = (parameters_ + kUpdateAlign - 1) / kUpdateAlign;
  auto task = [&](std::size_t t) {
    const std::size_t begin = std::min(parameters_, chunks * t / parts * kUpdateAlign);
    const std::size_t end = std::min(parameters_, chunks * (t + 1) / parts * kUpdateAlign);
    if (end > begin) pass(begin, end);
  };
  pool->for_each(parts, task);
}

void Optimizer::step(float* params, const float* grads, double learning_rate, ThreadPool* pool) {
  const Update update = next_update(params, grads, learning_rate);
  ++steps_;
  in_parts(pool, [&](std::size_t begin, std::size_t end) {
    apply_update(isa_, optimizer_detail::update_part(update, begin, end));
  });
}

std::size_t Optimizer::guarded_step(float* params, const float* grads, double learning_rate,
                                    const UpdateBackup& backup, ThreadPool* pool) {
  const Update update = next_update(params, grads, learning_rate);
  ++steps_;
  // Each part finds its own first bad element; the step's is the smallest.
  std::atomic<std::size_t> first_bad{parameters_};
  in_parts(pool, [&](std::size_t begin, std::size_t end) {
    const Update part = optimizer_detail::update_part(update, begin, end);
    const std::size_t bad = apply_guarded_update(isa_, part, backup_part(backup, begin));
    if (bad == end - begin) return;
    std::size_t seen = first_bad.load();
    while (begin + bad < seen && !first_bad.compare_exchange_weak(seen, begin + bad)) {
    }
  });
  return first_bad.load();
}

void Optimizer::undo_step(float* params, const UpdateBackup& backup) {
  --steps_;
  std::copy(backup.p, backup.p + parameters_, params);
  put_back(backup.first, first_, parameters_);
  put_back(backup.second, second_, parameters_);
}

namespace {

void copy_moment(const float* moment, float* out, std::size_t parameters) {
  if (moment == nullptr) std::fill(out, out + parameters, 0.0f);
  else std::copy(moment, moment + parameters, out);
}

}  // namespace

std::size_t Optimizer::save_state(float* first, float* second) const {
  copy_moment(first_, first, parameters_);
  copy_moment(second_, second, parameters_);
  return steps_;
}

void Optimizer::restore_state(std::size_t steps, const float* first, const float* second) {
  steps_ = steps;
  if (first_ != nullptr) std::copy(first, first + parameters_, first_);
  if (second_ != nullptr) std::copy(second, second + parameters_, second_);
}

void Optimizer::reset() {
  steps_ = 0;
  if (first_ != nullptr) std::fill(first_, first_ + parameters_, 0.0f);
  if (second_ != nullptr) std::fill(second_, second_ + parameters_, 0.0f);
}

}  // namespace backprop
