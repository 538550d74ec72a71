// Batch and layer normalization through a whole Model (NORM-CONTRACT.md):
// the state layout; the training-mode and inference-mode forward against a
// computation in double written here from the formulas; gradients against
// central differences of the training-mode loss; running statistics after
// train_batch (momentum, unbiased variance) against the same formulas;
// compute_gradients changing nothing and giving the same bits twice; a
// non-finite step leaving the running statistics alone; one-row batches
// staying in bounds. Every check runs on the widest ISA with the pool and
// on scalar without it.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <vector>

#include "check.h"
#include "isa.h"
#include "model.h"
#include "model_spec.h"
#include "random.h"
#include "thread_pool.h"
#include "training_plan.h"

using backprop::Activation;
using backprop::Isa;
using backprop::LayerSpec;
using backprop::Loss;
using backprop::Model;
using backprop::ModelSpec;
using backprop::Normalization;
using backprop::NormalizationType;
using backprop::Targets;
using backprop::ThreadPool;
using backprop_test::Random;

namespace {

constexpr std::size_t kNone = std::size_t(-1);

struct Engine {
  Isa isa;
  ThreadPool* pool;
};

LayerSpec layer(std::size_t units, Activation activation, NormalizationType norm,
                double momentum = 0.1) {
  LayerSpec spec;
  spec.units = units;
  spec.activation = activation;
  spec.normalization.type = norm;
  spec.normalization.momentum = momentum;
  return spec;
}

ModelSpec make_spec(std::size_t inputs, std::vector<LayerSpec> layers, Loss loss) {
  ModelSpec spec;
  spec.inputs = inputs;
  spec.layers = std::move(layers);
  spec.loss = loss;
  spec.optimizer.learning_rate = 0.1;
  return spec;
}

// Where each layer's tensors are, from the contract's wording (an
// independent statement of the layout the core computes).
struct Offsets {
  std::size_t inputs, units, weight, bias;
  std::size_t gamma = kNone, beta = kNone, running_mean = kNone, running_var = kNone;
};

std::vector<Offsets> offsets_of(const ModelSpec& spec) {
  std::vector<Offsets> layers;
  std::size_t offset = 0, inputs = spec.inputs;
  for (const LayerSpec& l : spec.layers) {
    Offsets o{inputs, l.units, offset, offset + l.units * inputs};
    offset += l.units * inputs + l.units;
    if (l.normalization.type != NormalizationType::none) {
      o.gamma = offset;
      o.beta = offset + l.units;
      offset += 2 * l.units;
    }
    layers.push_back(o);
    inputs = l.units;
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (spec.layers[i].normalization.type != NormalizationType::batch) continue;
    layers[i].running_mean = offset;
    layers[i].running_var = offset + layers[i].units;
    offset += 2 * layers[i].units;
  }
  return layers;
}

// Weights and biases in ±0.8, γ in [0.5, 1.5), β in ±0.5, running means in
// ±0.5 and running variances in [0.5, 2).
std::vector<float> random_state(const ModelSpec& spec, std::uint64_t seed) {
  Random rng{seed};
  std::vector<float> state(backprop::state_count(spec));
  for (float& s : state) s = rng.uniform(-0.8f, 0.8f);
  for (const Offsets& o : offsets_of(spec)) {
    for (std::size_t j = 0; j < o.units; ++j) {
      if (o.gamma != kNone) state[o.gamma + j] = rng.uniform(0.5f, 1.5f);
      if (o.beta != kNone) state[o.beta + j] = rng.uniform(-0.5f, 0.5f);
      if (o.running_mean != kNone) state[o.running_mean + j] = rng.uniform(-0.5f, 0.5f);
      if (o.running_var != kNone) state[o.running_var + j] = rng.uniform(0.5f, 2.0f);
    }
  }
  return state;
}

std::vector<float> random_floats(std::size_t n, float lo, float hi, std::uint64_t seed) {
  Random rng{seed};
  std::vector<float> v(n);
  for (float& f : v) f = rng.uniform(lo, hi);
  return v;
}

std::vector<std::int32_t> random_labels(std::size_t rows, std::size_t classes, std::uint64_t seed) {
  Random rng{seed};
  std::vector<std::int32_t> labels(rows);
  for (std::int32_t& label : labels) label = static_cast<std::int32_t>(rng.below(classes));
  return labels;
}

// z = x·Wᵀ + b in double for the first layer (rows × units).
std::vector<double> linear_in_double(const std::vector<float>& state, const Offsets& o,
                                     const float* x, std::size_t rows) {
  std::vector<double> z(rows * o.units);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < o.units; ++j) {
      double sum = state[o.bias + j];
      for (std::size_t i = 0; i < o.inputs; ++i) {
        sum += double(x[r * o.inputs + i]) * state[o.weight + j * o.inputs + i];
      }
      z[r * o.units + j] = sum;
    }
  }
  return z;
}

// Mean and biased variance of each column (by_row false: batch
// normalization's statistics) or each row (true: layer normalization's).
void statistics(const std::vector<double>& z, std::size_t rows, std::size_t units, bool by_row,
                std::vector<double>* mean, std::vector<double>* variance) {
  const std::size_t groups = by_row ? rows : units, length = by_row ? units : rows;
  auto at = [&](std::size_t g, std::size_t i) { return by_row ? z[g * units + i] : z[i * units + g]; };
  mean->assign(groups, 0);
  variance->assign(groups, 0);
  for (std::size_t g = 0; g < groups; ++g) {
    for (std::size_t i = 0; i < length; ++i) (*mean)[g] += at(g, i) / double(length);
    for (std::size_t i = 0; i < length; ++i) {
      const double d = at(g, i) - (*mean)[g];
      (*variance)[g] += d * d / double(length);
    }
  }
}

// One linear layer with normalization and mse: the loss of the training-mode
// forward (batch statistics, or each row's own) and predict (running
// statistics) against the formulas in double.
void forward_matches_the_formulas(Engine e) {
  const std::size_t rows = 6, inputs = 3, units = 4;
  for (NormalizationType type : {NormalizationType::batch, NormalizationType::layer}) {
    const ModelSpec spec = make_spec(inputs, {layer(units, Activation::linear, type)}, Loss::mse);
    std::vector<float> state = random_state(spec, 41);
    const Offsets o = offsets_of(spec)[0];
    const std::vector<float> x = random_floats(rows * inputs, -2, 2, 42);
    const std::vector<float> y = random_floats(rows * units, -1, 1, 43);
    Model net(spec, state.data(), e.isa, e.pool);
    const double eps = spec.layers[0].normalization.epsilon;
    const std::vector<double> z = linear_in_double(state, o, x.data(), rows);
    std::vector<double> mean, variance, row_mean, row_var;
    statistics(z, rows, units, false, &mean, &variance);
    statistics(z, rows, units, true, &row_mean, &row_var);

    // Training mode.
    double expected_loss = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < units; ++j) {
        const double z_hat = type == NormalizationType::batch
                                 ? (z[r * units + j] - mean[j]) / std::sqrt(variance[j] + eps)
                                 : (z[r * units + j] - row_mean[r]) / std::sqrt(row_var[r] + eps);
        const double out = state[o.gamma + j] * z_hat + state[o.beta + j];
        const double d = out - y[r * units + j];
        expected_loss += d * d / double(rows * units);
      }
    }
    std::vector<float> grads(backprop::parameter_count(spec));
    const double loss = net.compute_gradients(state.data(), x.data(), Targets{y.data(), nullptr},
                                              rows, grads.data(), nullptr);
    CHECK_CLOSE(loss, expected_loss, 1e-5, 1e-7);

    // Inference mode: the running statistics (batch), each row's own (layer).
    std::vector<float> out(rows * units);
    net.predict(state.data(), x.data(), rows, out.data());
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < units; ++j) {
        const double z_hat =
            type == NormalizationType::batch
                ? (z[r * units + j] - state[o.running_mean + j]) /
                      std::sqrt(double(state[o.running_var + j]) + eps)
                : (z[r * units + j] - row_mean[r]) / std::sqrt(row_var[r] + eps);
        CHECK_CLOSE(out[r * units + j], state[o.gamma + j] * z_hat + state[o.beta + j], 1e-5,
                    1e-6);
      }
    }
    // Inference treats each row alone: one row predicts as within the block.
    std::vector<float> one(units);
    net.predict(state.data(), &x[2 * inputs], 1, one.data());
    for (std::size_t j = 0; j < units; ++j) CHECK(one[j] == out[2 * units + j]);
  }
}

struct GradientCase {
  const char* name;
  ModelSpec spec;
  bool labels;
};

// The training-mode loss (compute_gradients') of the given state.
double training_loss(Model& net, const std::vector<float>& state, const std::vector<float>& x,
                     Targets targets, std::size_t rows, std::vector<float>& scratch) {
  return net.compute_gradients(state.data(), x.data(), targets, rows, scratch.data(), nullptr);
}

// Odd sizes, both kinds, hidden and last layers, several activations, with
// and without dropout: every parameter's gradient (γ and β included) against
// central differences of the training-mode loss, in which the batch
// statistics move with the parameters.
void gradients_match_central_differences(Engine e) {
  const GradientCase cases[] = {
      {"batch relu, softmax",
       make_spec(7, {layer(5, Activation::relu, NormalizationType::batch),
                     layer(3, Activation::softmax, NormalizationType::none)},
                 Loss::cross_entropy),
       true},
      {"layer relu, softmax",
       make_spec(7, {layer(5, Activation::relu, NormalizationType::layer),
                     layer(3, Activation::softmax, NormalizationType::none)},
                 Loss::cross_entropy),
       true},
      {"batch gelu, layer tanh, batch sigmoid",
       make_spec(7, {layer(5, Activation::gelu, NormalizationType::batch),
                     layer(6, Activation::tanh, NormalizationType::layer),
                     layer(3, Activation::sigmoid, NormalizationType::batch)},
                 Loss::binary_cross_entropy),
       false},
      {"layer elu, batch linear, mse",
       make_spec(7, {layer(5, Activation::elu, NormalizationType::layer),
                     layer(3, Activation::linear, NormalizationType::batch)},
                 Loss::mse),
       false},
  };
  const std::size_t rows = 4;
  std::uint64_t seed = 50;
  for (GradientCase c : cases) {
    // Dropout after a normalized block: its mask sits between the two backwards.
    if (c.spec.layers.size() == 3) c.spec.layers[0].dropout = 0.3;
    std::vector<float> state = random_state(c.spec, ++seed);
    const std::size_t outputs = c.spec.layers.back().units;
    const std::vector<float> x = random_floats(rows * 7, -1.5f, 1.5f, ++seed);
    const std::vector<std::int32_t> labels = random_labels(rows, outputs, ++seed);
    std::vector<float> dense = random_floats(rows * outputs, 0, 1, ++seed);
    if (c.spec.loss == Loss::binary_cross_entropy) {
      for (float& t : dense) t = t < 0.5f ? 0.0f : 1.0f;
    }
    const Targets targets = c.labels ? Targets{nullptr, labels.data()} : Targets{dense.data(), nullptr};
    Model net(c.spec, state.data(), e.isa, e.pool);
    const std::size_t parameters = backprop::parameter_count(c.spec);
    std::vector<float> grads(parameters), scratch(parameters);
    net.compute_gradients(state.data(), x.data(), targets, rows, grads.data(), nullptr);
    const float h = 1e-3f;
    for (std::size_t i = 0; i < parameters; ++i) {
      const float saved = state[i];
      state[i] = saved + h;
      const double up = training_loss(net, state, x, targets, rows, scratch);
      const float upper = state[i];
      state[i] = saved - h;
      const double down = training_loss(net, state, x, targets, rows, scratch);
      const float lower = state[i];
      state[i] = saved;
      const double numeric = (up - down) / (double(upper) - double(lower));
      if (!backprop_test::close(grads[i], numeric, 1e-2, 2e-4)) {
        std::fprintf(stderr, "%s: parameter %zu\n", c.name, i);
      }
      CHECK_CLOSE(grads[i], numeric, 1e-2, 2e-4);
    }
  }
}

const ModelSpec& classifier() {
  static const ModelSpec spec =
      make_spec(7, {layer(5, Activation::relu, NormalizationType::batch, 0.3),
                    layer(4, Activation::tanh, NormalizationType::layer),
                    layer(3, Activation::softmax, NormalizationType::none)},
                Loss::cross_entropy);
  return spec;
}

// The state buffer: parameters (weight, bias, γ, β per layer), then the
// running statistics of the batch-normalized layers only.
void state_follows_the_layout() {
  const ModelSpec& spec = classifier();
  CHECK(backprop::parameter_count(spec) == (7 * 5 + 5 + 10) + (5 * 4 + 4 + 8) + (4 * 3 + 3));
  CHECK(backprop::state_count(spec) == backprop::parameter_count(spec) + 10);
  const ModelSpec plain =
      make_spec(7, {layer(5, Activation::relu, NormalizationType::none)}, Loss::mse);
  CHECK(backprop::state_count(plain) == backprop::parameter_count(plain));
}

// Two train_batch steps at learning rate 0 (the weights stay, so z is known
// in double): running_mean ← (1 − m)·running_mean + m·μ, running_var ←
// (1 − m)·running_var + m·σ²·n/(n − 1), from their initial 0 and 1.
void running_statistics_follow_each_step(Engine e) {
  const ModelSpec& spec = classifier();
  const std::size_t rows = 6;
  std::vector<float> state = random_state(spec, 61);
  const Offsets o = offsets_of(spec)[0];
  for (std::size_t j = 0; j < o.units; ++j) {
    state[o.running_mean + j] = 0;
    state[o.running_var + j] = 1;
  }
  const std::vector<float> start = state;
  const std::vector<float> x = random_floats(rows * 7, -1.5f, 1.5f, 62);
  const std::vector<std::int32_t> labels = random_labels(rows, 3, 63);
  Model net(spec, state.data(), e.isa, e.pool);
  const std::vector<double> z = linear_in_double(state, o, x.data(), rows);
  std::vector<double> mean, variance;
  statistics(z, rows, o.units, false, &mean, &variance);
  const double m = 0.3, n = double(rows);
  std::vector<double> running_mean(o.units, 0), running_var(o.units, 1);
  for (int step = 0; step < 2; ++step) {
    CHECK(std::isfinite(net.train_batch(x.data(), Targets{nullptr, labels.data()}, rows, 0.0, nullptr).loss));
    for (std::size_t j = 0; j < o.units; ++j) {
      running_mean[j] = (1 - m) * running_mean[j] + m * mean[j];
      running_var[j] = (1 - m) * running_var[j] + m * variance[j] * n / (n - 1);
      CHECK_CLOSE(state[o.running_mean + j], running_mean[j], 1e-5, 1e-7);
      CHECK_CLOSE(state[o.running_var + j], running_var[j], 1e-5, 1e-7);
    }
  }
  // The parameters did not move (rate 0): only the statistics did.
  for (std::size_t i = 0; i < backprop::parameter_count(spec); ++i) CHECK(state[i] == start[i]);
}

// compute_gradients runs in training mode but changes no state: not the
// buffer it reads (even when that is the model's own), not the running
// statistics, and a second call gives the same bits.
void compute_gradients_changes_nothing(Engine e) {
  ModelSpec spec = classifier();
  spec.layers[0].dropout = 0.25;
  std::vector<float> state = random_state(spec, 71);
  const std::vector<float> start = state;
  const std::size_t rows = 9;
  const std::vector<float> x = random_floats(rows * 7, -1.5f, 1.5f, 72);
  const std::vector<std::int32_t> labels = random_labels(rows, 3, 73);
  const Targets targets{nullptr, labels.data()};
  Model net(spec, state.data(), e.isa, e.pool);
  std::vector<float> first(backprop::parameter_count(spec)), second(first.size());
  const double loss = net.compute_gradients(state.data(), x.data(), targets, rows, first.data(), nullptr);
  CHECK(net.compute_gradients(state.data(), x.data(), targets, rows, second.data(), nullptr) == loss);
  CHECK(first == second);
  CHECK(state == start);
  // Training mode: the batch's statistics, not the running ones (which
  // evaluate uses), so the two losses differ.
  CHECK(loss != net.evaluate(state.data(), x.data(), targets, rows).loss);
}

// predict and evaluate read the running statistics of the weights they are
// given: after training, the model's own state gives other outputs than
// its starting state, and evaluate's loss is that of predict's outputs.
void readers_use_the_running_statistics(Engine e) {
  const ModelSpec& spec = classifier();
  std::vector<float> state = random_state(spec, 81);
  const std::size_t rows = 8;
  const std::vector<float> x = random_floats(rows * 7, -1.5f, 1.5f, 82);
  const std::vector<std::int32_t> labels = random_labels(rows, 3, 83);
  const Targets targets{nullptr, labels.data()};
  Model net(spec, state.data(), e.isa, e.pool);
  std::vector<float> before(rows * 3), after(rows * 3), moved(rows * 3);
  net.predict(state.data(), x.data(), rows, before.data());
  // The same parameters with only the running statistics changed.
  std::vector<float> other = state;
  const Offsets o = offsets_of(spec)[0];
  for (std::size_t j = 0; j < o.units; ++j) other[o.running_var + j] *= 4;
  net.predict(other.data(), x.data(), rows, moved.data());
  CHECK(moved != before);
  double loss = 0;
  for (std::size_t r = 0; r < rows; ++r) loss -= std::log(double(before[r * 3 + labels[r]]));
  CHECK_CLOSE(net.evaluate(state.data(), x.data(), targets, rows).loss, loss / double(rows), 1e-5, 0);
  net.train_batch(x.data(), targets, rows, 0.0, nullptr);
  net.predict(state.data(), x.data(), rows, after.data());
  CHECK(after != before);
}

// A batch whose loss is not finite changes neither weights nor running
// statistics, through train_batch and through train().
void a_non_finite_step_changes_nothing(Engine e) {
  const ModelSpec& spec = classifier();
  std::vector<float> state = random_state(spec, 91);
  const std::size_t rows = 8;
  std::vector<float> x = random_floats(rows * 7, -1.5f, 1.5f, 92);
  const std::vector<std::int32_t> labels = random_labels(rows, 3, 93);
  const Targets targets{nullptr, labels.data()};
  Model net(spec, state.data(), e.isa, e.pool);
  CHECK(std::isfinite(net.train_batch(x.data(), targets, rows, 0.1, nullptr).loss));
  const std::vector<float> after_one = state;
  x[5 * 7 + 3] = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(net.train_batch(x.data(), targets, rows, 0.1, nullptr).loss));
  CHECK(state == after_one);

  std::vector<std::int32_t> order = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<double> learning_rates(2, 0.1), stats(4, -1);
  backprop::TrainingPlan plan;
  plan.x = x.data();
  plan.targets = targets;
  plan.rows = rows;
  plan.order = order.data();
  plan.batch_size = 4;  // row 5 is in batch 1
  plan.learning_rates = learning_rates.data();
  plan.stats = stats.data();
  CHECK(net.train(plan, 0, 2, nullptr) == 1);
  // Batch 0 alone (plain SGD: no optimizer state to carry over), as train()
  // applied it before stopping at batch 1.
  std::vector<float> expected = after_one;
  Model twin(spec, expected.data(), e.isa, e.pool);
  twin.train_batch(x.data(), targets, 4, 0.1, nullptr);
  CHECK(state == expected);
}

// A batch whose variance is beyond float32 (inputs of 1e20) has a finite
// loss but makes a running variance infinite: train_batch undoes the whole
// step (parameters, running statistics, momentum, step count) and names it.
void an_infinite_running_statistic_undoes_the_step(Engine e) {
  ModelSpec spec = classifier();
  spec.optimizer.momentum = 0.9;
  std::vector<float> state = random_state(spec, 111);
  const std::size_t rows = 8, parameters = backprop::parameter_count(spec);
  std::vector<float> x = random_floats(rows * 7, -1.5f, 1.5f, 112);
  const std::vector<std::int32_t> labels = random_labels(rows, 3, 113);
  const Targets targets{nullptr, labels.data()};
  Model net(spec, state.data(), e.isa, e.pool);
  CHECK(std::isfinite(net.train_batch(x.data(), targets, rows, 0.1, nullptr).loss));
  std::vector<float> momentum(parameters), unused(parameters);
  const std::size_t steps = net.save_optimizer_state(momentum.data(), unused.data());
  const std::vector<float> before = state;
  for (float& v : x) v *= 1e20f;
  const backprop::TrainBatchResult result = net.train_batch(x.data(), targets, rows, 0.1, nullptr);
  const Offsets o = offsets_of(spec)[0];
  CHECK(std::isfinite(result.loss));
  CHECK(result.undone_at >= o.running_var && result.undone_at < o.running_var + o.units);
  CHECK(std::isinf(result.undone_value));
  CHECK(state == before);
  std::vector<float> momentum_after(parameters);
  CHECK(net.save_optimizer_state(momentum_after.data(), unused.data()) == steps);
  CHECK(momentum_after == momentum);
}

// One row in training mode (the facade refuses it; the core must stay in
// bounds): σ² = 0, finite gradients, running_var kept, running_mean moved.
void one_row_stays_in_bounds(Engine e) {
  const ModelSpec& spec = classifier();
  std::vector<float> state = random_state(spec, 101);
  const std::vector<float> x = random_floats(7, -1.5f, 1.5f, 102);
  const std::int32_t label = 1;
  const Targets targets{nullptr, &label};
  Model net(spec, state.data(), e.isa, e.pool);
  std::vector<float> grads(backprop::parameter_count(spec));
  CHECK(std::isfinite(net.compute_gradients(state.data(), x.data(), targets, 1, grads.data(), nullptr)));
  for (float g : grads) CHECK(std::isfinite(g));
  const Offsets o = offsets_of(spec)[0];
  const std::vector<float> start = state;
  CHECK(std::isfinite(net.train_batch(x.data(), targets, 1, 0.0, nullptr).loss));
  for (std::size_t j = 0; j < o.units; ++j) {
    CHECK(state[o.running_var + j] == start[o.running_var + j]);
  }
  CHECK(state != start);
}

void run_all(Engine e) {
  std::printf("isa %s, %s\n", backprop::isa_name(e.isa), e.pool ? "pool" : "no pool");
  forward_matches_the_formulas(e);
  gradients_match_central_differences(e);
  running_statistics_follow_each_step(e);
  compute_gradients_changes_nothing(e);
  readers_use_the_running_statistics(e);
  a_non_finite_step_changes_nothing(e);
  an_infinite_running_statistic_undoes_the_step(e);
  one_row_stays_in_bounds(e);
}

}  // namespace

int main() {
  state_follows_the_layout();
  run_all({backprop::best_isa(), &backprop::default_pool()});
  run_all({Isa::scalar, nullptr});
  return backprop_test::failures();
}
