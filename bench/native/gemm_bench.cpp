// GEMM throughput: C[m×n] = op(A)·op(B), op(A) m×k, row-major, for the
// square and MLP shapes, per ISA, precision (float32: sgemm; bfloat16:
// bf16gemm, on the path bf16_path gives that ISA), op and thread count.
// Median GFLOP/s of several repetitions of at least --min-time seconds each.
//   gemm_bench [--isa avx512] [--threads 1,2] [--ops NN,NT,TN] [--precision float32,bfloat16]
//              [--shapes 512,64x784x256] [--min-time 0.2] [--reps 5] [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gemm/gemm.h"
#include "isa.h"
#include "thread_pool.h"

namespace {

using backprop::Isa;
using backprop::Precision;
using backprop::Trans;

struct Shape {
  std::size_t m, k, n;
};

struct Options {
  std::vector<Isa> isas;
  std::vector<unsigned> threads;
  std::vector<std::string> ops{"NN", "NT", "TN"};
  std::vector<Precision> precisions{Precision::float32, Precision::bfloat16};
  std::vector<Shape> shapes{{128, 128, 128},   {256, 256, 256},   {512, 512, 512},    {1024, 1024, 1024},
                            {2048, 2048, 2048}, {64, 784, 256},   {128, 784, 256},    {256, 784, 1024},
                            {256, 1024, 1024},  {128, 256, 10}};
  double min_time = 0.2;
  int reps = 5;
  bool json = false;
};

std::vector<std::string> split_list(const char* text) {
  std::vector<std::string> parts;
  std::string current;
  for (const char* p = text;; ++p) {
    if (*p == ',' || *p == '\0') {
      if (!current.empty()) parts.push_back(current);
      current.clear();
      if (*p == '\0') break;
    } else {
      current += *p;
    }
  }
  return parts;
}

const char* const kUsage =
    "usage: gemm_bench [--isa NAME] [--threads 1,2] [--ops NN,NT,TN] [--precision float32,bfloat16]\n"
    "                  [--shapes 512,64x784x256]\n"
    "                  [--min-time SECONDS] [--reps N] [--json]\n";

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr, "gemm_bench: %s\n%s", problem, kUsage);
  std::exit(2);
}

// "512" is a square; "MxKxN" is op(A) m×k times op(B) k×n.
Shape parse_shape(const std::string& text) {
  std::size_t values[3] = {0, 0, 0};
  int count = 0;
  const char* p = text.c_str();
  while (*p != '\0' && count < 3) {
    char* end = nullptr;
    values[count++] = std::strtoul(p, &end, 10);
    p = *end == 'x' ? end + 1 : end;
    if (*end != 'x') break;
  }
  if (*p != '\0' || (count != 1 && count != 3) || values[0] == 0) usage("bad shape");
  return count == 1 ? Shape{values[0], values[0], values[0]} : Shape{values[0], values[1], values[2]};
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage("missing value");
      return argv[++i];
    };
    if (arg == "--help") {
      std::printf("%s", kUsage);
      std::exit(0);
    } else if (arg == "--json") {
      options.json = true;
    } else if (arg == "--isa") {
      Isa isa;
      if (!backprop::parse_isa(value(), &isa) || !backprop::isa_supported(isa)) usage("unknown or unsupported ISA");
      options.isas = {isa};
    } else if (arg == "--threads") {
      options.threads.clear();
      for (const std::string& t : split_list(value())) options.threads.push_back(std::strtoul(t.c_str(), nullptr, 10));
    } else if (arg == "--ops") {
      options.ops = split_list(value());
      for (const std::string& op : options.ops)
        if (op != "NN" && op != "NT" && op != "TN") usage("ops are NN, NT, TN");
    } else if (arg == "--precision") {
      options.precisions.clear();
      for (const std::string& p : split_list(value())) {
        if (p != "float32" && p != "bfloat16") usage("precisions are float32, bfloat16");
        options.precisions.push_back(p == "float32" ? Precision::float32 : Precision::bfloat16);
      }
    } else if (arg == "--shapes") {
      options.shapes.clear();
      for (const std::string& s : split_list(value())) options.shapes.push_back(parse_shape(s));
    } else if (arg == "--min-time") {
      options.min_time = std::strtod(value(), nullptr);
    } else if (arg == "--reps") {
      options.reps = std::max(1, std::atoi(value()));
    } else {
      usage("unknown option");
    }
  }
  if (options.isas.empty()) {
    for (Isa isa : {Isa::amx, Isa::avx512bf16, Isa::avx512, Isa::avx2, Isa::neon, Isa::scalar})
      if (backprop::isa_supported(isa)) options.isas.push_back(isa);
  }
  if (options.threads.empty()) {
    options.threads.push_back(1);
    if (backprop::default_pool().size() > 1) options.threads.push_back(backprop::default_pool().size());
  }
  for (unsigned t : options.threads)
    if (t < 1 || t > 256) usage("threads are 1…256");
  return options;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Median GFLOP/s over `reps` timed batches of calls, each lasting ≥ min_time.
double measure(Isa isa, Precision precision, const std::string& op, const Shape& s, backprop::ThreadPool& pool, const Options& o) {
  const Trans ta = op == "TN" ? Trans::yes : Trans::no;
  const Trans tb = op == "NT" ? Trans::yes : Trans::no;
  std::vector<float> a(s.m * s.k), b(s.k * s.n), c(s.m * s.n);
  unsigned state = 12345;
  for (auto* data : {&a, &b}) {
    for (float& x : *data) {
      state = state * 1664525u + 1013904223u;
      x = static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
    }
  }
  const std::size_t lda = ta == Trans::no ? s.k : s.m;
  const std::size_t ldb = tb == Trans::no ? s.n : s.k;
  const auto call = [&] {
    backprop::gemm(precision, isa, ta, tb, s.m, s.n, s.k, a.data(), lda, b.data(), ldb, c.data(), s.n, false, nullptr,
                   &pool);
  };
  call();  // warm caches and grow the packing buffers
  std::size_t calls = 1;
  for (;;) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < calls; ++i) call();
    if (seconds_since(start) >= o.min_time / 4) break;
    calls *= 2;
  }
  std::vector<double> rates;
  for (int rep = 0; rep < o.reps; ++rep) {
    std::size_t done = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0.0;
    do {
      for (std::size_t i = 0; i < calls; ++i) call();
      done += calls;
      elapsed = seconds_since(start);
    } while (elapsed < o.min_time);
    rates.push_back(2.0 * s.m * s.n * s.k * done / elapsed * 1e-9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  if (!o.json) {
    std::printf("%-10s %-19s %7s %3s %6s %6s %6s %9s\n", "isa", "precision", "threads", "op", "m", "k", "n", "GFLOP/s");
  }
  for (unsigned threads : o.threads) {
    backprop::ThreadPool pool(threads);
    for (Isa isa : o.isas) {
      for (const Shape& s : o.shapes) {
        for (const std::string& op : o.ops) {
          for (Precision precision : o.precisions) {
            const double gflops = measure(isa, precision, op, s, pool, o);
            const char* name = precision == Precision::float32 ? "float32" : "bfloat16";
            const char* path = precision == Precision::float32 ? "" : backprop::bf16_path_name(backprop::bf16_path(isa));
            if (o.json) {
              std::printf("{\"bench\":\"gemm\",\"isa\":\"%s\",\"precision\":\"%s\",\"bfloat16\":\"%s\",\"threads\":%u,"
                          "\"op\":\"%s\",\"m\":%zu,\"k\":%zu,\"n\":%zu,\"gflops\":%.2f}\n",
                          backprop::isa_name(isa), name, path, threads, op.c_str(), s.m, s.k, s.n, gflops);
            } else {
              const std::string label = precision == Precision::float32 ? name : std::string(name) + " (" + path + ")";
              std::printf("%-10s %-19s %7u %3s %6zu %6zu %6zu %9.1f\n", backprop::isa_name(isa), label.c_str(), threads,
                          op.c_str(), s.m, s.k, s.n, gflops);
            }
            std::fflush(stdout);
          }
        }
      }
    }
  }
  return 0;
}
