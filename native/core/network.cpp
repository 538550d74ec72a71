#include "network.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include "activations.h"
#include "float_env.h"
#include "gemm/gemm.h"
#include "losses.h"
#include "optimizers.h"
#include "workspace.h"

namespace backprop {
namespace {

// predict / evaluate walk their rows in blocks of this many, so the memory
// they need does not grow with the data set.
constexpr std::size_t kInferenceBlockRows = 256;

struct LayerLayout {
  std::size_t inputs, units, weight, bias;  // offsets into the parameter array
  Activation activation;
};

std::vector<LayerLayout> layout_of(const ModelSpec& spec) {
  std::vector<LayerLayout> layers;
  std::size_t offset = 0, inputs = spec.inputs;
  for (const LayerSpec& layer : spec.layers) {
    layers.push_back({inputs, layer.units, offset, offset + layer.units * inputs,
                      layer.activation});
    offset += layer.units * inputs + layer.units;
    inputs = layer.units;
  }
  return layers;
}

// bias gradient: column sums of delta (rows × units), row by row so the
// inner loop is contiguous and vectorizes.
void sum_rows(const float* __restrict delta, std::size_t rows, std::size_t units,
              float* __restrict sums) {
  std::fill(sums, sums + units, 0.0f);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = delta + r * units;
    for (std::size_t j = 0; j < units; ++j) sums[j] += row[j];
  }
}

}  // namespace

struct Network::Impl {
  Impl(ModelSpec model, float* parameters, Isa isa_path, ThreadPool* threads)
      : spec(std::move(model)),
        params(parameters),
        isa(isa_path),
        pool(threads),
        layers(layout_of(spec)),
        training(spec, Workspace::Purpose::training),
        inference(spec, Workspace::Purpose::inference),
        grads(parameter_count(spec)),
        optimizer(spec.optimizer, grads.size(), isa) {}

  ModelSpec spec;
  float* params;
  Isa isa;
  ThreadPool* pool;
  std::vector<LayerLayout> layers;
  Workspace training;
  Workspace inference;
  std::vector<float> grads;  // the training step's gradient
  Optimizer optimizer;
  // Held per call, and per batch by train_chunk, so that a call from another
  // thread sees the parameters as they stand between two batches.
  std::mutex mutex;

  std::size_t outputs() const { return layers.back().units; }

  // Fills the workspace's pre-activations and outputs for `rows` rows of x.
  void forward(Workspace& ws, const float* x, std::size_t rows) {
    const float* input = x;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const LayerLayout& layer = layers[l];
      float* z = ws.pre_activation(l);
      gemm(spec.precision, isa, Trans::no, Trans::yes, rows, layer.units, layer.inputs, input, layer.inputs,
            params + layer.weight, layer.inputs, z, layer.units, false, params + layer.bias,
            pool);
      activate(layer.activation, z, ws.output(l), rows, layer.units);
      input = ws.output(l);
    }
  }

  LossSums loss_of(Workspace& ws, Targets targets, std::size_t rows) {
    const std::size_t last = layers.size() - 1;
    return loss_sums(spec.loss, ws.pre_activation(last), ws.output(last), targets, rows,
                     outputs());
  }

  double mean(double loss_sum, std::size_t rows) const {
    return loss_sum / double(loss_terms(spec.loss, rows, outputs()));
  }

  // After forward() on the same rows: the gradient of the mean loss into g.
  void backward(Workspace& ws, const float* x, Targets targets, std::size_t rows, float* g) {
    const std::size_t last = layers.size() - 1;
    loss_gradient(spec.loss, layers[last].activation, ws.pre_activation(last), ws.output(last),
                  targets, rows, outputs(), ws.delta(last));
    for (std::size_t l = last + 1; l-- > 0;) {
      const LayerLayout& layer = layers[l];
      const float* input = l == 0 ? x : ws.output(l - 1);
      const float* delta = ws.delta(l);
      gemm(spec.precision, isa, Trans::yes, Trans::no, layer.units, layer.inputs, rows, delta, layer.units,
            input, layer.inputs, g + layer.weight, layer.inputs, false, nullptr, pool);
      sum_rows(delta, rows, layer.units, g + layer.bias);
      if (l == 0) break;
      float* below = ws.delta(l - 1);
      gemm(spec.precision, isa, Trans::no, Trans::no, rows, layer.inputs, layer.units, delta, layer.units,
            params + layer.weight, layer.inputs, below, layer.inputs, false, nullptr, pool);
      multiply_by_derivative(layers[l - 1].activation, ws.pre_activation(l - 1),
                             ws.output(l - 1), below, rows, layer.inputs);
    }
  }

  // Forward, loss, and — when the loss is finite — backward and one
  // optimizer step, on rows already in memory. Caller holds the mutex.
  LossSums step(const float* x, Targets targets, std::size_t rows) {
    training.reserve(rows);
    forward(training, x, rows);
    LossSums sums = loss_of(training, targets, rows);
    sums.loss = mean(sums.loss, rows);
    if (!std::isfinite(sums.loss)) return sums;
    backward(training, x, targets, rows, grads.data());
    optimizer.step(params, grads.data());
    return sums;
  }

  // Copies the rows listed in `indices` into the training gather buffers.
  Targets gather(const float* x, Targets targets, const std::int32_t* indices,
                 std::size_t rows) {
    const std::size_t inputs = spec.inputs, outs = outputs();
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

Network::Network(ModelSpec spec, float* params, Isa isa, ThreadPool* pool)
    : impl_(std::make_unique<Impl>(std::move(spec), params, isa, pool)) {}

Network::~Network() = default;

const ModelSpec& Network::spec() const { return impl_->spec; }

std::size_t Network::outputs() const { return impl_->outputs(); }

void Network::predict(const float* x, std::size_t rows, float* out) {
  DenormalsFlushedToZero flush;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Impl& net = *impl_;
  Workspace& ws = net.inference;
  const std::size_t inputs = net.spec.inputs, outs = net.outputs();
  for (std::size_t first = 0; first < rows; first += kInferenceBlockRows) {
    const std::size_t block = std::min(kInferenceBlockRows, rows - first);
    ws.reserve(block);
    net.forward(ws, x + first * inputs, block);
    const float* result = ws.output(net.layers.size() - 1);
    std::copy(result, result + block * outs, out + first * outs);
  }
}

Evaluation Network::evaluate(const float* x, Targets targets, std::size_t rows) {
  DenormalsFlushedToZero flush;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Impl& net = *impl_;
  Workspace& ws = net.inference;
  const std::size_t inputs = net.spec.inputs, outs = net.outputs();
  LossSums total;
  for (std::size_t first = 0; first < rows; first += kInferenceBlockRows) {
    const std::size_t block = std::min(kInferenceBlockRows, rows - first);
    ws.reserve(block);
    net.forward(ws, x + first * inputs, block);
    const LossSums sums = net.loss_of(ws, target_rows(targets, first, outs), block);
    total.loss += sums.loss;
    total.correct += sums.correct;
  }
  return {net.mean(total.loss, rows), total.correct};
}

double Network::compute_gradients(const float* x, Targets targets, std::size_t rows,
                                  float* grads) {
  DenormalsFlushedToZero flush;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Impl& net = *impl_;
  net.training.reserve(rows);
  net.forward(net.training, x, rows);
  const double loss = net.mean(net.loss_of(net.training, targets, rows).loss, rows);
  net.backward(net.training, x, targets, rows, grads);
  return loss;
}

double Network::train_batch(const float* x, Targets targets, std::size_t rows) {
  DenormalsFlushedToZero flush;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->step(x, targets, rows).loss;
}

std::size_t Network::train_chunk(const float* x, Targets targets, std::size_t total_rows,
                                 const std::int32_t* order, std::size_t order_length,
                                 std::size_t batch_size, std::size_t first_batch,
                                 std::size_t batch_count, double* stats,
                                 const std::atomic<bool>* stop) {
  (void)total_rows;  // the binding checks every order[i] < total_rows
  DenormalsFlushedToZero flush;
  Impl& net = *impl_;
  if (batch_size == 0) return 0;
  const std::size_t epoch_batches = (order_length + batch_size - 1) / batch_size;
  batch_count = std::min(batch_count, epoch_batches - std::min(first_batch, epoch_batches));
  for (std::size_t j = 0; j < batch_count; ++j) {
    {
      std::lock_guard<std::mutex> lock(net.mutex);
      const std::size_t start = (first_batch + j) * batch_size;
      const std::size_t rows = std::min(batch_size, order_length - start);
      net.training.reserve(batch_size);
      const Targets batch_targets = net.gather(x, targets, order + start, rows);
      const LossSums sums = net.step(net.training.gathered_inputs(), batch_targets, rows);
      stats[2 * j] = sums.loss;
      stats[2 * j + 1] = sums.correct;
      if (!std::isfinite(sums.loss)) return j;
    }
    if (stop && stop->load()) return j + 1;
  }
  return batch_count;
}

void Network::reset_optimizer() {
  DenormalsFlushedToZero flush;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->optimizer.reset();
}

}  // namespace backprop
