// A whole Model: gradients against central differences of evaluate() for
// every loss and hidden activation, training lowering the loss, train() on a
// TrainingPlan equal to train_batch on the gathered rows at each batch's
// learning rate, stopping on a non-finite loss and on the stop flag, readers
// reading the weights they are given, block-wise predict / evaluate, a
// reader on a snapshot beside train() on another thread, the FTZ guard, and
// a steady state that allocates nothing. Every check runs on the widest ISA
// with the pool and on scalar without it.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <thread>
#include <vector>

#include "check.h"
#include "isa.h"
#include "model_spec.h"
#include "model.h"
#include "random.h"
#include "thread_pool.h"
#include "training_plan.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

// Every allocation of the process is counted, so a steady state that
// allocates can be caught wherever it happens (workspace, GEMM, pool).
namespace {
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t align) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = nullptr;
  if (posix_memalign(&p, static_cast<std::size_t>(align), size ? size : 1) == 0) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using backprop::Activation;
using backprop::Isa;
using backprop::Loss;
using backprop::Model;
using backprop::ModelSpec;
using backprop::OptimizerType;
using backprop::Score;
using backprop::Targets;
using backprop::ThreadPool;
using backprop::TrainingPlan;
using backprop_test::Random;

namespace {

struct Engine {
  Isa isa;
  ThreadPool* pool;
};

ModelSpec make_spec(std::size_t inputs, std::vector<backprop::LayerSpec> layers, Loss loss) {
  ModelSpec spec;
  spec.inputs = inputs;
  spec.layers = std::move(layers);
  spec.loss = loss;
  return spec;
}

std::vector<float> random_params(const ModelSpec& spec, std::uint64_t seed) {
  Random rng{seed};
  std::vector<float> params(backprop::parameter_count(spec));
  for (float& p : params) p = rng.uniform(-0.8f, 0.8f);
  return params;
}

// Inputs and targets fitting the loss: dense regression targets (mse),
// 0/1 (BCE), class labels or one-hot rows (CE).
struct Data {
  std::size_t rows, inputs, outputs;
  std::vector<float> x, dense;
  std::vector<std::int32_t> labels;

  Targets targets() const {
    return labels.empty() ? Targets{dense.data(), nullptr} : Targets{nullptr, labels.data()};
  }
};

Data make_data(std::size_t rows, std::size_t inputs, std::size_t outputs, Loss loss, bool use_labels,
               std::uint64_t seed) {
  Random rng{seed};
  Data d{rows, inputs, outputs, {}, {}, {}};
  for (std::size_t i = 0; i < rows * inputs; ++i) d.x.push_back(rng.uniform(-1.5f, 1.5f));
  for (std::size_t r = 0; r < rows; ++r) {
    // A learnable rule: the class (or the sign) follows the first input.
    const std::size_t cls = static_cast<std::size_t>((d.x[r * inputs] + 1.5f) / 3.0f * outputs) %
                            outputs;
    for (std::size_t j = 0; j < outputs; ++j) {
      switch (loss) {
        case Loss::mse:
        case Loss::huber:
        case Loss::mae: d.dense.push_back(rng.uniform(-1, 1)); break;
        case Loss::binary_cross_entropy: d.dense.push_back((j + cls) % 2 ? 1.0f : 0.0f); break;
        case Loss::cross_entropy: d.dense.push_back(j == cls ? 1.0f : 0.0f); break;
      }
    }
    if (use_labels) d.labels.push_back(static_cast<std::int32_t>(cls));
  }
  if (use_labels) d.dense.clear();
  return d;
}

struct LossCase {
  Loss loss;
  Activation last;
  bool labels;
};

const LossCase kLossCases[] = {
    {Loss::mse, Activation::linear, false},
    {Loss::mse, Activation::softmax, false},
    {Loss::binary_cross_entropy, Activation::sigmoid, false},
    {Loss::cross_entropy, Activation::softmax, true},
    {Loss::cross_entropy, Activation::softmax, false},
};

const Activation kHidden[] = {Activation::linear, Activation::sigmoid,    Activation::tanh,
                              Activation::relu,   Activation::leaky_relu, Activation::elu,
                              Activation::gelu};

void gradients_match_central_differences(Engine e) {
  std::uint64_t seed = 11;
  for (const LossCase& c : kLossCases) {
    for (Activation hidden : kHidden) {
      const ModelSpec spec = make_spec(3, {{5, hidden}, {4, hidden}, {3, c.last}}, c.loss);
      std::vector<float> params = random_params(spec, ++seed);
      const Data data = make_data(6, 3, 3, c.loss, c.labels, ++seed);
      Model net(spec, params.data(), e.isa, e.pool);
      std::vector<float> grads(params.size());
      const double loss = net.compute_gradients(params.data(), data.x.data(), data.targets(),
                                                data.rows, grads.data(), nullptr);
      CHECK_CLOSE(loss, net.evaluate(params.data(), data.x.data(), data.targets(), data.rows).loss,
                  1e-6, 0);
      const float h = 1e-3f;
      for (std::size_t i = 0; i < params.size(); ++i) {
        const float saved = params[i];
        params[i] = saved + h;
        const double up =
            net.evaluate(params.data(), data.x.data(), data.targets(), data.rows).loss;
        const float upper = params[i];
        params[i] = saved - h;
        const double down =
            net.evaluate(params.data(), data.x.data(), data.targets(), data.rows).loss;
        const float lower = params[i];
        params[i] = saved;
        const double numeric = (up - down) / (double(upper) - double(lower));
        if (!backprop_test::close(grads[i], numeric, 1e-2, 2e-4))
          std::fprintf(stderr, "loss %d, last %d, hidden %d, parameter %zu\n", int(c.loss),
                       int(c.last), int(hidden), i);
        CHECK_CLOSE(grads[i], numeric, 1e-2, 2e-4);
      }
    }
  }
}

backprop::OptimizerSettings optimizer(OptimizerType type, double lr) {
  backprop::OptimizerSettings s;
  s.type = type;
  s.learning_rate = lr;
  if (type == OptimizerType::sgd) s.momentum = 0.9;
  if (type == OptimizerType::adamw) s.weight_decay = 0.01;
  return s;
}

const backprop::OptimizerSettings kOptimizers[] = {
    optimizer(OptimizerType::sgd, 0.1),      optimizer(OptimizerType::adam, 0.02),
    optimizer(OptimizerType::adamw, 0.02),   optimizer(OptimizerType::rmsprop, 0.01),
    optimizer(OptimizerType::adagrad, 0.1),
};

void train_batch_lowers_the_loss(Engine e) {
  for (const backprop::OptimizerSettings& settings : kOptimizers) {
    ModelSpec spec = make_spec(4, {{16, Activation::relu}, {3, Activation::softmax}},
                               Loss::cross_entropy);
    spec.optimizer = settings;
    std::vector<float> params = random_params(spec, 5);
    const Data data = make_data(48, 4, 3, Loss::cross_entropy, true, 6);
    Model net(spec, params.data(), e.isa, e.pool);
    const double lr = settings.learning_rate;
    const double before =
        net.evaluate(params.data(), data.x.data(), data.targets(), data.rows).loss;
    CHECK_CLOSE(net.train_batch(data.x.data(), data.targets(), data.rows, lr, nullptr).loss, before,
                1e-6, 0);
    for (int step = 1; step < 100; ++step)
      net.train_batch(data.x.data(), data.targets(), data.rows, lr, nullptr);
    const Score after = net.evaluate(params.data(), data.x.data(), data.targets(), data.rows);
    if (!(after.loss < 0.5 * before))
      std::fprintf(stderr, "optimizer %d: %g -> %g\n", int(settings.type), before, after.loss);
    CHECK(after.loss < 0.5 * before);
    CHECK(after.correct > 0.8 * double(data.rows));
  }
}

// A small classifier and its data, trained by two paths that must agree:
// an epoch of 10 rows in batches of 4, 4 and 2, each at its own rate.
struct Twins {
  ModelSpec spec;
  Data data;
  std::vector<std::int32_t> order;
  std::vector<double> learning_rates;
  std::vector<float> start;

  Twins()
      : spec(make_spec(4, {{6, Activation::tanh}, {3, Activation::softmax}},
                       Loss::cross_entropy)),
        data(make_data(10, 4, 3, Loss::cross_entropy, false, 21)),
        order({7, 2, 9, 0, 4, 1, 8, 3, 6, 5}),
        learning_rates({0.01, 0.03, 0.002}) {
    spec.optimizer = optimizer(OptimizerType::adam, 0.01);
    start = random_params(spec, 22);
  }

  // The epoch's plan over this data, writing into `stats` (6 entries).
  TrainingPlan plan(std::vector<double>& stats) const {
    TrainingPlan p;
    p.x = data.x.data();
    p.targets = data.targets();
    p.rows = 10;
    p.order = order.data();
    p.batch_size = 4;
    p.learning_rates = learning_rates.data();
    p.stats = stats.data();
    return p;
  }

  // train_batch on the rows of batches [0, batches) of `order`, batch size 4.
  std::vector<float> by_train_batch(Engine e, std::size_t batches, std::vector<double>* losses) {
    std::vector<float> params = start;
    Model net(spec, params.data(), e.isa, e.pool);
    for (std::size_t b = 0; b < batches; ++b) {
      Data batch{0, 4, 3, {}, {}, {}};
      for (std::size_t i = b * 4; i < std::min<std::size_t>(b * 4 + 4, order.size()); ++i) {
        const std::size_t row = static_cast<std::size_t>(order[i]);
        batch.x.insert(batch.x.end(), &data.x[row * 4], &data.x[row * 4 + 4]);
        batch.dense.insert(batch.dense.end(), &data.dense[row * 3], &data.dense[row * 3 + 3]);
        ++batch.rows;
      }
      const double loss =
          net.train_batch(batch.x.data(), batch.targets(), batch.rows, learning_rates[b], nullptr).loss;
      if (losses) losses->push_back(loss);
    }
    return params;
  }
};

void train_equals_train_batch(Engine e) {
  Twins twins;
  std::vector<double> losses;
  const std::vector<float> expected = twins.by_train_batch(e, 3, &losses);

  std::vector<float> params = twins.start;
  Model net(twins.spec, params.data(), e.isa, e.pool);
  std::vector<double> stats(6, -1);
  const TrainingPlan plan = twins.plan(stats);
  CHECK(plan.batches() == 3);
  // Batch 0, then 1 and 2 (the last one has 2 rows): a call may start
  // mid-epoch, a count beyond the epoch stops at its end, and stats are
  // indexed by the batch of the epoch.
  CHECK(net.train(plan, 0, 1, nullptr) == 1);
  CHECK(stats[2] == -1);
  CHECK(net.train(plan, 1, 5, nullptr) == 2);
  CHECK(params == expected);
  for (std::size_t j = 0; j < 3; ++j) CHECK_CLOSE(stats[2 * j], losses[j], 1e-12, 0);
  CHECK(stats[1] >= 0 && stats[1] <= 4 && stats[5] >= 0 && stats[5] <= 2);
  CHECK(stats[1] == std::floor(stats[1]));
  // Past the epoch's end: nothing trains, nothing is written.
  std::vector<double> after = stats;
  CHECK(net.train(plan, 3, 1, nullptr) == 0);
  CHECK(net.train(plan, std::size_t(-1), std::size_t(-1), nullptr) == 0);
  CHECK(stats == after);
  CHECK(params == expected);
}

// The parameters, both moments and the step count of a model, for exact
// comparisons.
std::vector<float> whole_state(Model& net, const std::vector<float>& params) {
  const std::size_t n = params.size();
  std::vector<float> all(params);
  all.resize(3 * n + 1);
  all[3 * n] = float(net.save_optimizer_state(all.data() + n, all.data() + 2 * n));
  return all;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// A step whose update overflows (targets at float32's maximum: the output
// bias's gradient, 2·mean(out − y), is −∞ for every rule) is undone whole:
// the result names the first non-finite parameter, everything is as before
// the step, and the next step is the one a twin that never tried it takes.
void train_batch_undoes_a_step_whole(Engine e) {
  for (const backprop::OptimizerSettings& settings : kOptimizers) {
    ModelSpec spec = make_spec(4, {{6, Activation::tanh}, {1, Activation::linear}}, Loss::mse);
    spec.optimizer = settings;
    const Data data = make_data(8, 4, 1, Loss::mse, false, 31);
    std::vector<float> params = random_params(spec, 32);
    Model net(spec, params.data(), e.isa, e.pool);
    const double lr = settings.learning_rate;
    net.train_batch(data.x.data(), data.targets(), data.rows, lr, nullptr);
    const std::vector<float> before = whole_state(net, params);
    std::vector<float> twin_params = params;
    Model twin(spec, twin_params.data(), e.isa, e.pool);
    const std::size_t n = params.size();
    twin.restore_optimizer_state(std::size_t(before[3 * n]), before.data() + n, before.data() + 2 * n);

    const std::vector<float> far(data.rows, std::numeric_limits<float>::max());
    const backprop::TrainBatchResult undone =
        net.train_batch(data.x.data(), Targets{far.data(), nullptr}, data.rows, lr, nullptr);
    CHECK(std::isfinite(undone.loss));
    CHECK(undone.undone_at < n && !std::isfinite(undone.undone_value));
    CHECK(same_bits(whole_state(net, params), before));

    const backprop::TrainBatchResult kept =
        net.train_batch(data.x.data(), data.targets(), data.rows, lr, nullptr);
    CHECK(std::isfinite(kept.loss) && kept.undone_at == n);
    twin.train_batch(data.x.data(), data.targets(), data.rows, lr, nullptr);
    CHECK(same_bits(whole_state(net, params), whole_state(twin, twin_params)));
  }
}

void train_stops_before_a_non_finite_batch(Engine e) {
  Twins twins;
  const std::vector<float> after_one = twins.by_train_batch(e, 1, nullptr);
  twins.data.x[static_cast<std::size_t>(twins.order[5]) * 4 + 2] =
      std::numeric_limits<float>::quiet_NaN();  // in batch 1
  std::vector<float> params = twins.start;
  Model net(twins.spec, params.data(), e.isa, e.pool);
  std::vector<double> stats(6, -1);
  CHECK(net.train(twins.plan(stats), 0, 3, nullptr) == 1);
  CHECK(std::isfinite(stats[0]));
  CHECK(std::isnan(stats[2]));
  CHECK(stats[4] == -1);
  CHECK(params == after_one);
}

void train_honours_the_stop_flag(Engine e) {
  Twins twins;
  const std::vector<float> after_one = twins.by_train_batch(e, 1, nullptr);
  std::vector<float> params = twins.start;
  Model net(twins.spec, params.data(), e.isa, e.pool);
  std::vector<double> stats(6, -1);
  const std::atomic<bool> stop{true};
  CHECK(net.train(twins.plan(stats), 0, 3, &stop) == 1);
  CHECK(stats[2] == -1);
  CHECK(params == after_one);
}

void compute_gradients_does_not_update(Engine e) {
  Twins twins;
  std::vector<float> params = twins.start;
  Model net(twins.spec, params.data(), e.isa, e.pool);
  std::vector<float> grads(params.size());
  net.compute_gradients(params.data(), twins.data.x.data(), twins.data.targets(), 10,
                        grads.data(), nullptr);
  CHECK(params == twins.start);
}

// The weights a reader is given, not the model's parameters: the same
// answers as a model built over those weights.
void readers_read_the_weights_they_are_given(Engine e) {
  Twins twins;
  std::vector<float> params = twins.start;
  Model net(twins.spec, params.data(), e.isa, e.pool);
  std::vector<float> other = random_params(twins.spec, 23);
  Model over_other(twins.spec, other.data(), e.isa, e.pool);
  const float* x = twins.data.x.data();
  const Targets y = twins.data.targets();
  std::vector<float> out(30), expected_out(30), grads(params.size()), expected_grads(params.size());
  net.predict(other.data(), x, 10, out.data());
  over_other.predict(other.data(), x, 10, expected_out.data());
  CHECK(out == expected_out);
  const Score score = net.evaluate(other.data(), x, y, 10);
  const Score expected_score = over_other.evaluate(other.data(), x, y, 10);
  CHECK(score.loss == expected_score.loss && score.correct == expected_score.correct);
  CHECK(score.loss != net.evaluate(params.data(), x, y, 10).loss);
  CHECK(net.compute_gradients(other.data(), x, y, 10, grads.data(), nullptr) ==
        over_other.compute_gradients(other.data(), x, y, 10, expected_grads.data(), nullptr));
  CHECK(grads == expected_grads);
  CHECK(params == twins.start);
}

// More rows than one inference block: the same answers as row by row.
void predict_and_evaluate_in_blocks(Engine e) {
  const ModelSpec spec = make_spec(5, {{7, Activation::gelu}, {4, Activation::softmax}},
                                   Loss::cross_entropy);
  std::vector<float> params = random_params(spec, 31);
  const float* w = params.data();
  const Data data = make_data(600, 5, 4, Loss::cross_entropy, true, 32);
  Model net(spec, params.data(), e.isa, e.pool);
  CHECK(net.outputs() == 4);
  std::vector<float> out(600 * 4), row(4);
  net.predict(w, data.x.data(), 600, out.data());
  double correct = 0;
  for (std::size_t r = 0; r < 600; ++r) {
    net.predict(w, &data.x[r * 5], 1, row.data());
    for (std::size_t j = 0; j < 4; ++j) CHECK_CLOSE(out[r * 4 + j], row[j], 1e-6, 1e-7);
    std::size_t best = 0;
    for (std::size_t j = 1; j < 4; ++j)
      if (out[r * 4 + j] > out[r * 4 + best]) best = j;
    correct += best == static_cast<std::size_t>(data.labels[r]) ? 1 : 0;
  }
  const Score score = net.evaluate(w, data.x.data(), data.targets(), 600);
  CHECK(score.correct == correct);
  std::vector<float> grads(params.size());
  const double whole =
      net.compute_gradients(w, data.x.data(), data.targets(), 600, grads.data(), nullptr);
  CHECK_CLOSE(score.loss, whole, 1e-6, 0);
}

// Readers never wait for training: from this thread, predict / evaluate /
// compute_gradients on a snapshot while train() runs on another thread over
// an epoch far longer than the reads, and ends only when this thread raises
// the stop flag after its reads. Each read gives the bits it gives when the
// model is idle. Were a reader to wait for train(), the epoch would run to
// its end before the reads (caught below), or, with a longer epoch, never
// end (ctest's timeout).
void a_reader_runs_beside_train(Engine e) {
  Twins twins;
  const std::size_t rows = std::size_t{1} << 18;  // batches of 1 row: 2^18 of them
  const Data data = make_data(rows, 4, 3, Loss::cross_entropy, true, 24);
  std::vector<std::int32_t> order(rows);
  for (std::size_t i = 0; i < rows; ++i) order[i] = static_cast<std::int32_t>(i);
  std::vector<double> learning_rates(rows, 0.001), stats(2 * rows, -1);
  TrainingPlan plan;
  plan.x = data.x.data();
  plan.targets = data.targets();
  plan.rows = rows;
  plan.order = order.data();
  plan.batch_size = 1;
  plan.learning_rates = learning_rates.data();
  plan.stats = stats.data();

  std::vector<float> params = twins.start;
  const std::vector<float> snapshot = params;
  Model net(twins.spec, params.data(), e.isa, e.pool);
  const Targets y = twins.data.targets();
  std::vector<float> idle_out(30), idle_grads(params.size());
  net.predict(snapshot.data(), twins.data.x.data(), 10, idle_out.data());
  const Score idle_score = net.evaluate(snapshot.data(), twins.data.x.data(), y, 10);
  const double idle_loss = net.compute_gradients(snapshot.data(), twins.data.x.data(), y, 10,
                                                 idle_grads.data(), nullptr);

  std::atomic<bool> stop{false}, started{false};
  std::size_t applied = 0;
  std::thread trainer([&] {
    started = true;
    applied = net.train(plan, 0, rows, &stop);
  });
  while (!started) std::this_thread::yield();
  std::vector<float> out(30), grads(params.size());
  bool same = true;
  for (int read = 0; read < 200; ++read) {
    net.predict(snapshot.data(), twins.data.x.data(), 10, out.data());
    const Score score = net.evaluate(snapshot.data(), twins.data.x.data(), y, 10);
    const double loss = net.compute_gradients(snapshot.data(), twins.data.x.data(), y, 10,
                                              grads.data(), nullptr);
    same = same && out == idle_out && score.loss == idle_score.loss &&
           score.correct == idle_score.correct && loss == idle_loss && grads == idle_grads;
  }
  stop = true;
  trainer.join();
  CHECK(same);
  CHECK(applied >= 1);
  CHECK(applied < rows);
  for (std::size_t b = 0; b < applied; ++b) CHECK(std::isfinite(stats[2 * b]));
  if (applied < rows) CHECK(stats[2 * applied] == -1);
  CHECK(params != snapshot);
}

void steady_state_allocates_nothing(Engine e) {
  Twins twins;
  std::vector<float> params = twins.start;
  Model net(twins.spec, params.data(), e.isa, e.pool);
  std::vector<double> stats(6);
  const TrainingPlan plan = twins.plan(stats);
  std::vector<float> grads(params.size()), out(30);
  const float* w = params.data();
  const float* x = twins.data.x.data();
  const Targets y = twins.data.targets();
  auto everything = [&] {
    net.train(plan, 0, 3, nullptr);
    net.train_batch(x, y, 10, 0.01, nullptr);
    net.train_batch(x, y, 3, 0.01, nullptr);
    net.compute_gradients(w, x, y, 10, grads.data(), nullptr);
    net.predict(w, x, 10, out.data());
    net.evaluate(w, x, y, 10);
  };
  everything();
  const long before = allocations.load();
  everything();
  everything();
  CHECK(allocations.load() == before);
}

// Zero rows: nothing to average, so the loss is NaN and nothing changes.
void zero_rows_change_nothing(Engine e) {
  Twins twins;
  std::vector<float> params = twins.start;
  const float* w = params.data();
  Model net(twins.spec, params.data(), e.isa, e.pool);
  float out = -1;
  net.predict(w, twins.data.x.data(), 0, &out);
  CHECK(out == -1);
  CHECK(std::isnan(net.evaluate(w, twins.data.x.data(), twins.data.targets(), 0).loss));
  CHECK(std::isnan(net.train_batch(twins.data.x.data(), twins.data.targets(), 0, 0.01, nullptr).loss));
  std::vector<double> stats(2, -1);
  TrainingPlan empty = twins.plan(stats);
  empty.rows = 0;
  CHECK(empty.batches() == 0);
  CHECK(net.train(empty, 0, 1, nullptr) == 0);
  CHECK(stats[0] == -1);
  CHECK(params == twins.start);
}

void parameter_count_follows_the_layout() {
  const ModelSpec spec = make_spec(784, {{256, Activation::relu}, {10, Activation::softmax}},
                                   Loss::cross_entropy);
  CHECK(backprop::parameter_count(spec) == 784 * 256 + 256 + 256 * 10 + 10);
}

#if defined(__x86_64__) || defined(__i386__)
// Inside a call a denormal product flushes to zero; after it the caller's
// control word is back, so its own arithmetic keeps gradual underflow.
void denormals_flush_only_inside_calls(Engine e) {
  const ModelSpec spec = make_spec(1, {{1, Activation::linear}}, Loss::mse);
  std::vector<float> params = {1e-20f, 0.0f};
  Model net(spec, params.data(), e.isa, e.pool);
  const float x = 1e-20f;
  float out = -1;
  const unsigned before = _mm_getcsr();
  net.predict(params.data(), &x, 1, &out);
  CHECK(out == 0.0f);
  CHECK(_mm_getcsr() == before);
  volatile float tiny = 1e-20f;
  CHECK(tiny * tiny > 0.0f);
}
#endif

void run_all(Engine e) {
  std::printf("isa %s, %s\n", backprop::isa_name(e.isa), e.pool ? "pool" : "no pool");
  gradients_match_central_differences(e);
  train_batch_lowers_the_loss(e);
  train_equals_train_batch(e);
  train_batch_undoes_a_step_whole(e);
  train_stops_before_a_non_finite_batch(e);
  train_honours_the_stop_flag(e);
  compute_gradients_does_not_update(e);
  readers_read_the_weights_they_are_given(e);
  predict_and_evaluate_in_blocks(e);
  a_reader_runs_beside_train(e);
  steady_state_allocates_nothing(e);
  zero_rows_change_nothing(e);
#if defined(__x86_64__) || defined(__i386__)
  denormals_flush_only_inside_calls(e);
#endif
}

}  // namespace

int main() {
  parameter_count_follows_the_layout();
  run_all({backprop::best_isa(), &backprop::default_pool()});
  run_all({Isa::scalar, nullptr});
  return backprop_test::failures();
}
