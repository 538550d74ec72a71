// PyTorch's optimizers (sgd, adam, adamw, rmsprop, adagrad): their state and
// one update, each a single pass over the flat parameter array.
#pragma once

#include <cstddef>
#include <vector>

#include "isa.h"
#include "model_spec.h"
#include "optimizer_update.h"

namespace backprop {

// Which moment buffers (`parameters` floats each) a type keeps.
struct OptimizerMoments {
  bool first = false;   // sgd/rmsprop momentum buffer, adam m
  bool second = false;  // adam v, rmsprop square average, adagrad sum
};
OptimizerMoments optimizer_moments(const OptimizerSettings& settings);

class ThreadPool;

class Optimizer {
 public:
  // Keeps its moments in `first` and `second` (`parameters` floats each,
  // where optimizer_moments says it keeps one; zeroed here), or, when one is
  // null, in a buffer it allocates. The update pass is the one compiled for
  // `isa` (optimizer_update.h).
  Optimizer(const OptimizerSettings& settings, std::size_t parameters, Isa isa,
            float* first = nullptr, float* second = nullptr);

  // params −= update(grads), grads being the gradient of the mean loss
  // (weight decay is added here, not by the caller), at this step's
  // learning rate (a schedule's; settings.learning_rate is the initial one).
  // Counts one step. A large array is updated in parts over `pool` (may be
  // null): every element's update is its own, so the bits do not depend on
  // the split.
  void step(float* params, const float* grads, double learning_rate, ThreadPool* pool = nullptr);

  // step(), keeping in `backup` (`parameters` floats for p, and for each
  // moment the type keeps, null otherwise) everything it overwrites, and
  // checking every new parameter as it goes, block by block. Returns the
  // index of the first new parameter that is not finite, or `parameters`.
  // The step stands either way, with the bits step() gives; undo_step takes
  // it back.
  std::size_t guarded_step(float* params, const float* grads, double learning_rate,
                           const UpdateBackup& backup, ThreadPool* pool = nullptr);
  // After guarded_step(params, …, backup): the parameters, moments and step
  // count as they were before it.
  void undo_step(float* params, const UpdateBackup& backup);

  // Forgets moments and the step count.
  void reset();

  // The state a resumed run needs: the step count, and both moment buffers
  // as `parameters` floats each (zeros where the type keeps none).
  std::size_t save_state(float* first, float* second) const;
  void restore_state(std::size_t steps, const float* first, const float* second);

  std::size_t steps() const { return steps_; }

 private:
  // The update of step number steps_ + 1 over every parameter (not counted).
  Update next_update(float* params, const float* grads, double learning_rate) const;
  // Runs pass(begin, end) over parts of [0, parameters_) on `pool`.
  template <typename Pass>
  void in_parts(ThreadPool* pool, Pass&& pass) const;

  OptimizerSettings settings_;
  Isa isa_;
  std::size_t parameters_;
  std::size_t steps_ = 0;
  std::vector<float> owned_first_, owned_second_;  // when not given
  float* first_ = nullptr;   // null when the type keeps none
  float* second_ = nullptr;
};

}  // namespace backprop
