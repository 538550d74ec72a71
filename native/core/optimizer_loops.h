// The loops of every optimizer update, included by optimizers.cpp (baseline)
// and by each optimizers_<isa>.cpp. Internal linkage, like gemm/pack.h: each
// file compiles its own copy with its own instruction-set flags. Each body is
// branch-free and the pointers restrict-qualified, so the compiler
// vectorizes it to the widest vectors the file's flags allow. Each rule is
// compiled twice: plain, and checked (kChecked: it also returns the flag of
// any new parameter that is not finite, from the value it just computed, at
// no change to the arithmetic).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "finite.h"
#include "finite_flags.h"
#include "optimizer_update.h"

namespace backprop {
namespace optimizer_detail {
namespace {

template <bool kChecked>
std::uint32_t sgd(const UpdateConstants& k, float* __restrict p, const float* __restrict grad,
                  std::size_t n) {
  std::uint32_t flags = 0;
  for (std::size_t i = 0; i < n; ++i) {
    p[i] -= k.lr * (grad[i] + k.wd * p[i]);
    if constexpr (kChecked) flags |= non_finite_flag(p[i]);
  }
  return flags;
}

template <bool kChecked>
std::uint32_t sgd_momentum(const UpdateConstants& k, float* __restrict p, const float* __restrict grad,
                           float* __restrict buf, std::size_t n) {
  std::uint32_t flags = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + k.wd * p[i];
    buf[i] = k.keep * buf[i] + g;
    p[i] -= k.lr * buf[i];
    if constexpr (kChecked) flags |= non_finite_flag(p[i]);
  }
  return flags;
}

template <bool kChecked>
std::uint32_t sgd_nesterov(const UpdateConstants& k, float* __restrict p, const float* __restrict grad,
                           float* __restrict buf, std::size_t n) {
  std::uint32_t flags = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + k.wd * p[i];
    buf[i] = k.keep * buf[i] + g;
    p[i] -= k.lr * (g + k.momentum * buf[i]);
    if constexpr (kChecked) flags |= non_finite_flag(p[i]);
  }
  return flags;
}

// adam (L2 in the gradient: wd) and adamw (decoupled: shrink, wd 0).
template <bool kChecked>
std::uint32_t adam(const UpdateConstants& k, float* __restrict p, const float* __restrict grad,
                   float* __restrict m, float* __restrict v, std::size_t n) {
  std::uint32_t flags = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float decayed = p[i] * k.shrink;
    const float g = grad[i] + k.wd * decayed;
    m[i] = k.beta1 * m[i] + k.one_minus_beta1 * g;
    v[i] = k.beta2 * v[i] + k.one_minus_beta2 * g * g;
    p[i] = decayed - k.step_size * m[i] / (std::sqrt(v[i]) / k.correction2_sqrt + k.eps);
    if constexpr (kChecked) flags |= non_finite_flag(p[i]);
  }
  return flags;
}

template <bool kChecked>
std::uint32_t rmsprop(const UpdateConstants& k, float* __restrict p, const float* __restrict grad,
                      float* __restrict v, std::size_t n) {
  std::uint32_t flags = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + k.wd * p[i];
    v[i] = k.alpha * v[i] + k.one_minus_alpha * g * g;
    p[i] -= k.lr * g / (std::sqrt(v[i]) + k.eps);
    if constexpr (kChecked) flags |= non_finite_flag(p[i]);
  }
  return flags;
}

template <bool kChecked>
std::uint32_t rmsprop_momentum(const UpdateConstants& k, float* __restrict p, const float* __restrict grad,
                               float* __restrict buf, float* __restrict v, std::size_t n) {
  std::uint32_t flags = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + k.wd * p[i];
    v[i] = k.alpha * v[i] + k.one_minus_alpha * g * g;
    buf[i] = k.momentum * buf[i] + g / (std::sqrt(v[i]) + k.eps);
    p[i] -= k.lr * buf[i];
    if constexpr (kChecked) flags |= non_finite_flag(p[i]);
  }
  return flags;
}

template <bool kChecked>
std::uint32_t adagrad(const UpdateConstants& k, float* __restrict p, const float* __restrict grad,
                      float* __restrict sum, std::size_t n) {
  std::uint32_t flags = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grad[i] + k.wd * p[i];
    sum[i] += g * g;
    p[i] -= k.lr * g / (std::sqrt(sum[i]) + k.eps);
    if constexpr (kChecked) flags |= non_finite_flag(p[i]);
  }
  return flags;
}

// The update; checked, the flag of any new parameter that is not finite.
template <bool kChecked>
std::uint32_t run_update(const Update& u) {
  switch (u.rule) {
    case UpdateRule::sgd: return sgd<kChecked>(u.k, u.p, u.g, u.n);
    case UpdateRule::sgd_momentum: return sgd_momentum<kChecked>(u.k, u.p, u.g, u.first, u.n);
    case UpdateRule::sgd_nesterov: return sgd_nesterov<kChecked>(u.k, u.p, u.g, u.first, u.n);
    case UpdateRule::adam: return adam<kChecked>(u.k, u.p, u.g, u.first, u.second, u.n);
    case UpdateRule::rmsprop: return rmsprop<kChecked>(u.k, u.p, u.g, u.second, u.n);
    case UpdateRule::rmsprop_momentum:
      return rmsprop_momentum<kChecked>(u.k, u.p, u.g, u.first, u.second, u.n);
    case UpdateRule::adagrad: return adagrad<kChecked>(u.k, u.p, u.g, u.second, u.n);
  }
  return 0;
}

void run_plain_update(const Update& u) { run_update<false>(u); }

// Elements per block of a guarded pass: adam's seven streams (p, g, m, v and
// the copies of p, m, v) of 4 KiB each fit a 32 KiB L1 data cache, so the
// checked update re-reads the block it has just copied from L1.
// A multiple of the split's alignment (optimizers.cpp), so each block's
// vector loop covers the elements the whole pass's would.
constexpr std::size_t kGuardBlock = 1024;

// `update` restricted to elements [begin, end).
Update update_part(const Update& update, std::size_t begin, std::size_t end) {
  Update part = update;
  part.p += begin;
  part.g += begin;
  if (part.first != nullptr) part.first += begin;
  if (part.second != nullptr) part.second += begin;
  part.n = end - begin;
  return part;
}

// Copies n floats from `from` to to[offset …]; nothing for a moment the
// rule does not use (`from` null, and then `to` too). The copies are read
// only to undo a step, so on x86 they bypass the caches (streaming stores):
// no read of their lines before the write, and the update's own streams
// keep the cache. kept_blocks_written() orders them before the pass ends.
void keep_block(const float* from, float* to, std::size_t offset, std::size_t n) {
  if (from == nullptr) return;
  float* out = to + offset;
#if defined(__SSE2__)
  std::size_t i = 0;
  for (; i < n && reinterpret_cast<std::uintptr_t>(out + i) % 16 != 0; ++i) out[i] = from[i];
  for (; i + 4 <= n; i += 4) _mm_stream_ps(out + i, _mm_loadu_ps(from + i));
  for (; i < n; ++i) out[i] = from[i];
#else
  std::copy(from, from + n, out);
#endif
}

// Streaming stores are weakly ordered: fence them before the pass reports.
void kept_blocks_written() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

std::size_t run_guarded_update(const Update& u, const UpdateBackup& backup) {
  std::size_t first_bad = u.n;
  for (std::size_t begin = 0; begin < u.n; begin += kGuardBlock) {
    const Update block = update_part(u, begin, std::min(u.n, begin + kGuardBlock));
    keep_block(block.p, backup.p, begin, block.n);
    keep_block(block.first, backup.first, begin, block.n);
    keep_block(block.second, backup.second, begin, block.n);
    if (run_update<true>(block) != 0 && first_bad == u.n) {
      first_bad = begin + first_non_finite(block.p, block.n);
    }
  }
  kept_blocks_written();
  return first_bad;
}

}  // namespace
}  // namespace optimizer_detail
}  // namespace backprop
