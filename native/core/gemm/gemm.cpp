// The GEMM driver: picks the kernel, splits C over the pool, and runs the
// Goto loop nest (B block in L2, A sliver in L1, micro-kernel in registers).
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <new>

#include "../thread_pool.h"
#include "kernel.h"

namespace backprop {

namespace {

using gemm_detail::Kernel;

const Kernel& kernel_for(Isa isa) {
  // An ISA this CPU cannot run falls back to the portable kernel rather than
  // faulting on an illegal instruction.
  if (!isa_supported(isa)) return gemm_detail::scalar_kernel();
  switch (float_isa(isa)) {
#if defined(BACKPROP_HAVE_AVX512)
    case Isa::avx512: return gemm_detail::avx512_kernel();
#endif
#if defined(BACKPROP_HAVE_AVX2)
    case Isa::avx2: return gemm_detail::avx2_kernel();
#endif
#if defined(BACKPROP_HAVE_NEON)
    case Isa::neon: return gemm_detail::neon_kernel();
#endif
    default: return gemm_detail::scalar_kernel();
  }
}

std::size_t round_up(std::size_t value, std::size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// A 64-byte aligned float buffer that only grows, so that a thread's steady
// state allocates nothing.
class GrowOnlyBuffer {
 public:
  GrowOnlyBuffer() = default;
  GrowOnlyBuffer(const GrowOnlyBuffer&) = delete;
  GrowOnlyBuffer& operator=(const GrowOnlyBuffer&) = delete;
  ~GrowOnlyBuffer() { std::free(data_); }

  float* reserve(std::size_t floats) {
    if (floats > capacity_) {
      const std::size_t bytes = round_up(floats * sizeof(float), 64);
      void* fresh = std::aligned_alloc(64, bytes);
      if (fresh == nullptr) throw std::bad_alloc();
      std::free(data_);
      data_ = static_cast<float*>(fresh);
      capacity_ = bytes / sizeof(float);
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  std::size_t capacity_ = 0;
};

struct PackBuffers {
  GrowOnlyBuffer a;
  GrowOnlyBuffer b;
  GrowOnlyBuffer c;  // a block of Cᵀ (transposed_product)
};

thread_local PackBuffers pack_buffers;

struct Problem {
  const Kernel* kernel;
  Trans trans_a, trans_b;
  std::size_t m, n, k;
  const float* a;
  std::size_t lda;
  const float* b;
  std::size_t ldb;
  float* c;
  std::size_t ldc;
  bool accumulate;
  const float* bias;
  // Read op(A) in place for every tile, not only when C is one tile wide.
  bool a_in_place;
};

// The depth of the k blocks: k cut into equal blocks no deeper than KC (a
// thin last block would pay a pass over C for little work). It depends on k
// alone, never on the block of C, so every element sums in one fixed order.
std::size_t k_block(const Kernel& kernel, std::size_t k) {
  const std::size_t blocks = (k + kernel.kc - 1) / kernel.kc;
  return (k + blocks - 1) / blocks;
}

// One (jc, pc) block of the Goto loop nest for rows [i_begin, i_end) of C:
// packed_b holds op(B)[pc : pc+kc, jc : jc+nc] and c_rows is element
// (i_begin, jc) of C (row stride pr.ldc). The rows' A slivers are packed
// here, into this thread's buffer, unless A is read in place.
void multiply_rows(const Problem& pr, std::size_t i_begin, std::size_t i_end, std::size_t jc, std::size_t nc,
                   std::size_t pc, std::size_t kc, const float* packed_b, bool a_in_place, float* c_rows) {
  const Kernel& kernel = *pr.kernel;
  const bool first = pc == 0;
  const bool load_c = pr.accumulate || !first;
  float* packed_a =
      a_in_place ? nullptr : pack_buffers.a.reserve(std::min(kernel.mc, round_up(i_end - i_begin, kernel.mr)) * kc);
  for (std::size_t ic = i_begin; ic < i_end; ic += kernel.mc) {
    const std::size_t mc = std::min(kernel.mc, i_end - ic);
    if (!a_in_place) kernel.pack_a(pr.trans_a, pr.a, pr.lda, ic, mc, pc, kc, packed_a);
    for (std::size_t ir = 0; ir < mc; ir += kernel.mr) {
      const std::size_t rows = std::min(kernel.mr, mc - ir);
      const gemm_detail::ASource a_sliver = !a_in_place ? gemm_detail::ASource{packed_a + ir * kc, 1, kernel.mr, true}
                                            : pr.trans_a == Trans::no
                                                ? gemm_detail::ASource{pr.a + (ic + ir) * pr.lda + pc, pr.lda, 1, false}
                                                : gemm_detail::ASource{pr.a + pc * pr.lda + ic + ir, 1, pr.lda, false};
      float* c_tile_row = c_rows + (ic - i_begin + ir) * pr.ldc;
      for (std::size_t jr = 0; jr < nc; jr += kernel.nr) {
        const std::size_t cols = std::min(kernel.nr, nc - jr);
        const float* bias = first && pr.bias != nullptr ? pr.bias + jc + jr : nullptr;
        kernel.micro(kc, a_sliver, packed_b + jr * kc, c_tile_row + jr, pr.ldc, rows, cols, load_c, bias);
      }
    }
  }
}

// C[i_begin:i_end, j_begin:j_end] in full, written at c_block (element
// (i_begin, j_begin)) with row stride pr.ldc.
void compute_block(const Problem& pr, std::size_t i_begin, std::size_t i_end, std::size_t j_begin,
                   std::size_t j_end, float* c_block) {
  const Kernel& kernel = *pr.kernel;
  const std::size_t kc_max = k_block(kernel, pr.k);
  const std::size_t nc_max = std::min(kernel.nc, round_up(j_end - j_begin, kernel.nr));
  float* packed_b = pack_buffers.b.reserve(kc_max * nc_max);
  // One tile wide: each A sliver would serve one micro-kernel call only, so
  // packing it would cost more than reading op(A) in place.
  const bool a_in_place = pr.a_in_place || j_end - j_begin <= kernel.nr;
  for (std::size_t jc = j_begin; jc < j_end; jc += kernel.nc) {
    const std::size_t nc = std::min(kernel.nc, j_end - jc);
    for (std::size_t pc = 0; pc < pr.k; pc += kc_max) {
      const std::size_t kc = std::min(kc_max, pr.k - pc);
      kernel.pack_b(pr.trans_b, pr.b, pr.ldb, pc, kc, jc, nc, packed_b);
      multiply_rows(pr, i_begin, i_end, jc, nc, pc, kc, packed_b, a_in_place, c_block + (jc - j_begin));
    }
  }
}

// k == 0: the product is empty.
void bias_only(const Problem& pr) {
  for (std::size_t i = 0; i < pr.m; ++i) {
    float* row = pr.c + i * pr.ldc;
    for (std::size_t j = 0; j < pr.n; ++j) {
      const float base = pr.accumulate ? row[j] : 0.0f;
      row[j] = pr.bias != nullptr ? base + pr.bias[j] : base;
    }
  }
}

// Below this much work per task (~20 µs of one core), handing it to a worker
// costs more than it saves. The pool's threads spin between the jobs of a
// step (thread_pool.cpp), so a hand-off costs about a microsecond; 4 MFLOP,
// the threshold while they slept, kept small's products on one thread.
constexpr double kMinFlopsPerTask = 0.8e6;

// Tasks per thread when there is work enough: threads take tasks from a
// shared counter, so a thread that the OS preempts (the machine is shared)
// leaves its second task to the others instead of holding everyone up. The
// shared-B product always cuts its rows this finely (its parts share their
// packing); the split into independent blocks of C, where each task packs
// its own panels and a thread running two packs the shared operand twice,
// only for big products.
constexpr std::size_t kTasksPerThread = 2;
constexpr double kMinFlopsPerSharedTask = 64.0e6;

struct Split {
  std::size_t parts_m, parts_n;
};

// A grid of parts_m × parts_n blocks of C, one per task, for the products
// shared_b_product does not take (fewer row tiles than threads). Each block packs its
// own panels, so a split along n re-packs A once per column part and a split
// along m re-packs B once per row part: pick the grid that re-packs least.
Split choose_split(const Problem& pr, unsigned threads) {
  const std::size_t tiles_m = (pr.m + pr.kernel->mr - 1) / pr.kernel->mr;
  const std::size_t tiles_n = (pr.n + pr.kernel->nr - 1) / pr.kernel->nr;
  const double flops = 2.0 * static_cast<double>(pr.m) * static_cast<double>(pr.n) * static_cast<double>(pr.k);
  const bool oversplit =
      threads > 1 && flops >= kMinFlopsPerSharedTask * static_cast<double>(threads * kTasksPerThread);
  const std::size_t wanted = oversplit ? threads * kTasksPerThread : threads;
  std::size_t tasks = std::min<std::size_t>(wanted, static_cast<std::size_t>(flops / kMinFlopsPerTask));
  for (; tasks > 1; --tasks) {
    Split best{0, 0};
    double best_cost = 0.0;
    for (std::size_t parts_m = 1; parts_m <= tasks; ++parts_m) {
      if (tasks % parts_m != 0) continue;
      const std::size_t parts_n = tasks / parts_m;
      if (parts_m > tiles_m || parts_n > tiles_n) continue;
      const double cost = static_cast<double>(parts_n * pr.m + parts_m * pr.n);
      if (best.parts_m == 0 || cost < best_cost) {
        best = {parts_m, parts_n};
        best_cost = cost;
      }
    }
    if (best.parts_m != 0) return best;
  }
  return {1, 1};
}

// Part `part` of `parts` over `extent`, cut at multiples of `tile`.
std::size_t part_start(std::size_t part, std::size_t parts, std::size_t extent, std::size_t tile) {
  const std::size_t tiles = (extent + tile - 1) / tile;
  return std::min(extent, tiles * part / parts * tile);
}

// Work items run by every thread of a pool in phases: items are claimed in
// increasing order, and an item starts only once every item of the phases
// before its own has finished. A thread waits only for items that another
// thread has claimed and is running, never for a thread that has not shown
// up (the caller then claims everything itself), so this cannot deadlock.
class PhasedItems {
 public:
  // Claims and runs items until none is left; run(item) runs one item and
  // phase_start(item) is the index of the first item of its phase.
  template <class Run, class PhaseStart>
  void work(std::size_t count, Run run, PhaseStart phase_start) {
    for (;;) {
      const std::size_t item = next_.fetch_add(1, std::memory_order_relaxed);
      if (item >= count) return;
      wait_until_finished(phase_start(item));
      // Counted as finished even when it throws (out of memory for a packing
      // buffer), so that no thread waits for it forever; the pool hands the
      // exception to the caller.
      const Finisher finisher{*this};
      run(item);
    }
  }

 private:
  struct Finisher {
    PhasedItems& items;
    ~Finisher() { items.finish_one(); }
  };

  void finish_one() {
    // Sequentially consistent, as the sleeper's two steps below: either it
    // sees this item finished or this sees it asleep (and wakes it).
    finished_.fetch_add(1);
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      woken_.notify_all();
    }
  }

  // The usual wait is the other thread finishing an item it is running:
  // spin for that. On a shared host the thread we wait for may have lost
  // its core for a whole time slice; sleep then rather than burn ours.
  void wait_until_finished(std::size_t needed) {
    constexpr unsigned kSpins = 4096;
    for (unsigned spin = 0; spin < kSpins; ++spin) {
      if (finished_.load(std::memory_order_acquire) >= needed) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    std::unique_lock<std::mutex> lock(mutex_);
    sleepers_.fetch_add(1);
    woken_.wait(lock, [&] { return finished_.load() >= needed; });
    sleepers_.fetch_sub(1);
  }

  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> finished_{0};
  std::atomic<unsigned> sleepers_{0};
  std::mutex mutex_;
  std::condition_variable woken_;
};

// A product split over the rows of C, BLIS style: each (jc, pc) block of
// op(B), which every row needs, is packed once by all threads together into
// one shared buffer (the pack phase of the block), then the threads share
// out the rows of C (its multiply phase), each packing only its own rows of
// A. A row part is summed in the same order as compute_block sums it, so the
// bits do not depend on the split. `after(part, parts)`, when given, runs as
// a last phase over `after_parts` parts.
template <class After>
void shared_b_product(const Problem& pr, ThreadPool& pool, std::size_t row_parts, std::size_t after_parts,
                      After after) {
  const Kernel& kernel = *pr.kernel;
  const std::size_t threads = pool.size();
  const std::size_t kc_max = k_block(kernel, pr.k);
  const std::size_t k_blocks = (pr.k + kc_max - 1) / kc_max;
  const std::size_t j_blocks = (pr.n + kernel.nc - 1) / kernel.nc;
  const std::size_t slivers_max = (std::min(kernel.nc, pr.n) + kernel.nr - 1) / kernel.nr;
  const std::size_t pack_parts = std::min(slivers_max, threads * kTasksPerThread);
  const std::size_t per_block = pack_parts + row_parts;
  const std::size_t blocks = j_blocks * k_blocks;
  const std::size_t count = blocks * per_block + after_parts;
  float* packed_b = pack_buffers.b.reserve(kc_max * round_up(std::min(kernel.nc, pr.n), kernel.nr));
  PhasedItems items;
  auto run = [&](std::size_t item) {
    if (item >= blocks * per_block) {
      after(item - blocks * per_block, after_parts);
      return;
    }
    const std::size_t block = item / per_block, part = item % per_block;
    const std::size_t jc = block / k_blocks * kernel.nc, pc = block % k_blocks * kc_max;
    const std::size_t nc = std::min(kernel.nc, pr.n - jc), kc = std::min(kc_max, pr.k - pc);
    if (part < pack_parts) {
      const std::size_t j0 = part_start(part, pack_parts, nc, kernel.nr);
      const std::size_t j1 = part_start(part + 1, pack_parts, nc, kernel.nr);
      if (j1 > j0) kernel.pack_b(pr.trans_b, pr.b, pr.ldb, pc, kc, jc + j0, j1 - j0, packed_b + j0 * kc);
      return;
    }
    const std::size_t row_part = part - pack_parts;
    const std::size_t i0 = part_start(row_part, row_parts, pr.m, kernel.mr);
    const std::size_t i1 = part_start(row_part + 1, row_parts, pr.m, kernel.mr);
    if (i1 > i0) multiply_rows(pr, i0, i1, jc, nc, pc, kc, packed_b, pr.a_in_place, pr.c + i0 * pr.ldc + jc);
  };
  auto phase_start = [&](std::size_t item) {
    if (item >= blocks * per_block) return blocks * per_block;
    const std::size_t block_start = item / per_block * per_block;
    return item % per_block < pack_parts ? block_start : block_start + pack_parts;
  };
  auto task = [&](std::size_t) { items.work(count, run, phase_start); };
  pool.for_each(threads, task);
}

// Rows of C per thread in a shared-B product, or 0 when it does not pay:
// too little work to wake a second thread, or too few rows to share out.
std::size_t shared_row_parts(const Problem& pr, ThreadPool* pool) {
  if (pool == nullptr || pool->size() < 2) return 0;
  const std::size_t threads = pool->size();
  const double flops = 2.0 * static_cast<double>(pr.m) * static_cast<double>(pr.n) * static_cast<double>(pr.k);
  const std::size_t tiles_m = (pr.m + pr.kernel->mr - 1) / pr.kernel->mr;
  if (flops < kMinFlopsPerTask * static_cast<double>(threads) || tiles_m < threads) return 0;
  return std::min(tiles_m, threads * kTasksPerThread);
}

// Width of the column parts of a split dot product: parts stay many rows of
// B long, and every element is one dot product whatever part holds it.
constexpr std::size_t kDotColumns = 16;

// C = A·Bᵀ with few rows of A, by Kernel::dot, split over columns.
void dot_products(const Problem& pr, ThreadPool* pool) {
  const double flops = 2.0 * static_cast<double>(pr.m) * static_cast<double>(pr.n) * static_cast<double>(pr.k);
  const std::size_t threads = pool != nullptr ? pool->size() : 1;
  const std::size_t tiles = (pr.n + kDotColumns - 1) / kDotColumns;
  const std::size_t tasks =
      std::max<std::size_t>(1, std::min({threads, tiles, static_cast<std::size_t>(flops / kMinFlopsPerTask)}));
  auto task = [&](std::size_t t) {
    const std::size_t j0 = part_start(t, tasks, pr.n, kDotColumns), j1 = part_start(t + 1, tasks, pr.n, kDotColumns);
    pr.kernel->dot(pr.m, j1 - j0, pr.k, pr.a, pr.lda, pr.b + j0 * pr.ldb, pr.ldb, pr.c + j0, pr.ldc, pr.accumulate,
                   pr.bias != nullptr ? pr.bias + j0 : nullptr);
  };
  if (tasks == 1) {
    task(0);
  } else {
    pool->for_each(tasks, task);
  }
}

// Runs block(i_begin, i_end, j_begin, j_end) over the blocks of C that
// choose_split gives, on the pool when there are several.
template <class Block>
void for_each_block(const Problem& pr, ThreadPool* pool, Block block) {
  const Split split = choose_split(pr, pool != nullptr ? pool->size() : 1);
  auto task = [&](std::size_t t) {
    const std::size_t pm = t / split.parts_n, pn = t % split.parts_n;
    block(part_start(pm, split.parts_m, pr.m, pr.kernel->mr), part_start(pm + 1, split.parts_m, pr.m, pr.kernel->mr),
          part_start(pn, split.parts_n, pr.n, pr.kernel->nr), part_start(pn + 1, split.parts_n, pr.n, pr.kernel->nr));
  };
  const std::size_t tasks = split.parts_m * split.parts_n;
  if (tasks == 1) {
    task(0);
  } else {
    pool->for_each(tasks, task);
  }
}

// Writes rows [i_begin, i_end) × columns [j_begin, j_end) of Cᵀ, held at
// block (element (i_begin, j_begin), row stride ld), into C transposed,
// then + C, then + bias: an order fixed by the shape alone. Bands of
// kTransposeBand rows of Cᵀ at a time, so that the band's cache lines serve
// consecutive rows of C from L1 instead of each read of a column of a large
// Cᵀ missing.
constexpr std::size_t kTransposeBand = 16;

void write_transposed(const Problem& pr, const float* block, std::size_t ld, std::size_t i_begin, std::size_t i_end,
                      std::size_t j_begin, std::size_t j_end) {
  for (std::size_t band = i_begin; band < i_end; band += kTransposeBand) {
    const std::size_t band_end = std::min(i_end, band + kTransposeBand);
    for (std::size_t j = j_begin; j < j_end; ++j) {
      float* row = pr.c + j * pr.ldc;
      const float* column = block + (j - j_begin);
      for (std::size_t i = band; i < band_end; ++i) {
        float value = column[(i - i_begin) * ld];
        if (pr.accumulate) value += row[i];
        if (pr.bias != nullptr) value += pr.bias[i];
        row[i] = value;
      }
    }
  }
}

Trans flip(Trans trans) { return trans == Trans::no ? Trans::yes : Trans::no; }

// C computed as Cᵀ = op(B)ᵀ·op(A)ᵀ, for two shapes that the direct loop nest
// serves badly:
// - A·Bᵀ with fewer rows than columns (the forward product of a batch smaller
//   than the layer): B, the weights, is read in place as the micro-kernel's A
//   (`b_in_place`), so only the batch is packed instead of the whole weight
//   matrix being transposed into slivers every step;
// - C narrower than one register tile (n < nr, an output layer of ten
//   units): every tile would leave most of its vector lanes idle, while as
//   rows of Cᵀ the n columns cost only their own multiply-adds.
// Cᵀ goes through a buffer (per block of it on one thread, whole when the
// threads share the packed operand) and is written back transposed.
void transposed_product(const Problem& pr, ThreadPool* pool, bool b_in_place) {
  const Problem swapped{pr.kernel, flip(pr.trans_b), flip(pr.trans_a), pr.n, pr.m, pr.k, pr.b, pr.ldb, pr.a, pr.lda,
                        nullptr, 0, false, nullptr, b_in_place};
  const std::size_t row_parts = shared_row_parts(swapped, pool);
  if (row_parts > 0) {
    Problem whole = swapped;
    whole.c = pack_buffers.c.reserve(pr.n * pr.m);
    whole.ldc = pr.m;
    shared_b_product(whole, *pool, row_parts, row_parts, [&](std::size_t part, std::size_t parts) {
      const std::size_t i0 = part_start(part, parts, pr.n, pr.kernel->mr);
      const std::size_t i1 = part_start(part + 1, parts, pr.n, pr.kernel->mr);
      write_transposed(pr, whole.c + i0 * whole.ldc, whole.ldc, i0, i1, 0, pr.m);
    });
    return;
  }
  for_each_block(swapped, pool, [&](std::size_t i_begin, std::size_t i_end, std::size_t j_begin, std::size_t j_end) {
    const std::size_t width = j_end - j_begin;
    float* block = pack_buffers.c.reserve((i_end - i_begin) * width);
    Problem part = swapped;
    part.ldc = width;
    compute_block(part, i_begin, i_end, j_begin, j_end, block);
    write_transposed(pr, block, width, i_begin, i_end, j_begin, j_end);
  });
}

}  // namespace

void sgemm(Isa isa, Trans trans_a, Trans trans_b, std::size_t m, std::size_t n, std::size_t k,
           const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c,
           std::size_t ldc, bool accumulate, const float* bias, ThreadPool* pool) {
  if (m == 0 || n == 0) return;
  const Problem pr{&kernel_for(isa), trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, false};
  if (k == 0) {
    bias_only(pr);
    return;
  }
  if (trans_a == Trans::no && trans_b == Trans::yes) {
    if (m <= pr.kernel->dot_rows_max) {
      dot_products(pr, pool);
      return;
    }
    if (m < n && m <= pr.kernel->transposed_rows_max) {
      transposed_product(pr, pool, true);
      return;
    }
  }
  if (n < pr.kernel->nr && m > n) {
    transposed_product(pr, pool, false);
    return;
  }
  const std::size_t row_parts = shared_row_parts(pr, pool);
  if (row_parts > 0) {
    Problem shared = pr;
    // One tile wide: as in compute_block, A is read in place.
    shared.a_in_place = n <= pr.kernel->nr;
    shared_b_product(shared, *pool, row_parts, 0, [](std::size_t, std::size_t) {});
    return;
  }
  for_each_block(pr, pool, [&](std::size_t i_begin, std::size_t i_end, std::size_t j_begin, std::size_t j_end) {
    compute_block(pr, i_begin, i_end, j_begin, j_end, c + i_begin * ldc + j_begin);
  });
}

}  // namespace backprop
