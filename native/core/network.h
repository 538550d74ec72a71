// A multilayer perceptron's training state: forward, loss, backward and the
// optimizer step, over parameters owned by the caller.
//
// Thread safety: every public call may come from any thread. Each takes an
// internal mutex for its whole duration, except train_chunk, which takes it
// per batch; so predict / evaluate / compute_gradients / train_batch called
// while train_chunk runs elsewhere see the parameters between two batches.
// Every call sets flush-to-zero / denormals-are-zero on the calling thread
// and restores the caller's setting on return (see float_env.h).
// Row counts are ≥ 1 (the binding checks; 0 rows give a NaN loss).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "isa.h"
#include "model_spec.h"

namespace backprop {

class ThreadPool;

class Network {
 public:
  // `params` (parameter_count(spec) floats) is used in place, not copied, and
  // must outlive the Network. The spec must already be valid.
  Network(ModelSpec spec, float* params, Isa isa, ThreadPool* pool);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  const ModelSpec& spec() const;
  std::size_t outputs() const;

  // Outputs after the last activation, rows × outputs.
  void predict(const float* x, std::size_t rows, float* out);
  Evaluation evaluate(const float* x, Targets targets, std::size_t rows);
  // Gradients of the mean loss into grads (parameter layout); returns the loss.
  double compute_gradients(const float* x, Targets targets, std::size_t rows, float* grads);
  // One optimizer step on exactly these rows; returns the loss before it.
  // A non-finite loss is returned without applying the step (as train_chunk).
  double train_batch(const float* x, Targets targets, std::size_t rows);

  // Trains batches [first_batch, first_batch + batch_count) of an epoch whose
  // visiting order is order[0 … order_length), gathering each batch's rows
  // from x / targets (total_rows rows). Writes stats[2j] = loss and
  // stats[2j+1] = correct for the j-th batch. Returns how many batches were
  // applied: it stops before applying a batch whose loss is not finite, and
  // after the current batch once *stop is true. A batch_count reaching past
  // the epoch's last batch ends there. Every order[i] must be < total_rows.
  std::size_t train_chunk(const float* x, Targets targets, std::size_t total_rows,
                          const std::int32_t* order, std::size_t order_length,
                          std::size_t batch_size, std::size_t first_batch,
                          std::size_t batch_count, double* stats,
                          const std::atomic<bool>* stop);

  // Forgets optimizer moments and the step count.
  void reset_optimizer();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace backprop
