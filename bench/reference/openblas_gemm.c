/* OpenBLAS reference for bench/native/gemm_bench.cpp: the same shapes and
 * ops (NN: A·B, NT: A·Bᵀ, TN: Aᵀ·B; C is m×n, the depth k), the same
 * timing rule (calls doubled until a batch takes a quarter of the minimum
 * time, then the median of --reps runs of at least --min-time seconds), and
 * the same JSON line per shape and op, with "impl":"openblas".
 *
 *   cc -O2 -o openblas_gemm bench/reference/openblas_gemm.c -lopenblas
 *   OPENBLAS_NUM_THREADS=1 ./openblas_gemm [--threads 1] [--min-time 0.2] [--reps 5]
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern void openblas_set_num_threads(int);
extern char *openblas_get_corename(void);

typedef struct { int m, k, n; } shape;

static const shape kShapes[] = {{128, 128, 128},   {256, 256, 256}, {512, 512, 512},  {1024, 1024, 1024},
                                {2048, 2048, 2048}, {64, 784, 256},  {128, 784, 256},  {256, 784, 1024},
                                {256, 1024, 1024},  {128, 256, 10}};
static const char *kOps[] = {"NN", "NT", "TN"};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void call(const char *op, shape s, const float *a, const float *b, float *c) {
  const int ta = op[0] == 'T', tb = op[1] == 'T';
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, s.m, s.n, s.k, 1.0f, a,
              ta ? s.m : s.k, b, tb ? s.k : s.n, 0.0f, c, s.n);
}

static int compare(const void *x, const void *y) {
  const double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

static double measure(const char *op, shape s, double min_time, int reps) {
  float *a = malloc(sizeof(float) * s.m * s.k), *b = malloc(sizeof(float) * s.k * s.n);
  float *c = malloc(sizeof(float) * s.m * s.n);
  for (long i = 0; i < (long)s.m * s.k; i++) a[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (long i = 0; i < (long)s.k * s.n; i++) b[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
  long calls = 1;
  for (;;) {
    const double start = now();
    for (long i = 0; i < calls; i++) call(op, s, a, b, c);
    if (now() - start >= min_time / 4) break;
    calls *= 2;
  }
  double rates[64];
  if (reps > 64) reps = 64;
  for (int r = 0; r < reps; r++) {
    long done = 0;
    const double start = now();
    double elapsed;
    do {
      for (long i = 0; i < calls; i++) call(op, s, a, b, c);
      done += calls;
      elapsed = now() - start;
    } while (elapsed < min_time);
    rates[r] = 2.0 * s.m * s.n * s.k * done / elapsed * 1e-9;
  }
  qsort(rates, reps, sizeof(double), compare);
  free(a);
  free(b);
  free(c);
  return rates[reps / 2];
}

int main(int argc, char **argv) {
  int threads = 1, reps = 5;
  double min_time = 0.2;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--min-time") && i + 1 < argc) min_time = atof(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--threads N] [--reps N] [--min-time S]\n", argv[0]);
      return 2;
    }
  }
  if (threads < 1 || reps < 1 || min_time <= 0) return 2;
  openblas_set_num_threads(threads);
  for (size_t i = 0; i < sizeof kShapes / sizeof kShapes[0]; i++) {
    for (size_t o = 0; o < 3; o++) {
      const shape s = kShapes[i];
      printf("{\"bench\":\"gemm\",\"impl\":\"openblas\",\"core\":\"%s\",\"threads\":%d,\"op\":\"%s\",\"m\":%d,\"k\":%d,"
             "\"n\":%d,\"gflops\":%.2f}\n",
             openblas_get_corename(), threads, kOps[o], s.m, s.k, s.n, measure(kOps[o], s, min_time, reps));
      fflush(stdout);
    }
  }
  return 0;
}
