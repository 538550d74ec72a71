// A multilayer perceptron's training state: forward, loss, backward and the
// optimizer step, over parameters owned by the caller.
//
// Thread safety: readers (predict, evaluate, compute_gradients) read the
// weights they are given, with buffers of their own, under a lock of their
// own; training (train_batch, train) updates the parameters under another.
// So a reader never waits for training, which may run on another thread at
// the same time (docs/ARCHITECTURE.md, "Readers never wait").
// Every call sets flush-to-zero / denormals-are-zero on the calling thread
// and restores the caller's setting on return (see float_env.h).
// Row counts are ≥ 1 (the binding checks; 0 rows give a NaN loss).
// A model's `params` and every reader's `weights` hold its state:
// state_count(spec) floats, the parameters then the running statistics of
// batch normalization (model_spec.h), which only applied training steps move.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "isa.h"
#include "model_spec.h"
#include "training_plan.h"

namespace backprop {

class ThreadPool;

// Where a model keeps what grows with its parameter count beside the
// parameters: the training step's gradient and the optimizer's moments
// (parameter_count floats each; a moment only where optimizer_moments says
// the type keeps it). Null members are allocated by the model. The binding
// passes buffers V8 owns, so the garbage collector frees them with the JS
// object, without waiting for its finalizer.
struct TrainingMemory {
  float* gradient = nullptr;
  float* first_moment = nullptr;
  float* second_moment = nullptr;
};

// Where train_batch keeps the copies that undo a rejected step: `state`
// holds state_count floats (the parameters, then the running statistics),
// each moment parameter_count floats where optimizer_moments says the type
// keeps it (null otherwise). Only train_batch needs them: a model allocates
// them on its first train_batch unless given some first (the binding gives
// buffers V8 owns, as for TrainingMemory).
struct StepBackupMemory {
  float* state = nullptr;
  float* first_moment = nullptr;
  float* second_moment = nullptr;
};

// What train_batch did.
struct TrainBatchResult {
  // The loss before the step; when it is not finite the step was not applied.
  double loss;
  // state_count when the step was kept (or not applied); otherwise the index,
  // in the state layout, of the first value the step made non-finite, and
  // that value: the step was undone.
  std::size_t undone_at;
  float undone_value;
};

class Model {
 public:
  // `params` (state_count(spec) floats) and `memory`'s buffers are used in
  // place, not copied, and must outlive the Model. The spec must already be
  // valid.
  Model(ModelSpec spec, float* params, Isa isa, ThreadPool* pool, TrainingMemory memory = {});
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelSpec& spec() const;
  std::size_t outputs() const;

  // Readers: `weights` has the state layout (the live parameters, or a
  // snapshot of them), state_count floats. predict and evaluate run in
  // inference mode (batch normalization by the running statistics);
  // compute_gradients in training mode, and changes no state.
  // Outputs after the last activation, rows × outputs.
  void predict(const float* weights, const float* x, std::size_t rows, float* out);
  // The mean loss and correct count; with `out` (may be null), the outputs
  // too, as predict writes them, from the same forward pass.
  Score evaluate(const float* weights, const float* x, Targets targets, std::size_t rows,
                 float* out = nullptr);
  // Gradients of the loss into grads (parameter_count floats); returns the loss.
  // The loss is the mean over the rows, or with `row_weights` (one per row,
  // may be null) the weighted mean Σ wᵢ·lᵢ / Σ wᵢ.
  double compute_gradients(const float* weights, const float* x, Targets targets,
                           std::size_t rows, float* grads, const float* row_weights);

  // One optimizer step on exactly these rows at this learning rate (loss as
  // compute_gradients'), which also updates the running statistics of batch
  // normalization. A non-finite loss is returned without applying the step
  // (as train). A step that makes a parameter or running statistic
  // non-finite is undone whole: parameters, running statistics, optimizer
  // moments and step count are as before it (TrainBatchResult says where).
  // A kept step has the bits train's step has.
  TrainBatchResult train_batch(const float* x, Targets targets, std::size_t rows,
                               double learning_rate, const float* row_weights);
  // Gives train_batch its backup memory (which must outlive the Model), in
  // place of what it would allocate. Before the first train_batch.
  void keep_step_backup_in(StepBackupMemory memory);

  // The optimizer's state (see Optimizer::save_state): first and second hold
  // parameter_count floats each.
  std::size_t save_optimizer_state(float* first, float* second);
  void restore_optimizer_state(std::size_t steps, const float* first, const float* second);

  // Trains batches [first_batch, first_batch + batch_count) of the plan's
  // epoch (at most up to its last batch), gathering each batch's rows, and
  // writes their stats. Returns how many batches were applied: it stops
  // before applying a batch whose loss is not finite, and after the current
  // batch once *stop is true.
  std::size_t train(const TrainingPlan& plan, std::size_t first_batch, std::size_t batch_count,
                    const std::atomic<bool>* stop);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace backprop
