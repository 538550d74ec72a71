// GEMM throughput: C[m×n] = op(A)·op(B), op(A) m×k, row-major, for the
// square and MLP shapes, per ISA, precision (float32: sgemm; bfloat16: on the
// path bf16_path gives that ISA), op and thread count. Median GFLOP/s of
// several repetitions of at least --min-time seconds each, and GFLOP per
// second of process CPU time (all threads; spinning counts) over those
// repetitions: on a shared, loaded host, where a second thread often waits
// for a core, the work done per CPU-second drifts much less than wall time.
//   gemm_bench [--isa avx512] [--threads 1,2] [--ops NN,NT,TN] [--precision float32,bfloat16]
//              [--shapes 512,64x784x256] [--min-time 0.2] [--reps 5] [--json]
//              [--openblas]
// --openblas also measures cblas_sgemm from the system's libopenblas.so.0
// (loaded at run time, so nothing here links against it) right after each
// of our measurements, in the same process and the same way: "isa" is then
// "openblas", whose kernels follow OPENBLAS_CORETYPE or the CPU.
#include <algorithm>
#include <dlfcn.h>

#include <chrono>
#include <functional>
#include <ctime>
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
  bool openblas = false;
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
    "                  [--shapes 512,64x784x256] [--min-time SECONDS] [--reps N] [--json] [--openblas]\n";

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
    } else if (arg == "--openblas") {
      options.openblas = true;
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

double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

struct Rates {
  double wall_gflops;  // median over the repetitions
  double cpu_gflops;   // over all of them
};

// cblas_sgemm(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) and
// openblas_set_num_threads, from libopenblas.so.0; null when it is not installed.
struct OpenBlas {
  using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*,
                         int);
  Sgemm sgemm = nullptr;
  void (*set_threads)(int) = nullptr;
};

OpenBlas load_openblas() {
  void* library = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) usage("--openblas: cannot load libopenblas.so.0 (apt-get install libopenblas0)");
  OpenBlas blas;
  blas.sgemm = reinterpret_cast<OpenBlas::Sgemm>(dlsym(library, "cblas_sgemm"));
  blas.set_threads = reinterpret_cast<void (*)(int)>(dlsym(library, "openblas_set_num_threads"));
  if (blas.sgemm == nullptr || blas.set_threads == nullptr) usage("--openblas: libopenblas.so.0 lacks cblas_sgemm");
  return blas;
}

// The product C = op(A)·op(B) as one call of the library measured.
using Product = std::function<void(Trans ta, Trans tb, const Shape& s, const float* a, std::size_t lda,
                                   const float* b, std::size_t ldb, float* c)>;

// GFLOP/s over `reps` timed batches of calls, each lasting ≥ min_time.
Rates measure(const Product& product, const std::string& op, const Shape& s, const Options& o) {
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
  const auto call = [&] { product(ta, tb, s, a.data(), lda, b.data(), ldb, c.data()); };
  call();  // warm caches and grow the packing buffers
  std::size_t calls = 1;
  for (;;) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < calls; ++i) call();
    if (seconds_since(start) >= o.min_time / 4) break;
    calls *= 2;
  }
  std::vector<double> rates;
  double total_flops = 0.0;
  const double cpu_start = process_cpu_seconds();
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
    total_flops += 2.0 * s.m * s.n * s.k * done;
  }
  const double cpu_seconds = process_cpu_seconds() - cpu_start;
  std::sort(rates.begin(), rates.end());
  return {rates[rates.size() / 2], total_flops / cpu_seconds * 1e-9};
}

void print(const char* isa, unsigned threads, const std::string& op, const Shape& s, const Rates& rates, bool json) {
  if (json) {
    std::printf("{\"bench\":\"gemm\",\"isa\":\"%s\",\"threads\":%u,\"op\":\"%s\",\"m\":%zu,\"k\":%zu,\"n\":%zu,"
                "\"gflops\":%.2f,\"cpu_gflops\":%.2f}\n",
                isa, threads, op.c_str(), s.m, s.k, s.n, rates.wall_gflops, rates.cpu_gflops);
  } else {
    std::printf("%-8s %7u %3s %6zu %6zu %6zu %9.1f %9.1f\n", isa, threads, op.c_str(), s.m, s.k, s.n,
                rates.wall_gflops, rates.cpu_gflops);
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  const OpenBlas blas = o.openblas ? load_openblas() : OpenBlas{};
  if (!o.json)
    std::printf("%-8s %7s %3s %6s %6s %6s %9s %9s\n", "isa", "threads", "op", "m", "k", "n", "GFLOP/s", "per CPU-s");
  for (unsigned threads : o.threads) {
    backprop::ThreadPool pool(threads);
    if (o.openblas) blas.set_threads(static_cast<int>(threads));
    for (Isa isa : o.isas) {
      const Product reference = [&](Trans ta, Trans tb, const Shape& s, const float* a, std::size_t lda,
                                    const float* b, std::size_t ldb, float* c) {
        constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
        blas.sgemm(kRowMajor, ta == Trans::no ? kNoTrans : kTrans, tb == Trans::no ? kNoTrans : kTrans,
                   static_cast<int>(s.m), static_cast<int>(s.n), static_cast<int>(s.k), 1.0f, a, static_cast<int>(lda),
                   b, static_cast<int>(ldb), 0.0f, c, static_cast<int>(s.n));
      };
      for (const Shape& s : o.shapes) {
        for (const std::string& op : o.ops) {
          for (Precision precision : o.precisions) {
            const Product ours = [&, precision](Trans ta, Trans tb, const Shape& shape, const float* a, std::size_t lda,
                                                const float* b, std::size_t ldb, float* c) {
              backprop::gemm(precision, isa, ta, tb, shape.m, shape.n, shape.k, a, lda, b, ldb, c, shape.n, false,
                             nullptr, &pool);
            };
            const std::string label = precision == Precision::float32
                                          ? std::string(backprop::isa_name(isa))
                                          : std::string(backprop::isa_name(isa)) + "/bf16-" +
                                                backprop::bf16_path_name(backprop::bf16_path(isa));
            print(label.c_str(), threads, op, s, measure(ours, op, s, o), o.json);
          }
          if (o.openblas) print("openblas", threads, op, s, measure(reference, op, s, o), o.json);
        }
      }
    }
  }
  return 0;
}
