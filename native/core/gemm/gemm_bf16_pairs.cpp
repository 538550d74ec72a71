// The bfloat16 GEMM driver for the kernels that multiply bfloat16 pairs
// (bf16_pairs.h): the Goto loop nest of gemm.cpp, with operands rounded to
// bfloat16 as they are packed, so no rounded copy of a whole matrix is made.
#include <algorithm>
#include <vector>

#include "../bfloat16.h"
#include "../thread_pool.h"
#include "bf16_pairs.h"

namespace backprop {
namespace gemm_detail {

namespace {

std::size_t round_up(std::size_t value, std::size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// Per thread and grow-only: steady state allocates nothing.
struct Bf16PackBuffers {
  std::vector<std::uint16_t> a, b;
};
thread_local Bf16PackBuffers bf16_buffers;

std::uint16_t* reserve(std::vector<std::uint16_t>& buffer, std::size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

// k cut into equal blocks, each a multiple of kstep and no deeper than kc:
// a function of k alone, so every element of C sums in one fixed order.
std::size_t depth_block(const Bf16Kernel& kernel, std::size_t k) {
  const std::size_t blocks = (k + kernel.kc - 1) / kernel.kc;
  return round_up((k + blocks - 1) / blocks, kernel.kstep);
}

struct Bf16Problem {
  const Bf16Kernel& kernel;
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
};

void compute_block(const Bf16Problem& pr, std::size_t i_begin, std::size_t i_end, std::size_t j_begin,
                   std::size_t j_end) {
  const Bf16Kernel& kernel = pr.kernel;
  const std::size_t kc_max = depth_block(kernel, pr.k);
  const std::size_t nc_max = std::min(kernel.nc, round_up(j_end - j_begin, kernel.nr));
  const std::size_t mc_max = std::min(kernel.mc, round_up(i_end - i_begin, kernel.mr));
  std::uint16_t* packed_b = reserve(bf16_buffers.b, kc_max * nc_max);
  std::uint16_t* packed_a = reserve(bf16_buffers.a, mc_max * kc_max);
  for (std::size_t jc = j_begin; jc < j_end; jc += kernel.nc) {
    const std::size_t nc = std::min(kernel.nc, j_end - jc);
    for (std::size_t pc = 0; pc < pr.k; pc += kc_max) {
      const std::size_t kc = std::min(kc_max, pr.k - pc);
      const std::size_t kp = round_up(kc, kernel.kstep);
      const bool first = pc == 0;
      const bool load_c = pr.accumulate || !first;
      pack_b_bf16(pr.trans_b, pr.b, pr.ldb, pc, kc, jc, nc, kernel.nr, kp, packed_b);
      for (std::size_t ic = i_begin; ic < i_end; ic += kernel.mc) {
        const std::size_t mc = std::min(kernel.mc, i_end - ic);
        pack_a_bf16(pr.trans_a, pr.a, pr.lda, ic, mc, pc, kc, kernel.mr, kp, packed_a);
        for (std::size_t ir = 0; ir < mc; ir += kernel.mr) {
          const std::size_t rows = std::min(kernel.mr, mc - ir);
          float* c_rows = pr.c + (ic + ir) * pr.ldc;
          for (std::size_t jr = 0; jr < nc; jr += kernel.nr) {
            const std::size_t j = jc + jr;
            const float* bias = first && pr.bias != nullptr ? pr.bias + j : nullptr;
            kernel.micro(kp, packed_a + ir * kp, packed_b + jr * kp, c_rows + j, pr.ldc, rows,
                         std::min(kernel.nr, nc - jr), load_c, bias);
          }
        }
      }
    }
  }
}

// Below this much work per task, waking a worker costs more than it saves.
constexpr double kMinFlopsPerTask = 4.0e6;

// Part `part` of `parts` over `extent`, cut at multiples of `tile`.
std::size_t part_start(std::size_t part, std::size_t parts, std::size_t extent, std::size_t tile) {
  const std::size_t tiles = (extent + tile - 1) / tile;
  return std::min(extent, tiles * part / parts * tile);
}

}  // namespace

void pack_a_bf16(Trans trans, const float* a, std::size_t lda, std::size_t i0, std::size_t mc, std::size_t p0,
                 std::size_t kc, std::size_t mr, std::size_t kp, std::uint16_t* out) {
  for (std::size_t s = 0; s < mc; s += mr, out += mr * kp) {
    const std::size_t count = std::min(mr, mc - s);
    for (std::size_t r = 0; r < mr; ++r) {
      std::uint16_t* row = out + r * kp;
      std::size_t p = 0;
      if (r < count) {
        const std::size_t i = i0 + s + r;
        if (trans == Trans::no) {
          const float* from = a + i * lda + p0;
          for (; p < kc; ++p) row[p] = bfloat16_bits(from[p]);
        } else {
          const float* from = a + p0 * lda + i;
          for (; p < kc; ++p) row[p] = bfloat16_bits(from[p * lda]);
        }
      }
      for (; p < kp; ++p) row[p] = 0;
    }
  }
}

void pack_b_bf16(Trans trans, const float* b, std::size_t ldb, std::size_t p0, std::size_t kc, std::size_t j0,
                 std::size_t nc, std::size_t nr, std::size_t kp, std::uint16_t* out) {
  for (std::size_t s = 0; s < nc; s += nr, out += nr * kp) {
    const std::size_t count = std::min(nr, nc - s);
    for (std::size_t p = 0; p < kp; ++p) {
      std::uint16_t* pairs = out + (p / 2) * 2 * nr + p % 2;
      std::size_t c = 0;
      if (p < kc) {
        if (trans == Trans::no) {
          const float* from = b + (p0 + p) * ldb + j0 + s;
          for (; c < count; ++c) pairs[2 * c] = bfloat16_bits(from[c]);
        } else {
          const float* from = b + (j0 + s) * ldb + p0 + p;
          for (; c < count; ++c) pairs[2 * c] = bfloat16_bits(from[c * ldb]);
        }
      }
      for (; c < nr; ++c) pairs[2 * c] = 0;
    }
  }
}

void bf16_pairs_gemm(const Bf16Kernel& kernel, Trans trans_a, Trans trans_b, std::size_t m, std::size_t n,
                     std::size_t k, const float* a, std::size_t lda, const float* b, std::size_t ldb, float* c,
                     std::size_t ldc, bool accumulate, const float* bias, ThreadPool* pool) {
  const Bf16Problem pr{kernel, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias};
  // Split C by rows when there are row tiles enough, else by columns: each
  // task packs its own panels; the sums do not depend on the split.
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const std::size_t threads = pool != nullptr ? pool->size() : 1;
  const std::size_t tiles_m = (m + kernel.mr - 1) / kernel.mr, tiles_n = (n + kernel.nr - 1) / kernel.nr;
  std::size_t tasks = std::max<std::size_t>(1, std::min(threads, static_cast<std::size_t>(flops / kMinFlopsPerTask)));
  const bool by_rows = tiles_m >= tasks;
  tasks = std::min(tasks, by_rows ? tiles_m : tiles_n);
  auto task = [&](std::size_t t) {
    if (by_rows) {
      compute_block(pr, part_start(t, tasks, m, kernel.mr), part_start(t + 1, tasks, m, kernel.mr), 0, n);
    } else {
      compute_block(pr, 0, m, part_start(t, tasks, n, kernel.nr), part_start(t + 1, tasks, n, kernel.nr));
    }
  };
  if (tasks == 1) {
    task(0);
  } else {
    pool->for_each(tasks, task);
  }
}

}  // namespace gemm_detail
}  // namespace backprop
