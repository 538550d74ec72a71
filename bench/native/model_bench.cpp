// Model throughput without the binding: train_batch samples/s and batch-1
// predict latency for the MLP shapes of bench/train.mjs, so that the core's
// share of a call can be profiled (perf) apart from Node's. Each also per
// second of process CPU time (all threads): on a loaded, shared host, where
// wall time mostly measures the scheduler, that drifts much less.
//   model_bench [--isa avx512] [--threads 1] [--configs xor,small,mnist,wide]
//                 [--opts sgd,adam] [--seconds 1 | --steps 20]
//                 [--normalization none|batch|layer] [--dropout 0.2]   (every hidden block)
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "isa.h"
#include "model_spec.h"
#include "model.h"
#include "thread_pool.h"

namespace {

using backprop::Activation;
using backprop::Isa;
using backprop::Loss;
using backprop::Model;
using backprop::ModelSpec;
using backprop::OptimizerType;
using backprop::Targets;
using Clock = std::chrono::steady_clock;

struct Config {
  const char* name;
  std::vector<std::size_t> sizes;
  Activation hidden, output;
  Loss loss;
  std::size_t batch;
};

const Config kConfigs[] = {
    {"xor", {2, 16, 1}, Activation::tanh, Activation::sigmoid, Loss::mse, 4},
    {"small", {784, 128, 10}, Activation::relu, Activation::softmax, Loss::cross_entropy, 32},
    {"mnist", {784, 256, 128, 10}, Activation::relu, Activation::softmax, Loss::cross_entropy, 128},
    {"wide", {784, 1024, 1024, 10}, Activation::relu, Activation::softmax, Loss::cross_entropy, 256},
};

constexpr std::size_t kPoolBatches = 32;

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

// A fixed pseudo-random standard-normal-ish sequence (sum of uniforms).
std::vector<float> normals(std::size_t count) {
  std::vector<float> out(count);
  std::uint32_t state = 1;
  for (float& v : out) {
    float sum = 0;
    for (int i = 0; i < 4; ++i) {
      state = state * 1664525u + 1013904223u;
      sum += static_cast<float>(state >> 8) / 16777216.0f;
    }
    v = (sum - 2.0f) * 1.7320508f;
  }
  return out;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// How long each measurement runs: `seconds`, or with --steps exactly that
// many training steps and predict calls (by hundreds), so that an instruction
// count under callgrind is reproducible.
struct Budget {
  double seconds = 1.0;
  std::size_t steps = 0;
  bool more(std::size_t done, Clock::time_point start) const {
    return steps ? done < steps : seconds_since(start) < seconds;
  }
};

// What every hidden block adds to its Linear and activation.
struct Blocks {
  backprop::NormalizationType normalization = backprop::NormalizationType::none;
  double dropout = 0;
};

ModelSpec spec_of(const Config& config, OptimizerType optimizer, const Blocks& blocks) {
  ModelSpec spec;
  spec.inputs = config.sizes[0];
  for (std::size_t l = 1; l < config.sizes.size(); ++l) {
    backprop::LayerSpec layer;
    layer.units = config.sizes[l];
    layer.activation = l + 1 == config.sizes.size() ? config.output : config.hidden;
    if (l + 1 < config.sizes.size()) {
      layer.normalization.type = blocks.normalization;
      layer.dropout = blocks.dropout;
    }
    spec.layers.push_back(layer);
  }
  spec.loss = config.loss;
  spec.optimizer.type = optimizer;
  spec.optimizer.learning_rate = optimizer == OptimizerType::sgd ? 0.01 : 1e-3;
  spec.optimizer.momentum = optimizer == OptimizerType::sgd ? 0.9 : 0.0;
  return spec;
}


double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

void run(const Config& config, OptimizerType optimizer, const char* optimizer_name, Isa isa,
         backprop::ThreadPool& pool, const Budget& budget, const Blocks& blocks) {
  const ModelSpec spec = spec_of(config, optimizer, blocks);
  std::vector<float> params = normals(backprop::state_count(spec));
  for (float& p : params) p *= 0.05f;
  // Running statistics (the state after the parameters): a positive variance.
  std::fill(params.begin() + static_cast<std::ptrdiff_t>(backprop::parameter_count(spec)), params.end(), 1.0f);
  Model net(spec, params.data(), isa, &pool);
  const std::size_t inputs = config.sizes.front(), outputs = config.sizes.back();
  const std::size_t rows = kPoolBatches * config.batch;
  const std::vector<float> x = normals(rows * inputs);
  std::vector<float> dense(rows * outputs);
  std::vector<std::int32_t> labels(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    labels[r] = static_cast<std::int32_t>((r * 2654435761u >> 7) % outputs);
    for (std::size_t j = 0; j < outputs; ++j) dense[r * outputs + j] = x[r * inputs] > 0 ? 1.0f : 0.0f;
  }
  auto batch_targets = [&](std::size_t b) {
    return config.loss == Loss::cross_entropy ? Targets{nullptr, labels.data() + b * config.batch}
                                              : Targets{dense.data() + b * config.batch * outputs, nullptr};
  };

  std::size_t steps = 0;
  const double train_cpu_start = process_cpu_seconds();
  const Clock::time_point train_start = Clock::now();
  while (budget.more(steps, train_start)) {
    const std::size_t b = steps++ % kPoolBatches;
    net.train_batch(x.data() + b * config.batch * inputs, batch_targets(b), config.batch,
                    spec.optimizer.learning_rate, nullptr);
  }
  const double samples_per_second = static_cast<double>(steps * config.batch) / seconds_since(train_start);
  const double samples_per_cpu_second =
      static_cast<double>(steps * config.batch) / (process_cpu_seconds() - train_cpu_start);

  std::vector<float> out(outputs);
  std::size_t calls = 0;
  const double predict_cpu_start = process_cpu_seconds();
  const Clock::time_point predict_start = Clock::now();
  while (budget.more(calls, predict_start)) {
    for (int i = 0; i < 100; ++i) net.predict(params.data(), x.data(), 1, out.data());
    calls += 100;
  }
  const double microseconds = seconds_since(predict_start) * 1e6 / static_cast<double>(calls);
  const double cpu_microseconds = (process_cpu_seconds() - predict_cpu_start) * 1e6 / static_cast<double>(calls);
  std::printf("%-6s %-5s %-7s %u threads  train %9.0f samples/s (%9.0f per CPU-s)  predict(batch 1) %7.2f us "
              "(%7.2f CPU us)\n",
              config.name, optimizer_name, backprop::isa_name(isa), pool.size(), samples_per_second,
              samples_per_cpu_second, microseconds, cpu_microseconds);
}

}  // namespace

int main(int argc, char** argv) {
  Isa isa = backprop::best_isa();
  unsigned threads = 1;
  std::vector<std::string> configs{"xor", "small", "mnist"};
  std::vector<std::string> opts{"sgd", "adam"};
  Budget budget;
  Blocks blocks;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--isa") {
      if (!backprop::parse_isa(value, &isa)) {
        std::fprintf(stderr, "model_bench: unknown ISA %s\n", value);
        return 2;
      }
    } else if (flag == "--threads") {
      threads = static_cast<unsigned>(std::atoi(value));
    } else if (flag == "--configs") {
      configs = split_list(value);
    } else if (flag == "--opts") {
      opts = split_list(value);
    } else if (flag == "--seconds") {
      budget.seconds = std::atof(value);
    } else if (flag == "--steps") {
      budget.steps = static_cast<std::size_t>(std::atol(value));
    } else if (flag == "--normalization") {
      const std::string type = value;
      if (type != "none" && type != "batch" && type != "layer") {
        std::fprintf(stderr, "model_bench: unknown normalization %s (none, batch, layer)\n", value);
        return 2;
      }
      blocks.normalization = type == "batch"   ? backprop::NormalizationType::batch
                             : type == "layer" ? backprop::NormalizationType::layer
                                               : backprop::NormalizationType::none;
    } else if (flag == "--dropout") {
      blocks.dropout = std::atof(value);
    } else {
      std::fprintf(stderr, "model_bench: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  backprop::ThreadPool pool(threads < 1 ? 1 : threads);
  for (const std::string& name : configs) {
    for (const Config& config : kConfigs) {
      if (name != config.name) continue;
      for (const std::string& opt : opts) {
        run(config, opt == "adam" ? OptimizerType::adam : OptimizerType::sgd, opt.c_str(), isa, pool, budget, blocks);
      }
    }
  }
  return 0;
}
