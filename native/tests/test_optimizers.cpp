// Optimizers: the first two steps of every type against the update rules of
// the brief (PyTorch's) worked in double, and reset() starting afresh, with
// the pass of every ISA (optimizer_update.h) over an array long enough for
// its vector loop and an odd tail; the split over a pool; the guarded step
// (the bits of step(), the first bad parameter over blocks and parts, and
// undo_step putting everything back).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "check.h"
#include "isa.h"
#include "optimizers.h"
#include "random.h"
#include "thread_pool.h"

using backprop::Isa;
using backprop::OptimizerSettings;
using backprop::OptimizerType;

namespace {

const std::vector<float> kStartPattern = {0.5f, -1.25f, 2.0f, 0.0f};
const std::vector<std::vector<float>> kGradPatterns = {{0.1f, -0.3f, 0.02f, 1.5f},
                                                       {-0.2f, -0.1f, 0.4f, 0.5f}};
// 16 · 4 + 7 elements: the patterns above, scaled differently in each repeat.
constexpr std::size_t kLength = 71;

std::vector<float> repeated(const std::vector<float>& pattern) {
  std::vector<float> out(kLength);
  for (std::size_t i = 0; i < kLength; ++i) out[i] = pattern[i % pattern.size()] * (1.0f + 0.125f * float(i / 4));
  return out;
}

const std::vector<float> kStart = repeated(kStartPattern);
const std::vector<std::vector<float>> kGrads = {repeated(kGradPatterns[0]), repeated(kGradPatterns[1])};

// One parameter's update rule, holding that parameter's own moments.
using Rule = std::function<void(double& p, double g, int t)>;

Rule sgd_rule(double lr, double momentum, bool nesterov, double wd) {
  return [=, buf = 0.0](double& p, double g, int t) mutable {
    g += wd * p;
    if (momentum != 0) {
      buf = t == 1 ? g : momentum * buf + g;
      g = nesterov ? g + momentum * buf : buf;
    }
    p -= lr * g;
  };
}

Rule adam_rule(double lr, double b1, double b2, double eps, double wd, bool decoupled) {
  return [=, m = 0.0, v = 0.0](double& p, double g, int t) mutable {
    if (decoupled) {
      p *= 1 - lr * wd;
    } else {
      g += wd * p;
    }
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    p -= (lr / (1 - std::pow(b1, t))) * m / (std::sqrt(v) / std::sqrt(1 - std::pow(b2, t)) + eps);
  };
}

Rule rmsprop_rule(double lr, double alpha, double eps, double momentum, double wd) {
  return [=, v = 0.0, buf = 0.0](double& p, double g, int) mutable {
    g += wd * p;
    v = alpha * v + (1 - alpha) * g * g;
    const double avg = std::sqrt(v) + eps;
    if (momentum > 0) {
      buf = momentum * buf + g / avg;
      p -= lr * buf;
    } else {
      p -= lr * g / avg;
    }
  };
}

Rule adagrad_rule(double lr, double eps, double wd) {
  return [=, sum = 0.0](double& p, double g, int) mutable {
    g += wd * p;
    sum += g * g;
    p -= lr * g / (std::sqrt(sum) + eps);
  };
}

// Two steps of `optimizer` on params from kStart, against `make()`'s rule per
// element; then reset() and two more, which must repeat the first two.
void check_isa(const char* name, Isa isa, const OptimizerSettings& settings, const std::function<Rule()>& make) {
  std::vector<float> params = kStart;
  backprop::Optimizer optimizer(settings, params.size(), isa);
  for (int round = 0; round < 2; ++round) {
    std::vector<Rule> rules;
    std::vector<double> hand(params.begin(), params.end());
    for (std::size_t i = 0; i < params.size(); ++i) rules.push_back(make());
    for (int t = 1; t <= 2; ++t) {
      optimizer.step(params.data(), kGrads[t - 1].data(), settings.learning_rate);
      CHECK(optimizer.steps() == std::size_t(t));
      for (std::size_t i = 0; i < params.size(); ++i) {
        rules[i](hand[i], kGrads[t - 1][i], t);
        if (!backprop_test::close(params[i], hand[i], 2e-6, 1e-8))
          std::fprintf(stderr, "%s %s: round %d, step %d, element %zu\n", name, backprop::isa_name(isa), round, t, i);
        CHECK_CLOSE(params[i], hand[i], 2e-6, 1e-8);
      }
    }
    optimizer.reset();
    CHECK(optimizer.steps() == 0);
  }
}

void check(const char* name, const OptimizerSettings& settings, const std::function<Rule()>& make) {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon}) check_isa(name, isa, settings, make);
}

OptimizerSettings with(OptimizerType type, double lr) {
  OptimizerSettings s;
  s.type = type;
  s.learning_rate = lr;
  return s;
}

void sgd() {
  OptimizerSettings s = with(OptimizerType::sgd, 0.1);
  std::vector<float> p = {0.5f};
  const float g = 0.1f;
  backprop::Optimizer plain(s, 1, Isa::scalar);
  plain.step(p.data(), &g, s.learning_rate);
  CHECK_CLOSE(p[0], 0.49, 1e-7, 0);  // worked by hand: 0.5 − 0.1·0.1
  // A schedule's rate, not the settings' initial one: 0.49 − 0.2·0.1.
  plain.step(p.data(), &g, 0.2);
  CHECK_CLOSE(p[0], 0.47, 1e-7, 0);

  check("sgd", s, [] { return sgd_rule(0.1, 0, false, 0); });
  s.weight_decay = 0.05;
  check("sgd weight decay", s, [] { return sgd_rule(0.1, 0, false, 0.05); });
  s.momentum = 0.9;
  check("sgd momentum", s, [] { return sgd_rule(0.1, 0.9, false, 0.05); });
  s.nesterov = true;
  check("sgd nesterov", s, [] { return sgd_rule(0.1, 0.9, true, 0.05); });
}

void adam() {
  OptimizerSettings s = with(OptimizerType::adam, 1e-3);
  check("adam", s, [] { return adam_rule(1e-3, 0.9, 0.999, 1e-8, 0, false); });
  s.learning_rate = 0.05;
  s.beta1 = 0.8;
  s.beta2 = 0.99;
  s.weight_decay = 0.1;
  check("adam weight decay", s, [] { return adam_rule(0.05, 0.8, 0.99, 1e-8, 0.1, false); });
  s.type = OptimizerType::adamw;
  check("adamw", s, [] { return adam_rule(0.05, 0.8, 0.99, 1e-8, 0.1, true); });
  OptimizerSettings defaults = with(OptimizerType::adamw, 1e-3);
  defaults.weight_decay = 0.01;
  check("adamw defaults", defaults, [] { return adam_rule(1e-3, 0.9, 0.999, 1e-8, 0.01, true); });
}

void rmsprop() {
  OptimizerSettings s = with(OptimizerType::rmsprop, 0.01);
  check("rmsprop", s, [] { return rmsprop_rule(0.01, 0.99, 1e-8, 0, 0); });
  s.alpha = 0.9;
  s.momentum = 0.5;
  s.weight_decay = 0.02;
  check("rmsprop momentum", s, [] { return rmsprop_rule(0.01, 0.9, 1e-8, 0.5, 0.02); });
}

void adagrad() {
  OptimizerSettings s = with(OptimizerType::adagrad, 0.01);
  s.epsilon = 1e-10;
  check("adagrad", s, [] { return adagrad_rule(0.01, 1e-10, 0); });
  s.weight_decay = 0.1;
  check("adagrad weight decay", s, [] { return adagrad_rule(0.01, 1e-10, 0.1); });
}

}  // namespace

// An array large enough to be updated in parts over a pool (an odd length,
// so the parts' ends are not the vector loop's): the bits of every element
// and moment are those of the one-thread pass, for every type and ISA.
void split_over_pool() {
  constexpr std::size_t kParameters = 3 * 65536 + 37;
  backprop_test::Random random{0x5eed};
  std::vector<float> start(kParameters), grads(kParameters);
  for (std::size_t i = 0; i < kParameters; ++i) {
    start[i] = random.uniform(-1, 1);
    grads[i] = random.uniform(-1, 1);
  }
  backprop::ThreadPool pool(3);
  for (OptimizerType type : {OptimizerType::sgd, OptimizerType::adam, OptimizerType::rmsprop}) {
    OptimizerSettings s = with(type, 0.01);
    s.momentum = type == OptimizerType::adam ? 0.0 : 0.9;
    for (Isa isa : {Isa::scalar, Isa::avx2}) {
      std::vector<float> alone = start, shared = start;
      backprop::Optimizer one(s, kParameters, isa), split(s, kParameters, isa);
      for (int t = 0; t < 2; ++t) {
        one.step(alone.data(), grads.data(), s.learning_rate);
        split.step(shared.data(), grads.data(), s.learning_rate, &pool);
      }
      CHECK(alone == shared);
      std::vector<float> first_one(kParameters), second_one(kParameters), first_split(kParameters),
          second_split(kParameters);
      one.save_state(first_one.data(), second_one.data());
      split.save_state(first_split.data(), second_split.data());
      CHECK(first_one == first_split && second_one == second_split);
    }
  }
}

namespace {

// Every update rule (optimizer_update.h), with weight decay where it has one.
std::vector<OptimizerSettings> every_rule() {
  std::vector<OptimizerSettings> rules;
  OptimizerSettings s = with(OptimizerType::sgd, 0.05);
  s.weight_decay = 0.01;
  rules.push_back(s);
  s.momentum = 0.9;
  rules.push_back(s);
  s.nesterov = true;
  rules.push_back(s);
  rules.push_back(with(OptimizerType::adam, 0.01));
  s = with(OptimizerType::adamw, 0.01);
  s.weight_decay = 0.1;
  rules.push_back(s);
  rules.push_back(with(OptimizerType::rmsprop, 0.01));
  s.type = OptimizerType::rmsprop;
  s.momentum = 0.5;
  rules.push_back(s);
  rules.push_back(with(OptimizerType::adagrad, 0.1));
  return rules;
}

// An optimizer over n seeded parameters and gradients, with the backup
// memory of a guarded step.
struct Run {
  OptimizerSettings settings;
  std::vector<float> params, grads;
  std::vector<float> kept_p, kept_first, kept_second;
  backprop::Optimizer optimizer;

  Run(const OptimizerSettings& s, std::size_t n, Isa isa)
      : settings(s), params(n), grads(n), kept_p(n), kept_first(n), kept_second(n), optimizer(s, n, isa) {
    backprop_test::Random random{0x5eed + n};
    for (std::size_t i = 0; i < n; ++i) {
      params[i] = random.uniform(-1, 1);
      grads[i] = random.uniform(-1, 1);
    }
  }

  backprop::UpdateBackup backup() {
    const backprop::OptimizerMoments moments = backprop::optimizer_moments(settings);
    return {kept_p.data(), moments.first ? kept_first.data() : nullptr,
            moments.second ? kept_second.data() : nullptr};
  }

  // The parameters, both moments and the step count, as one comparable list.
  std::vector<float> state() const {
    const std::size_t n = params.size();
    std::vector<float> all(params);
    all.resize(3 * n + 1);
    all[3 * n] = float(optimizer.save_state(all.data() + n, all.data() + 2 * n));
    return all;
  }

  bool same_bits(const Run& other) const {
    const std::vector<float> a = state(), b = other.state();
    return std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
  }
};

// A guarded step has the bits of step(), for every rule and ISA, over a
// length of several blocks with an odd tail and over one split on a pool.
void guarded_step_keeps_the_bits() {
  backprop::ThreadPool pool(3);
  for (const OptimizerSettings& s : every_rule()) {
    for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon}) {
      for (std::size_t n : {std::size_t(71), std::size_t(3 * 1024 + 13), std::size_t(3 * 65536 + 37)}) {
        backprop::ThreadPool* on = n > 65536 ? &pool : nullptr;
        Run plain(s, n, isa), guarded(s, n, isa);
        for (int t = 0; t < 3; ++t) {
          plain.optimizer.step(plain.params.data(), plain.grads.data(), s.learning_rate, on);
          CHECK(guarded.optimizer.guarded_step(guarded.params.data(), guarded.grads.data(),
                                               s.learning_rate, guarded.backup(), on) == n);
        }
        if (!plain.same_bits(guarded))
          std::fprintf(stderr, "type %d, momentum %g, %s, n %zu\n", int(s.type), s.momentum,
                       backprop::isa_name(isa), n);
        CHECK(plain.same_bits(guarded));
      }
    }
  }
}

// Infinite gradients make every rule's new parameter non-finite: the step
// reports the smallest such index over blocks and parts, and undo_step puts
// back the parameters, the moments and the step count, bit for bit.
void undo_step_puts_everything_back() {
  backprop::ThreadPool pool(3);
  const float inf = std::numeric_limits<float>::infinity();
  const std::size_t n = 3 * 65536 + 37;
  struct Case {
    std::vector<std::size_t> bad;
    std::size_t first;
    backprop::ThreadPool* pool;
  };
  // Bad values in the last part only, in two parts (the later part's first
  // found first by no one), and in two blocks of one pass without a pool.
  const Case cases[] = {{{n - 1}, n - 1, &pool},
                        {{150001, 70003, 140000}, 70003, &pool},
                        {{5000, 1030}, 1030, nullptr}};
  for (const OptimizerSettings& s : every_rule()) {
    for (Isa isa : {Isa::scalar, Isa::avx2}) {
      for (const Case& c : cases) {
        Run run(s, n, isa);
        run.optimizer.step(run.params.data(), run.grads.data(), s.learning_rate, c.pool);
        const std::vector<float> before = run.state();
        for (std::size_t i : c.bad) run.grads[i] = i % 2 ? -inf : inf;
        const std::size_t found = run.optimizer.guarded_step(run.params.data(), run.grads.data(),
                                                             s.learning_rate, run.backup(), c.pool);
        CHECK(found == c.first);
        CHECK(!std::isfinite(run.params[c.first]));
        run.optimizer.undo_step(run.params.data(), run.backup());
        const std::vector<float> after = run.state();
        CHECK(std::memcmp(after.data(), before.data(), after.size() * sizeof(float)) == 0);
      }
    }
  }
}

}  // namespace

int main() {
  sgd();
  split_over_pool();
  guarded_step_keeps_the_bits();
  undo_step_puts_everything_back();
  adam();
  rmsprop();
  adagrad();
  return backprop_test::failures();
}
