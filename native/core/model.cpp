#include "model.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include "activations.h"
#include "dropout.h"
#include "finite.h"
#include "float_env.h"
#include "gemm/gemm.h"
#include "gradient_clipping.h"
#include "losses.h"
#include "normalization.h"
#include "optimizers.h"
#include "penalties.h"
#include "workspace.h"

namespace backprop {
namespace {

// predict / evaluate walk their rows in blocks of this many, so the memory
// they need does not grow with the data set.
constexpr std::size_t kInferenceBlockRows = 256;

struct LayerLayout {
  std::size_t inputs, units, weight, bias;  // offsets into the parameter array
  Activation activation;
  NormalizedLayer norm;  // type none for a layer without normalization
};

// The state buffer's layout (model_spec.h): each layer's parameters in turn,
// then the running statistics of the batch-normalized layers.
std::vector<LayerLayout> layout_of(const ModelSpec& spec) {
  std::vector<LayerLayout> layers;
  std::size_t offset = 0, inputs = spec.inputs;
  for (const LayerSpec& layer : spec.layers) {
    LayerLayout entry{inputs, layer.units, offset, offset + layer.units * inputs,
                      layer.activation, NormalizedLayer{}};
    offset += layer.units * inputs + layer.units;
    if (layer.normalization.type != NormalizationType::none) {
      entry.norm.settings = layer.normalization;
      entry.norm.units = layer.units;
      entry.norm.weight = offset;
      entry.norm.bias = offset + layer.units;
      offset += 2 * layer.units;
    }
    layers.push_back(entry);
    inputs = layer.units;
  }
  for (LayerLayout& layer : layers) {
    if (layer.norm.settings.type != NormalizationType::batch) continue;
    layer.norm.running_mean = offset;
    layer.norm.running_var = offset + layer.units;
    offset += 2 * layer.units;
  }
  return layers;
}

std::vector<PenalizedWeights> penalized_of(const ModelSpec& spec,
                                           const std::vector<LayerLayout>& layers) {
  std::vector<PenalizedWeights> penalized;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const LayerSpec& layer = spec.layers[l];
    if (layer.l1 > 0 || layer.l2 > 0) {
      penalized.push_back({layers[l].weight, layers[l].units * layers[l].inputs, layer.l1,
                           layer.l2});
    }
  }
  return penalized;
}

}  // namespace

struct Model::Impl {
  Impl(ModelSpec model, float* parameters, Isa isa_path, ThreadPool* threads, TrainingMemory memory)
      : spec(std::move(model)),
        params(parameters),
        isa(isa_path),
        pool(threads),
        layers(layout_of(spec)),
        penalized(penalized_of(spec, layers)),
        training(spec, Workspace::Purpose::training),
        inference(spec, Workspace::Purpose::inference),
        gradients(spec, Workspace::Purpose::training),
        parameter_total(parameter_count(spec)),
        state_total(state_count(spec)),
        owned_grads(memory.gradient ? 0 : parameter_total),
        grads(memory.gradient ? memory.gradient : owned_grads.data()),
        optimizer(spec.optimizer, parameter_total, isa, memory.first_moment, memory.second_moment) {}

  ModelSpec spec;
  float* params;
  Isa isa;
  ThreadPool* pool;
  std::vector<LayerLayout> layers;
  std::vector<PenalizedWeights> penalized;  // layers with l1 or l2
  Workspace training;
  Workspace inference;  // predict, evaluate
  Workspace gradients;  // compute_gradients
  std::size_t parameter_total;
  std::size_t state_total;         // with the running statistics
  std::vector<float> owned_grads;  // when TrainingMemory gives none
  float* grads;                    // the training step's gradient
  Optimizer optimizer;
  StepBackupMemory step_backup;     // train_batch's; null until needed or given
  std::vector<float> owned_backup;  // when keep_step_backup_in gave none
  // The optimizer's step count for readers (compute_gradients' dropout
  // masks), refreshed by each training step: readers never touch `optimizer`.
  std::atomic<std::uint64_t> mask_step{0};
  // Readers and training share nothing but the pool (safe to call from
  // several threads): each side has its own lock.
  std::mutex readers;
  std::mutex trainer;

  std::size_t outputs() const { return layers.back().units; }

  // Fills the workspace's pre-activations and outputs for `rows` rows of x.
  // In training mode (`mask_step`: the optimizer step whose masks apply) a
  // layer with dropout passes its masked copy on; in inference mode (null)
  // nothing is dropped.
  void forward(Workspace& ws, const float* weights, const float* x, std::size_t rows,
               const std::uint64_t* step) {
    const float* input = x;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const LayerLayout& layer = layers[l];
      float* z = ws.pre_activation(l);
      gemm(spec.precision, isa, Trans::no, Trans::yes, rows, layer.units, layer.inputs, input, layer.inputs,
            weights + layer.weight, layer.inputs, ws.linear_output(l), layer.units, false,
            weights + layer.bias, pool);
      normalize(ws, l, weights, rows, step != nullptr);
      activate(layer.activation, z, ws.output(l), rows, layer.units);
      input = ws.output(l);
      float* dropped = step ? ws.dropped(l) : nullptr;
      if (dropped) {
        dropout_forward(ws.output(l), dropped, rows * layer.units,
                        dropout_key(spec.dropout_seed, *step, std::uint32_t(l)),
                        spec.layers[l].dropout);
        input = dropped;
      }
    }
  }

  // A normalized layer's Linear output → its activation's input: with the
  // batch's statistics in training mode, else with the running ones.
  void normalize(Workspace& ws, std::size_t l, const float* weights, std::size_t rows,
                 bool training_mode) {
    const NormalizedLayer& norm = layers[l].norm;
    if (norm.settings.type == NormalizationType::none) return;
    if (training_mode) {
      normalize_training(norm, weights, rows, ws.normalization(l), ws.pre_activation(l));
    } else {
      normalize_inference(norm, weights, rows, ws.normalization(l), ws.pre_activation(l));
    }
  }

  // Layer l's input in training mode: x, or the layer below's (masked) output.
  const float* input_of(Workspace& ws, const float* x, std::size_t l) {
    if (l == 0) return x;
    float* dropped = ws.dropped(l - 1);
    return dropped ? dropped : ws.output(l - 1);
  }

  LossSums loss_of(Workspace& ws, Targets targets, std::size_t rows) {
    const std::size_t last = layers.size() - 1;
    return loss_sums(spec.loss, ws.pre_activation(last), ws.output(last), targets, rows,
                     outputs(), spec.loss_parameters);
  }

  double mean(double loss_sum, std::size_t rows) const {
    return loss_sum / double(loss_terms(spec.loss, rows, outputs()));
  }

  // A batch after forward(): its training loss (the plain mean, or with row
  // weights Σ wᵢ·lᵢ / Σ wᵢ — that Σ wᵢ into *weight_sum —, plus the
  // penalties of `weights`) and correct count.
  LossSums batch_loss(Workspace& ws, const float* weights, Targets targets, std::size_t rows,
                      const float* row_weights, double* weight_sum) {
    LossSums sums = loss_of(ws, targets, rows);
    double penalty = 0;
    for (const PenalizedWeights& layer : penalized) penalty += weight_penalty(layer, weights);
    if (row_weights == nullptr) {
      sums.loss = mean(sums.loss, rows) + penalty;
      return sums;
    }
    const std::size_t last = layers.size() - 1;
    double weighted = 0;
    weighted_loss_sums(spec.loss, ws.pre_activation(last), ws.output(last), targets, rows,
                       outputs(), row_weights, &weighted, weight_sum, spec.loss_parameters);
    sums.loss = weighted / *weight_sum + penalty;
    return sums;
  }

  // After batch_loss() on the same rows: the gradient of that loss into g.
  void backward(Workspace& ws, const float* weights, const float* x, Targets targets,
                std::size_t rows, float* g, const float* row_weights, double weight_sum,
                std::uint64_t step) {
    const std::size_t last = layers.size() - 1;
    loss_gradient(spec.loss, layers[last].activation, ws.pre_activation(last), ws.output(last),
                  targets, rows, outputs(), ws.delta(last), spec.loss_parameters);
    if (row_weights != nullptr) {
      weight_gradient_rows(ws.delta(last), rows, outputs(), row_weights, weight_sum);
    }
    // Whether the current layer's bias gradient is already in g: summed in
    // the pass of the activation's derivative that made its delta.
    bool bias_summed = false;
    for (std::size_t l = last + 1; l-- > 0;) {
      const LayerLayout& layer = layers[l];
      const float* input = input_of(ws, x, l);
      float* delta = ws.delta(l);
      if (layer.norm.settings.type != NormalizationType::none) {
        normalization_backward(layer.norm, weights, rows, ws.normalization(l), delta, g);
      }
      gemm(spec.precision, isa, Trans::yes, Trans::no, layer.units, layer.inputs, rows, delta, layer.units,
            input, layer.inputs, g + layer.weight, layer.inputs, false, nullptr, pool);
      if (!bias_summed) sum_columns(delta, rows, layer.units, g + layer.bias);
      if (l == 0) break;
      float* below = ws.delta(l - 1);
      gemm(spec.precision, isa, Trans::no, Trans::no, rows, layer.inputs, layer.units, delta, layer.units,
            weights + layer.weight, layer.inputs, below, layer.inputs, false, nullptr, pool);
      if (ws.dropped(l - 1)) {
        dropout_backward(below, rows * layer.inputs,
                         dropout_key(spec.dropout_seed, step, std::uint32_t(l - 1)),
                         spec.layers[l - 1].dropout);
      }
      // Normalization changes the layer's delta before its bias sees it.
      const LayerLayout& lower = layers[l - 1];
      bias_summed = lower.norm.settings.type == NormalizationType::none;
      if (bias_summed) {
        multiply_by_derivative_summing_columns(lower.activation, ws.pre_activation(l - 1), ws.output(l - 1),
                                               below, rows, layer.inputs, g + lower.bias);
      } else {
        multiply_by_derivative(lower.activation, ws.pre_activation(l - 1), ws.output(l - 1), below, rows,
                               layer.inputs);
      }
    }
    for (const PenalizedWeights& layer : penalized) add_penalty_gradient(layer, weights, g);
  }

  // Forward, loss, and — when the loss is finite — backward into grads,
  // clipped, on rows already in memory. Caller holds `trainer`.
  LossSums loss_and_gradient(const float* x, Targets targets, std::size_t rows,
                             const float* row_weights) {
    training.reserve(rows);
    const std::uint64_t step = optimizer.steps();
    mask_step.store(step);
    forward(training, params, x, rows, &step);
    double weight_sum = 0;
    const LossSums sums = batch_loss(training, params, targets, rows, row_weights, &weight_sum);
    if (!std::isfinite(sums.loss)) return sums;
    backward(training, params, x, targets, rows, grads, row_weights, weight_sum, step);
    clip_gradients(spec.optimizer, grads, parameter_total);
    return sums;
  }

  // After an optimizer step: the running statistics move with the batch's.
  void update_all_running_statistics(std::size_t rows) {
    for (std::size_t l = 0; l < layers.size(); ++l) {
      update_running_statistics(layers[l].norm, rows, training.normalization(l), params);
    }
  }

  // train's step: forward, loss, and — when the loss is finite — backward,
  // one optimizer step and the running statistics' update.
  LossSums step(const float* x, Targets targets, std::size_t rows, double learning_rate,
                const float* row_weights) {
    const LossSums sums = loss_and_gradient(x, targets, rows, row_weights);
    if (!std::isfinite(sums.loss)) return sums;
    optimizer.step(params, grads, learning_rate, pool);
    mask_step.store(optimizer.steps());
    update_all_running_statistics(rows);
    return sums;
  }

  // train_batch's backup memory, allocated on first use unless given.
  const StepBackupMemory& backup() {
    if (step_backup.state != nullptr) return step_backup;
    const OptimizerMoments moments = optimizer_moments(spec.optimizer);
    owned_backup.resize(state_total + (moments.first ? parameter_total : 0) +
                        (moments.second ? parameter_total : 0));
    float* next = owned_backup.data() + state_total;
    step_backup.state = owned_backup.data();
    if (moments.first) {
      step_backup.first_moment = next;
      next += parameter_total;
    }
    if (moments.second) step_backup.second_moment = next;
    return step_backup;
  }

  // step(), undone whole when it makes a state value non-finite. The copies
  // are made by the update pass itself, block by block while the block is
  // in cache (Optimizer::guarded_step), and the running statistics' here.
  TrainBatchResult guarded_step(const float* x, Targets targets, std::size_t rows,
                                double learning_rate, const float* row_weights) {
    const LossSums sums = loss_and_gradient(x, targets, rows, row_weights);
    if (!std::isfinite(sums.loss)) return {sums.loss, state_total, 0.0f};
    const StepBackupMemory& kept = backup();
    const UpdateBackup copies{kept.state, kept.first_moment, kept.second_moment};
    float* statistics = params + parameter_total;
    float* kept_statistics = kept.state + parameter_total;
    std::copy(statistics, params + state_total, kept_statistics);
    std::size_t bad = optimizer.guarded_step(params, grads, learning_rate, copies, pool);
    if (bad == parameter_total) {
      update_all_running_statistics(rows);
      bad = parameter_total + first_non_finite(statistics, state_total - parameter_total);
      if (bad == state_total) {
        mask_step.store(optimizer.steps());
        return {sums.loss, state_total, 0.0f};
      }
    }
    const float value = params[bad];
    optimizer.undo_step(params, copies);
    std::copy(kept_statistics, kept.state + state_total, statistics);
    return {sums.loss, bad, value};
  }

  // Copies the rows listed in `indices` into the training gather buffers
  // (their row weights too, when there are any).
  Targets gather(const float* x, Targets targets, const float* row_weights,
                 const std::int32_t* indices, std::size_t rows) {
    const std::size_t inputs = spec.inputs, outs = outputs();
    if (row_weights != nullptr) {
      float* ws = training.gathered_weights();
      for (std::size_t r = 0; r < rows; ++r) ws[r] = row_weights[indices[r]];
    }
    float* xs = training.gathered_inputs();
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t i = static_cast<std::size_t>(indices[r]);
      std::copy(x + i * inputs, x + (i + 1) * inputs, xs + r * inputs);
    }
    if (targets.labels) {
      std::int32_t* labels = training.gathered_labels();
      for (std::size_t r = 0; r < rows; ++r) labels[r] = targets.labels[indices[r]];
      return {nullptr, labels};
    }
    float* ys = training.gathered_targets();
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t i = static_cast<std::size_t>(indices[r]);
      std::copy(targets.dense + i * outs, targets.dense + (i + 1) * outs, ys + r * outs);
    }
    return {ys, nullptr};
  }
};

Model::Model(ModelSpec spec, float* params, Isa isa, ThreadPool* pool, TrainingMemory memory)
    : impl_(std::make_unique<Impl>(std::move(spec), params, isa, pool, memory)) {}

Model::~Model() = default;

const ModelSpec& Model::spec() const { return impl_->spec; }

std::size_t Model::outputs() const { return impl_->outputs(); }

void Model::predict(const float* weights, const float* x, std::size_t rows, float* out) {
  DenormalsFlushedToZero flush;
  std::lock_guard<std::mutex> lock(impl_->readers);
  Impl& net = *impl_;
  Workspace& ws = net.inference;
  const std::size_t inputs = net.spec.inputs, outs = net.outputs();
  for (std::size_t first = 0; first < rows; first += kInferenceBlockRows) {
    const std::size_t block = std::min(kInferenceBlockRows, rows - first);
    ws.reserve(block);
    net.forward(ws, weights, x + first * inputs, block, nullptr);
    const float* result = ws.output(net.layers.size() - 1);
    std::copy(result, result + block * outs, out + first * outs);
  }
}

Score Model::evaluate(const float* weights, const float* x, Targets targets, std::size_t rows,
                      float* out) {
  DenormalsFlushedToZero flush;
  std::lock_guard<std::mutex> lock(impl_->readers);
  Impl& net = *impl_;
  Workspace& ws = net.inference;
  const std::size_t inputs = net.spec.inputs, outs = net.outputs();
  LossSums total;
  for (std::size_t first = 0; first < rows; first += kInferenceBlockRows) {
    const std::size_t block = std::min(kInferenceBlockRows, rows - first);
    ws.reserve(block);
    net.forward(ws, weights, x + first * inputs, block, nullptr);
    const LossSums sums = net.loss_of(ws, target_rows(targets, first, outs), block);
    if (out != nullptr) {
      const float* outputs = ws.output(net.layers.size() - 1);
      std::copy(outputs, outputs + block * outs, out + first * outs);
    }
    total.loss += sums.loss;
    total.correct += sums.correct;
  }
  return {net.mean(total.loss, rows), total.correct};
}

double Model::compute_gradients(const float* weights, const float* x, Targets targets,
                                std::size_t rows, float* grads, const float* row_weights) {
  DenormalsFlushedToZero flush;
  std::lock_guard<std::mutex> lock(impl_->readers);
  Impl& net = *impl_;
  net.gradients.reserve(rows);
  const std::uint64_t step = net.mask_step.load();
  net.forward(net.gradients, weights, x, rows, &step);
  double weight_sum = 0;
  const double loss =
      net.batch_loss(net.gradients, weights, targets, rows, row_weights, &weight_sum).loss;
  net.backward(net.gradients, weights, x, targets, rows, grads, row_weights, weight_sum, step);
  return loss;
}

TrainBatchResult Model::train_batch(const float* x, Targets targets, std::size_t rows,
                                    double learning_rate, const float* row_weights) {
  DenormalsFlushedToZero flush;
  std::lock_guard<std::mutex> lock(impl_->trainer);
  return impl_->guarded_step(x, targets, rows, learning_rate, row_weights);
}

void Model::keep_step_backup_in(StepBackupMemory memory) {
  std::lock_guard<std::mutex> lock(impl_->trainer);
  impl_->step_backup = memory;
  impl_->owned_backup = std::vector<float>();
}

std::size_t Model::save_optimizer_state(float* first, float* second) {
  std::lock_guard<std::mutex> lock(impl_->trainer);
  return impl_->optimizer.save_state(first, second);
}

void Model::restore_optimizer_state(std::size_t steps, const float* first, const float* second) {
  std::lock_guard<std::mutex> lock(impl_->trainer);
  impl_->optimizer.restore_state(steps, first, second);
  // Readers take dropout masks of the step after the last one trained.
  impl_->mask_step.store(impl_->optimizer.steps());
}

std::size_t Model::train(const TrainingPlan& plan, std::size_t first_batch,
                         std::size_t batch_count, const std::atomic<bool>* stop) {
  DenormalsFlushedToZero flush;
  std::lock_guard<std::mutex> lock(impl_->trainer);
  Impl& net = *impl_;
  const std::size_t batches = plan.batches();
  batch_count = std::min(batch_count, batches - std::min(first_batch, batches));
  net.training.reserve(plan.batch_size);
  const float* batch_weights = plan.row_weights ? net.training.gathered_weights() : nullptr;
  for (std::size_t j = 0; j < batch_count; ++j) {
    const std::size_t b = first_batch + j;
    const std::size_t start = b * plan.batch_size;
    const std::size_t rows = std::min(plan.batch_size, plan.rows - start);
    const Targets batch_targets =
        net.gather(plan.x, plan.targets, plan.row_weights, plan.order + start, rows);
    const LossSums sums = net.step(net.training.gathered_inputs(), batch_targets, rows,
                                   plan.learning_rates[b], batch_weights);
    plan.stats[2 * b] = sums.loss;
    plan.stats[2 * b + 1] = sums.correct;
    if (!std::isfinite(sums.loss)) return j;
    if (stop && stop->load()) return j + 1;
  }
  return batch_count;
}

}  // namespace backprop
